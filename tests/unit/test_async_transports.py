"""The contract every asyncio transport keeps (httpx and aiohttp), run against each one."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import APIConnectionError, APITimeoutError, AsyncClient, Timeout
from render_sdk._transport.aiohttp_transport import AiohttpTransport
from render_sdk._transport.base import HTTPRequest
from render_sdk._transport.factory import create_async_transport
from render_sdk._transport.httpx_transport import HttpxTransport
from render_sdk.local import LocalServer
from tests.loopback import CLOSE, STALL, STALLED_BODY, raw_server

TRANSPORTS: dict[str, Callable[..., Any]] = {"httpx": HttpxTransport, "aiohttp": AiohttpTransport}


@pytest.fixture(params=sorted(TRANSPORTS))
def make_transport(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return TRANSPORTS[request.param]


def request(url: str, timeout: float = 1.0, method: str = "GET") -> HTTPRequest:
    return HTTPRequest(method, url, {"Accept": "application/json"}, None, Timeout(timeout, timeout))


def test_the_default_async_transport_is_aiohttp_when_installed() -> None:
    assert isinstance(create_async_transport(), AiohttpTransport)


@pytest.mark.parametrize("mode", [STALL, STALLED_BODY], ids=["stall", "stall-body"])
async def test_a_server_that_never_finishes_answering_times_out(
    make_transport: Callable[..., Any], mode: object
) -> None:
    transport = make_transport()
    with raw_server(mode) as url, pytest.raises(APITimeoutError) as info:
        await transport.send(request(url + "/v1/x", timeout=0.3))
    await transport.aclose()

    assert info.value.request_sent is True
    assert info.value.method == "GET"


async def test_a_dropped_connection_is_a_connection_error_after_sending(
    make_transport: Callable[..., Any],
) -> None:
    transport = make_transport()
    with raw_server(CLOSE) as url, pytest.raises(APIConnectionError) as info:
        await transport.send(request(url + "/v1/x"))
    await transport.aclose()

    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is True


async def test_a_refused_connection_was_never_sent(make_transport: Callable[..., Any]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    transport = make_transport()
    with pytest.raises(APIConnectionError) as info:
        await transport.send(request(f"http://127.0.0.1:{port}/v1/x", method="POST"))
    await transport.aclose()

    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is False
    assert f"127.0.0.1:{port}" in str(info.value)


async def test_a_url_that_cannot_be_sent_is_a_connection_error(
    make_transport: Callable[..., Any],
) -> None:
    transport = make_transport()
    with pytest.raises(APIConnectionError) as info:
        await transport.send(request("ftp://127.0.0.1/v1/x"))
    await transport.aclose()

    assert info.value.request_sent is False


async def test_requests_and_event_streams_work_through_the_client(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    transport = make_transport()
    async with AsyncClient(api_key="k", base_url=server.base_url, transport=transport) as client:
        details = await client.workflows.run_task("demo/square", [7], timeout=10)
        runs = [await client.workflows.start_task("demo/slow", [0.05]) for _ in range(3)]
        finished = [d async for d in client.workflows.as_completed(runs, timeout=10)]
        streams = server.requests[("GET", "/v1/task-runs/events")]
    await transport.aclose()  # a transport given to a client is the caller's to close

    assert details.results == [49]
    assert {d.id for d in finished} == {r.id for r in runs}
    assert streams >= 1


async def test_at_most_max_connections_are_opened(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    before = server.connections
    transport = make_transport(max_connections=3)
    url = f"{server.base_url}/v1/tasks"
    answers = await asyncio.gather(*(transport.send(request(url)) for _ in range(40)))
    await transport.aclose()

    assert {a.status_code for a in answers} == {200}
    assert server.connections - before <= 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_connections_of_its_own(server: LocalServer) -> None:
    url = f"{server.base_url}/v1/tasks"
    transport = AiohttpTransport()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(transport.send(request(url)))
        parent_session = transport._pools.get()[loop].client
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                child_loop = asyncio.new_event_loop()
                answer = child_loop.run_until_complete(transport.send(request(url)))
                fresh = transport._pools.get()[child_loop].client is not parent_session
                child_loop.run_until_complete(transport.aclose())
                child_loop.close()
                code = 0 if answer.status_code == 200 and fresh else 2
            finally:
                os._exit(code)
        started = time.monotonic()
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - started > 20:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("the forked child hung")
            time.sleep(0.01)
        assert os.waitstatus_to_exitcode(status) == 0
        # The parent's pool still works after the child used and closed its own.
        assert loop.run_until_complete(transport.send(request(url))).status_code == 200
        assert transport._pools.get()[loop].client is parent_session
    finally:
        loop.run_until_complete(transport.aclose())
        loop.close()


async def test_a_stream_is_read_as_it_arrives_and_closes_cleanly(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    transport = make_transport()
    started = await transport.send(
        HTTPRequest(
            "POST",
            f"{server.base_url}/v1/task-runs",
            {"Content-Type": "application/json"},
            b'{"task": "demo/slow", "input": [0.5]}',
            Timeout(5, 5),
        )
    )
    run_id = json.loads(started.content)["id"]
    stream = await transport.stream(
        request(f"{server.base_url}/v1/task-runs/events?taskRunIds={run_id}", timeout=5)
    )
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    first = await anext(aiter(stream.iter_bytes()))
    await stream.aclose()
    await transport.aclose()

    assert first  # the stream's first bytes came before the run finished


async def test_a_stalled_stream_times_out_while_reading(
    make_transport: Callable[..., Any],
) -> None:
    transport = make_transport()
    with raw_server(STALLED_BODY) as url:
        stream = await transport.stream(request(url + "/v1/x", timeout=0.3))
        with pytest.raises(APITimeoutError):
            async for _ in stream.iter_bytes():
                pass
        await stream.aclose()
    await transport.aclose()
