"""Nothing hangs: every call ends within its configured time, against real misbehaving servers.

Faults come from the local server's latency / stall / mute / silent rules (real sockets,
real transports, both twins); elapsed wall time is measured around each call. Cases that
exist already, without an elapsed bound on retries or only for one strategy:
tests/_async/test_integration_local.py::test_latency_beyond_the_read_timeout_is_an_api_timeout,
::test_stalled_body_is_an_api_timeout, ::test_wait_timeout_leaves_the_run_running,
tests/_async/test_waiting_local.py::test_a_mute_stream_falls_back_to_polling_after_the_idle_timeout
(blocking client), tests/unit/test_requests_transport.py and test_httpx_transport.py
(transport level, tests/loopback.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import APITimeoutError, PollSchedule, RetryPolicy, Timeout, WaitTimeoutError
from render_sdk.local import LocalServer
from tests.loopback import STALL, raw_server
from tests.reliability._twins import Twin

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_render_env"),
    # A worker thread of the client that dies is a failure here, not a warning.
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

READ = 0.2
SLACK = 0.6  # scheduling noise allowed on top of a computed bound (2 CPUs, loaded suite)
EVENTS = "/v1/task-runs/events"
POLICY = RetryPolicy(max_retries=2, initial_backoff=0.05, max_backoff=0.1, jitter=0)
FAST_POLL = PollSchedule(initial_interval=0.02, factor=1.5, max_interval=0.1)
MOST_BACKOFF = 0.05 + 0.1  # the two sleeps of POLICY


def make(twin: Twin, server_url: str, **options: Any) -> Any:
    options.setdefault("retry_policy", POLICY)
    options.setdefault("timeout", Timeout(connect=1.0, read=READ))
    options.setdefault("poll_schedule", FAST_POLL)
    return twin.client(api_key="rnd_unused", base_url=server_url, **options)


def timed(twin: Twin, thunk: Callable[[], Any]) -> tuple[Any, float]:
    """Run one public call (``thunk``: the blocking twin runs it when called) and time it."""
    started = time.monotonic()
    try:
        return twin.call(thunk()), time.monotonic() - started
    except Exception as exc:
        return exc, time.monotonic() - started


@pytest.mark.parametrize("max_retries", [0, 2])
@pytest.mark.parametrize("fault", ["latency:2", "stall"])
def test_a_read_that_never_completes_times_out_within_the_read_timeout(
    twin: Twin, server: LocalServer, max_retries: int, fault: str
) -> None:
    task_id = server.task_id("demo/add")
    server.faults.script("GET", f"/v1/tasks/{task_id}", [fault] * (max_retries + 1))
    client = make(twin, server.base_url, max_retries=max_retries)
    try:
        error, elapsed = timed(twin, lambda: client.workflows.get_task(task_id))
        task = twin.call(client.workflows.get_task(task_id))  # the client still works
    finally:
        twin.close(client)

    assert isinstance(error, APITimeoutError), repr(error)
    attempts = max_retries + 1
    assert attempts * READ * 0.9 <= elapsed < attempts * READ + MOST_BACKOFF + SLACK
    assert task.name == "add"


def test_a_start_the_server_sits_on_times_out_and_is_not_duplicated(
    twin: Twin, server: LocalServer
) -> None:
    server.faults.script("POST", "/v1/task-runs", ["latency:0.8"] * 3)
    runs = server.runs_created
    client = make(twin, server.base_url)
    try:
        error, elapsed = timed(twin, lambda: client.workflows.start_task("demo/square", [4]))
    finally:
        twin.close(client)
    time.sleep(0.9)  # the three delayed attempts are handled by now

    assert isinstance(error, APITimeoutError), repr(error)
    assert elapsed < 3 * READ + MOST_BACKOFF + SLACK
    # One key: the late handlings make one run at most (none when the server, reading the
    # body after the client left, drops the request).
    assert server.runs_created - runs <= 1


def test_a_server_that_accepts_and_never_answers_times_out(twin: Twin) -> None:
    with raw_server(STALL) as url:
        client = make(twin, url)
        try:
            error, elapsed = timed(twin, lambda: client.workflows.get_task_run("trn-abc"))
        finally:
            twin.close(client)
    assert isinstance(error, APITimeoutError), repr(error)
    assert 3 * READ * 0.9 <= elapsed < 3 * READ + MOST_BACKOFF + SLACK


def test_a_wait_deadline_caps_a_read_the_server_sits_on(twin: Twin, server: LocalServer) -> None:
    """The read timeout is 30 s, the wait's deadline 0.5 s: the deadline wins."""
    client = make(twin, server.base_url, timeout=Timeout(connect=1.0, read=30.0))
    try:
        run = twin.call(client.workflows.start_task("demo/slow", [30]))
        server.faults.add(f"GET /v1/task-runs/{run.id}=latency:2*50")
        server.faults.add(f"GET {EVENTS}=mute*50")
        error, elapsed = timed(
            twin, lambda: client.workflows.wait_for_task_run(run.id, timeout=0.5)
        )
        server.faults.clear()
        twin.call(client.workflows.cancel_task_run(run.id))
    finally:
        twin.close(client)
    assert isinstance(error, WaitTimeoutError), repr(error)
    assert error.task_run_id == run.id
    assert 0.45 <= elapsed < 0.5 + SLACK


@pytest.mark.parametrize("strategy", ["auto", "events"])
@pytest.mark.parametrize("stream_fault", ["mute", "silent"])
def test_a_quiet_events_stream_still_ends_in_wait_timeout_on_time(
    twin: Twin, server: LocalServer, strategy: str, stream_fault: str
) -> None:
    client = make(twin, server.base_url, wait_strategy=strategy, event_idle_timeout=0.2)
    try:
        run = twin.call(client.workflows.start_task("demo/slow", [30]))
        server.faults.add(f"GET {EVENTS}={stream_fault}*50")
        error, elapsed = timed(
            twin, lambda: client.workflows.wait_for_task_run(run.id, timeout=0.7)
        )
        server.faults.clear()
        twin.call(client.workflows.cancel_task_run(run.id))
    finally:
        twin.close(client)
    assert isinstance(error, WaitTimeoutError), repr(error)
    assert error.task_run_id == run.id
    assert error.last_status is not None
    assert 0.65 <= elapsed < 0.7 + SLACK


@pytest.mark.parametrize("stream_fault", ["mute", "drop-time:0.1"])
def test_a_mute_or_dropping_stream_falls_back_and_finds_the_end(
    twin: Twin, server: LocalServer, stream_fault: str
) -> None:
    """No overall timeout at all: the fallback alone must end the wait (idle 0.3 s)."""
    client = make(twin, server.base_url, wait_strategy="auto", event_idle_timeout=0.3)
    try:
        server.faults.add(f"GET {EVENTS}={stream_fault}*50")
        run = twin.call(client.workflows.start_task("demo/slow", [0.5]))
        # timeout=1.5 only keeps the known bug from costing the 30 s safety read.
        details, elapsed = timed(
            twin, lambda: client.workflows.wait_for_task_run(run.id, timeout=1.5)
        )
    finally:
        twin.close(client)
    assert not isinstance(details, BaseException), repr(details)
    assert details.result == 0.5
    assert elapsed < 0.5 + 0.3 + SLACK + 0.5
