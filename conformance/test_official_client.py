"""Render's official Python client (``render`` on the package index) against our local server.

``nox -s conformance`` runs this in its own environment. The official client finds
the server the way it finds Render's CLI dev server: ``RENDER_USE_LOCAL_DEV=true``
and ``RENDER_LOCAL_DEV_URL``. Every test drives one endpoint through the official
client's public API (``Render`` / ``RenderAsync``), or through its generated
``render.public_api`` layer where the public API has no method (tasks, filters),
and asserts what the client parsed. Nothing of ``render_sdk``'s client is used.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from typing import Any, cast

import httpx
import pytest
from render import Render, RenderAsync
from render.client import ListTaskRunsParams
from render.client.errors import ClientError, TaskRunError
from render.public_api.api.workflow_tasks import (
    get_task,
    list_task_runs,
    list_tasks,
    stream_task_runs_events,
)
from render.public_api.models.error import Error
from render.public_api.models.task_run_status import TaskRunStatus
from render.public_api.types import Unset

import render_sdk.local
from render_sdk.local import LocalServer

WORKFLOW = "render_sdk.local.examples.demo"
OWNER_ID = "tea-local0000000000000"
EVENT_TIMEOUT = 15.0
TERMINAL = {TaskRunStatus.SUCCEEDED, TaskRunStatus.COMPLETED, TaskRunStatus.FAILED}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """Our local server on a free port, with the official client's env pointing at it."""
    saved = {key: os.environ.get(key) for key in ("RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")}
    with render_sdk.local.serve(WORKFLOW, heartbeat=0.5) as running:
        os.environ["RENDER_USE_LOCAL_DEV"] = "true"
        os.environ["RENDER_LOCAL_DEV_URL"] = running.base_url
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def render(server: LocalServer) -> Iterator[Render]:
    """An official sync client, configured only by the environment (no token)."""
    client = Render()
    assert client.client.base_url == server.base_url
    with client.client.internal:  # closes its connection pool afterwards
        yield client


def collect_events(render: Render, run_ids: list[str], count: int) -> list[Any]:
    """The first ``count`` events of ``task_run_events(run_ids)``, or fail after a deadline.

    The official stream has no read timeout, so it is read in a thread we can give up on.
    """
    events: list[Any] = []
    errors: list[BaseException] = []

    def read() -> None:
        # It is a generator: close() ends the HTTP stream when we stop early.
        stream = cast(Generator[Any, None, None], render.workflows.task_run_events(run_ids))
        try:
            for event in stream:
                events.append(event)
                if len(events) >= count:
                    return
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            stream.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(EVENT_TIMEOUT)
    assert not errors, errors
    assert not reader.is_alive(), f"only {len(events)} of {count} events in {EVENT_TIMEOUT} s"
    return events


def wait_terminal(render: Render, run_id: str) -> Any:
    """Poll get_task_run until the run is terminal (used where the test is not about waiting)."""
    for _ in range(200):
        details = render.workflows.get_task_run(run_id)
        if details.status in TERMINAL | {TaskRunStatus.CANCELED}:
            return details
        time.sleep(0.02)
    raise AssertionError(f"{run_id} did not finish")


# --- tasks (generated layer: the public API has no task methods) ------------------------


def test_list_tasks_parses_and_get_task_by_id(render: Render) -> None:
    page = list_tasks.sync(client=render.client.internal, limit=100)
    assert isinstance(page, list)
    names = {item.task.name: item.task for item in page}
    assert {"square", "add", "greet", "fail", "slow", "flaky", "echo"} <= set(names)
    assert all(item.cursor for item in page)
    square = names["square"]
    assert square.id.startswith("tsk-")
    assert square.created_at.tzinfo is not None

    one = get_task.sync(client=render.client.internal, task_id=square.id)
    assert one is not None
    assert not hasattr(one, "message"), one  # an Error model would have a message
    assert one.id == square.id
    assert one.name == "square"


