"""The Server-Sent Events stream of ``GET /v1/task-runs/events``."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from render_sdk.local.faults import Fault
from render_sdk.local.store import RunRecord, RunStore

__all__ = ["EventHub", "format_event"]

_Item = tuple[str, str, dict[str, Any]] | None


def format_event(name: str, data: dict[str, Any], event_id: int) -> bytes:
    """One SSE message: ``id:``, ``event:`` and a one-line JSON ``data:``."""
    payload = json.dumps(data, separators=(",", ":"))
    return f"id: {event_id}\nevent: {name}\ndata: {payload}\n\n".encode()


class EventHub:
    """Fans run changes out to the open event streams of one server."""

    def __init__(self, store: RunStore, *, heartbeat: float, retry_ms: int) -> None:
        """Streams send ``: ping`` every ``heartbeat`` seconds and suggest ``retry_ms``."""
        self.store = store
        self.heartbeat = heartbeat
        self.retry_ms = retry_ms
        self.events_sent = 0
        self._ids = itertools.count(1)
        self._queues: set[asyncio.Queue[_Item]] = set()
        self._closing = False

    @property
    def open_streams(self) -> int:
        """How many event streams are connected right now."""
        return len(self._queues)

    def close(self) -> None:
        """End every open stream (server shutdown); call on the server's loop."""
        self._closing = True
        for queue in list(self._queues):
            queue.put_nowait(None)

    async def stream(
        self, run_ids: list[str], fault: Fault, abort: Callable[[bool], Awaitable[None]]
    ) -> AsyncIterator[bytes]:
        """Yield the stream's bytes until the client leaves, the server stops or a fault hits."""
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        wanted = set(run_ids)

        def listener(run: RunRecord, event: str) -> None:
            if run.id not in wanted:
                return
            name = "task.completed" if run.terminal else event
            if name in ("task.completed", "task.running"):
                queue.put_nowait((name, run.id, run.to_json(details=True)))

        self._queues.add(queue)
        try:
            if self._closing:
                return
            if fault.events_mute:
                await queue.get()  # only the shutdown signal ends a mute stream
                return
            deadline = (
                time.monotonic() + fault.events_drop_time
                if fault.events_drop_time is not None
                else None
            )
            budget = fault.events_drop_after
            yield f"retry: {self.retry_ms}\n\n".encode()
            if not fault.events_silent:
                self.store.add_listener(listener)
                for run_id in run_ids:
                    run = self.store.get(run_id)
                    if run is not None and run.terminal:
                        queue.put_nowait(("task.completed", run.id, run.to_json(details=True)))
            delivered: set[str] = set()
            while True:
                if budget is not None and budget <= 0:
                    await abort(False)
                    return
                wait = self.heartbeat
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        await abort(False)
                        return
                try:
                    item = await asyncio.wait_for(queue.get(), wait)
                except asyncio.TimeoutError:
                    if deadline is None or time.monotonic() < deadline:
                        yield b": ping\n\n"
                    continue
                if item is None:
                    return
                name, run_id, data = item
                if name == "task.completed":
                    if run_id in delivered:
                        continue  # replayed already; a run ends only once
                    delivered.add(run_id)
                elif run_id in delivered:
                    continue
                self.events_sent += 1
                yield format_event(name, data, next(self._ids))
                if budget is not None:
                    budget -= 1
        finally:
            self.store.remove_listener(listener)
            self._queues.discard(queue)
