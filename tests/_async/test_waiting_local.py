"""Waiting (push, then verify) against the local server and its faults.

The blocking twin is generated into tests/_sync. Two cases need each twin's own
concurrency (a task or a thread that cancels the run being waited for; 1,000 runs started
with asyncio.gather or a thread pool) and are written by hand, side by side, in
tests/integration/test_waiting_local_concurrency.py.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import attrs
import pytest

from render_sdk import (
    APIStatusError,
    AsyncClient,
    ConflictError,
    NotFoundError,
    PollSchedule,
    RetryPolicy,
    TaskRunStatus,
    WaitTimeoutError,
)
from render_sdk._clock import AsyncSystemClock
from render_sdk.local import LocalServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_render_env"),
    # A worker that dies (instead of reporting to the waiting loop) fails the test.
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.02, factor=1.5, max_interval=0.1)
EVENTS = ("GET", "/v1/task-runs/events")
EVENTS_PATH = "/v1/task-runs/events"
WAIT = 20.0


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., AsyncClient]]:
    """Clients on the local server with fast retries and polling; all closed afterwards."""
    clients: list[AsyncClient] = []

    def make(server: LocalServer, **options: Any) -> AsyncClient:
        options.setdefault("retry_policy", FAST_RETRY)
        options.setdefault("poll_schedule", FAST_POLL)
        client = AsyncClient(api_key="rnd_unused", base_url=server.base_url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await AsyncSystemClock().sleep(0.005)


def server_status(server: LocalServer, run_id: str) -> str:
    run = server.get_run(run_id)
    assert run is not None
    return str(run["status"])


def run_reads(server: LocalServer) -> int:
    """GET /v1/task-runs/{id} requests so far (the events path excluded)."""
    return sum(
        count
        for (method, path), count in server.requests.items()
        if method == "GET" and path.startswith("/v1/task-runs/trn-")
    )


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
async def test_a_run_finished_before_subscribing_returns_at_once(
    server: LocalServer, make_client: Callable[..., AsyncClient], strategy: str
) -> None:
    client = make_client(server, wait_strategy=strategy)
    run = await client.workflows.start_task("demo/square", [7])
    await wait_until(lambda: server_status(server, run.id) == "succeeded")

    started = time.monotonic()
    details = await run.wait(timeout=WAIT)
    elapsed = time.monotonic() - started

    assert elapsed < 0.5
    assert (details.id, details.status, details.result, details.input) == (
        run.id,
        TaskRunStatus.SUCCEEDED,
        49,
        [7],
    )
    assert details.completed_at is not None


@pytest.mark.parametrize("strategy", ["auto", "events"])
@pytest.mark.parametrize(
    ("fault", "task"),
    [
        # The first event is the second attempt starting (0.05 s in); the stream is then
        # cut, and the run ends about 0.1 s later, with no stream to say so.
        ("drop-events:1", "demo/flaky"),
        # The stream is cut 0.1 s in; the run ends at 0.4 s.
        ("drop-time:0.1", "demo/slow"),
    ],
)
async def test_a_stream_dropped_midway_still_completes(
    server: LocalServer,
    make_client: Callable[..., AsyncClient],
    strategy: str,
    fault: str,
    task: str,
) -> None:
    client = make_client(server, wait_strategy=strategy)
    server.faults.add(f"GET {EVENTS_PATH}={fault}")  # the first stream only
    streams_before = server.requests[EVENTS]
    key = f"drop-{uuid.uuid4().hex}"
    run = await client.workflows.start_task(task, [key, 2] if task == "demo/flaky" else [0.4])

    started = time.monotonic()
    details = await run.wait(timeout=WAIT)

    assert details.status is TaskRunStatus.SUCCEEDED
    expected = f"{key} succeeded after 2 failure(s)" if task == "demo/flaky" else 0.4
    assert details.result == expected
    assert time.monotonic() - started < 3.0
    assert server.faults.pending == 0  # the fault did hit a stream
    assert server.requests[EVENTS] - streams_before >= 1


async def test_a_refused_stream_falls_back_to_polling_in_auto_mode(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server, wait_strategy="auto")
    server.faults.add(f"GET {EVENTS_PATH}=503*100")
    reads_before = run_reads(server)
    streams_before = server.requests[EVENTS]
    run = await client.workflows.start_task("demo/slow", [1.5])

    started = time.monotonic()
    details = await run.wait(timeout=WAIT)

    assert details.result == 1.5
    assert time.monotonic() - started < 3.0
    assert run_reads(server) - reads_before >= 3  # polled
    # A 503 is not final: the stream is tried again (after the 1 s reconnect delay).
    assert server.requests[EVENTS] - streams_before >= 2


@pytest.mark.parametrize("refusal", ["404", "400", "403"])
async def test_a_refused_stream_is_an_error_in_events_mode(
    server: LocalServer, make_client: Callable[..., AsyncClient], refusal: str
) -> None:
    client = make_client(server, wait_strategy="events")
    server.faults.add(f"GET {EVENTS_PATH}={refusal}")
    run = await client.workflows.start_task("demo/slow", [1.5])
    try:
        started = time.monotonic()
        with pytest.raises(APIStatusError) as info:
            await run.wait(timeout=3.0)
        assert info.value.status_code == int(refusal)
        assert time.monotonic() - started < 1.0
    finally:
        with contextlib.suppress(ConflictError):
            await client.workflows.cancel_task_run(run.id)


async def test_an_unknown_run_in_events_mode_is_not_found(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server, wait_strategy="events")
    with pytest.raises(NotFoundError):
        await client.workflows.wait_for_task_run("trn-doesnotexist0000000", timeout=WAIT)


@pytest.mark.parametrize("strategy", ["auto", "events"])
async def test_a_mute_stream_falls_back_to_polling_after_the_idle_timeout(
    server: LocalServer, make_client: Callable[..., AsyncClient], strategy: str
) -> None:
    client = make_client(server, wait_strategy=strategy, event_idle_timeout=0.3)
    server.faults.add(f"GET {EVENTS_PATH}=mute*20")
    run = await client.workflows.start_task("demo/slow", [0.6])

    started = time.monotonic()
    details = await run.wait(timeout=2.0)

    assert details.result == 0.6
    # 0.6 s of work; the stream is given up after 0.3 s of silence, then polling
    # notices the end within a poll gap (the safety read would come after 30 s).
    assert time.monotonic() - started < 1.5


async def test_a_heartbeat_only_stream_is_caught_by_the_safety_read(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server, wait_strategy="events", event_idle_timeout=0.3)
    # Heartbeats keep a stream alive (a long run legitimately sends nothing else), so a
    # stream that lost its events is caught by the periodic safety read. The client has
    # no option for it (30 s by default); shorten it on the service for this test.
    workflows: Any = client.workflows
    workflows._wait_options = attrs.evolve(workflows._wait_options, safety_interval=0.5)
    server.faults.add(f"GET {EVENTS_PATH}=silent*20")
    run = await client.workflows.start_task("demo/slow", [0.2])

    started = time.monotonic()
    details = await run.wait(timeout=WAIT)

    assert details.result == 0.2
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
async def test_a_flaky_task_returns_the_final_success_not_a_failed_attempt(
    server: LocalServer, make_client: Callable[..., AsyncClient], strategy: str
) -> None:
    client = make_client(server, wait_strategy=strategy)
    key = f"flaky-{uuid.uuid4().hex}"

    details = await client.workflows.run_task("demo/flaky", [key, 2], timeout=WAIT)

    assert details.status is TaskRunStatus.SUCCEEDED
    assert details.result == f"{key} succeeded after 2 failure(s)"
    assert [a.status for a in details.attempts] == [
        TaskRunStatus.FAILED,
        TaskRunStatus.FAILED,
        TaskRunStatus.SUCCEEDED,
    ]
    assert details.error is None


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
async def test_the_deadline_raises_with_the_last_status_and_leaves_the_run_alone(
    server: LocalServer, make_client: Callable[..., AsyncClient], strategy: str
) -> None:
    client = make_client(server, wait_strategy=strategy)
    run = await client.workflows.start_task("demo/slow", [30.0])
    try:
        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as info:
            await run.wait(timeout=0.3)
        elapsed = time.monotonic() - started

        assert 0.25 <= elapsed < 1.5
        assert info.value.task_run_id == run.id
        assert info.value.last_status is TaskRunStatus.RUNNING
        assert info.value.pending == {run.id: TaskRunStatus.RUNNING}
        await AsyncSystemClock().sleep(0.1)
        assert server_status(server, run.id) == "running"  # not canceled
    finally:
        await run.cancel()


async def test_as_completed_yields_each_run_exactly_once(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server)
    delays = [0.05 * (i % 5) for i in range(20)]
    runs = [await client.workflows.start_task("demo/slow", [d]) for d in delays]
    runs.append(await client.workflows.start_task("demo/fail", ["boom"]))

    seen = [details async for details in client.workflows.as_completed(runs, timeout=WAIT)]

    assert sorted(d.id for d in seen) == sorted(r.id for r in runs)
    assert len(seen) == len(runs)
    by_id = {d.id: d for d in seen}
    assert by_id[runs[-1].id].status is TaskRunStatus.FAILED  # reported, not raised
    assert by_id[runs[-1].id].error == "ValueError: boom"
    assert all(by_id[r.id].result == d for r, d in zip(runs, delays, strict=False))


async def test_as_completed_can_stop_early(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server)
    quick = await client.workflows.start_task("demo/square", [3])
    slow = await client.workflows.start_task("demo/slow", [30.0])
    try:
        async with client.workflows.as_completed([slow, quick], timeout=WAIT) as finished:
            first = await finished.__anext__()
        assert first.id == quick.id
    finally:
        await slow.cancel()


async def test_task_run_events_yields_running_updates_then_the_final_one(
    server: LocalServer, make_client: Callable[..., AsyncClient]
) -> None:
    client = make_client(server)
    key = f"events-{uuid.uuid4().hex}"
    # Failed attempts are retried after 0.05 s and 0.1 s: later attempts start running
    # well after the subscription.
    run = await client.workflows.start_task("demo/flaky", [key, 2])

    async with client.workflows.task_run_events(run.id, timeout=WAIT) as events:
        updates = [update async for update in events]

    assert all(u.id == run.id for u in updates)
    assert TaskRunStatus.RUNNING in [u.status for u in updates[:-1]]
    assert not any(u.is_terminal for u in updates[:-1])
    assert updates[-1].status is TaskRunStatus.SUCCEEDED
    assert updates[-1].result == f"{key} succeeded after 2 failure(s)"
