# This file is generated from tests/_async/test_waiting.py by codegen — do not edit.
"""Waiting with events: push, then verify; fallback to polling; many runs over one stream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from render_sdk import (
    Client,
    InvalidArgumentError,
    NotFoundError,
    PollSchedule,
    TaskRunStatus,
    WaitOptions,
    WaitTimeoutError,
)
from render_sdk._transport.base import HTTPResponse
from render_sdk.testing import FakeClock, MockTransport, json_response
from tests.fakeapi import FakeAPI, details_json

EVENTS = "/v1/task-runs/events"


def sse(*events: tuple[str, dict[str, Any]], retry_ms: int = 5) -> HTTPResponse:
    """An events-stream response carrying ``events`` and then ending."""
    text = f"retry: {retry_ms}\r\n: ping\r\n\r\n"
    for name, data in events:
        text += f"event: {name}\r\ndata: {json.dumps(data)}\r\n\r\n"
    return HTTPResponse(200, {"content-type": "text/event-stream"}, text.encode())


def make_client(api: FakeAPI, **options: Any) -> tuple[Client, MockTransport]:
    api.on("GET", "/v1/task-runs", api.list_by_root)
    transport = MockTransport(api)
    options.setdefault("wait_strategy", "events")
    client = Client(api_key="k", transport=transport, clock=FakeClock(), **options)
    return client, transport


def paths(transport: MockTransport) -> list[str]:
    return [f"{r.method} {r.path}" for r in transport.requests]


def test_a_terminal_event_is_confirmed_by_a_read() -> None:
    api = FakeAPI().on("GET", EVENTS, sse(("task.completed", details_json(results=[4]))))
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[4])),
    )
    client, transport = make_client(api)

    details = client.workflows.wait_for_task_run("trn-1", timeout=30)

    assert details.result == 4
    events_request = next(r for r in transport.requests if r.path == EVENTS)
    assert events_request.query == [("taskRunIds", "trn-1")]
    assert events_request.headers["Accept"] == "text/event-stream"
    assert paths(transport).count("GET /v1/task-runs/trn-1") == 2


def test_a_run_that_is_already_over_costs_one_read_and_no_stream() -> None:
    api = FakeAPI().on("GET", EVENTS, sse())
    api.on("GET", "/v1/task-runs/trn-1", json_response(200, details_json(results=[1])))
    client, transport = make_client(api)

    details = client.workflows.wait_for_task_run("trn-1", timeout=30)

    assert details.result == 1
    assert paths(transport) == ["GET /v1/task-runs/trn-1"]


def test_an_unfinished_run_is_read_again_once_subscribed() -> None:
    api = FakeAPI().on("GET", EVENTS, sse())
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[1])),
    )
    client, transport = make_client(api)

    details = client.workflows.wait_for_task_run("trn-1", timeout=30)

    assert details.result == 1
    assert paths(transport) == [
        "GET /v1/task-runs/trn-1",
        f"GET {EVENTS}",
        "GET /v1/task-runs/trn-1",
    ]


def test_many_runs_are_subscribed_to_before_they_are_read() -> None:
    ids = [f"trn-{i}" for i in range(12)]
    api = FakeAPI().on("GET", EVENTS, sse())
    for run_id in ids:
        api.on("GET", f"/v1/task-runs/{run_id}", json_response(200, details_json(run_id)))
    client, transport = make_client(api)

    client.workflows.wait_all(ids, timeout=30)

    # Subscribe first; then confirm statuses (by list requests) and fetch the details that
    # no event brought, each run's details exactly once.
    assert paths(transport)[0] == f"GET {EVENTS}"
    singles = [p for p in paths(transport) if p.startswith("GET /v1/task-runs/trn-")]
    assert sorted(singles) == sorted(f"GET /v1/task-runs/{i}" for i in ids)


def test_a_burst_of_runs_is_confirmed_with_one_list_request() -> None:
    ids = [f"trn-{i}" for i in range(12)]
    finished = {run_id: details_json(run_id, results=[n]) for n, run_id in enumerate(ids)}
    api = FakeAPI().on(
        "GET", EVENTS, sse(*[("task.completed", finished[run_id]) for run_id in ids])
    )
    for run_id in ids:
        api.on("GET", f"/v1/task-runs/{run_id}", json_response(200, finished[run_id]))
    client, transport = make_client(api)

    results = client.workflows.wait_all(ids, timeout=30)

    assert [d.result for d in results] == list(range(12))
    # Status checks due together are one list request: the loop hands the machine every
    # event delivered so far at once (how the 12 events split between the loop's
    # wake-ups depends on thread timing in the blocking twin; the asyncio twin's exact
    # batching is tested in tests/async_only/test_batching.py, the machine's in
    # tests/unit/test_waitstate.py).
    lists = [r for r in transport.requests if r.path == "/v1/task-runs"]
    listed = [value for r in lists for key, value in r.query if key == "rootTaskRunId"]
    assert len(listed) == len(set(listed))
    assert all(("limit", "100") in r.query for r in lists)
    # Details come from the events when they arrive in time; a run whose event is slow
    # to come is read by itself, never more than once.
    singles = [r.path for r in transport.requests if r.path.startswith("/v1/task-runs/trn-")]
    assert len(singles) == len(set(singles))


def test_a_failed_attempt_that_will_be_retried_is_not_the_end() -> None:
    failed_attempt = details_json(status="failed", error="attempt 1 failed")
    api = FakeAPI().on(
        "GET",
        EVENTS,
        sse(("task.completed", failed_attempt)),
        sse(("task.completed", details_json(results=[7]))),
    )
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(status="pending", results=[])),
        json_response(200, details_json(results=[7])),
    )
    client, _ = make_client(api)

    details = client.workflows.wait_for_task_run("trn-1", timeout=60)

    assert details.succeeded
    assert details.result == 7


def test_a_refused_stream_falls_back_to_polling_in_auto_mode() -> None:
    api = FakeAPI().on("GET", EVENTS, json_response(503, {"message": "no streams today"}))
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[3])),
    )
    client, _ = make_client(api, wait_strategy="auto", max_retries=0)

    details = client.workflows.wait_for_task_run("trn-1", timeout=60)

    assert details.result == 3


def test_a_refused_stream_is_an_error_in_events_mode() -> None:
    api = FakeAPI().on("GET", EVENTS, json_response(404, {"message": "no such run"}))
    api.on(
        "GET", "/v1/task-runs/trn-1", json_response(200, details_json(status="running", results=[]))
    )
    client, _ = make_client(api)

    with pytest.raises(NotFoundError):
        client.workflows.wait_for_task_run("trn-1", timeout=60)


def test_the_deadline_holds_while_the_stream_is_silent() -> None:
    api = FakeAPI().on("GET", EVENTS, sse(retry_ms=1))
    api.on(
        "GET", "/v1/task-runs/trn-1", json_response(200, details_json(status="running", results=[]))
    )
    client, _ = make_client(api, wait_strategy="auto")

    with pytest.raises(WaitTimeoutError) as info:
        client.workflows.wait_for_task_run("trn-1", timeout=5)

    assert info.value.last_status is TaskRunStatus.RUNNING
    assert info.value.pending == {"trn-1": TaskRunStatus.RUNNING}


def test_wait_all_follows_many_runs_over_one_stream() -> None:
    ids = [f"trn-{i}" for i in range(5)]
    api = FakeAPI().on(
        "GET",
        EVENTS,
        sse(
            *[("task.completed", details_json(run_id, results=[i])) for i, run_id in enumerate(ids)]
        ),
    )
    for i, run_id in enumerate(ids):
        status = "failed" if i == 3 else "succeeded"
        api.on(
            "GET",
            f"/v1/task-runs/{run_id}",
            json_response(200, details_json(run_id, "running", results=[])),
            json_response(200, details_json(run_id, status, results=[i])),
        )
    client, transport = make_client(api)

    results = client.workflows.wait_all([*ids, "trn-0"], timeout=30)

    assert [d.id for d in results] == [*ids, "trn-0"]
    assert results[3].failed
    streams = [r for r in transport.requests if r.path == EVENTS]
    assert len(streams) == 1
    assert streams[0].query == [("taskRunIds", run_id) for run_id in ids]


def test_as_completed_yields_each_run_once_as_it_finishes() -> None:
    ids = ["trn-a", "trn-b", "trn-c"]
    api = FakeAPI().on("GET", EVENTS, sse(("task.completed", details_json("trn-b"))))
    api.on("GET", "/v1/task-runs/trn-b", json_response(200, details_json("trn-b")))
    for run_id in ("trn-a", "trn-c"):
        api.on(
            "GET",
            f"/v1/task-runs/{run_id}",
            json_response(200, details_json(run_id, "running", results=[])),
            json_response(200, details_json(run_id, "canceled", results=[])),
        )
    client, _ = make_client(api, wait_strategy="auto")

    finished = [details.id for details in client.workflows.as_completed(ids, timeout=60)]

    assert sorted(finished) == ids
    assert finished[0] == "trn-b"


def test_task_run_events_yields_updates_then_ends() -> None:
    running = details_json(status="running", results=[])
    api = FakeAPI().on(
        "GET",
        EVENTS,
        sse(("task.running", running), ("task.completed", details_json(results=[8]))),
    )
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, running),
        json_response(200, details_json(results=[8])),
    )
    client, _ = make_client(api)

    with client.workflows.task_run_events("trn-1", timeout=30) as updates:
        seen = [update for update in updates]

    assert seen[0].status is TaskRunStatus.RUNNING
    assert seen[-1].succeeded
    assert seen[-1].result == 8


def test_garbage_events_are_ignored() -> None:
    body = b"event: task.completed\ndata: {not json\n\nevent: other\ndata: {}\n\n\xff\xfe\n\n"
    api = FakeAPI().on("GET", EVENTS, HTTPResponse(200, {}, body))
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[2])),
    )
    client, _ = make_client(api, wait_strategy="auto")

    details = client.workflows.wait_for_task_run("trn-1", timeout=60)

    assert details.result == 2


@pytest.mark.parametrize("runs", [[], "trn-1", ["tsk-1"], [None]])
def test_bad_run_lists_are_rejected_before_any_request(runs: Any) -> None:
    client, transport = make_client(FakeAPI())

    with pytest.raises(InvalidArgumentError):
        client.workflows.wait_all(runs)

    assert transport.requests == []


def test_wait_options_configure_the_waiting() -> None:
    api = FakeAPI().on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[6])),
    )
    every_3s = PollSchedule(initial_interval=3.0, max_interval=3.0)
    options = WaitOptions(strategy="poll", poll_schedule=every_3s)
    api.on("GET", "/v1/task-runs", api.list_by_root)
    transport = MockTransport(api)
    clock = FakeClock()
    client = Client(api_key="k", transport=transport, clock=clock, wait_options=options)

    details = client.workflows.wait_for_task_run("trn-1", timeout=30)

    assert details.result == 6
    assert clock.waits == [3.0, 3.0]  # fake time moved on at once, by the configured gaps
    assert paths(transport) == ["GET /v1/task-runs/trn-1"] * 3  # polling only: no stream


@pytest.mark.parametrize(
    "beside",
    [
        {"wait_strategy": "poll"},
        {"poll_schedule": PollSchedule()},
        {"event_idle_timeout": 10.0},
    ],
)
def test_wait_options_are_not_mixed_with_the_separate_wait_arguments(beside: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="beside wait_options"):
        Client(api_key="k", wait_options=WaitOptions(), **beside)


def test_wait_options_must_be_a_wait_options() -> None:
    with pytest.raises(InvalidArgumentError, match="must be a WaitOptions"):
        Client(api_key="k", wait_options={"strategy": "poll"})  # type: ignore[arg-type]
