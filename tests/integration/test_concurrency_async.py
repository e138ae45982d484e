"""The AsyncClient against the local server: many concurrent coroutines, await, local-dev mode.

Async-only tests (asyncio.gather, tasks); the blocking counterparts use threads in
test_threads_sync.py.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from render_sdk import (
    AsyncClient,
    AwaitableTaskRun,
    PollSchedule,
    RetryPolicy,
    TaskRunCanceledError,
    TaskRunFailedError,
    TaskRunStatus,
)
from render_sdk.local import LocalServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.005, factor=1.5, max_interval=0.02)
WAIT = 20.0
COROUTINES = 200
EVENTS = ("GET", "/v1/task-runs/events")


def make_client(server: LocalServer, poll_schedule: PollSchedule = FAST_POLL) -> AsyncClient:
    return AsyncClient(
        api_key="rnd_unused",
        base_url=server.base_url,
        retry_policy=FAST_RETRY,
        poll_schedule=poll_schedule,
    )


async def test_200_concurrent_coroutines_share_one_client(server: LocalServer) -> None:
    requests_before = sum(server.requests.values())
    connections_before = server.connections
    streams_before = server.requests[EVENTS]
    runs_before = server.runs_created
    echo_id = server.task_id("demo/echo")

    async def one(client: AsyncClient, index: int) -> str:
        payload = [index, f"coroutine-{index}"]
        run = await client.workflows.start_task("demo/echo", payload)
        assert isinstance(run, AwaitableTaskRun)
        done = await run  # awaiting the handle waits for the run's end
        assert (done.id, done.input) == (run.id, payload)
        assert done.result == {"args": payload, "kwargs": {}}
        if index % 4 == 0:
            read = await client.workflows.get_task_run(run.id)
            assert (read.id, read.input) == (run.id, payload)
            assert read.status is TaskRunStatus.SUCCEEDED
        if index % 20 == 0:
            page = [r async for r in client.workflows.list_task_runs(task="demo/echo", limit=5)]
            assert page
            assert all(r.task_id == echo_id for r in page)
        return run.id

    # Polling a little less eagerly than elsewhere: 200 pollers share one server.
    poll = PollSchedule(initial_interval=0.05, factor=1.5, max_interval=0.2)
    async with make_client(server, poll_schedule=poll) as client:
        ids = await asyncio.wait_for(
            asyncio.gather(*(one(client, index) for index in range(COROUTINES))), timeout=60
        )

    assert len(ids) == len(set(ids)) == COROUTINES
    assert server.runs_created - runs_before == COROUTINES
    requests = sum(server.requests.values()) - requests_before
    connections = server.connections - connections_before
    assert requests >= 2 * COROUTINES + COROUTINES // 4
    streams = server.requests[EVENTS] - streams_before
    # Keep-alive connections are reused: a handful of plain requests on each, not one
    # apiece (an events stream, if waiting uses one, may hold a connection of its own).
    assert (connections - streams) * 4 < requests - streams


async def test_cancel_while_awaiting_a_run(server: LocalServer) -> None:
    async with make_client(server) as client:
        run = await client.workflows.start_task("demo/slow", [30])
        waiting = asyncio.ensure_future(run.wait(timeout=WAIT))
        path = ("GET", f"/v1/task-runs/{run.id}")
        deadline = time.monotonic() + 5
        while server.requests[path] < 1:  # the waiter has read the run
            assert time.monotonic() < deadline
            assert not waiting.done()
            await asyncio.sleep(0.002)
        await run.cancel()
        with pytest.raises(TaskRunCanceledError) as caught:
            await asyncio.wait_for(waiting, timeout=WAIT)

    assert caught.value.task_run_id == run.id
    assert caught.value.details.status is TaskRunStatus.CANCELED


async def test_gathered_outcomes_keep_to_their_runs(server: LocalServer) -> None:
    async with make_client(server) as client:
        runs = [
            await client.workflows.start_task("demo/fail", [f"failure {n}"]) for n in range(10)
        ] + [await client.workflows.start_task("demo/square", [n]) for n in range(10)]
        outcomes = await asyncio.gather(
            *(run.wait(timeout=WAIT) for run in runs), return_exceptions=True
        )

    for n, (run, outcome) in enumerate(zip(runs[:10], outcomes[:10], strict=True)):
        assert isinstance(outcome, TaskRunFailedError)
        assert outcome.task_run_id == run.id
        assert outcome.error is not None
        assert f"ValueError: failure {n}" in outcome.error
    for n, outcome in enumerate(outcomes[10:]):
        assert not isinstance(outcome, BaseException)
        assert outcome.result == n * n


@pytest.mark.parametrize("flag", ["true", "T", "TRUE"])
async def test_local_dev_env_needs_no_api_key(
    server: LocalServer, clean_render_env: pytest.MonkeyPatch, flag: str
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", flag)
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", server.base_url)
    async with AsyncClient(poll_schedule=FAST_POLL) as client:
        details = await client.workflows.run_task("demo/add", [40, 2], timeout=WAIT)
        base_url = client.base_url
    assert base_url == server.base_url + "/v1"
    assert details.result == 42
