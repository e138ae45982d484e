"""``tasks run`` without TASK: a picker and an input prompt on a terminal, exit 2 elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable

from render_sdk.local import LocalServer

from .conftest import CLI, base_env, run_cli_interactive

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _answers(*steps: tuple[str, Callable[[str], str]]) -> Callable[[str], str | None]:
    """Reply to each prompt once it appears: (text that ends the prompt, reply from screen)."""
    pending = list(steps)
    seen = 0

    def answer(screen: str) -> str | None:
        nonlocal seen
        plain = _ANSI.sub("", screen)
        if not pending:
            return None
        prompt, reply = pending[0]
        at = plain.find(prompt, seen)
        if at < 0:
            return None
        seen = at + len(prompt)
        pending.pop(0)
        return reply(plain)

    return answer


def _number_of(name: str) -> Callable[[str], str]:
    def pick(screen: str) -> str:
        match = re.search(rf"(\d+)\) {name}\b", screen)
        assert match, screen
        return match.group(1)

    return pick


def test_without_task_on_a_terminal_it_offers_a_picker_and_validates_the_input(
    local_server: LocalServer,
) -> None:
    answer = _answers(
        ("Task to run [", _number_of("square")),
        ("Input, a JSON array or object [[]]:", lambda _: "[5"),
        ("Input, a JSON array or object [[]]:", lambda _: "5"),
        ("Input, a JSON array or object [[]]:", lambda _: "[5]"),
    )
    result = run_cli_interactive("tasks", "run", env=base_env(local_server), answer=answer)
    plain = _ANSI.sub("", result.out)
    assert result.code == 0, plain
    assert local_server.task_id("demo/square") in plain  # the list came from the API
    assert "error: the input is not valid JSON" in plain  # "[5" was refused ...
    assert "error: the input must be a JSON array" in plain  # ... and so was "5"
    assert plain.count("Input, a JSON array or object") == 3
    assert "succeeded in" in plain
    assert "[25]" in plain


def test_the_picker_accepts_a_slug_and_re_asks_after_a_bad_one(local_server: LocalServer) -> None:
    answer = _answers(
        ("Task to run [", lambda _: "not a slug"),
        ("Task to run [", lambda _: "demo/add"),
        ("Input, a JSON array or object [[]]:", lambda _: '{"a": 2, "b": 3}'),
    )
    result = run_cli_interactive("tasks", "run", env=base_env(local_server), answer=answer)
    plain = _ANSI.sub("", result.out)
    assert result.code == 0, plain
    assert "invalid task identifier 'not a slug'" in plain
    assert "[5]" in plain


def test_without_task_in_a_pipe_it_is_a_usage_error_saying_what_to_pass(cli: CLI) -> None:
    result = cli("tasks", "run")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("error: missing TASK: pass a task slug")
    assert "render-sdk tasks run my-workflow/square '[5]'" in result.err
    assert result.err.count("\n") == 1


def test_no_wait_on_a_terminal_prints_the_id_and_a_hint_on_stderr(
    local_server: LocalServer,
) -> None:
    result = run_cli_interactive(
        "tasks",
        "run",
        "demo/square",
        "[2]",
        "--no-wait",
        env=base_env(local_server),
        answer=lambda screen: None,
    )
    lines = [line for line in _ANSI.sub("", result.out).splitlines() if line.strip()]
    assert result.code == 0, lines
    assert lines[0].startswith("trn-")
    assert lines[1] == f"follow it with: render-sdk runs watch {lines[0]}"
