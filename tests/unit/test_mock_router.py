"""MockRouter: declared runs and errors answer both clients; every request is recorded."""

from __future__ import annotations

import threading

import pytest

from render_sdk import NotFoundError, TaskRunCanceledError, TaskRunStatus
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
