"""The blocking Client against the local server: shared across threads, local-dev mode.

Sync-only tests (threads); their asyncio counterparts are in test_concurrency_async.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from render_sdk import (
    Client,
    PollSchedule,
    RetryPolicy,
    TaskRunCanceledError,
    TaskRunStatus,
)
from render_sdk.local import LocalServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.005, factor=1.5, max_interval=0.02)
WAIT = 20.0
THREADS = 32
EVENTS = ("GET", "/v1/task-runs/events")
ROUNDS = 3


def total_requests(server: LocalServer) -> int:
    return sum(server.requests.values())


def client_side_threads() -> set[threading.Thread]:
    """Threads of this process other than the local server's (it grows a task pool)."""
    return {t for t in threading.enumerate() if not t.name.startswith("render-sdk-local")}


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.002)


def test_one_client_shared_by_32_threads(server: LocalServer) -> None:
    threads_before = client_side_threads()
    requests_before = total_requests(server)
    connections_before = server.connections
    streams_before = server.requests[EVENTS]
    runs_before = server.runs_created
    barrier = threading.Barrier(THREADS)
    square_id = server.task_id("demo/square")
    calls = [0] * THREADS

    def worker(index: int, client: Client) -> list[str]:
        barrier.wait(timeout=10)
        mine: list[str] = []
        for round_ in range(ROUNDS):
            n = index * 100 + round_
            # start + get + wait on a squared number only this thread uses
            run = client.workflows.start_task("demo/square", [n])
            assert run.status is TaskRunStatus.PENDING
            read = client.workflows.get_task_run(run.id)
            assert (read.id, read.input) == (run.id, [n])
            done = run.wait(timeout=WAIT)
            assert (done.id, done.result) == (run.id, n * n)
            # run_task with a payload that names this thread
            echoed = client.workflows.run_task(
                "demo/echo", {"thread": index, "round": round_}, timeout=WAIT
            )
            assert echoed.result == {"args": [], "kwargs": {"thread": index, "round": round_}}
            # list: a page of square runs, every one a square run
            listed = list(client.workflows.list_task_runs(task="demo/square", limit=5, max_items=5))
            assert listed
            assert all(r.task_id == square_id for r in listed)
            mine += [run.id, echoed.id]
            calls[index] += 5
        return mine

    with (
        Client(
            api_key="rnd_unused",
            base_url=server.base_url,
            retry_policy=FAST_RETRY,
            poll_schedule=FAST_POLL,
        ) as client,
        ThreadPoolExecutor(max_workers=THREADS) as pool,
    ):
        futures = [pool.submit(worker, index, client) for index in range(THREADS)]
        results = [future.result(timeout=60) for future in futures]

    all_ids = [run_id for ids in results for run_id in ids]
    assert len(all_ids) == len(set(all_ids)) == THREADS * ROUNDS * 2
    assert server.runs_created - runs_before == THREADS * ROUNDS * 2
    requests = total_requests(server) - requests_before
    connections = server.connections - connections_before
    assert requests >= sum(calls) >= THREADS * ROUNDS * 5
    streams = server.requests[EVENTS] - streams_before
    # Pooled keep-alive connections: at most one per thread for plain requests (an
    # events stream, if waiting uses one, may hold a connection of its own).
    assert connections <= THREADS + streams
    assert connections * 2 < requests
    # Every worker thread is gone again; no background threads were left behind.
    wait_until(lambda: client_side_threads() <= threads_before)


def test_cancel_from_another_thread_while_waiting(server: LocalServer) -> None:
    outcome: list[Any] = []
    with Client(
        api_key="rnd_unused",
        base_url=server.base_url,
        retry_policy=FAST_RETRY,
        poll_schedule=FAST_POLL,
    ) as client:
        run = client.workflows.start_task("demo/slow", [30])
        path = ("GET", f"/v1/task-runs/{run.id}")

        def waiter() -> None:
            try:
                run.wait(timeout=WAIT)
            except TaskRunCanceledError as exc:
                outcome.append(exc)
            except BaseException as exc:  # reported below, not swallowed
                outcome.append(exc)
            else:
                outcome.append("returned")

        thread = threading.Thread(target=waiter)
        thread.start()
        wait_until(lambda: server.requests[path] >= 1)  # the waiter has read the run
        client.workflows.cancel_task_run(run.id)
        thread.join(timeout=WAIT)

    assert not thread.is_alive()
    [result] = outcome
    assert isinstance(result, TaskRunCanceledError), result
    assert result.task_run_id == run.id
    assert result.details.status is TaskRunStatus.CANCELED


@pytest.mark.parametrize("flag", ["true", "1", "True"])
def test_local_dev_env_needs_no_api_key(
    server: LocalServer, clean_render_env: pytest.MonkeyPatch, flag: str
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", flag)
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", server.base_url)
    with Client(poll_schedule=FAST_POLL) as client:
        details = client.workflows.run_task("demo/greet", ["local"], timeout=WAIT)
        base_url = client.base_url
    assert base_url == server.base_url + "/v1"
    assert details.result == "Hello, local!"
