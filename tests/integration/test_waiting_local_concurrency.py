"""Waiting against the local server where each twin needs its own concurrency.

Every other waiting test against the local server is written once, in
tests/_async/test_waiting_local.py, and generated for the blocking client. These two are
not: cancelling a run from elsewhere while it is being waited for needs a task (asyncio)
or a thread (blocking), and starting 1,000 runs quickly needs ``asyncio.gather`` with a
semaphore or a thread pool. Token rewriting cannot turn one into the other, so each case
is written by hand for both twins, side by side, and must stay alike.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from render_sdk import (
    AsyncClient,
    AwaitableTaskRun,
    Client,
    PollSchedule,
    RetryPolicy,
    TaskRunCanceledError,
    TaskRunStatus,
)
from render_sdk.local import LocalServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_render_env"),
    # A worker thread that dies (instead of reporting to the waiting loop) fails the test.
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.02, factor=1.5, max_interval=0.1)
EVENTS = ("GET", "/v1/task-runs/events")
WAIT = 20.0
MANY = 1000
CLIENT_OPTIONS: dict[str, Any] = {"retry_policy": FAST_RETRY, "poll_schedule": FAST_POLL}


@pytest.fixture
def sync_client(server: LocalServer) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def make(**options: Any) -> Client:
        client = Client(api_key="rnd_unused", base_url=server.base_url, **CLIENT_OPTIONS, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
async def async_client(server: LocalServer) -> AsyncIterator[Callable[..., AsyncClient]]:
    clients: list[AsyncClient] = []

    def make(**options: Any) -> AsyncClient:
        client = AsyncClient(
            api_key="rnd_unused", base_url=server.base_url, **CLIENT_OPTIONS, **options
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def run_reads(server: LocalServer) -> int:
    """GET /v1/task-runs/{id} requests so far (the events path excluded)."""
    return sum(
        count
        for (method, path), count in server.requests.items()
        if method == "GET" and path.startswith("/v1/task-runs/trn-")
    )


# --- a run canceled while it is waited for ----------------------------------------------------


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
def test_a_run_canceled_while_waiting_raises_promptly_sync(
    sync_client: Callable[..., Client], strategy: str
) -> None:
    client = sync_client(wait_strategy=strategy)
    run = client.workflows.start_task("demo/slow", [30.0])
    canceled_at: list[float] = []

    def cancel() -> None:
        time.sleep(0.2)
        run.cancel()
        canceled_at.append(time.monotonic())

    canceller = threading.Thread(target=cancel)
    canceller.start()
    try:
        with pytest.raises(TaskRunCanceledError) as info:
            run.wait(timeout=WAIT)
        noticed = time.monotonic()
    finally:
        canceller.join()

    assert info.value.details.id == run.id
    assert info.value.details.status is TaskRunStatus.CANCELED
    assert noticed - canceled_at[0] < 1.0


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
async def test_a_run_canceled_while_waiting_raises_promptly_async(
    async_client: Callable[..., AsyncClient], strategy: str
) -> None:
    client = async_client(wait_strategy=strategy)
    run = await client.workflows.start_task("demo/slow", [30.0])
    canceled_at: list[float] = []

    async def cancel() -> None:
        await asyncio.sleep(0.2)
        await run.cancel()
        canceled_at.append(time.monotonic())

    canceller = asyncio.ensure_future(cancel())
    try:
        with pytest.raises(TaskRunCanceledError) as info:
            await run.wait(timeout=WAIT)
        noticed = time.monotonic()
    finally:
        await canceller

    assert info.value.details.id == run.id
    assert info.value.details.status is TaskRunStatus.CANCELED
    assert noticed - canceled_at[0] < 1.0


# --- 1,000 runs over a handful of streams -------------------------------------------------------


def check_many(
    server: LocalServer, runs: list[Any], results: list[Any], streams: int, reads: int
) -> None:
    assert [d.id for d in results] == [r.id for r in runs]
    assert all(d.status is TaskRunStatus.SUCCEEDED for d in results)
    assert [d.result for d in results] == [0.5 + (i % 10) / 20 for i in range(MANY)]
    assert server.requests[EVENTS] - streams <= 10
    # One read after subscribing and one per terminal event, give or take: no polling storm.
    assert run_reads(server) - reads <= 3 * MANY


def test_1000_runs_with_wait_all_over_a_handful_of_streams_sync(
    server: LocalServer, sync_client: Callable[..., Client]
) -> None:
    client = sync_client(wait_strategy="events")
    with ThreadPoolExecutor(max_workers=16) as pool:
        runs = list(
            pool.map(
                lambda i: client.workflows.start_task("demo/slow", [0.5 + (i % 10) / 20]),
                range(MANY),
            )
        )
    streams, reads = server.requests[EVENTS], run_reads(server)

    started = time.monotonic()
    results = client.workflows.wait_all(runs, timeout=WAIT)
    elapsed = time.monotonic() - started

    check_many(server, runs, results, streams, reads)
    assert elapsed < 10.0


async def test_1000_runs_with_wait_all_over_a_handful_of_streams_async(
    server: LocalServer, async_client: Callable[..., AsyncClient]
) -> None:
    client = async_client(wait_strategy="events")
    limit = asyncio.Semaphore(4)

    async def start(i: int) -> AwaitableTaskRun:
        async with limit:
            return await client.workflows.start_task("demo/slow", [0.5 + (i % 10) / 20])

    runs = await asyncio.gather(*(start(i) for i in range(MANY)))
    streams, reads = server.requests[EVENTS], run_reads(server)

    started = time.monotonic()
    results = await client.workflows.wait_all(runs, timeout=WAIT)
    elapsed = time.monotonic() - started

    check_many(server, runs, results, streams, reads)
    assert elapsed < 10.0
