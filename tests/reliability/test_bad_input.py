"""Bad arguments to the public methods are refused before any request, naming the problem.

One table of more than 30 bad values, through the public client methods of both twins; the
mock transport must record zero requests. The pure validators have their own tables in
tests/unit/test_identifiers.py, tests/unit/test_inputs.py and tests/unit/test_checks.py,
and the client-level ones in tests/_async/test_client.py (bad identifiers, inputs, run IDs,
limits, wait timeouts).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import (
    AsyncClient,
    Client,
    InvalidArgumentError,
    InvalidInputError,
    InvalidTaskIdentifierError,
)
from tests.reliability._twins import Twin

Call = Callable[[Any], Any]


def start(identifier: Any, input_data: Any = (), **options: Any) -> Call:
    data = [] if input_data == () else input_data
    return lambda c: c.workflows.start_task(identifier, data, **options)


def gen() -> Any:
    yield 1


BAD: list[tuple[str, Call, type[Exception], str]] = [
    # task identifiers
    ("empty slug", start(""), InvalidTaskIdentifierError, "empty"),
    ("spaces in slug", start("my workflow/task"), InvalidTaskIdentifierError, "whitespace"),
    ("padded slug", start(" wf/task "), InvalidTaskIdentifierError, "whitespace"),
    ("missing task name", start("wf/"), InvalidTaskIdentifierError, "task name"),
    ("missing workflow", start("/task"), InvalidTaskIdentifierError, "workflow slug"),
    ("no slash", start("square"), InvalidTaskIdentifierError, "'/'"),
    ("two slashes", start("a/b/c"), InvalidTaskIdentifierError, "more than one '/'"),
    ("cyrillic look-alike", start("wf/squ\u0430re"), InvalidTaskIdentifierError, "non-ASCII"),
    ("fullwidth slash", start("wf\uff0fsquare"), InvalidTaskIdentifierError, "non-ASCII"),
    ("tsk- alone", start("tsk-"), InvalidTaskIdentifierError, "tsk-"),
    ("run id as task", start("trn-abc"), InvalidTaskIdentifierError, "task-run ID"),
    ("empty version", start("wf/task:"), InvalidTaskIdentifierError, "version"),
    ("None identifier", start(None), InvalidTaskIdentifierError, "must be a string"),
    ("bytes identifier", start(b"wf/task"), InvalidTaskIdentifierError, "bytes"),
    # input data
    ("None input", start("wf/t", None), InvalidInputError, "NoneType"),
    ("generator input", start("wf/t", gen()), InvalidInputError, "generator"),
    ("set input", start("wf/t", {1, 2}), InvalidInputError, "set"),
    ("string input", start("wf/t", "abc"), InvalidInputError, "str"),
    ("int input", start("wf/t", 5), InvalidInputError, "int"),
    ("dict with int keys", start("wf/t", {1: "a"}), InvalidInputError, "input_data"),
    ("NaN", start("wf/t", [float("nan")]), InvalidInputError, "input_data[0]"),
    ("infinity", start("wf/t", {"x": float("inf")}), InvalidInputError, "input_data['x']"),
    ("datetime", start("wf/t", [datetime.datetime(2026, 1, 1)]), InvalidInputError, "[0]"),
    ("nested bytes", start("wf/t", [{"a": [b"x"]}]), InvalidInputError, "input_data[0]['a'][0]"),
    ("decimal", start("wf/t", [decimal.Decimal("1.5")]), InvalidInputError, "input_data[0]"),
    ("object", start("wf/t", {"o": object()}), InvalidInputError, "input_data['o']"),
    ("nested set", start("wf/t", [[{1}]]), InvalidInputError, "input_data[0][0]"),
    (
        "over the size limit",
        start("wf/t", ["x" * 2048]),
        InvalidInputError,
        "over the limit of 1024",
    ),
    # other parameters
    (
        "empty idempotency key",
        start("wf/t", [], idempotency_key=""),
        InvalidArgumentError,
        "idempotency_key",
    ),
    (
        "int idempotency key",
        start("wf/t", [], idempotency_key=5),
        InvalidArgumentError,
        "idempotency_key",
    ),
    (
        "long idempotency key",
        start("wf/t", [], idempotency_key="k" * 256),
        InvalidArgumentError,
        "255",
    ),
    ("zero limit", lambda c: c.workflows.list_task_runs(limit=0), InvalidArgumentError, "limit"),
    (
        "negative limit",
        lambda c: c.workflows.list_task_runs(limit=-5),
        InvalidArgumentError,
        "limit",
    ),
    ("limit over 100", lambda c: c.workflows.list_tasks(limit=101), InvalidArgumentError, "limit"),
    (
        "negative max_items",
        lambda c: c.workflows.list_task_runs(max_items=-1),
        InvalidArgumentError,
        "max_items",
    ),
    (
        "task id as list filter",
        lambda c: c.workflows.list_task_runs(task="tsk-1"),
        InvalidArgumentError,
        "task slugs",
    ),
    (
        "dict as a filter",
        lambda c: c.workflows.list_task_runs(workflow_id={"a": 1}),
        InvalidArgumentError,
        "workflowId",
    ),
    (
        "blank owner filter",
        lambda c: c.workflows.list_tasks(owner_id=[""]),
        InvalidArgumentError,
        "ownerId",
    ),
    (
        "negative timeout",
        lambda c: c.workflows.wait_for_task_run("trn-1", timeout=-1),
        InvalidArgumentError,
        "timeout",
    ),
    (
        "NaN timeout",
        lambda c: c.workflows.run_task("wf/t", [], timeout=float("nan")),
        InvalidArgumentError,
        "timeout",
    ),
    (
        "string timeout",
        lambda c: c.workflows.wait_all(["trn-1"], timeout="5"),
        InvalidArgumentError,
        "timeout",
    ),
    (
        "task id for a run id",
        lambda c: c.workflows.get_task_run("tsk-1"),
        InvalidArgumentError,
        "trn-",
    ),
    (
        "path in a run id",
        lambda c: c.workflows.cancel_task_run("trn-1/../x"),
        InvalidArgumentError,
        "trn-",
    ),
    ("run id for a task id", lambda c: c.workflows.get_task("trn-1"), InvalidArgumentError, "tsk-"),
    (
        "no runs to wait for",
        lambda c: c.workflows.wait_all([]),
        InvalidArgumentError,
        "at least one",
    ),
    (
        "a string for a list of runs",
        lambda c: c.workflows.as_completed("trn-1"),
        InvalidArgumentError,
        "list",
    ),
]
assert len(BAD) >= 30


@pytest.mark.parametrize(("name", "call", "error", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_rejected_before_any_request(
    twin: Twin, name: str, call: Call, error: type[Exception], words: str
) -> None:
    client, transport, _ = twin.mocked(lambda request: AssertionError("sent"), max_input_bytes=1024)
    try:
        with pytest.raises(error) as info:
            twin.call(call(client))
    finally:
        twin.close(client)
    assert words in str(info.value), str(info.value)
    assert transport.requests == []


CONSTRUCTOR: list[tuple[str, dict[str, Any], str]] = [
    ("zero timeout", {"timeout": 0}, "timeout"),
    ("negative timeout", {"timeout": -1}, "timeout"),
    ("negative max_retries", {"max_retries": -1}, "max_retries"),
    ("float max_retries", {"max_retries": 1.5}, "max_retries"),
    ("zero event_idle_timeout", {"event_idle_timeout": 0}, "event_idle_timeout"),
    ("unknown wait strategy", {"wait_strategy": "push"}, "strategy"),
    ("zero max_input_bytes", {"max_input_bytes": 0}, "max_input_bytes"),
]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(("name", "options", "words"), CONSTRUCTOR, ids=[c[0] for c in CONSTRUCTOR])
def test_bad_client_options_are_rejected_at_construction(
    cls: type, name: str, options: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        cls(api_key="rnd_x", base_url="https://api.example.test", **options)
    assert words in str(info.value)
