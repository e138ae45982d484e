"""What docs/migrating.md says about Render's SDK, checked against the installed ``render``.

``nox -s conformance`` installs Render's SDK from the package index; each test reads
one row of the guide's table (or one of its listed differences) from that package's
public surface, so the guide is re-checked whenever Render publishes a new version.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from render import Render, RenderAsync
from render.client import ListTaskRunsParams
from render.client import errors as render_errors
from render.client.workflows import AwaitableTaskRun, WorkflowsService
from render.client.workflows_sync import SyncWorkflowsService
from render.public_api.models.task_run import TaskRun
from render.public_api.models.task_run_details import TaskRunDetails

import render_sdk.local
from render_sdk.local import LocalServer


def parameters(function: Any) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


@pytest.mark.parametrize("cls", [Render, RenderAsync])
def test_clients_take_token_and_base_url_as_keywords(cls: type) -> None:
    params = parameters(cls.__init__)
    assert params["token"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["base_url"].default == "https://api.render.com"
    assert "api_key" not in params


@pytest.mark.parametrize("service", [WorkflowsService, SyncWorkflowsService])
def test_start_and_run_take_a_task_slug_and_run_task_has_no_deadline(service: type) -> None:
    start = parameters(service.start_task)
    assert list(start)[1:3] == ["task_slug", "input_data"]
    assert start["idempotency_key"].kind is inspect.Parameter.KEYWORD_ONLY
    run = parameters(service.run_task)
    assert list(run)[1:3] == ["task_slug", "input_data"]
    assert "timeout" not in run
    assert "raise_on_failure" not in run


@pytest.mark.parametrize("service", [WorkflowsService, SyncWorkflowsService])
def test_list_task_runs_takes_one_params_object_and_returns_one_page(service: type) -> None:
    assert list(parameters(service.list_task_runs))[1:] == ["params"]
    params = ListTaskRunsParams(limit=50, cursor="c", owner_id=["tea-1"])
    assert (params.limit, params.cursor, params.owner_id) == (50, "c", ["tea-1"])
    annotation = str(inspect.signature(service.list_task_runs).return_annotation)
    assert annotation.startswith("list[")
    assert annotation.endswith("TaskRunWithCursor]")


def test_error_classes_of_the_table() -> None:
    assert issubclass(render_errors.ClientError, render_errors.RenderError)
    assert issubclass(render_errors.RateLimitError, render_errors.ClientError)
    assert issubclass(render_errors.ServerError, render_errors.RenderError)
    assert issubclass(render_errors.TaskRunError, render_errors.RenderError)
    assert issubclass(render_errors.TimeoutError, render_errors.RenderError)
    assert not issubclass(render_errors.TimeoutError, TimeoutError)  # not the built-in
    assert render_errors.ClientError("x", code="c").code == "c"


def test_async_start_returns_a_wrapper_with_the_model_in_task_run() -> None:
    model = TaskRun.from_dict(
        {
            "id": "trn-1",
            "taskId": "tsk-1",
            "status": "pending",
            "parentTaskRunId": "",
            "rootTaskRunId": "trn-1",
            "retries": 0,
            "attempts": [],
        }
    )
    wrapper = AwaitableTaskRun(model, WorkflowsService.__new__(WorkflowsService))
    assert wrapper.task_run is model
    assert wrapper.id == "trn-1"
    assert wrapper.status == "pending"
    assert type(wrapper.status) is str
    assert hasattr(wrapper, "__await__")
    sync_start = inspect.signature(SyncWorkflowsService.start_task).return_annotation
    assert "TaskRun" in str(sync_start)
    assert "Awaitable" not in str(sync_start)


def test_run_details_name_the_input_field_input_underscore() -> None:
    names = {field.name for field in attrs.fields(TaskRunDetails)}
    assert "input_" in names
    assert "input" not in names


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    saved = {key: os.environ.get(key) for key in ("RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")}
    with render_sdk.local.serve("render_sdk.local.examples.demo", heartbeat=0.5) as running:
        os.environ["RENDER_LOCAL_DEV_URL"] = running.base_url
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def test_a_canceled_run_is_returned_not_raised(server: LocalServer) -> None:
    async def main() -> Any:
        client = RenderAsync()
        async with client.client.internal:  # closes its connection pool afterwards
            workflows = client.workflows
            started = await workflows.start_task("demo/slow", [30])
            await workflows.cancel_task_run(started.id)
            return await asyncio.wait_for(started, timeout=30)

    details = asyncio.run(main())
    assert details.status.value == "canceled"


def test_local_dev_url_alone_selects_local_mode(server: LocalServer) -> None:
    saved = os.environ.pop("RENDER_API_KEY", None)
    try:
        render = Render()  # no key: accepted only in local mode
        with render.client.internal:
            assert render.client.base_url == server.base_url
    finally:
        if saved is not None:
            os.environ["RENDER_API_KEY"] = saved


@pytest.mark.parametrize("service", [WorkflowsService, SyncWorkflowsService])
def test_tasks_are_not_listed_by_the_workflows_service_and_events_take_a_list(
    service: type,
) -> None:
    assert not hasattr(service, "list_tasks")
    assert not hasattr(service, "get_task")
    assert list(parameters(service.task_run_events))[1:] == ["task_run_ids"]
