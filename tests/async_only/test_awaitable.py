"""Behaviour only the asyncio twin has: awaiting a run handle waits for it."""

from __future__ import annotations

import pytest

from render_sdk import AsyncClient, AwaitableTaskRun, TaskRunFailedError
from render_sdk.testing import AsyncFakeClock, AsyncMockTransport, json_response
from tests.fakeapi import FakeAPI, details_json, run_json


def client_for(api: FakeAPI) -> AsyncClient:
    return AsyncClient(api_key="k", transport=AsyncMockTransport(api), clock=AsyncFakeClock())


async def test_awaiting_a_started_run_waits_for_its_details() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    api.on(
        "GET",
        "/v1/task-runs/trn-1",
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(results=[9])),
    )
    client = client_for(api)

    run = await client.workflows.start_task("wf/square", [3])
    details = await run

    assert isinstance(run, AwaitableTaskRun)
    assert details.result == 9


async def test_awaiting_a_failed_run_raises() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    api.on(
        "GET", "/v1/task-runs/trn-1", json_response(200, details_json(status="failed", error="x"))
    )
    client = client_for(api)

    run = await client.workflows.start_task("wf/square", [3])
    with pytest.raises(TaskRunFailedError):
        await run
