"""Fan-out against a rate limit: many starts through one client, paced and not (``bench.py``).

The local server runs with ``--rate-limit N`` (N requests per second per endpoint group).
``render_sdk`` starts ``runs`` runs from many coroutines (``AsyncClient``) or threads
(one ``Client``), once with pacing on (the default) and once with ``rate_limit_pacing=
False`` for comparison. A counting wrapper around the client's own transport records
every answer's status; afterwards the server's run list is read to check that every run
was started exactly once. Render's official SDK does not pace, so it is not a contender
here: the comparison is pacing on vs off, in the same run.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import threading
import time
from typing import Any

import requests

SQUARE = "demo/square"


class _Counting:
    """Counts the status of every answer the wrapped transport gets."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.statuses: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()

    def _count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1


class CountingAsync(_Counting):
    async def send(self, request: Any) -> Any:
        response = await self.inner.send(request)
        self._count(response.status_code)
        return response

    async def stream(self, request: Any) -> Any:
        return await self.inner.stream(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class CountingSync(_Counting):
    def send(self, request: Any) -> Any:
        response = self.inner.send(request)
        self._count(response.status_code)
        return response

    def stream(self, request: Any) -> Any:
        return self.inner.stream(request)

    def close(self) -> None:
        self.inner.close()


def newest_run(api: str) -> str | None:
    page = requests.get(f"{api}/task-runs", params={"limit": 1}, timeout=30).json()
    return page[0]["taskRun"]["id"] if page else None


def runs_since(api: str, marker: str | None) -> list[str]:
    """IDs of every run created after ``marker`` (newest first), read page by page."""
    ids: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        response = requests.get(f"{api}/task-runs", params=params, timeout=30)
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        page = response.json()
        for row in page:
            if row["taskRun"]["id"] == marker:
                return ids
            ids.append(row["taskRun"]["id"])
        if len(page) < 100:
            return ids
        cursor = page[-1]["cursor"]


def _summary(
    started: list[str],
    failures: list[str],
    statuses: collections.Counter[int],
    seconds: float,
    created: list[str],
) -> dict[str, Any]:
    posts = sum(statuses.values())
    return {
        "seconds": seconds,
        "answers": dict(statuses),
        "requests": posts,
        "refused_429": statuses.get(429, 0),
        "refused_pct": 100.0 * statuses.get(429, 0) / posts if posts else 0.0,
        "started": len(started),
        "distinct_started": len(set(started)),
        "failed": len(failures),
        "failure_samples": failures[:3],
        "created_on_server": len(created),
        "duplicates_on_server": len(created) - len(set(created)),
        "unreported_on_server": len(set(created) - set(started)),
    }


def fan_out_async(origin: str, runs: int, coroutines: int, pacing: bool) -> dict[str, Any]:
    """``runs`` start_task calls from ``coroutines`` coroutines sharing one AsyncClient."""
    import render_sdk
    from render_sdk._transport.factory import create_async_transport

    api = origin + "/v1"
    marker = newest_run(api)

    async def main() -> tuple[list[str], list[str], collections.Counter[int], float]:
        transport = CountingAsync(create_async_transport())
        client = render_sdk.AsyncClient(
            base_url=origin, transport=transport, rate_limit_pacing=pacing
        )
        numbers = iter(range(runs))
        started: list[str] = []
        failures: list[str] = []

        async def worker() -> None:
            for n in numbers:
                try:
                    run = await client.workflows.start_task(SQUARE, [n])
                    started.append(run.id)
                except render_sdk.RenderError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(coroutines)))
        elapsed = time.perf_counter() - began
        await transport.aclose()
        return started, failures, transport.statuses, elapsed

    started, failures, statuses, elapsed = asyncio.run(main())
    return _summary(started, failures, statuses, elapsed, runs_since(api, marker))


def fan_out_threads(origin: str, runs: int, threads: int, pacing: bool) -> dict[str, Any]:
    """``runs`` start_task calls from ``threads`` threads sharing one Client."""
    import render_sdk
    from render_sdk._transport.factory import create_sync_transport

    api = origin + "/v1"
    marker = newest_run(api)
    transport = CountingSync(create_sync_transport())
    client = render_sdk.Client(base_url=origin, transport=transport, rate_limit_pacing=pacing)
    numbers = iter(range(runs))
    lock = threading.Lock()
    started: list[str] = []
    failures: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            try:
                run = client.workflows.start_task(SQUARE, [n])
                started.append(run.id)
            except render_sdk.RenderError as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:200])

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    began = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - began
    transport.close()
    return _summary(started, failures, transport.statuses, elapsed, runs_since(api, marker))


def scenario_paced(
    origin: str, limit: int, runs: int, coroutines: int, threads: int
) -> dict[str, Any]:
    """Both fan-outs, pacing on then off, against one server limited to ``limit``/s."""
    result: dict[str, Any] = {"limit": limit, "runs": runs, "ideal_s": runs / limit}
    for name, fan_out, width in (
        ("async", fan_out_async, coroutines),
        ("threads", fan_out_threads, threads),
    ):
        for pacing in (True, False):
            time.sleep(1.1)  # start from a fresh window
            key = f"{name}_{'paced' if pacing else 'unpaced'}"
            result[key] = fan_out(origin, runs, width, pacing)
            print(f"[bench] paced {key}: {result[key]}", file=sys.stderr, flush=True)
    return result
