"""With asyncio the batching is deterministic: a burst of status checks is one list request."""

from __future__ import annotations

import json
from typing import Any

from render_sdk import AsyncClient
from render_sdk._transport.base import HTTPResponse
from render_sdk.testing import AsyncFakeClock, AsyncMockTransport, json_response
from tests.fakeapi import FakeAPI, details_json

EVENTS = "/v1/task-runs/events"


def sse(*events: tuple[str, dict[str, Any]]) -> HTTPResponse:
    text = "retry: 5\n\n" + "".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events
    )
    return HTTPResponse(200, {"content-type": "text/event-stream"}, text.encode())


async def test_a_burst_of_runs_is_confirmed_with_one_list_request() -> None:
    ids = [f"trn-{i}" for i in range(12)]
    finished = {run_id: details_json(run_id, results=[n]) for n, run_id in enumerate(ids)}
    api = FakeAPI().on("GET", EVENTS, sse(*[("task.completed", finished[i]) for i in ids]))
    api.on("GET", "/v1/task-runs", api.list_by_root)
    for run_id in ids:
        api.on("GET", f"/v1/task-runs/{run_id}", json_response(200, finished[run_id]))
    transport = AsyncMockTransport(api)
    client = AsyncClient(api_key="k", transport=transport, clock=AsyncFakeClock())

    results = await client.workflows.wait_all(ids, timeout=30)

    assert [d.result for d in results] == list(range(12))
    paths = [r.path for r in transport.requests]
    assert paths[:2] == [EVENTS, "/v1/task-runs"]
    assert sorted(transport.requests[1].query) == sorted(
        [("limit", "100")] + [("rootTaskRunId", run_id) for run_id in ids]
    )
