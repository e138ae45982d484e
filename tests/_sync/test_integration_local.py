# This file is generated from tests/_async/test_integration_local.py by codegen — do not edit.
"""The client against the real local server over loopback: every call, outcome and fault.

These tests send real HTTP to ``render_sdk.local`` (the ``local_server`` fixture serves
the bundled ``demo`` workflow). The server writes the API's JSON itself, so each test
cross-checks the client's reading of the API against an independent one; run counts are
taken on the server side. Backoff is tiny or runs on a fake clock, so the only real
waits are the short ones the server itself needs (latency faults, task durations).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from render_sdk import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    Client,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PollSchedule,
    RateLimitError,
    RetryPolicy,
    TaskRunCanceledError,
    TaskRunFailedError,
    TaskRunStatus,
    Timeout,
    WaitTimeoutError,
)
from render_sdk.local import LocalServer
from render_sdk.testing import FakeClock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.005, factor=1.5, max_interval=0.02)
WAIT = 10.0  # upper bound on any wait for a quick task; tests never get near it
DEMO_TASKS = ["square", "add", "greet", "fail", "slow", "flaky", "echo"]
TERMINAL = {"succeeded", "failed", "canceled"}


def make_client(server: LocalServer, **options: Any) -> Client:
    """A client of ``server`` with tiny backoff and quick polling (options override)."""
    options.setdefault("api_key", "rnd_unused_by_an_open_server")
    options.setdefault("retry_policy", FAST_RETRY)
    options.setdefault("poll_schedule", FAST_POLL)
    return Client(base_url=server.base_url, **options)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def settle(seconds: float) -> None:
    """Let the server finish work it was told to delay (a real, short wait)."""
    time.sleep(seconds)


def post_count(server: LocalServer) -> int:
    return server.requests[("POST", "/v1/task-runs")]


# --- tasks ------------------------------------------------------------------------------------


def test_list_tasks_and_get_task(server: LocalServer) -> None:
    with make_client(server) as client:
        tasks = [task for task in client.workflows.list_tasks()]
        paged = [task for task in client.workflows.list_tasks(limit=2)]
        only_add = [task for task in client.workflows.list_tasks(task="demo/add")]
        fetched = client.workflows.get_task(server.task_id("demo/greet"))

    assert [task.name for task in tasks] == DEMO_TASKS
    assert paged == tasks
    for task in tasks:
        assert task.id == server.task_id(f"demo/{task.name}")
        assert task.id.startswith("tsk-")
        assert task.workflow_id is not None
        assert task.workflow_id.startswith("wfl-")
        assert task.workflow_version_id is not None
        assert task.workflow_version_id.startswith("wfv-")
        assert task.created_at.tzinfo is not None
    assert [task.name for task in only_add] == ["add"]
    assert fetched == tasks[DEMO_TASKS.index("greet")]


def test_list_tasks_max_items_stops_early(server: LocalServer) -> None:
    with make_client(server) as client:
        before = server.requests[("GET", "/v1/tasks")]
        first = [task for task in client.workflows.list_tasks(limit=2, max_items=3)]

    assert [task.name for task in first] == DEMO_TASKS[:3]
    assert server.requests[("GET", "/v1/tasks")] - before == 2


def test_get_unknown_task_is_not_found(server: LocalServer) -> None:
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(NotFoundError) as caught:
            workflows.get_task("tsk-00000000000000000000")
    assert caught.value.status_code == 404


# --- starting runs and reading results ------------------------------------------------------


@pytest.mark.parametrize("form", ["slug", "versioned slug", "task id"])
def test_start_by_each_identifier_form(server: LocalServer, form: str) -> None:
    with make_client(server) as client:
        if form == "slug":
            identifier = "demo/add"
        elif form == "versioned slug":
            identifier = "demo/add:v1"
        else:
            [task] = [t for t in client.workflows.list_tasks() if t.name == "add"]
            identifier = (client.workflows.get_task(task.id)).id
            assert identifier.startswith("tsk-")

        run = client.workflows.start_task(identifier, [2, 3])
        details = run.wait(timeout=WAIT)

    assert run.task_id == server.task_id("demo/add")
    assert details.task_id == server.task_id("demo/add")
    assert details.status is TaskRunStatus.SUCCEEDED
    assert details.result == 5
    assert details.input == [2, 3]


def test_run_task_with_list_and_dict_input(server: LocalServer) -> None:
    with make_client(server) as client:
        squared = client.workflows.run_task("demo/square", [7], timeout=WAIT)
        added = client.workflows.run_task("demo/add", {"a": 1.5, "b": 2}, timeout=WAIT)
        greeted = client.workflows.run_task("demo/greet", {"name": "Ada"}, timeout=WAIT)
        asked = client.workflows.run_task(
            "demo/greet", {"name": "Ada", "punctuation": "?"}, timeout=WAIT
        )
        no_args = client.workflows.run_task("demo/echo", [], timeout=WAIT)

    assert (squared.result, squared.results, squared.input) == (49, [49], [7])
    assert (added.result, added.input) == (3.5, {"a": 1.5, "b": 2})
    assert greeted.result == "Hello, Ada!"
    assert asked.result == "Hello, Ada?"
    assert no_args.result == {"args": [], "kwargs": {}}
    assert no_args.input == []


def test_json_values_round_trip_through_a_run(server: LocalServer) -> None:
    values: list[Any] = [1, -2.5, "naïve ☃", None, True, [1, [2, []]], {"k": {"n": [None]}}]
    with make_client(server) as client:
        positional = client.workflows.run_task("demo/echo", values, timeout=WAIT)
        named = client.workflows.run_task("demo/echo", {"x": values, "y": {}}, timeout=WAIT)

    assert positional.input == values
    assert positional.result == {"args": values, "kwargs": {}}
    assert named.result == {"args": [], "kwargs": {"x": values, "y": {}}}


def test_task_run_details_shape(server: LocalServer) -> None:
    started = datetime.now(timezone.utc)
    with make_client(server) as client:
        run = client.workflows.start_task("demo/square", [4])
        waited = run.wait(timeout=WAIT)
        details = client.workflows.get_task_run(run.id)
        refreshed = run.refresh()

    assert run.id.startswith("trn-")
    assert run.status is TaskRunStatus.PENDING
    assert not run.is_terminal
    assert details == waited == refreshed
    assert details.id == run.id
    assert details.task_id == server.task_id("demo/square")
    assert details.status is TaskRunStatus.SUCCEEDED
    assert details.succeeded
    assert details.is_terminal
    assert details.is_root
    assert (details.parent_task_run_id, details.root_task_run_id) == ("", run.id)
    assert details.parent_task_attempt is None
    assert (details.input, details.results, details.error, details.retries) == ([4], [16], None, 0)

    assert details.started_at is not None
    assert details.completed_at is not None
    assert details.started_at <= details.completed_at
    # The server writes millisecond timestamps, so allow for truncation on both ends.
    assert started - timedelta(seconds=1) <= details.started_at
    assert details.completed_at <= datetime.now(timezone.utc) + timedelta(seconds=1)

    [attempt] = details.attempts
    assert (attempt.attempt, attempt.status) == (0, TaskRunStatus.SUCCEEDED)
    assert (attempt.results, attempt.error) == ([16], None)
    assert attempt.task_run_id in (None, run.id)
    assert attempt.started_at is not None
    assert attempt.completed_at is not None
    assert attempt.started_at <= attempt.completed_at

    on_server = server.get_run(run.id)
    assert on_server is not None
    assert (on_server["status"], on_server["results"]) == ("succeeded", [16])


def test_get_unknown_task_run_is_not_found(server: LocalServer) -> None:
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(NotFoundError) as caught:
            workflows.get_task_run("trn-00000000000000000000")
    assert caught.value.status_code == 404


@pytest.mark.parametrize(
    "identifier", ["demo/no-such-task", "demo/square:v9", "tsk-00000000000000000000"]
)
def test_start_unknown_task_is_not_found_and_creates_nothing(
    server: LocalServer, identifier: str
) -> None:
    before = server.runs_created
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(NotFoundError) as caught:
            workflows.start_task(identifier, [1])
    assert caught.value.status_code == 404
    assert server.runs_created == before


# --- outcomes: failure, retries, wrong arity, cancel -----------------------------------------


def test_failing_task_raises_with_the_error_text(server: LocalServer) -> None:
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(TaskRunFailedError) as caught:
            workflows.run_task("demo/fail", ["boom at step 3"], timeout=WAIT)
        run_id = caught.value.task_run_id
        quiet = client.workflows.wait_for_task_run(run_id, timeout=WAIT, raise_on_failure=False)

    error = caught.value
    assert error.error is not None
    assert "ValueError: boom at step 3" in error.error
    assert "boom at step 3" in str(error) or run_id in str(error)
    assert error.details.status is TaskRunStatus.FAILED
    assert error.details.failed
    assert len(error.details.attempts) == 1
    assert error.details.attempts[0].status is TaskRunStatus.FAILED
    assert quiet.status is TaskRunStatus.FAILED
    assert quiet.error == error.error
    on_server = server.get_run(run_id)
    assert on_server is not None
    assert on_server["status"] == "failed"


def test_flaky_task_succeeds_after_retried_attempts(server: LocalServer) -> None:
    key = unique("flaky")
    with make_client(server) as client:
        details = client.workflows.run_task("demo/flaky", [key, 2], timeout=WAIT)

    assert details.status is TaskRunStatus.SUCCEEDED
    assert details.result == f"{key} succeeded after 2 failure(s)"
    assert details.retries == 2
    assert [a.attempt for a in details.attempts] == [0, 1, 2]
    assert [a.status for a in details.attempts] == [
        TaskRunStatus.FAILED,
        TaskRunStatus.FAILED,
        TaskRunStatus.SUCCEEDED,
    ]
    assert details.attempts[0].error is not None
    assert "RuntimeError: flaky failure 1 of 2" in details.attempts[0].error
    assert details.attempts[1].error is not None
    assert "flaky failure 2 of 2" in details.attempts[1].error
    assert details.attempts[2].results == [details.result]


def test_flaky_task_fails_once_its_retries_run_out(server: LocalServer) -> None:
    key = unique("hopeless")
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(TaskRunFailedError) as caught:
            workflows.run_task("demo/flaky", [key, 10], timeout=WAIT)

    details = caught.value.details
    assert len(details.attempts) == 4  # the first attempt and max_retries=3 more
    assert all(a.status is TaskRunStatus.FAILED for a in details.attempts)
    assert caught.value.error is not None
    assert "flaky failure 4 of 10" in caught.value.error


@pytest.mark.parametrize(
    ("task", "input_data"),
    [
        ("demo/square", [1, 2]),
        ("demo/square", []),
        ("demo/square", {"b": 1}),
        ("demo/add", {"a": 1}),
        ("demo/flaky", ["too", "many", "arguments"]),
    ],
)
def test_wrong_arity_fails_the_run_without_retries(
    server: LocalServer, task: str, input_data: Any
) -> None:
    with make_client(server) as client:
        run = client.workflows.start_task(task, input_data)
        with pytest.raises(TaskRunFailedError) as caught:
            run.wait(timeout=WAIT)
        # The server survives a bad call: the next run works.
        after = client.workflows.run_task("demo/square", [3], timeout=WAIT)

    assert caught.value.task_run_id == run.id
    assert caught.value.error is not None
    assert "TypeError" in caught.value.error
    assert len(caught.value.details.attempts) == 1
    assert after.result == 9


def test_cancel_a_slow_run_then_waiting_raises_canceled(server: LocalServer) -> None:
    with make_client(server) as client:
        run = client.workflows.start_task("demo/slow", [30])
        run.cancel()
        with pytest.raises(TaskRunCanceledError) as caught:
            run.wait(timeout=WAIT)
        with pytest.raises(ConflictError) as again:
            client.workflows.cancel_task_run(run.id)

    assert caught.value.task_run_id == run.id
    assert caught.value.details.status is TaskRunStatus.CANCELED
    assert caught.value.details.canceled
    assert caught.value.details.results == []
    assert again.value.status_code == 409
    assert again.value.code == "task_run_not_cancelable"
    on_server = server.get_run(run.id)
    assert on_server is not None
    assert on_server["status"] == "canceled"


def test_cancel_of_a_finished_run_is_a_conflict(server: LocalServer) -> None:
    with make_client(server) as client:
        details = client.workflows.run_task("demo/square", [2], timeout=WAIT)
        with pytest.raises(ConflictError) as caught:
            client.workflows.cancel_task_run(details.id)
        still = client.workflows.get_task_run(details.id)

    assert caught.value.status_code == 409
    assert caught.value.method == "DELETE"
    assert still.status is TaskRunStatus.SUCCEEDED
    assert still.result == 4


def test_cancel_of_an_unknown_run_is_not_found(server: LocalServer) -> None:
    with make_client(server) as client:
        workflows = client.workflows
        with pytest.raises(NotFoundError):
            workflows.cancel_task_run("trn-00000000000000000000")


def test_wait_timeout_leaves_the_run_running(server: LocalServer) -> None:
    # A real, short deadline: waiting may follow the events stream, which a fake clock
    # cannot hurry.
    with make_client(server) as client:
        run = client.workflows.start_task("demo/slow", [30])
        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as caught:
            run.wait(timeout=0.2)
        waited = time.monotonic() - started
        with pytest.raises(WaitTimeoutError) as via_run_task:
            client.workflows.run_task("demo/slow", [30], timeout=0.2)
        left = [client.workflows.get_task_run(run.id)]
        left.append(client.workflows.get_task_run(via_run_task.value.task_run_id))
        for details in left:
            client.workflows.cancel_task_run(details.id)

    assert 0.2 <= waited < 2.0
    assert caught.value.task_run_id == run.id
    assert caught.value.last_status in (TaskRunStatus.PENDING, TaskRunStatus.RUNNING)
    assert isinstance(caught.value, TimeoutError)
    assert via_run_task.value.task_run_id.startswith("trn-")
    assert via_run_task.value.task_run_id != run.id
    assert all(not details.is_terminal for details in left)  # left running, not canceled


# --- listing runs -----------------------------------------------------------------------------


def test_list_task_runs_paginates_newest_first(server: LocalServer) -> None:
    marker = unique("page")
    with make_client(server) as client:
        started = [client.workflows.start_task("demo/echo", [marker, n]) for n in range(7)]
        before = server.requests[("GET", "/v1/task-runs")]
        listed = [
            run for run in client.workflows.list_task_runs(task="demo/echo", limit=3, max_items=7)
        ]
        pages = server.requests[("GET", "/v1/task-runs")] - before
        newest = [run for run in client.workflows.list_task_runs(limit=2, max_items=3)]
        everything = [run.id for run in client.workflows.list_task_runs(limit=100)]
        first_listed = listed[0].wait(timeout=WAIT)

    expected = [run.id for run in reversed(started)]
    assert [run.id for run in listed] == expected
    assert pages == 3  # 3 + 3 + 1
    assert {run.task_id for run in listed} == {server.task_id("demo/echo")}
    assert [run.id for run in newest] == expected[:3]
    assert everything[:7] == expected
    assert len(everything) == len(set(everything))
    # A listed run is a handle like a started one: it can be waited on.
    assert first_listed.id == expected[0]
    assert first_listed.result == {"args": [marker, 6], "kwargs": {}}


def test_list_task_runs_filters_by_task(server: LocalServer) -> None:
    with make_client(server) as client:
        square = client.workflows.start_task("demo/square", [11])
        add = client.workflows.start_task("demo/add", [1, 1])
        client.workflows.start_task("demo/greet", ["filter"])
        squares = [run for run in client.workflows.list_task_runs(task="demo/square")]
        both = [
            run
            for run in client.workflows.list_task_runs(
                task=["demo/square", "demo/add"], limit=5, max_items=2
            )
        ]

    assert squares
    assert squares[0].id == square.id
    assert {run.task_id for run in squares} == {server.task_id("demo/square")}
    assert [run.id for run in both] == [add.id, square.id]


# --- idempotency ------------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_same_run(server: LocalServer) -> None:
    key = unique("idem")
    before = server.runs_created
    with make_client(server) as client:
        first = client.workflows.start_task("demo/square", [5], idempotency_key=key)
        repeat = client.workflows.start_task("demo/square", [6], idempotency_key=key)
        details = client.workflows.run_task("demo/square", [7], idempotency_key=key, timeout=WAIT)
        other = client.workflows.start_task("demo/square", [5])

    assert repeat.id == first.id == details.id
    assert details.input == [5]
    assert details.result == 25
    assert other.id != first.id
    assert server.runs_created - before == 2


# --- authentication ----------------------------------------------------------------------------


def test_auth_right_key_works(auth_server: LocalServer, auth_key: str) -> None:
    with make_client(auth_server, api_key=auth_key) as client:
        details = client.workflows.run_task("demo/square", [12], timeout=WAIT)
        tasks = [task.name for task in client.workflows.list_tasks()]
    assert details.result == 144
    assert tasks == DEMO_TASKS


def test_auth_wrong_key_is_rejected_without_retries(
    auth_server: LocalServer, auth_key: str
) -> None:
    wrong = "rnd_not_the_right_key_at_all"
    before = (auth_server.requests[("POST", "/v1/task-runs")], auth_server.runs_created)
    with make_client(auth_server, api_key=wrong) as client:
        workflows = client.workflows
        with pytest.raises(AuthenticationError) as caught:
            workflows.start_task("demo/square", [1])

    assert caught.value.status_code == 401
    assert caught.value.code == "unauthorized"
    assert wrong not in str(caught.value)
    assert auth_key not in str(caught.value)
    after = (auth_server.requests[("POST", "/v1/task-runs")], auth_server.runs_created)
    assert after == (before[0] + 1, before[1])


def test_auth_missing_key_in_local_dev_mode_is_rejected(
    auth_server: LocalServer, clean_render_env: pytest.MonkeyPatch
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", "true")
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", auth_server.base_url)
    with Client(retry_policy=FAST_RETRY) as client:
        assert client.base_url == auth_server.base_url + "/v1"
        with pytest.raises(AuthenticationError) as caught:
            client.workflows.get_task(auth_server.task_id("demo/square"))
    assert caught.value.status_code == 401


# --- fault injection ---------------------------------------------------------------------------


def test_503_then_ok_on_start_is_retried_into_one_run(server: LocalServer) -> None:
    server.faults.script("POST", "/v1/task-runs", ["503"])
    before = (post_count(server), server.runs_created)
    clock = FakeClock()
    with make_client(server, clock=clock) as client:
        run = client.workflows.start_task("demo/square", [3])
        details = client.workflows.wait_for_task_run(run.id, timeout=WAIT)

    assert post_count(server) - before[0] == 2
    assert server.runs_created - before[1] == 1
    assert server.runs()[0]["id"] == run.id
    assert details.result == 9
    assert len(clock.sleeps) >= 1
    assert clock.sleeps[0] <= FAST_RETRY.initial_backoff


def test_persistent_503_gives_up_after_max_retries(server: LocalServer) -> None:
    server.faults.script("POST", "/v1/task-runs", ["503*3"])
    before = (post_count(server), server.runs_created)
    clock = FakeClock()
    with make_client(server, clock=clock) as client:
        workflows = client.workflows
        with pytest.raises(InternalServerError) as caught:
            workflows.start_task("demo/square", [3])

    assert caught.value.status_code == 503
    assert post_count(server) - before[0] == 3  # the first try and max_retries=2 more
    assert server.runs_created == before[1]
    assert len(clock.sleeps) == 2


def test_drop_after_start_is_retried_into_the_same_run(server: LocalServer) -> None:
    # The server creates the run, then resets the connection without answering.
    server.faults.script("POST", "/v1/task-runs", ["drop-after"])
    before = (post_count(server), server.runs_created)
    with make_client(server) as client:
        run = client.workflows.start_task("demo/square", [8])
        details = run.wait(timeout=WAIT)

    assert post_count(server) - before[0] == 2
    assert server.runs_created - before[1] == 1
    assert server.runs()[0]["id"] == run.id
    assert details.result == 64


def test_drop_after_start_without_retries_caller_retries_with_its_key(
    server: LocalServer,
) -> None:
    server.faults.script("POST", "/v1/task-runs", ["drop-after"])
    key = unique("caller-key")
    before = server.runs_created
    with make_client(server, max_retries=0) as client:
        workflows = client.workflows
        with pytest.raises(APIConnectionError):
            workflows.start_task("demo/square", [9], idempotency_key=key)
        assert server.runs_created - before == 1  # the lost response did start a run
        run = client.workflows.start_task("demo/square", [9], idempotency_key=key)

    assert server.runs_created - before == 1
    assert run.id == server.runs()[0]["id"]


def test_drop_before_handling_is_retried(server: LocalServer) -> None:
    server.faults.script("POST", "/v1/task-runs", ["drop"])
    before = (post_count(server), server.runs_created)
    with make_client(server) as client:
        run = client.workflows.start_task("demo/square", [10])

    assert post_count(server) - before[0] == 2
    assert server.runs_created - before[1] == 1
    assert server.runs()[0]["id"] == run.id


def test_429_retry_after_is_honoured(server: LocalServer) -> None:
    server.faults.script("POST", "/v1/task-runs", ["429:2"])
    server.faults.script("GET", "/v1/tasks", ["429:3"])
    before = (post_count(server), server.runs_created)
    clock = FakeClock()
    with make_client(server, clock=clock) as client:
        run = client.workflows.start_task("demo/square", [6])
        tasks = [task for task in client.workflows.list_tasks()]

    # Never sooner than asked: the only sleeps are the Retry-After values.
    assert clock.sleeps == [2.0, 3.0]
    assert post_count(server) - before[0] == 2
    assert server.runs_created - before[1] == 1
    assert server.runs()[0]["id"] == run.id
    assert len(tasks) == len(DEMO_TASKS)


def test_429_retry_after_over_the_cap_raises_at_once(server: LocalServer) -> None:
    server.faults.script("GET", "/v1/tasks", ["429:120"])
    before = server.requests[("GET", "/v1/tasks")]
    clock = FakeClock()
    policy = RetryPolicy(max_retries=3, initial_backoff=0.01, max_retry_after=60)
    with make_client(server, clock=clock, retry_policy=policy) as client:
        workflows = client.workflows
        with pytest.raises(RateLimitError) as caught:
            [task for task in workflows.list_tasks()]

    assert caught.value.status_code == 429
    assert caught.value.retry_after == 120
    assert caught.value.headers["retry-after"] == "120"
    assert clock.sleeps == []
    assert server.requests[("GET", "/v1/tasks")] - before == 1


def test_latency_beyond_the_read_timeout_is_an_api_timeout(server: LocalServer) -> None:
    path = "/v1/tasks/" + server.task_id("demo/add")
    server.faults.script("GET", path, ["latency:0.5"])
    with make_client(server, timeout=Timeout(connect=2.0, read=0.1), max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            client.workflows.get_task(server.task_id("demo/add"))
        elapsed = time.monotonic() - started
        task = client.workflows.get_task(server.task_id("demo/add"))

    assert caught.value.method == "GET"
    assert elapsed < 0.45
    assert task.name == "add"


def test_latency_then_ok_is_retried_after_the_timeout(server: LocalServer) -> None:
    path = "/v1/tasks/" + server.task_id("demo/square")
    server.faults.script("GET", path, ["latency:0.5"])
    before = server.requests[("GET", path)]
    with make_client(server, timeout=Timeout(connect=2.0, read=0.1)) as client:
        task = client.workflows.get_task(server.task_id("demo/square"))

    assert task.name == "square"
    assert server.requests[("GET", path)] - before == 2


def test_read_timeout_on_a_start_the_server_accepted_makes_one_run(
    server: LocalServer,
) -> None:
    # The first POST is handled only after the client gave up on it; the retry carries
    # the same idempotency key, so whichever is handled second finds the first's run.
    server.faults.script("POST", "/v1/task-runs", ["latency:0.3"])
    before = (post_count(server), server.runs_created)
    with make_client(server, timeout=Timeout(connect=2.0, read=0.1)) as client:
        run = client.workflows.start_task("demo/square", [13])
        settle(0.4)
        details = run.wait(timeout=WAIT)

    assert post_count(server) - before[0] == 2
    assert server.runs_created - before[1] == 1
    assert server.runs()[0]["id"] == run.id
    assert details.result == 169


def test_stalled_body_is_an_api_timeout(server: LocalServer) -> None:
    with make_client(server, timeout=Timeout(connect=2.0, read=0.1), max_retries=0) as client:
        run = client.workflows.start_task("demo/square", [1])
        server.faults.script("GET", f"/v1/task-runs/{run.id}", ["stall"])
        with pytest.raises(APITimeoutError):
            client.workflows.get_task_run(run.id)
        details = client.workflows.get_task_run(run.id)
    assert details.id == run.id


def test_server_errors_on_reads_are_retried_while_waiting(server: LocalServer) -> None:
    with make_client(server) as client:
        run = client.workflows.start_task("demo/square", [14])
        server.faults.script("GET", f"/v1/task-runs/{run.id}", ["500", "502", "ok", "504"])
        details = run.wait(timeout=WAIT)
    assert details.result == 196
