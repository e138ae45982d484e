"""The contract every blocking transport keeps (requests and urllib3), run against each one."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import APIConnectionError, APITimeoutError, Client, Timeout
from render_sdk._transport.base import HTTPRequest
from render_sdk._transport.factory import create_sync_transport
from render_sdk._transport.requests_transport import RequestsTransport
from render_sdk._transport.urllib3_transport import Urllib3Transport
from render_sdk.local import LocalServer
from tests.loopback import CLOSE, STALL, STALLED_BODY, raw_server

TRANSPORTS: dict[str, Callable[..., Any]] = {
    "requests": RequestsTransport,
    "urllib3": Urllib3Transport,
}


@pytest.fixture(params=sorted(TRANSPORTS))
def make_transport(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return TRANSPORTS[request.param]


def request(url: str, timeout: float = 1.0, method: str = "GET") -> HTTPRequest:
    return HTTPRequest(method, url, {"Accept": "application/json"}, None, Timeout(timeout, timeout))


def test_the_default_sync_transport_is_urllib3() -> None:
    transport = create_sync_transport()
    assert isinstance(transport, Urllib3Transport)
    transport.close()


@pytest.mark.parametrize("mode", [STALL, STALLED_BODY], ids=["stall", "stall-body"])
def test_a_server_that_never_finishes_answering_times_out(
    make_transport: Callable[..., Any], mode: object
) -> None:
    transport = make_transport()
    with raw_server(mode) as url:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            transport.send(request(url + "/v1/x", timeout=0.3))
        elapsed = time.monotonic() - started
    transport.close()

    assert info.value.request_sent is True
    assert elapsed < 2


def test_a_dropped_connection_is_a_connection_error_after_sending(
    make_transport: Callable[..., Any],
) -> None:
    transport = make_transport()
    with raw_server(CLOSE) as url, pytest.raises(APIConnectionError) as info:
        transport.send(request(url + "/v1/x"))
    transport.close()

    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is True


def test_a_refused_connection_was_never_sent(make_transport: Callable[..., Any]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    transport = make_transport()
    with pytest.raises(APIConnectionError) as info:
        transport.send(request(f"http://127.0.0.1:{port}/v1/x", method="POST"))
    transport.close()

    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is False
    assert f"127.0.0.1:{port}" in str(info.value)


def test_a_url_that_cannot_be_sent_is_a_connection_error(
    make_transport: Callable[..., Any],
) -> None:
    transport = make_transport()
    with pytest.raises(APIConnectionError) as info:
        transport.send(request("ftp://127.0.0.1/v1/x"))
    transport.close()

    assert info.value.request_sent is False


def test_requests_and_event_streams_work_through_the_client(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    transport = make_transport()
    with Client(api_key="k", base_url=server.base_url, transport=transport) as client:
        details = client.workflows.run_task("demo/square", [7], timeout=10)
        runs = [client.workflows.start_task("demo/slow", [0.05]) for _ in range(3)]
        finished = list(client.workflows.as_completed(runs, timeout=10))
    transport.close()  # a transport given to a client is the caller's to close

    assert details.results == [49]
    assert {d.id for d in finished} == {r.id for r in runs}


def test_threads_share_one_pool_of_keep_alive_connections(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    before = server.connections
    transport = make_transport(pool_maxsize=4)
    url = f"{server.base_url}/v1/tasks"
    statuses: list[int] = []

    def work() -> None:
        for _ in range(10):
            statuses.append(transport.send(request(url)).status_code)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    transport.close()

    assert statuses == [200] * 80
    # Beyond the pool's size, extra connections are opened and dropped, never leaked:
    # far fewer connections than requests.
    assert server.connections - before <= 40


def test_a_stream_blocked_in_a_read_is_interrupted_by_close(
    make_transport: Callable[..., Any], server: LocalServer
) -> None:
    transport = make_transport()
    started = transport.send(
        HTTPRequest(
            "POST",
            f"{server.base_url}/v1/task-runs",
            {"Content-Type": "application/json"},
            b'{"task": "demo/slow", "input": [5]}',
            Timeout(5, 5),
        )
    )
    run_id = json.loads(started.content)["id"]
    stream = transport.stream(
        request(f"{server.base_url}/v1/task-runs/events?taskRunIds={run_id}", timeout=30)
    )
    outcome: list[BaseException | None] = []

    def read_all() -> None:
        try:
            for _ in stream.iter_bytes():
                pass
            outcome.append(None)
        except APIConnectionError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read_all)
    reader.start()
    time.sleep(0.2)
    stream.close()
    reader.join(10)
    transport.close()

    assert not reader.is_alive()
    assert stream.status_code == 200


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_connections_of_its_own(server: LocalServer) -> None:
    url = f"{server.base_url}/v1/tasks"
    transport = Urllib3Transport()
    assert transport.send(request(url)).status_code == 200
    parent_pools = dict(transport._pools.get().managers)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            answer = transport.send(request(url))
            fresh = all(
                transport._pools.get().managers.get(key) is not pool
                for key, pool in parent_pools.items()
            )
            code = 0 if answer.status_code == 200 and fresh else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert transport.send(request(url)).status_code == 200
    assert transport._pools.get().managers == parent_pools
    transport.close()