def test_list_tasks_paginates_with_cursor(render: Render) -> None:
    client = render.client.internal
    seen: list[str] = []
    cursor: Any = None
    while True:
        kwargs: dict[str, Any] = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        page = list_tasks.sync(client=client, **kwargs)
        assert isinstance(page, list)
        seen += [item.task.id for item in page]
        if len(page) < 3:
            break
        cursor = page[-1].cursor
    assert len(seen) == len(set(seen)) == 7


# --- starting runs -------------------------------------------------------------------------


def test_start_task_by_slug_returns_a_pending_root_run(render: Render) -> None:
    run = render.workflows.start_task("demo/square", [5])
    assert run.id.startswith("trn-")
    assert run.task_id.startswith("tsk-")
    assert run.status in (TaskRunStatus.PENDING, TaskRunStatus.RUNNING)
    assert run.root_task_run_id == run.id
    assert run.parent_task_run_id == ""
    assert run.retries == 0
    assert isinstance(run.attempts, list)
    assert wait_terminal(render, run.id).results == [25]


def test_start_task_by_task_id_with_dict_input(render: Render) -> None:
    tasks = list_tasks.sync(client=render.client.internal)
    assert isinstance(tasks, list)
    add_id = next(item.task.id for item in tasks if item.task.name == "add")
    run = render.workflows.start_task(add_id, {"a": 2, "b": 40})
    assert run.task_id == add_id
    details = wait_terminal(render, run.id)
    assert details.status == TaskRunStatus.SUCCEEDED
    assert details.results == [42]
    assert details.input_.to_dict() == {"a": 2, "b": 40}


def test_start_task_with_version_in_slug(render: Render) -> None:
    run = render.workflows.start_task("demo/square:v1", [3])
    assert wait_terminal(render, run.id).results == [9]


def test_idempotency_key_returns_the_first_run(render: Render) -> None:
    key = f"conformance-{uuid.uuid4()}"
    first = render.workflows.start_task("demo/square", [6], idempotency_key=key)
    again = render.workflows.start_task("demo/square", [999], idempotency_key=key)
    assert again.id == first.id
    assert wait_terminal(render, first.id).input_ == [6]


def test_unknown_task_is_a_client_error_with_a_code(render: Render) -> None:
    with pytest.raises(ClientError) as caught:
        render.workflows.start_task("demo/no-such-task", [])
    assert "404" in str(caught.value) or caught.value.code is not None


# --- run and wait ----------------------------------------------------------------------------


def test_run_task_waits_over_the_event_stream(render: Render) -> None:
    details = render.workflows.run_task("demo/square", [12])
    assert details.status == TaskRunStatus.SUCCEEDED
    assert details.results == [144]
    assert details.input_ == [12]
    assert details.attempts[0].status == TaskRunStatus.SUCCEEDED
    assert details.started_at is not None
    assert details.completed_at is not None


def test_run_task_of_a_failing_task_raises_task_run_error(render: Render) -> None:
    with pytest.raises(TaskRunError, match="ValueError: boom"):
        render.workflows.run_task("demo/fail", ["boom"])


def test_run_task_of_a_flaky_task_reports_every_attempt(render: Render) -> None:
    details = render.workflows.run_task("demo/flaky", [f"k-{uuid.uuid4()}", 2])
    assert details.status == TaskRunStatus.SUCCEEDED
    assert [attempt.attempt for attempt in details.attempts] == [0, 1, 2]
    assert [attempt.status for attempt in details.attempts] == [
        TaskRunStatus.FAILED,
        TaskRunStatus.FAILED,
        TaskRunStatus.SUCCEEDED,
    ]
    assert "RuntimeError" in str(details.attempts[0].error)


def test_run_task_of_a_canceled_run_returns_it_without_raising(render: Render) -> None:
    # The official client raises only when the terminal event carries an error; a
    # canceled run has none, so run_task() hands it back with status "canceled".
    outcome: dict[str, Any] = {}

    def wait() -> None:
        outcome["details"] = render.workflows.run_task("demo/slow", [30])

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not (runs := render.workflows.list_task_runs(ListTaskRunsParams(limit=1))) or (
        runs[0].task_run.status not in (TaskRunStatus.PENDING, TaskRunStatus.RUNNING)
    ):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    render.workflows.cancel_task_run(runs[0].task_run.id)
    waiter.join(EVENT_TIMEOUT)
    details = outcome["details"]
    assert details.id == runs[0].task_run.id
    assert details.status == TaskRunStatus.CANCELED
    assert isinstance(details.error, Unset)


