"""Threads and load: one client shared by many workers, against a server in another process.

``RENDER_SDK_LOAD_CALLS`` sets the number of API calls per test (default 1,000 so the
normal suite stays quick; ``nox -s load`` runs 10,000). One blocking ``Client`` is shared
by 32 threads, one ``AsyncClient`` by 500 coroutines (250 at the default size); every
worker repeats a cycle of four calls (start, get, list filtered by its run's root id,
wait) on runs only it knows, and
checks each answer is about its own run. Afterwards the server (its own process, so it
does not compete for this process's GIL) is asked what it saw: one run per start, each
with the input its caller sent, and far fewer TCP connections than calls. Open sockets
(``/proc/self/fd``) and threads of this process are back to where they started.

Smaller versions with the server in-process: tests/integration/test_threads_sync.py and
tests/integration/test_concurrency_async.py.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from render_sdk import AsyncClient, Client, PollSchedule, RetryPolicy
from tests.reliability._twins import count_threads, open_sockets

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

CALLS = int(os.environ.get("RENDER_SDK_LOAD_CALLS", "1000"))
THREADS = 32
# 500 coroutines; fewer only when the calls would not give each one a full cycle (the
# default 1,000 calls: 250 coroutines), so the default suite stays quick.
COROUTINES = max(1, min(500, CALLS // 4))
CYCLE = 4  # start, get, list, wait
ROOT = Path(__file__).resolve().parents[2]
POLICY = RetryPolicy(max_retries=2, initial_backoff=0.05, max_backoff=0.5)
POLL = PollSchedule(initial_interval=0.05, factor=1.5, max_interval=0.5)
WAIT = 60.0


class ServerProcess:
    """The demo server in a child process, with its stats over a pipe."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "the server process did not start"
        self.base_url: str = json.loads(line)["base_url"]

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        stats: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return stats


@pytest.fixture(scope="module")
def server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("load") / "server.log"
    with (
        log.open("w") as errors,
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability._server_process"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as proc,
    ):
        try:
            yield ServerProcess(proc)
        finally:
            assert proc.stdin is not None
            proc.stdin.write("quit\n")
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def settle(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        gc.collect()
        time.sleep(0.05)
    return True


def cycles_per_worker(workers: int) -> int:
    return max(1, math.ceil(CALLS / (workers * CYCLE)))


def report(name: str, figures: dict[str, Any]) -> None:
    line = json.dumps({"test": name, **figures})
    print(f"\nLOAD {line}")
    target = os.environ.get("RENDER_SDK_LOAD_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def check_and_report(
    name: str,
    server: ServerProcess,
    before: dict[str, Any],
    started: dict[str, Any],
    calls: int,
    errors: list[BaseException],
    workers: int,
    elapsed: float,
) -> None:
    after = server.stats()
    new_runs = {k: v for k, v in after["runs"].items() if k not in before["runs"]}
    lost = [run_id for run_id in started if run_id not in new_runs]
    crossed = [run_id for run_id, payload in started.items() if new_runs.get(run_id) != payload]
    extra = len(new_runs) - len(started)
    connections = after["connections"] - before["connections"]
    streams = after["streams"] - before["streams"]
    requests = after["requests"] - before["requests"]
    figures = {
        "workers": workers,
        "calls": calls,
        "elapsed_s": round(elapsed, 2),
        "calls_per_s": round(calls / elapsed),
        "http_requests": requests,
        "tcp_connections": connections,
        "events_streams": streams,
        "runs_started": len(started),
        "runs_created_on_server": after["runs_created"] - before["runs_created"],
        "runs_lost": len(lost),
        "runs_duplicated": extra,
        "runs_crossed": len(crossed),
        "errors": len(errors),
    }
    report(name, figures)
    assert errors == [], errors[:3]
    assert (lost, crossed, extra) == ([], [], 0)
    assert after["runs_created"] - before["runs_created"] == len(started)
    # Pooled keep-alive connections carry the plain requests; each events stream (one
    # per wait) holds a connection of its own while it is open.
    assert connections - streams <= 2 * workers
    assert connections < calls / 2


def test_one_client_shared_by_32_threads(server_process: ServerProcess) -> None:
    before = server_process.stats()
    sockets_before, threads_before = open_sockets(), count_threads()
    cycles = cycles_per_worker(THREADS)
    started: dict[str, Any] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(index: int, client: Client) -> None:
        barrier.wait(timeout=30)
        for n in range(cycles):
            payload = {"thread": index, "n": n}
            try:
                run = client.workflows.start_task("demo/echo", payload)
                with lock:
                    started[run.id] = payload
                read = client.workflows.get_task_run(run.id)
                assert (read.id, read.input) == (run.id, payload), "crossed read"
                listed = list(client.workflows.list_task_runs(root_task_run_id=run.id))
                assert [r.id for r in listed] == [run.id], "crossed list"
                done = run.wait(timeout=WAIT)
                assert (done.id, done.result) == (run.id, {"args": [], "kwargs": payload})
            except BaseException as exc:
                with lock:
                    errors.append(exc)

    with Client(
        api_key="rnd_unused",
        base_url=server_process.base_url,
        retry_policy=POLICY,
        poll_schedule=POLL,
    ) as client:
        began = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(worker, i, client) for i in range(THREADS)]:
                future.result(timeout=600)
        elapsed = time.monotonic() - began

    calls = THREADS * cycles * CYCLE
    check_and_report("sync", server_process, before, started, calls, errors, THREADS, elapsed)
    assert settle(lambda: open_sockets() <= sockets_before), (open_sockets(), sockets_before)
    assert settle(lambda: count_threads() <= threads_before), (count_threads(), threads_before)


async def test_one_async_client_shared_by_500_coroutines(server_process: ServerProcess) -> None:
    before = server_process.stats()
    sockets_before, threads_before = open_sockets(), count_threads()
    cycles = cycles_per_worker(COROUTINES)
    started: dict[str, Any] = {}
    errors: list[BaseException] = []

    async def worker(index: int, client: AsyncClient) -> None:
        for n in range(cycles):
            payload = {"coroutine": index, "n": n}
            try:
                run = await client.workflows.start_task("demo/echo", payload)
                started[run.id] = payload
                read = await client.workflows.get_task_run(run.id)
                assert (read.id, read.input) == (run.id, payload), "crossed read"
                listed = [r async for r in client.workflows.list_task_runs(root_task_run_id=run.id)]
                assert [r.id for r in listed] == [run.id], "crossed list"
                done = await run.wait(timeout=WAIT)
                assert (done.id, done.result) == (run.id, {"args": [], "kwargs": payload})
            except Exception as exc:
                errors.append(exc)

    async with AsyncClient(
        api_key="rnd_unused",
        base_url=server_process.base_url,
        retry_policy=POLICY,
        poll_schedule=POLL,
    ) as client:
        began = time.monotonic()
        await asyncio.wait_for(
            asyncio.gather(*(worker(i, client) for i in range(COROUTINES))), timeout=600
        )
        elapsed = time.monotonic() - began

    calls = COROUTINES * cycles * CYCLE
    check_and_report("async", server_process, before, started, calls, errors, COROUTINES, elapsed)
    assert settle(lambda: open_sockets() <= sockets_before), (open_sockets(), sockets_before)
    assert settle(lambda: count_threads() <= threads_before), (count_threads(), threads_before)
