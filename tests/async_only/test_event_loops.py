"""An AsyncClient that outlives its event loop: later loops get connections of their own.

A module-level client used by several ``asyncio.run`` calls, by two test clients (each
runs the app in a loop of its own), or by two loops at once keeps working; its
connections are closed when each loop shuts down, so nothing leaks (ResourceWarning is an
error in this suite). Where the pool cannot be rebuilt (an httpx client passed in by the
caller) the error says what to do instead of surfacing the HTTP library's RuntimeError.
Every asyncio transport keeps this contract: each test runs on httpx and on aiohttp.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
import pytest

from render_sdk import AsyncClient, EventLoopError, RenderError
from render_sdk._transport.aiohttp_transport import AiohttpTransport
from render_sdk._transport.base import AsyncHTTPTransport
from render_sdk._transport.httpx_transport import HttpxTransport
from render_sdk.local import LocalServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

WAIT = 10.0


TRANSPORTS: dict[str, Callable[..., AsyncHTTPTransport]] = {
    "httpx": HttpxTransport,
    "aiohttp": AiohttpTransport,
}


@pytest.fixture(params=sorted(TRANSPORTS))
def transport(request: pytest.FixtureRequest) -> AsyncHTTPTransport:
    """A fresh transport of each kind (the client does not own it: ``close`` closes both)."""
    return TRANSPORTS[request.param]()


def make_client(server: LocalServer, transport: AsyncHTTPTransport) -> AsyncClient:
    return AsyncClient(api_key="rnd_unused", base_url=server.base_url, transport=transport)


async def close(client: AsyncClient, transport: AsyncHTTPTransport) -> None:
    await client.aclose()
    await transport.aclose()


async def echo(client: AsyncClient, token: str) -> Any:
    details = await client.workflows.run_task("demo/echo", [token], timeout=WAIT)
    return details.result["args"]


def test_one_client_serves_several_asyncio_run_calls_in_turn(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    client = make_client(server, transport)
    connections_before = server.connections
    for n in range(3):
        assert asyncio.run(echo(client, f"run-{n}")) == [f"run-{n}"]
    # each loop opened its own connections (the first loop's cannot serve the second)
    assert server.connections > connections_before
    asyncio.run(close(client, transport))


def test_one_client_serves_two_loops_running_at_the_same_time(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    client = make_client(server, transport)
    results: dict[int, Any] = {}

    def in_a_thread(index: int) -> None:
        async def calls() -> list[Any]:
            return await asyncio.gather(*(echo(client, f"t{index}-{n}") for n in range(5)))

        results[index] = asyncio.run(calls())

    threads = [threading.Thread(target=in_a_thread, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert results == {i: [[f"t{i}-{n}"] for n in range(5)] for i in range(2)}
    asyncio.run(close(client, transport))


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_a_module_level_client_works_in_two_starlette_test_clients(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    client = make_client(server, transport)  # as if created at import of the app's module

    async def start(request: Request) -> JSONResponse:
        token = request.path_params["token"]
        run = await client.workflows.start_task("demo/echo", [token])
        details = await client.workflows.get_task_run(run.id)
        return JSONResponse({"id": run.id, "input": details.input})

    app = Starlette(routes=[Route("/start/{token}", start, methods=["POST"])])
    for block in range(2):
        with TestClient(app) as http:
            for n in range(3):
                body = http.post(f"/start/b{block}-{n}").json()
                assert body["input"] == [f"b{block}-{n}"]


def test_a_pool_of_a_loop_closed_by_hand_is_replaced(
    server: LocalServer, transport: AsyncHTTPTransport
) -> None:
    client = make_client(server, transport)
    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(echo(client, "first")) == ["first"]
    loop.run_until_complete(loop.shutdown_asyncgens())  # what asyncio.run does at the end
    loop.close()
    assert asyncio.run(echo(client, "second")) == ["second"]
    asyncio.run(close(client, transport))


async def callers_httpx_client() -> httpx.AsyncClient:
    return httpx.AsyncClient()


async def callers_aiohttp_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()  # made inside the loop, as aiohttp requires


CALLERS: dict[str, tuple[Callable[[], Any], Callable[[Any], AsyncHTTPTransport]]] = {
    "httpx": (callers_httpx_client, lambda own: HttpxTransport(client=own)),
    "aiohttp": (callers_aiohttp_session, lambda own: AiohttpTransport(session=own)),
}


async def close_callers(own: httpx.AsyncClient | aiohttp.ClientSession) -> None:
    if isinstance(own, httpx.AsyncClient):
        await own.aclose()
    else:
        await own.close()


@pytest.mark.parametrize("kind", sorted(CALLERS))
def test_a_callers_client_used_from_a_second_loop_raises_a_clear_error(
    server: LocalServer, kind: str
) -> None:
    make_own, wrap = CALLERS[kind]
    loop = asyncio.new_event_loop()
    own = loop.run_until_complete(make_own())
    client = make_client(server, wrap(own))
    try:
        assert loop.run_until_complete(echo(client, "first")) == ["first"]
        with pytest.raises(EventLoopError) as caught:
            asyncio.run(echo(client, "second"))
        assert isinstance(caught.value, RenderError)
        assert isinstance(caught.value, RuntimeError)
        message = str(caught.value)
        assert "create the AsyncClient inside the event loop" in message
        assert "lifespan" in message
    finally:
        loop.run_until_complete(close_callers(own))
        loop.close()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("kind", sorted(CALLERS))
def test_a_loop_error_from_the_transport_becomes_an_event_loop_error(
    server: LocalServer, kind: str
) -> None:
    make_own, wrap = CALLERS[kind]

    async def callers_own_request() -> Any:
        own = await make_own()  # used by the caller in a loop that then ended
        if isinstance(own, httpx.AsyncClient):
            await own.get(server.base_url + "/tasks")
        else:
            async with own.get(server.base_url + "/tasks") as response:
                await response.read()
        return own

    own = asyncio.run(callers_own_request())
    client = make_client(server, wrap(own))
    with pytest.raises(EventLoopError) as caught:
        asyncio.run(echo(client, "second"))
    cause = caught.value.__cause__
    assert isinstance(cause, RuntimeError)  # the library's own words are kept in the message
    assert "loop" in str(cause)
    assert str(cause) in str(caught.value)
    assert "create the AsyncClient inside the event loop" in str(caught.value)
    del own, client, caught, cause
    gc.collect()  # the caller's connection dies with its loop: warned about here, not later
