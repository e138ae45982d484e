"""Codegen: the async source is rewritten into a formatted, checked sync twin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen import rules as shipped
from codegen.cli import main
from codegen.rewrite import (
    header_for,
    invalid_keys,
    rewrite_prose,
    unasync_source,
    used_keys,
    used_phrases,
)
from codegen.tree import Rules

REPO_ROOT = Path(__file__).resolve().parents[2]

CLIENT_SOURCE = '''\
"""A tiny client that exercises every rewrite codegen relies on."""

from __future__ import annotations

from collections.abc import AsyncIterator

from .._shims import async_sleep
from .._transport.base import AsyncHTTPTransport


class AwaitableTaskRun:
    def __init__(self, run_id: str) -> None:
        self.id = run_id


class AsyncWorkflowsService:
    def __init__(self, transport: AsyncHTTPTransport) -> None:
        self._transport = transport

    async def start_task(self, slug: str) -> AwaitableTaskRun:
        await async_sleep(0)
        return AwaitableTaskRun(await self._transport.send(slug))

    async def list_task_runs(self) -> AsyncIterator[str]:
        async for page in self._transport.pages():
            for item in page:
                yield item


class AsyncClient:
    def __init__(self, transport: AsyncHTTPTransport) -> None:
        self.workflows = AsyncWorkflowsService(transport)
        self._transport = transport

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        async with self._transport.lock():
            await self._transport.aclose()
'''

EXPECTED_CLIENT = '''\
"""A tiny client that exercises every rewrite codegen relies on."""

from __future__ import annotations

from collections.abc import Iterator

from .._shims import sync_sleep
from .._transport.base import HTTPTransport


class TaskRun:
    def __init__(self, run_id: str) -> None:
        self.id = run_id


class WorkflowsService:
    def __init__(self, transport: HTTPTransport) -> None:
        self._transport = transport

    def start_task(self, slug: str) -> TaskRun:
        sync_sleep(0)
        return TaskRun(self._transport.send(slug))

    def list_task_runs(self) -> Iterator[str]:
        for page in self._transport.pages():
            for item in page:
                yield item


class Client:
    def __init__(self, transport: HTTPTransport) -> None:
        self.workflows = WorkflowsService(transport)
        self._transport = transport

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._transport.lock():
            self._transport.close()
'''

FIXTURE_REPLACEMENTS = {
    "AsyncClient": "Client",
    "AsyncHTTPTransport": "HTTPTransport",
    "AsyncWorkflowsService": "WorkflowsService",
    "AwaitableTaskRun": "TaskRun",
    "aclose": "close",
    "async_sleep": "sync_sleep",
}
RULES = Rules(directories=[("pkg/_async", "pkg/_sync")], replacements=FIXTURE_REPLACEMENTS)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository with one async module and one nested async module."""
    write(tmp_path / "pkg/_async/__init__.py", '"""Async twin."""\n')
    write(tmp_path / "pkg/_async/_client.py", CLIENT_SOURCE)
    write(
        tmp_path / "pkg/_async/streams/_events.py",
        "async def first(it):\n    return await anext(it)\n",
    )
    return tmp_path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run(root: Path, *args: str, rules: Rules = RULES) -> int:
    return main([*args, "--root", str(root)], rules=rules)


def test_unasync_rewrites_async_client_into_blocking_client() -> None:
    assert unasync_source(CLIENT_SOURCE, FIXTURE_REPLACEMENTS) == EXPECTED_CLIENT


def test_unmapped_async_name_falls_back_to_sync_prefix() -> None:
    assert unasync_source("x = AsyncThing()\n", {}) == "x = SyncThing()\n"


def test_strings_are_rewritten_only_when_they_are_exactly_one_name() -> None:
    source = 'a = "AsyncClient"\nb = "use AsyncClient here"\nc = f"AsyncClient"\n'
    expected = 'a = "Client"\nb = "use AsyncClient here"\nc = f"AsyncClient"\n'
    assert unasync_source(source, {"AsyncClient": "Client"}) == expected


def test_used_keys_agree_with_what_unasync_actually_rewrites() -> None:
    table = {**FIXTURE_REPLACEMENTS, "aread": "read", "AsyncMissing": "Missing", "docs": "x"}
    source = CLIENT_SOURCE + '\n"""Mentions aread and AsyncMissing in a docstring."""\n'
    output = unasync_source(source, table)
    for key in table:
        without_key = {k: v for k, v in table.items() if k != key}
        changes_output = unasync_source(source, without_key) != output
        assert (key in used_keys(source, table)) == changes_output, key


def test_keys_that_are_not_single_names_are_invalid() -> None:
    table = {"asyncio.sleep": "time.sleep", "await": "x", "aclose": "close"}
    assert invalid_keys(table) == ["asyncio.sleep", "await"]


def test_generated_files_start_with_header_naming_their_source(tree: Path) -> None:
    assert run(tree) == 0
    client = (tree / "pkg/_sync/_client.py").read_text(encoding="utf-8")
    events = (tree / "pkg/_sync/streams/_events.py").read_text(encoding="utf-8")
    assert client.startswith(header_for("pkg/_async/_client.py") + '"""A tiny client')
    assert events.startswith(
        "# This file is generated from pkg/_async/streams/_events.py by codegen — do not edit.\n"
    )
    assert "class Client:" in client
    assert "def close(self) -> None:" in client


def test_output_is_formatted_and_imports_resorted_after_renames(tmp_path: Path) -> None:
    write(tmp_path / "pkg/_async/m.py", "from .x import AsyncZeta, Beta\n\nv = (1,\n  2)\n")
    assert run(tmp_path) == 0
    text = (tmp_path / "pkg/_sync/m.py").read_text(encoding="utf-8")
    assert text.endswith("from .x import Beta, SyncZeta\n\nv = (1, 2)\n")


