"""The httpx transport: request shape, error mapping, and real timeouts on loopback."""

from __future__ import annotations

import httpx
import pytest
import respx

from render_sdk import APIConnectionError, APITimeoutError, AsyncClient, Timeout
from render_sdk._transport.base import HTTPRequest
from render_sdk._transport.httpx_transport import HttpxTransport
from tests.loopback import CLOSE, STALL, STALLED_BODY, Answer, raw_server

URL = "https://api.render.com/v1/task-runs/trn-1"


def request(url: str = URL, timeout: float = 1.0) -> HTTPRequest:
    return HTTPRequest("GET", url, {"Accept": "application/json"}, None, Timeout(timeout, timeout))


@respx.mock
async def test_client_sends_exact_post_request() -> None:
    route = respx.post("https://api.render.com/v1/task-runs").mock(
        return_value=httpx.Response(
            202, json={"id": "trn-1", "taskId": "tsk-1", "status": "pending"}
        )
    )
    async with AsyncClient(api_key="key-123", transport=HttpxTransport()) as client:
        run = await client.workflows.start_task("wf/task", {"a": 1}, idempotency_key="k1")

    assert run.id == "trn-1"
    sent = route.calls[0].request
    assert sent.headers["Authorization"] == "Bearer key-123"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content == b'{"task":"wf/task","input":{"a":1},"idempotencyKey":"k1"}'


@respx.mock
@pytest.mark.parametrize(
    ("raised", "error_type", "sent"),
    [
        (httpx.ConnectTimeout("slow connect"), APITimeoutError, False),
        (httpx.ReadTimeout("slow read"), APITimeoutError, True),
        (httpx.ConnectError("refused"), APIConnectionError, False),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError, True),
        (httpx.PoolTimeout("pool"), APITimeoutError, False),
    ],
)
async def test_maps_httpx_failures(
    raised: Exception, error_type: type[Exception], sent: bool
) -> None:
    respx.get(URL).mock(side_effect=raised)
    transport = HttpxTransport()

    with pytest.raises(error_type) as info:
        await transport.send(request())

    assert isinstance(info.value, APIConnectionError)
    assert info.value.request_sent is sent
    await transport.aclose()


@pytest.mark.parametrize("answer", [STALL, STALLED_BODY], ids=["stall", "stall-body"])
async def test_a_server_that_never_finishes_answering_times_out(answer: Answer) -> None:
    transport = HttpxTransport()
    with raw_server(answer) as url, pytest.raises(APITimeoutError) as info:
        await transport.send(request(url + "/v1/x", timeout=0.3))
    await transport.aclose()

    assert info.value.request_sent is True


async def test_a_dropped_connection_is_a_connection_error() -> None:
    transport = HttpxTransport()
    with raw_server(CLOSE) as url, pytest.raises(APIConnectionError) as info:
        await transport.send(request(url + "/v1/x"))
    await transport.aclose()

    assert not isinstance(info.value, APITimeoutError)
