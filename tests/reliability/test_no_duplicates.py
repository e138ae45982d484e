"""A start whose response is lost or refused creates exactly one run; counted on the server.

Single-fault cases on both twins already exist in tests/_async/test_integration_local.py
(and the generated tests/_sync/ twin): ::test_503_then_ok_on_start_is_retried_into_one_run,
::test_drop_after_start_is_retried_into_the_same_run,
::test_read_timeout_on_a_start_the_server_accepted_makes_one_run,
::test_drop_before_handling_is_retried, ::test_429_retry_after_is_honoured and
::test_drop_after_start_without_retries_caller_retries_with_its_key. Added here: chains of
different faults within one start, every documented fault on POST for both twins with the
caller's run checked against the server's records, and many concurrent starts under random
faults (threads and coroutines) with the server's run count compared to the starts made.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from render_sdk import APIConnectionError, AsyncClient, Client, RetryPolicy, Timeout
from render_sdk.local import LocalServer
from tests.reliability._twins import Twin

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

POST = ("POST", "/v1/task-runs")
READ_TIMEOUT = 0.1
LATE = 0.25  # a latency fault longer than the read timeout: handled after the client gave up
SCRIPTS = {
    "drop-after": ["drop-after"],
    "503": ["503"],
    "read timeout after accept": [f"latency:{LATE}"],
    "stall": ["stall"],
    "drop": ["drop"],
    "429": ["429:0"],
    "drop-after twice": ["drop-after", "drop-after"],
    "drop-after, 503, read timeout": ["drop-after", "503", f"latency:{LATE}"],
    "read timeout, drop-after, 502": [f"latency:{LATE}", "drop-after", "502"],
    "504, drop, drop-after": ["504", "drop", "drop-after"],
}


def fast_policy(max_retries: int = 3) -> RetryPolicy:
    return RetryPolicy(max_retries=max_retries, initial_backoff=0.01, max_backoff=0.05)


def settle(server: LocalServer, posts: int, late: bool) -> None:
    """Wait until the server has handled ``posts`` POSTs, plus any late (delayed) handling."""
    deadline = time.monotonic() + 5
    while server.requests[POST] < posts:
        assert time.monotonic() < deadline, "the server never saw the retries"
        time.sleep(0.005)
    if late:
        time.sleep(LATE + 0.05)


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_every_fault_chain_on_start_makes_exactly_one_run(
    twin: Twin, server: LocalServer, script: str
) -> None:
    steps = SCRIPTS[script]
    server.faults.script(*POST, steps)
    posts, runs = server.requests[POST], server.runs_created
    payload = [f"{script}-{twin}-{uuid.uuid4().hex[:8]}"]
    client = twin.client(
        api_key="rnd_unused",
        base_url=server.base_url,
        retry_policy=fast_policy(),
        timeout=Timeout(connect=2.0, read=READ_TIMEOUT),
    )
    try:
        run = twin.call(client.workflows.start_task("demo/echo", payload))
        settle(server, posts + len(steps) + 1, late=any("latency" in s for s in steps))
        details = twin.call(client.workflows.wait_for_task_run(run.id, timeout=10))
    finally:
        twin.close(client)

    assert server.requests[POST] - posts == len(steps) + 1  # every fault was retried once
    assert server.runs_created - runs == 1
    [created] = [r for r in server.runs() if r["input"] == payload]
    assert created["id"] == run.id
    assert details.result == {"args": payload, "kwargs": {}}
    assert server.faults.pending == 0


def test_the_callers_key_across_failed_calls_makes_one_run(twin: Twin, server: LocalServer) -> None:
    """max_retries=0: every lost response surfaces, and the caller repeats with its key."""
    server.faults.script(*POST, ["drop-after", f"latency:{LATE}", "drop-after"])
    key = f"caller-{uuid.uuid4().hex}"
    runs = server.runs_created
    client = twin.client(
        api_key="rnd_unused",
        base_url=server.base_url,
        max_retries=0,
        timeout=Timeout(connect=2.0, read=READ_TIMEOUT),
    )
    failures = 0
    try:
        for _ in range(5):
            try:
                run = twin.call(
                    client.workflows.start_task("demo/square", [7], idempotency_key=key)
                )
                break
            except APIConnectionError:  # APITimeoutError is one too
                failures += 1
        settle(server, 0, late=True)
        again = twin.call(client.workflows.start_task("demo/square", [99], idempotency_key=key))
    finally:
        twin.close(client)

    assert failures == 3
    assert server.runs_created - runs == 1
    assert run.id == again.id
    assert server.get_run(run.id)["input"] == [7]  # the repeat's input was ignored


# --- many starts at once under random faults --------------------------------------------------

STARTS_PER_WORKER = 8
# Roomier than READ_TIMEOUT: 32 threads on a loaded CI machine must not time out by accident.
CONCURRENT_READ = 0.5
CONCURRENT_LATE = 0.7
FAULT_RULES = [
    "POST /v1/task-runs=rate:0.12:drop-after",
    "POST /v1/task-runs=rate:0.08:503",
    f"POST /v1/task-runs=rate:0.04:latency:{CONCURRENT_LATE}",
    "POST /v1/task-runs=rate:0.04:drop",
]
# Worst case 0.28 per attempt; 9 attempts all failing: 0.28**9 ~ 1e-5 per start.
CONCURRENT_POLICY = fast_policy(max_retries=8)


def check_server_runs(
    server: LocalServer, runs_before: int, started: dict[str, Any], posts: int
) -> None:
    """Each start made exactly one run, with the caller's own input; none lost, none extra."""
    time.sleep(CONCURRENT_LATE + 0.05)  # late (delayed) handlings land before counting
    assert server.runs_created - runs_before == len(started)
    for run_id, payload in started.items():
        record = server.get_run(run_id)
        assert record is not None, f"run {run_id} lost"
        assert record["input"] == payload, f"run {run_id} crossed"
    attempts = server.requests[POST] - posts
    print(f"\nFAULTS starts={len(started)} POST attempts={attempts} runs={len(started)}")
    assert attempts > len(started)  # faults were injected and retried


