"""The FastAPI example, driven by its TestClient against a local Render server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from app import app
from fastapi.testclient import TestClient

from render_sdk import AsyncClient
from render_sdk.contrib.fastapi import get_async_client
from render_sdk.local import LocalServer, serve
from render_sdk.testing import AsyncMockTransport, Recorded, json_response


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with serve("render_sdk.local.examples.demo") as local:
        yield local


@pytest.fixture
def client(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    # The app reads the environment, as in production; point it at the local server.
    monkeypatch.setenv("RENDER_USE_LOCAL_DEV", "true")
    monkeypatch.setenv("RENDER_LOCAL_DEV_URL", server.base_url)
    with TestClient(app) as web:  # `with` runs the lifespan, which opens the client
        yield web


def test_start_a_run_then_wait_for_its_result(client: TestClient) -> None:
    started = client.post("/runs", json={"task": "demo/square", "input": [8]})
    assert started.status_code == 202
    status = client.get(f"/runs/{started.json()['id']}", params={"wait": 5})
    assert status.json()["status"] == "succeeded"
    assert status.json()["result"] == 64


def test_a_failed_run_is_reported_with_its_error(client: TestClient) -> None:
    started = client.post("/runs", json={"task": "demo/fail", "input": ["no luck"]})
    status = client.get(f"/runs/{started.json()['id']}", params={"wait": 5})
    assert status.json()["status"] == "failed"
    assert "no luck" in status.json()["error"]


def test_a_run_still_going_after_the_wait_is_accepted(client: TestClient) -> None:
    started = client.post("/runs", json={"task": "demo/slow", "input": [30]})
    status = client.get(f"/runs/{started.json()['id']}", params={"wait": 0.2})
    assert status.status_code == 202
    assert status.json()["status"] in ("pending", "running")


def test_sdk_errors_become_http_errors(client: TestClient) -> None:
    bad = client.post("/runs", json={"task": "no slash", "input": []})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_argument")
    assert client.get("/runs/trn-doesnotexist").status_code == 404


def test_the_client_can_be_replaced_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # The lifespan still opens the app's own client (unused here): it needs a config.
    monkeypatch.setenv("RENDER_USE_LOCAL_DEV", "true")

    def handler(request: Recorded) -> Any:
        return json_response(202, {"id": "trn-fake1", "taskId": "tsk-x", "status": "pending"})

    async def fake_client() -> AsyncIterator[AsyncClient]:
        async with AsyncClient(api_key="test", transport=AsyncMockTransport(handler)) as fake:
            yield fake

    app.dependency_overrides[get_async_client] = fake_client
    try:
        with TestClient(app) as web:
            started = web.post("/runs", json={"task": "demo/square", "input": [1]})
    finally:
        app.dependency_overrides.clear()
    assert started.json() == {"id": "trn-fake1", "status": "pending"}
