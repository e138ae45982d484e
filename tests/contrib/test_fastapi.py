"""render_sdk.contrib.fastapi: one AsyncClient per lifespan, handed out by a dependency."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="FastAPI runs in the `examples` nox session")

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from render_sdk import AsyncClient, RenderError
from render_sdk.contrib.fastapi import (
    STATE_ATTRIBUTE,
    get_async_client,
    open_async_client,
    render_error_handler,
)
from render_sdk.local import LocalServer
from render_sdk.testing import AsyncMockTransport, Recorded, json_response

pytestmark = pytest.mark.usefixtures("clean_render_env")


def make_app(**options: Any) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_async_client(app, **options):
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_exception_handler(RenderError, render_error_handler)

    @app.get("/runs/{run_id}")
    async def read_run(run_id: str, client: AsyncClient = Depends(get_async_client)) -> Any:
        details = await client.workflows.get_task_run(run_id)
        return {"id": details.id, "status": details.status.value}

    @app.post("/square/{n}")
    async def square(n: int, client: AsyncClient = Depends(get_async_client)) -> Any:
        details = await client.workflows.run_task("demo/square", [n], timeout=10)
        return {"result": details.result}

    return app


def test_each_lifespan_opens_its_own_client_so_test_clients_can_follow_each_other(
    server: LocalServer,
) -> None:
    app = make_app(base_url=server.base_url, api_key="rnd_unused")
    seen = []
    for _ in range(2):
        with TestClient(app) as web:
            seen.append(getattr(app.state, STATE_ATTRIBUTE))
            assert web.post("/square/7").json() == {"result": 49}
        assert not hasattr(app.state, STATE_ATTRIBUTE)
    assert seen[0] is not seen[1]


def test_without_the_lifespan_the_dependency_says_how_to_open_the_client(
    server: LocalServer,
) -> None:
    web = TestClient(make_app(base_url=server.base_url, api_key="rnd_unused"))
    with pytest.raises(RuntimeError, match="open_async_client"):
        web.get("/runs/trn-abc")


def test_tests_can_override_the_dependency_with_a_mock_transport() -> None:
    seen: list[Recorded] = []

    def handler(request: Recorded) -> Any:
        seen.append(request)
        return json_response(
            200, {"id": "trn-abc", "taskId": "tsk-x", "status": "running", "results": []}
        )

    async def mocked() -> AsyncIterator[AsyncClient]:
        async with AsyncClient(api_key="test", transport=AsyncMockTransport(handler)) as client:
            yield client

    app = make_app(api_key="rnd_unused", base_url="http://127.0.0.1:9")
    app.dependency_overrides[get_async_client] = mocked
    with TestClient(app) as web:
        assert web.get("/runs/trn-abc").json() == {"id": "trn-abc", "status": "running"}
    assert [request.url.rsplit("/", 1)[-1] for request in seen] == ["trn-abc"]


def test_sdk_errors_become_json_responses(server: LocalServer) -> None:
    with TestClient(make_app(base_url=server.base_url, api_key="rnd_unused")) as web:
        missing = web.get("/runs/trn-doesnotexist")
        assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
        bad = web.get("/runs/nope")
        assert (bad.status_code, bad.json()["error"]) == (400, "invalid_argument")


def test_server_side_failures_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(base_url=f"http://127.0.0.1:{port}", api_key="k", max_retries=0)
    with (
        caplog.at_level(logging.ERROR, logger="render_sdk.contrib.fastapi"),
        TestClient(app) as web,
    ):
        response = web.get("/runs/trn-abc")
    assert (response.status_code, response.json()["error"]) == (503, "upstream_unavailable")
    assert any("GET /runs/trn-abc" in record.getMessage() for record in caplog.records)


def test_open_async_client_refuses_something_that_is_not_an_app() -> None:
    import asyncio

    async def attempt() -> None:
        async with open_async_client(object(), api_key="k"):  # type: ignore[arg-type]
            pass

    with pytest.raises(TypeError, match="Starlette or FastAPI app"):
        asyncio.run(attempt())