def test_32_threads_starting_under_random_faults_make_one_run_per_start(
    server: LocalServer,
) -> None:
    for rule in FAULT_RULES:
        server.faults.add(rule)
    posts, runs = server.requests[POST], server.runs_created
    started: dict[str, Any] = {}
    lock = threading.Lock()

    def worker(index: int, client: Client) -> None:
        for n in range(STARTS_PER_WORKER):
            payload = {"thread": index, "n": n}
            run = client.workflows.start_task("demo/echo", payload)
            with lock:
                assert run.id not in started, "two starts got the same run"
                started[run.id] = payload

    with (
        Client(
            api_key="rnd_unused",
            base_url=server.base_url,
            retry_policy=CONCURRENT_POLICY,
            timeout=Timeout(connect=2.0, read=CONCURRENT_READ),
        ) as client,
        ThreadPoolExecutor(32) as pool,
    ):
        for future in [pool.submit(worker, i, client) for i in range(32)]:
            future.result(timeout=60)
    server.faults.clear()

    assert len(started) == 32 * STARTS_PER_WORKER
    check_server_runs(server, runs, started, posts)


async def test_100_coroutines_starting_under_random_faults_make_one_run_per_start(
    server: LocalServer,
) -> None:
    for rule in FAULT_RULES:
        server.faults.add(rule)
    posts, runs = server.requests[POST], server.runs_created

    async def one(client: AsyncClient, index: int) -> tuple[str, Any]:
        payload = {"coroutine": index}
        run = await client.workflows.start_task("demo/echo", payload)
        return run.id, payload

    async with AsyncClient(
        api_key="rnd_unused",
        base_url=server.base_url,
        retry_policy=CONCURRENT_POLICY,
        timeout=Timeout(connect=2.0, read=CONCURRENT_READ),
    ) as client:
        pairs = await asyncio.wait_for(
            asyncio.gather(*(one(client, i) for i in range(100))), timeout=60
        )
    server.faults.clear()

    started = dict(pairs)
    assert len(started) == 100
    check_server_runs(server, runs, started, posts)
