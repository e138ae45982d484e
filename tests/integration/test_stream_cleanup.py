"""Abandoning an events iterator mid-way closes its connection (no leaked sockets)."""

from __future__ import annotations

import asyncio
import time

from render_sdk import AsyncClient, Client
from render_sdk.local import LocalServer

EVENTS = ("GET", "/v1/task-runs/events")


def open_streams(server: LocalServer) -> int:
    """Event streams the server has open right now (counted on the server side)."""
    return server.state.events.open_streams


def wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_breaking_out_of_task_run_events_closes_the_stream(server: LocalServer) -> None:
    with Client(base_url=server.base_url, api_key="unused") as client:
        run = client.workflows.start_task("demo/slow", [30])
        streams_before = server.requests[EVENTS]
        open_before = open_streams(server)
        with client.workflows.task_run_events(run.id, timeout=20) as updates:
            for update in updates:
                assert update.id == run.id
                wait_until(lambda: open_streams(server) == open_before + 1)
                break
        wait_until(lambda: open_streams(server) == open_before)
        assert server.requests[EVENTS] == streams_before + 1
        client.workflows.cancel_task_run(run.id)


async def test_an_abandoned_async_iterator_is_closed_by_aclose(server: LocalServer) -> None:
    async with AsyncClient(base_url=server.base_url, api_key="unused") as client:
        run = await client.workflows.start_task("demo/slow", [30])
        open_before = open_streams(server)
        updates = client.workflows.task_run_events(run.id, timeout=20)
        async for update in updates:
            assert update.id == run.id
            break
        await updates.aclose()
        await client.workflows.cancel_task_run(run.id)
    for _ in range(500):
        if open_streams(server) == open_before:
            break
        await asyncio.sleep(0.01)
    assert open_streams(server) == open_before