def test_check_passes_right_after_regenerating(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tree) == 0
    assert run(tree, "--check") == 0
    assert "up to date" in capsys.readouterr().out


def test_regenerating_twice_rewrites_nothing(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tree) == 0
    capsys.readouterr()
    assert run(tree) == 0
    assert "3 file(s), 0 updated" in capsys.readouterr().out


def test_check_fails_with_diff_after_hand_edit(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tree)
    target = tree / "pkg/_sync/_client.py"
    target.write_text(target.read_text().replace("self.close()", "pass"), encoding="utf-8")
    assert run(tree, "--check") == 1
    err = capsys.readouterr().err
    assert "pkg/_sync/_client.py differs from its source pkg/_async/_client.py" in err
    assert "--- pkg/_sync/_client.py (committed)" in err
    assert "-        pass\n" in err
    assert "+        self.close()\n" in err


def test_check_fails_on_orphan_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(tree)
    write(tree / "pkg/_sync/_old.py", "x = 1\n")
    write(tree / "pkg/_sync/__pycache__/_client.cpython-311.pyc", "")
    assert run(tree, "--check") == 1
    err = capsys.readouterr().err
    assert "orphan file pkg/_sync/_old.py" in err
    assert "__pycache__" not in err


def test_check_fails_on_missing_generated_file(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tree)
    (tree / "pkg/_sync/streams/_events.py").unlink()
    assert run(tree, "--check") == 1
    assert "missing generated file pkg/_sync/streams/_events.py" in capsys.readouterr().err


def test_check_fails_on_unused_replacement_key(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = Rules(RULES.directories, {**RULES.replacements, "AsyncNeverUsed": "NeverUsed"})
    run(tree, rules=rules)
    assert run(tree, "--check", rules=rules) == 1
    err = capsys.readouterr().err
    assert "unused replacement key 'AsyncNeverUsed'" in err
    assert "aclose" not in err


def test_check_fails_on_dotted_replacement_key(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = Rules(RULES.directories, {**RULES.replacements, "asyncio.sleep": "time.sleep"})
    run(tree, rules=rules)
    assert run(tree, "--check", rules=rules) == 1
    assert "'asyncio.sleep' is not a single Python name" in capsys.readouterr().err


def test_empty_source_folder_generates_nothing(tmp_path: Path) -> None:
    (tmp_path / "pkg/_async").mkdir(parents=True)
    empty = Rules(RULES.directories, {})
    assert run(tmp_path, rules=empty) == 0
    assert run(tmp_path, "--check", rules=empty) == 0
    assert not (tmp_path / "pkg/_sync").exists()


def test_regenerate_removes_stale_generated_files_but_keeps_hand_written_ones(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tree)
    (tree / "pkg/_async/streams/_events.py").unlink()
    write(tree / "pkg/_sync/notes.txt", "mine\n")
    run(tree)
    assert not (tree / "pkg/_sync/streams/_events.py").exists()
    assert (tree / "pkg/_sync/notes.txt").exists()
    assert "kept pkg/_sync/notes.txt" in capsys.readouterr().err


def test_module_entry_point_checks_the_repository() -> None:
    """The committed twins match their sources and every shipped key is used."""
    assert set(shipped.DIRECTORIES) >= {("render_sdk/_async", "render_sdk/_sync")}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "codegen", "--root", str(REPO_ROOT), "--check"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- prose: docstrings and comments ----------------------------------------------------------

PROSE_SOURCE = '''\
"""For asyncio code: ``await run`` waits."""

# With asyncio, ``await run`` waits too.
ASYNCIO = "asyncio"  # a value, not prose about the twin: only the phrase table decides


async def wait(run: object) -> None:
    """Wait: ``await run``."""
    await run  # type: ignore[misc]
'''

PHRASES = (("``await run``", "``run.wait()``"), ("asyncio code", "blocking code"))


def test_phrases_rewrite_docstrings_and_comments_but_never_code() -> None:
    rewritten = rewrite_prose(unasync_source(PROSE_SOURCE, {}), PHRASES)
    assert '"""For blocking code: ``run.wait()`` waits."""' in rewritten
    assert "# With asyncio, ``run.wait()`` waits too." in rewritten
    assert '"""Wait: ``run.wait()``."""' in rewritten
    assert 'ASYNCIO = "asyncio"' in rewritten  # "asyncio" alone is not a phrase of the table
    assert "    run  # type: ignore[misc]" in rewritten  # code is unasync's business


def test_used_phrases_look_only_at_strings_and_comments() -> None:
    assert used_phrases(PROSE_SOURCE, PHRASES) == {"``await run``", "asyncio code"}
    code_only = "def asyncio_code(x):\n    return x\n"
    assert used_phrases(code_only, (("asyncio_code", "blocking_code"),)) == set()


def test_generated_files_use_the_phrase_table(tree: Path) -> None:
    write(tree / "pkg/_async/prose.py", PROSE_SOURCE)
    rules = Rules(RULES.directories, RULES.replacements, PHRASES)
    assert run(tree, rules=rules) == 0
    generated = (tree / "pkg/_sync/prose.py").read_text()
    assert "``run.wait()``" in generated
    assert "``await run``" not in generated
    assert run(tree, "--check", rules=rules) == 0


def test_check_fails_on_an_unused_phrase(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = Rules(RULES.directories, RULES.replacements, (("in no source", "anything"),))
    run(tree, rules=rules)
    assert run(tree, "--check", rules=rules) == 1
    assert "unused phrase 'in no source'" in capsys.readouterr().err


def test_every_shipped_phrase_is_reviewed_prose() -> None:
    assert shipped.PHRASES
    for old, new in shipped.PHRASES:
        assert old != new
        assert "\n" not in old
