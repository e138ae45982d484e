"""The AsyncClient across os.fork(): a child's new event loop gets connections of its own.

The parent uses the client on its loop (and, in one test, is waiting on a run in a loop
running in another thread at the moment of the fork); each child runs a fresh loop with
many concurrent calls, every answer carrying back the token its request sent. Every
asyncio transport is tested.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import AsyncClient, PollSchedule, RetryPolicy, TaskRunStatus
from render_sdk._transport.aiohttp_transport import AiohttpTransport
from render_sdk._transport.base import AsyncHTTPTransport
from render_sdk._transport.httpx_transport import HttpxTransport
from render_sdk.local import LocalServer
from tests.forking import run_in_children

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_render_env"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX-only"),
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

EVENTS = ("GET", "/v1/task-runs/events")
CHILDREN = 3
TASKS = 6
CALLS = 5
WAIT = 20.0


TRANSPORTS: dict[str, Callable[[], AsyncHTTPTransport]] = {
    "aiohttp": AiohttpTransport,
    "httpx": HttpxTransport,
}


@pytest.fixture(params=sorted(TRANSPORTS))
def transport(request: pytest.FixtureRequest) -> AsyncHTTPTransport:
    """Every asyncio transport (closed by ``close``: the client does not own it)."""
    return TRANSPORTS[request.param]()


async def close(client: AsyncClient, transport: AsyncHTTPTransport) -> None:
    await client.aclose()
    await transport.aclose()


def make_client(server: LocalServer, transport: AsyncHTTPTransport) -> AsyncClient:
    return AsyncClient(
        api_key="rnd_unused_by_an_open_server",
        base_url=server.base_url,
        transport=transport,
        retry_policy=RetryPolicy(max_retries=0),
        poll_schedule=PollSchedule(initial_interval=0.01, factor=1.5, max_interval=0.05),
    )


async def round_trip(client: AsyncClient, token: str) -> None:
    run = await client.workflows.start_task("demo/echo", [token])
    assert run.status is TaskRunStatus.PENDING
    details = await client.workflows.get_task_run(run.id)
    assert (details.id, details.input) == (run.id, [token]), (token, details)


async def concurrent_calls(client: AsyncClient, label: str, *, wait: bool) -> None:
    """TASKS concurrent tasks, CALLS round trips each (and one full wait each)."""

    async def worker(task: int) -> None:
        for call in range(CALLS):
            await round_trip(client, f"{label}-k{task}-c{call}-{uuid.uuid4().hex[:8]}")
        if wait:
            token = f"{label}-k{task}-wait"
            details = await client.workflows.run_task("demo/echo", [token], timeout=WAIT)
            assert details.result == {"args": [token], "kwargs": {}}, details

    await asyncio.gather(*(worker(n) for n in range(TASKS)))


def in_a_fresh_loop(client: AsyncClient, label: str) -> None:
    asyncio.run(concurrent_calls(client, label, wait=True))


def in_fresh_loops_on_threads(client: AsyncClient, label: str, threads: int = 2) -> None:
    """Each thread runs its own loop; all share the one client crossed over from the parent."""
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            in_a_fresh_loop(client, f"{label}-thread{index}")
        except BaseException as exc:  # reported by the child's main thread
            failures.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=WAIT)
    if failures:
        raise failures[0]


def test_children_of_an_async_client_used_before_fork_each_get_their_own_answers(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    client = make_client(server, transport)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(concurrent_calls(client, "parent-before", wait=False))
        reports = run_in_children(
            lambda n: in_fresh_loops_on_threads(client, f"child{n}"), CHILDREN
        )
        assert reports == [""] * CHILDREN, "\n".join(reports)
        loop.run_until_complete(concurrent_calls(client, "parent-after", wait=True))
    finally:
        loop.run_until_complete(close(client, transport))
        loop.close()


def test_an_async_wait_in_progress_in_the_parent_at_fork_is_unaffected(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    client = make_client(server, transport)
    loop = asyncio.new_event_loop()
    outcome: list[Any] = []
    streams_before = server.requests[EVENTS]

    async def wait_on_a_slow_run() -> None:
        run = await client.workflows.start_task("demo/slow", [0.6])
        outcome.append(run.id)
        outcome.append(await run.wait(timeout=WAIT))

    waiter = threading.Thread(target=loop.run_until_complete, args=(wait_on_a_slow_run(),))
    waiter.start()
    try:
        for _ in range(200):  # until the parent's wait has subscribed to the events stream
            if server.requests[EVENTS] > streams_before:
                break
            threading.Event().wait(0.01)
        assert server.requests[EVENTS] > streams_before, "the parent's wait never subscribed"
        reports = run_in_children(lambda n: in_a_fresh_loop(client, f"wchild{n}"), CHILDREN)
    finally:
        waiter.join(timeout=WAIT)
    assert reports == [""] * CHILDREN, "\n".join(reports)
    run_id, details = outcome
    assert (details.id, details.result) == (run_id, 0.6)
    loop.run_until_complete(concurrent_calls(client, "parent-after-wait", wait=False))
    loop.run_until_complete(close(client, transport))
    loop.close()