# --- get -----------------------------------------------------------------------------------


def test_get_task_run_of_a_failed_run_has_its_error(render: Render) -> None:
    run = render.workflows.start_task("demo/fail", ["no luck"])
    details = wait_terminal(render, run.id)
    assert details.status == TaskRunStatus.FAILED
    assert details.error == "ValueError: no luck"
    assert details.results == []


def test_get_unknown_task_run_is_a_client_error(render: Render) -> None:
    with pytest.raises(ClientError, match=r"(?i)404|not found"):
        render.workflows.get_task_run("trn-doesnotexist000000")


# --- list ----------------------------------------------------------------------------------


def test_list_task_runs_newest_first_and_paginated(render: Render) -> None:
    started = [render.workflows.start_task("demo/square", [n]).id for n in range(5)]
    for run_id in started:
        wait_terminal(render, run_id)

    first = render.workflows.list_task_runs(ListTaskRunsParams(limit=2))
    assert [item.task_run.id for item in first] == started[::-1][:2]

    seen: list[str] = []
    params = ListTaskRunsParams(limit=2)
    while True:
        page = render.workflows.list_task_runs(params)
        assert all(item.cursor for item in page)
        seen += [item.task_run.id for item in page]
        if len(page) < 2:
            break
        params = ListTaskRunsParams(limit=2, cursor=page[-1].cursor)
    assert len(seen) == len(set(seen))
    assert seen[:5] == started[::-1]


def test_list_task_runs_default_page_and_owner_filter(render: Render) -> None:
    everything = render.workflows.list_task_runs()
    assert 0 < len(everything) <= 20
    mine = render.workflows.list_task_runs(ListTaskRunsParams(limit=100, owner_id=[OWNER_ID]))
    assert len(mine) >= len(everything)
    nobody = render.workflows.list_task_runs(
        ListTaskRunsParams(owner_id=["tea-someoneelse0000000"])
    )
    assert nobody == []


def test_list_task_runs_filtered_by_task_slug(render: Render) -> None:
    greet = render.workflows.start_task("demo/greet", ["filter"]).id
    wait_terminal(render, greet)
    page = list_task_runs.sync(client=render.client.internal, task_slug=["demo/greet"], limit=100)
    assert isinstance(page, list)
    assert greet in [item.task_run.id for item in page]
    assert {item.task_run.task_id for item in page} == {page[0].task_run.task_id}


# --- cancel --------------------------------------------------------------------------------


def test_cancel_task_run_then_get_shows_canceled(render: Render) -> None:
    run = render.workflows.start_task("demo/slow", [30])
    render.workflows.cancel_task_run(run.id)
    details = render.workflows.get_task_run(run.id)
    assert details.status == TaskRunStatus.CANCELED
    assert details.results == []


def test_cancel_of_a_finished_run_is_a_client_error_with_a_code(render: Render) -> None:
    run = render.workflows.start_task("demo/square", [1])
    wait_terminal(render, run.id)
    with pytest.raises(ClientError) as caught:
        render.workflows.cancel_task_run(run.id)
    assert caught.value.code == "task_run_not_cancelable"


# --- events --------------------------------------------------------------------------------


def test_events_stream_delivers_the_terminal_event_of_a_run(render: Render) -> None:
    run = render.workflows.start_task("demo/slow", [0.3])
    (event,) = collect_events(render, [run.id], 1)
    assert event.id == run.id
    assert event.status == TaskRunStatus.SUCCEEDED
    assert event.results == [0.3]


def test_events_stream_replays_runs_already_finished(render: Render) -> None:
    run = render.workflows.start_task("demo/square", [4])
    wait_terminal(render, run.id)
    (event,) = collect_events(render, [run.id], 1)
    assert (event.id, event.status, event.results) == (run.id, TaskRunStatus.SUCCEEDED, [16])


