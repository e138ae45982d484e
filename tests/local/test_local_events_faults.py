"""Events stream, fault injection and authentication, over real loopback HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from render_sdk.local import LocalServer, serve
from render_sdk.local.examples import demo

from .conftest import HEARTBEAT, Api

BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def read_stream(response: requests.Response, until: str | None = None) -> list[str]:
    """Lines of an SSE response, until a line containing ``until`` (or the end)."""
    lines = []
    for raw in response.iter_lines(decode_unicode=True):
        lines.append(raw)
        if until is not None and until in raw:
            break
    return lines


def events(lines: list[str]) -> list[tuple[str, dict[str, object]]]:
    found = []
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            found.append((name, json.loads(line[len("data: ") :])))
    return found


def subscribe(api: Api, *run_ids: str, timeout: float = 5) -> requests.Response:
    return api.http.get(
        f"{api.base}/task-runs/events",
        params=[("taskRunIds", run_id) for run_id in run_ids],
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=timeout,
    )


# -- events ------------------------------------------------------------------------------


def test_events_replay_terminal_runs_after_a_retry_hint(api: Api) -> None:
    done = api.run("demo/square", [6])
    with subscribe(api, done["id"]) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        lines = read_stream(response, until="data:")
    assert lines[0] == "retry: 1000"
    assert any(line.startswith("id: ") for line in lines)
    [(name, data)] = events(lines)
    assert name == "task.completed"
    assert data["id"] == done["id"]
    assert data["status"] == "succeeded"
    assert data["results"] == [36]


def test_events_follow_live_runs_with_running_then_completed(api: Api) -> None:
    fast = api.start("demo/slow", [0.05])
    failed = api.run("demo/fail", ["nope"])
    with subscribe(api, f"{fast['id']},{failed['id']}") as response:
        lines: list[str] = []
        iterator = response.iter_lines(decode_unicode=True)
        while sum(name == "task.completed" for name, _ in events(lines)) < 2:
            lines.append(next(iterator))
    received = events(lines)
    completed = {data["id"]: data for name, data in received if name == "task.completed"}
    assert completed[fast["id"]]["status"] == "succeeded"
    assert completed[failed["id"]]["status"] == "failed"
    assert completed[failed["id"]]["error"] == "ValueError: nope"
    for _name, data in received:
        assert "results" in data
        assert "input" in data


def test_events_send_heartbeats(api: Api) -> None:
    run = api.start("demo/slow", [30])
    try:
        with subscribe(api, run["id"]) as response:
            lines = read_stream(response, until=": ping")
        assert lines[-1] == ": ping"
    finally:
        api.http.delete(f"{api.base}/task-runs/{run['id']}")


def test_canceled_run_is_reported_on_the_stream(api: Api) -> None:
    run = api.start("demo/slow", [30])
    with subscribe(api, run["id"]) as response:
        iterator = response.iter_lines(decode_unicode=True)
        assert next(iterator) == "retry: 1000"
        api.http.delete(f"{api.base}/task-runs/{run['id']}")
        lines = []
        while not lines or not lines[-1].startswith("data:") or "canceled" not in lines[-1]:
            lines.append(next(iterator))
    assert events(lines)[-1][1]["status"] == "canceled"


def test_events_need_known_run_ids(api: Api) -> None:
    missing = api.http.get(f"{api.base}/task-runs/events")
    assert missing.status_code == 400
    assert missing.json()["code"]
    unknown = api.http.get(f"{api.base}/task-runs/events", params={"taskRunIds": "trn-nope"})
    assert unknown.status_code == 404


# -- faults ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_injected_server_errors(api: Api, server: LocalServer, status: int) -> None:
    server.faults.script("GET", "/v1/tasks", [str(status), "ok"])
    response = api.http.get(f"{api.base}/tasks")
    assert response.status_code == status
    assert set(response.json()) == {"id", "message", "code"}
    assert "X-Request-Id" in response.headers
    assert api.http.get(f"{api.base}/tasks").status_code == 200


def test_injected_429_has_retry_after_and_rate_limit_headers(api: Api, server: LocalServer) -> None:
    server.faults.add("POST /v1/task-runs=429:2")
    before = server.runs_created
    response = api.http.post(f"{api.base}/task-runs", json={"task": "demo/square", "input": [1]})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Limit"].isdigit()
    assert response.json()["code"] == "rate_limited"
    assert server.runs_created == before


def test_drop_closes_the_connection_before_processing(api: Api, server: LocalServer) -> None:
    server.faults.add("POST /v1/task-runs=drop")
    before = server.runs_created
    with pytest.raises(requests.ConnectionError):
        api.http.post(f"{api.base}/task-runs", json={"task": "demo/square", "input": [1]})
    assert server.runs_created == before
    assert api.start("demo/square", [1])["status"] in ("pending", "running")


def test_drop_after_processes_then_closes_creating_exactly_one_run(
    api: Api, server: LocalServer
) -> None:
    server.faults.script("POST", "/v1/task-runs", ["drop-after"])
    before = server.runs_created
    body = {"task": "demo/square", "input": [3], "idempotencyKey": "drop-after-key"}
    with pytest.raises(requests.ConnectionError):
        api.http.post(f"{api.base}/task-runs", json=body)
    assert server.runs_created == before + 1
    retried = api.http.post(f"{api.base}/task-runs", json=body)  # what a retrying client does
    assert retried.status_code == 202
    assert server.runs_created == before + 1
    assert api.wait(retried.json()["id"])["results"] == [9]


def test_latency_delays_the_response(api: Api, server: LocalServer) -> None:
    server.faults.script("GET", "/v1/tasks", ["latency:0.15"])
    began = time.monotonic()
    assert api.http.get(f"{api.base}/tasks").status_code == 200
    assert time.monotonic() - began >= 0.15


def test_stall_sends_headers_and_never_the_body(api: Api, server: LocalServer) -> None:
    server.faults.script("GET", "/v1/tasks", ["stall"])
    with pytest.raises(requests.ConnectionError):  # ReadTimeout is a ConnectionError
        api.http.get(f"{api.base}/tasks", timeout=(1, 0.1))


def test_rate_faults_from_python(api: Api, server: LocalServer) -> None:
    server.faults.rate("GET", "/v1/task-runs/*", 1.0, "503")
    assert api.http.get(f"{api.base}/task-runs/trn-x").status_code == 503
    server.faults.clear()
    assert api.http.get(f"{api.base}/task-runs/trn-x").status_code == 404


def test_events_stream_drops_after_n_events(api: Api, server: LocalServer) -> None:
    first = api.run("demo/square", [1])
    second = api.run("demo/square", [2])
    server.faults.add("GET /v1/task-runs/events=drop-events:1")
    lines: list[str] = []
    with subscribe(api, first["id"], second["id"]) as response, pytest.raises(BROKEN):
        lines.extend(response.iter_lines(decode_unicode=True))
    assert len(events(lines)) == 1


def test_events_stream_drops_after_a_time(api: Api, server: LocalServer) -> None:
    run = api.start("demo/slow", [30])
    server.faults.add("GET /v1/task-runs/events=drop-time:0.12")
    began = time.monotonic()
    lines: list[str] = []
    try:
        with pytest.raises(BROKEN), subscribe(api, run["id"]) as response:
            lines.extend(response.iter_lines(decode_unicode=True))
        assert time.monotonic() - began >= 0.12
    finally:
        api.http.delete(f"{api.base}/task-runs/{run['id']}")
    assert lines[0] == "retry: 1000"


def test_silent_stream_sends_only_heartbeats(api: Api, server: LocalServer) -> None:
    done = api.run("demo/square", [1])
    server.faults.add("GET /v1/task-runs/events=silent")
    with subscribe(api, done["id"]) as response:
        iterator = response.iter_lines(decode_unicode=True)
        lines = [next(iterator) for _ in range(6)]
    assert lines[0] == "retry: 1000"
    assert ": ping" in lines
    assert not any(line.startswith(("event:", "data:")) for line in lines)


def test_mute_stream_sends_nothing(api: Api, server: LocalServer) -> None:
    done = api.run("demo/square", [1])
    server.faults.add("GET /v1/task-runs/events=mute")
    with subscribe(api, done["id"], timeout=HEARTBEAT * 4) as response:
        assert response.status_code == 200
        with pytest.raises(requests.ConnectionError):
            next(response.iter_lines())


def test_faults_from_the_constructor_spec() -> None:
    with serve(demo.demo, faults="GET /v1/tasks=503,ok") as server, requests.Session() as http:
        assert http.get(f"{server.base_url}/v1/tasks").status_code == 503
        assert http.get(f"{server.base_url}/v1/tasks").status_code == 200


# -- authentication ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured() -> Iterator[LocalServer]:
    with serve(demo.demo, api_key="s3cret") as server:
        yield server


def test_api_key_is_required_when_configured(secured: LocalServer) -> None:
    url = f"{secured.base_url}/v1/tasks"
    with requests.Session() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            response = http.get(url, headers=headers)
            assert response.status_code == 401
            assert response.json()["code"] == "unauthorized"
            assert "s3cret" not in response.text
        assert http.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_no_authentication_by_default(api: Api) -> None:
    assert api.http.get(f"{api.base}/tasks", headers={"Authorization": "Bearer x"}).ok
    assert api.http.get(f"{api.base}/tasks").ok
