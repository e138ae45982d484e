"""MockRouter: declared runs and errors answer both clients; every request is recorded."""

from __future__ import annotations

import threading

import pytest

from render_sdk import ConflictError, NotFoundError, TaskRunCanceledError, TaskRunStatus
from render_sdk.testing import FakeClock, MockRouter


def test_a_pending_run_finished_during_a_wait_is_seen_by_the_waiting_client() -> None:
    router = MockRouter()
    declared = router.add_run("shop/total")
    client = router.client()
    run = client.workflows.start_task("shop/total", [[1, 2]])
    assert run.id == declared.id
    assert run.status is TaskRunStatus.PENDING
    timer = threading.Timer(0.2, declared.finish, args=(3,))
    timer.start()
    try:
        assert run.wait(timeout=5).result == 3
    finally:
        timer.cancel()
    assert declared.input == [[1, 2]]


def test_runs_are_matched_by_task_and_any_task_runs_serve_the_rest() -> None:
    router = MockRouter()
    router.add_run(result="fallback")
    router.add_run("shop/total", result="exact")
    client = router.client()
    assert client.workflows.run_task("shop/total", [], timeout=5).result == "exact"
    assert client.workflows.run_task("mail/send", [], timeout=5).result == "fallback"
    with pytest.raises(NotFoundError, match=r"add_run\('mail/send'"):
        client.workflows.start_task("mail/send", [])


def test_listing_and_canceling_use_the_declared_runs() -> None:
    router = MockRouter()
    router.add_run("shop/total", status="running")
    client = router.client()
    run = client.workflows.start_task("shop/total", [])
    assert [listed.id for listed in client.workflows.list_task_runs()] == [run.id]
    client.workflows.cancel_task_run(run.id)
    with pytest.raises(TaskRunCanceledError):
        run.wait(timeout=5)
    methods = [(r.method, r.path) for r in router.requests]
    assert ("DELETE", f"/v1/task-runs/{run.id}") in methods


def test_queued_errors_are_used_up_in_order() -> None:
    router = MockRouter()
    router.add_error("GET", "/v1/task-runs/trn-1", 500, times=2)
    clock = FakeClock()
    client = router.client(max_retries=2, clock=clock)
    with pytest.raises(NotFoundError):  # two 500s retried, then the real answer: no such run
        client.workflows.get_task_run("trn-1")
    assert len(router.requests) == 3
    assert len(clock.sleeps) == 2


async def test_the_async_client_shares_the_router() -> None:
    router = MockRouter()
    router.add_run("shop/total", results=[1, 2])
    async with router.async_client() as client:
        details = await client.workflows.run_task("shop/total", [], timeout=5)
    assert details.results == [1, 2]
    assert router.starts[0]["task"] == "shop/total"


def test_a_repeated_idempotency_key_returns_the_first_run_within_its_workflow() -> None:
    router = MockRouter()
    first = router.add_run("shop/total")
    second = router.add_run("shop/total")
    other = router.add_run("mail/send")
    client = router.client()
    run = client.workflows.start_task("shop/total", [1], idempotency_key="order-7")
    again = client.workflows.start_task("shop/total", [2], idempotency_key="order-7")
    assert run.id == again.id == first.id
    assert first.input == [1]  # the repeated start's input is ignored, as by the API
    # The key is scoped to the workflow: another workflow's start with it is a new run.
    assert client.workflows.start_task("mail/send", [], idempotency_key="order-7").id == other.id
    assert client.workflows.start_task("shop/total", [3]).id == second.id


def test_repeating_start_many_with_a_prefix_returns_the_same_runs() -> None:
    router = MockRouter()
    declared = [router.add_run("shop/total") for _ in range(8)]
    client = router.client()
    inputs = [[n] for n in range(4)]
    first = client.workflows.start_many("shop/total", inputs, idempotency_key_prefix="batch")
    again = client.workflows.start_many("shop/total", inputs, idempotency_key_prefix="batch")
    assert [run.id for run in again] == [run.id for run in first]
    assert len({run.id for run in first}) == 4
    # The repeat took no declared run: the next new start gets the fifth.
    assert client.workflows.start_task("shop/total", [9]).id == declared[4].id


def test_canceling_a_finished_run_answers_409_and_leaves_it_finished() -> None:
    router = MockRouter()
    router.add_run("shop/total", result=5)
    client = router.client()
    run = client.workflows.start_task("shop/total", [])
    assert run.wait(timeout=5).result == 5
    with pytest.raises(ConflictError, match="already finished"):
        client.workflows.cancel_task_run(run.id)
    details = client.workflows.get_task_run(run.id)
    assert details.status is TaskRunStatus.SUCCEEDED
    assert details.results == [5]


async def test_the_async_client_sees_idempotent_starts_and_the_409_of_a_finished_run() -> None:
    router = MockRouter()
    for _ in range(6):
        router.add_run("shop/total", result="done")
    inputs = [[n] for n in range(3)]
    async with router.async_client() as client:
        first = await client.workflows.start_many(
            "shop/total", inputs, idempotency_key_prefix="nightly"
        )
        again = await client.workflows.start_many(
            "shop/total", inputs, idempotency_key_prefix="nightly"
        )
        assert [run.id for run in again] == [run.id for run in first]
        single = await client.workflows.start_task("shop/total", [], idempotency_key="k")
        repeated = await client.workflows.start_task("shop/total", [], idempotency_key="k")
        assert single.id == repeated.id
        with pytest.raises(ConflictError):
            await client.workflows.cancel_task_run(first[0].id)
        details = await client.workflows.get_task_run(first[0].id)
    assert details.status is TaskRunStatus.SUCCEEDED
    assert len({run.id for run in [*first, single]}) == 4