def test_events_stream_follows_several_runs_and_every_outcome(render: Render) -> None:
    ok = render.workflows.start_task("demo/slow", [0.2]).id
    bad = render.workflows.start_task("demo/fail", ["stream"]).id
    stopped = render.workflows.start_task("demo/slow", [30]).id
    render.workflows.cancel_task_run(stopped)
    events = collect_events(render, [ok, bad, stopped], 3)
    by_id = {event.id: event for event in events}
    assert set(by_id) == {ok, bad, stopped}
    assert by_id[ok].status == TaskRunStatus.SUCCEEDED
    assert by_id[bad].status == TaskRunStatus.FAILED
    assert by_id[bad].error == "ValueError: stream"
    assert by_id[stopped].status == TaskRunStatus.CANCELED


def test_events_stream_of_an_unknown_run_is_a_404_error_body(render: Render) -> None:
    response = stream_task_runs_events.sync_detailed(
        client=render.client.internal, task_run_ids=["trn-doesnotexist000000"]
    )
    assert response.status_code == 404
    assert isinstance(response.parsed, Error)
    assert response.parsed.code == "not_found"
    assert "trn-doesnotexist000000" in str(response.parsed.message)


def test_events_stream_of_an_unknown_run_raises(render: Render) -> None:
    # render 1.5.0's task_run_events() reads the error body of a streamed response
    # without read(), so a 4xx surfaces as httpx.ResponseNotRead, not ClientError:
    # a bug in the official client, whatever the server sends.
    with pytest.raises((ClientError, httpx.ResponseNotRead)):
        for _ in render.workflows.task_run_events(["trn-doesnotexist000000"]):
            pass


# --- authentication ------------------------------------------------------------------------


def test_token_is_sent_as_bearer_and_required_when_the_server_has_a_key(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with render_sdk.local.serve(WORKFLOW, api_key="conformance-key") as secured:
        # RENDER_LOCAL_DEV_URL wins over base_url in the official client.
        monkeypatch.setenv("RENDER_LOCAL_DEV_URL", secured.base_url)
        keyed = Render(token="conformance-key")
        with keyed.client.internal:
            assert keyed.workflows.run_task("demo/square", [9]).results == [81]
        anonymous = Render()
        with anonymous.client.internal, pytest.raises(ClientError) as caught:
            anonymous.workflows.get_task_run("trn-doesnotexist000000")
        assert caught.value.code == "unauthorized"


# --- the asyncio client ---------------------------------------------------------------------


def test_async_client_starts_and_awaits_runs_concurrently(server: LocalServer) -> None:
    async def scenario() -> list[Any]:
        client = RenderAsync()
        async with client.client.internal:
            runs = await asyncio.gather(
                *(client.workflows.start_task("demo/square", [n]) for n in range(4))
            )
            return list(await asyncio.gather(*runs))

    results = asyncio.run(scenario())
    assert [details.results for details in results] == [[0], [1], [4], [9]]
    assert all(details.status == TaskRunStatus.SUCCEEDED for details in results)


def test_async_client_get_list_cancel_and_events(server: LocalServer) -> None:
    async def scenario() -> None:
        client = RenderAsync()
        async with client.client.internal:
            await steps(client)

    async def steps(client: RenderAsync) -> None:
        workflows = client.workflows
        done = await workflows.run_task("demo/add", {"a": 1, "b": 2})
        assert done.results == [3]
        assert (await workflows.get_task_run(done.id)).results == [3]
        listed = await workflows.list_task_runs(ListTaskRunsParams(limit=1))
        assert [item.task_run.id for item in listed] == [done.id]
        slow = await workflows.start_task("demo/slow", [30])
        await workflows.cancel_task_run(slow.id)
        async for event in workflows.task_run_events([slow.id]):
            assert event.id == slow.id
            assert event.status == TaskRunStatus.CANCELED
            break

    asyncio.run(asyncio.wait_for(scenario(), EVENT_TIMEOUT))
