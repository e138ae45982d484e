"""The requests transport: request shape, error mapping, and real timeouts on loopback."""

from __future__ import annotations

import time

import pytest
import requests
import responses

from render_sdk import APIConnectionError, APITimeoutError, Client, Timeout
from render_sdk._transport.base import HTTPRequest
from render_sdk._transport.requests_transport import RequestsTransport
from tests.loopback import CLOSE, STALL, STALLED_BODY, Answer, raw_server

URL = "https://api.render.com/v1/task-runs/trn-1"


def request(url: str = URL, method: str = "GET", timeout: float = 1.0) -> HTTPRequest:
    return HTTPRequest(method, url, {"Accept": "application/json"}, None, Timeout(timeout, timeout))


@responses.activate
def test_sends_method_url_headers_and_body() -> None:
    responses.add(
        responses.POST, "https://api.render.com/v1/task-runs", status=202, json={"id": "trn-1"}
    )
    transport = RequestsTransport()
    sent = HTTPRequest(
        "POST", "https://api.render.com/v1/task-runs", {"X-Test": "1"}, b'{"a":1}', Timeout()
    )

    response = transport.send(sent)

    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    call = responses.calls[0].request
    assert call.headers["X-Test"] == "1"
    assert call.body == b'{"a":1}'
    transport.close()


@responses.activate
def test_client_sends_exact_get_request() -> None:
    responses.add(
        responses.GET,
        URL,
        json={"id": "trn-1", "taskId": "tsk-1", "status": "running", "results": [], "input": []},
    )
    with Client(api_key="key-123", transport=RequestsTransport()) as client:
        details = client.workflows.get_task_run("trn-1")

    assert details.status.value == "running"
    call = responses.calls[0].request
    assert call.url == URL
    assert call.headers["Authorization"] == "Bearer key-123"
    assert call.headers["Accept"] == "application/json"


@responses.activate
def test_client_encodes_repeated_and_joined_query_parameters() -> None:
    responses.add(responses.GET, "https://api.render.com/v1/task-runs", json=[])
    with Client(api_key="k", transport=RequestsTransport()) as client:
        list(client.workflows.list_task_runs(task=["wf/a", "wf/b"], owner_id=["o1", "o2"]))

    assert responses.calls[0].request.url == (
        "https://api.render.com/v1/task-runs?limit=20&taskSlug=wf%2Fa&taskSlug=wf%2Fb&ownerId=o1%2Co2"
    )


@responses.activate
@pytest.mark.parametrize(
    ("raised", "error_type", "sent"),
    [
        (requests.ConnectTimeout("slow connect"), APITimeoutError, False),
        (requests.ReadTimeout("slow read"), APITimeoutError, True),
        (requests.ConnectionError("reset"), APIConnectionError, True),
    ],
)
def test_maps_requests_failures(raised: Exception, error_type: type[Exception], sent: bool) -> None:
    responses.add(responses.GET, URL, body=raised)
    transport = RequestsTransport()

    with pytest.raises(error_type) as info:
        transport.send(request())

    assert isinstance(info.value, APIConnectionError)
    assert info.value.request_sent is sent
    transport.close()


def test_refused_connection_is_reported_as_not_sent() -> None:
    with raw_server(CLOSE) as url:
        port = url.rsplit(":", 1)[1]
    transport = RequestsTransport()

    with pytest.raises(APIConnectionError) as info:
        transport.send(request(f"http://127.0.0.1:{port}/v1/x"))

    assert info.value.request_sent is False
    transport.close()


@pytest.mark.parametrize("answer", [STALL, STALLED_BODY], ids=["stall", "stall-body"])
def test_a_server_that_never_finishes_answering_times_out(answer: Answer) -> None:
    transport = RequestsTransport()
    with raw_server(answer) as url:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            transport.send(request(url + "/v1/x", timeout=0.3))
        elapsed = time.monotonic() - started
    transport.close()

    assert info.value.request_sent is True
    assert elapsed < 2


def test_a_dropped_connection_is_a_connection_error() -> None:
    transport = RequestsTransport()
    with raw_server(CLOSE) as url, pytest.raises(APIConnectionError) as info:
        transport.send(request(url + "/v1/x"))
    transport.close()

    assert not isinstance(info.value, APITimeoutError)
