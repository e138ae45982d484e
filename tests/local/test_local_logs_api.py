"""``GET /v1/logs``, the ``/v1/logs/subscribe`` WebSocket, and what in-process tasks write."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from render_sdk.local import LocalServer, serve
from tests.local.conftest import Api
from tests.logtasks import logtasks

MOMENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def log_server() -> Iterator[LocalServer]:
    with serve(logtasks) as server:
        yield server


@pytest.fixture
def logs_api(log_server: LocalServer, http: requests.Session) -> Api:
    return Api(http, log_server.base_url)


def token() -> str:
    return f"tok-{uuid.uuid4().hex[:10]}"


def get_logs(api: Api, **params: Any) -> dict[str, Any]:
    response = api.http.get(f"{api.base}/logs", params=params, timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def labels(log: dict[str, Any]) -> dict[str, str]:
    return {label["name"]: label["value"] for label in log["labels"]}


def test_a_runs_printed_and_logged_lines_are_listed_with_their_labels(
    logs_api: Api, log_server: LocalServer
) -> None:
    tok = token()
    run = logs_api.run("logtasks/mixed", [tok])
    body = get_logs(logs_api, taskRun=run["id"], direction="forward", limit=100)

    assert set(body) == {"hasMore", "nextStartTime", "nextEndTime", "logs"}
    assert body["hasMore"] is False
    messages = [(log["message"], labels(log)["level"]) for log in body["logs"]]
    assert messages == [
        (f"{tok} out", "info"),
        (f"{tok} err", "error"),
        (f"{tok} warned", "warning"),
        (f"{tok} unterminated", "info"),
    ]
    first = body["logs"][0]
    assert set(first) == {"id", "message", "timestamp", "labels"}
    assert labels(first) == {
        "resource": log_server.tasks[0].workflow_id,
        "task": "mixed",
        "taskRun": run["id"],
        "level": "info",
        "type": "app",
    }
    assert first["timestamp"].endswith("Z")
    assert len(first["timestamp"].split(".")[1]) == 7  # microseconds and the Z


def test_the_servers_own_output_is_not_captured(logs_api: Api, log_server: LocalServer) -> None:
    before = len(log_server.state.logs)
    print("printed by the test, not by a task")
    print("also not a task", file=sys.stderr)
    assert len(log_server.state.logs) == before


@pytest.mark.parametrize("task", ["logtasks/chatty", "logtasks/async_chatty"])
def test_parallel_runs_keep_their_own_lines(logs_api: Api, task: str) -> None:
    tokens = [token() for _ in range(12)]
    inputs: list[list[Any]] = [
        [tok, 30, 0.0] if task.endswith("/chatty") else [tok, 30] for tok in tokens
    ]
    runs = [logs_api.start(task, data)["id"] for data in inputs]
    for run_id in runs:
        assert logs_api.wait(run_id)["status"] == "succeeded"

    for tok, run_id in zip(tokens, runs, strict=True):
        body = get_logs(logs_api, taskRun=run_id, direction="forward", limit=100)
        assert [log["message"] for log in body["logs"]] == [f"{tok} {i}" for i in range(30)]


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_paging_by_next_times_returns_every_line_once(
    logs_api: Api, log_server: LocalServer, direction: str
) -> None:
    run_id = f"trn-{uuid.uuid4().hex[:20]}"
    for i in range(2500):
        log_server.state.logs.append(run_id, f"line {i}", timestamp=MOMENT)
    params: dict[str, Any] = {"taskRun": run_id, "direction": direction, "limit": 100}
    seen: list[str] = []
    pages = 0
    while True:
        body = get_logs(logs_api, **params)
        pages += 1
        seen += [log["message"] for log in body["logs"]]
        if not body["hasMore"]:
            break
        params.update(startTime=body["nextStartTime"], endTime=body["nextEndTime"])

    expected = [f"line {i}" for i in range(2500)]
    assert seen == (expected if direction == "forward" else expected[::-1])
    assert pages == 25


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"startTime": "yesterday"}, "startTime must be an RFC 3339 date-time"),
        ({"endTime": "2025-13-01T00:00:00Z"}, "endTime"),
        ({"direction": "sideways"}, "direction must be 'forward' or 'backward'"),
        ({"limit": "101"}, "limit must be between 1 and 100"),
        ({"limit": "many"}, "limit must be an integer"),
        (
            {"startTime": "2025-01-02T00:00:00Z", "endTime": "2025-01-01T00:00:00Z"},
            "is after endTime",
        ),
        ({"resource": ""}, "resource must not be empty"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_400(
    logs_api: Api, params: dict[str, str], message: str
) -> None:
    response = logs_api.http.get(f"{logs_api.base}/logs", params=params, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_owner_id_is_optional_and_accepted(logs_api: Api) -> None:
    assert get_logs(logs_api, ownerId="tea-anything")["logs"] is not None


def ws_url(server: LocalServer, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return server.base_url.replace("http://", "ws://") + "/v1/logs/subscribe?" + query


def test_subscribe_replays_from_start_time_then_sends_new_lines(
    logs_api: Api, log_server: LocalServer
) -> None:
    tok = token()
    first = logs_api.run("logtasks/chatty", [tok, 2, 0.0])
    with connect(ws_url(log_server, taskRun=first["id"], startTime="2020-01-01T00:00:00Z")) as ws:
        replayed = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
        log_server.state.logs.append(first["id"], "late line")
        live = json.loads(ws.recv(timeout=5))
        other = logs_api.run("logtasks/chatty", [token(), 1, 0.0])
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)
    assert [log["message"] for log in replayed] == [f"{tok} 0", f"{tok} 1"]
    assert live["message"] == "late line"
    assert labels(live)["taskRun"] == first["id"] != other["id"]


def test_subscribe_without_start_time_sends_only_new_lines(
    logs_api: Api, log_server: LocalServer
) -> None:
    run_id = f"trn-{uuid.uuid4().hex[:20]}"
    log_server.state.logs.append(run_id, "old")
    with connect(ws_url(log_server, taskRun=run_id)) as ws:
        log_server.state.logs.append(run_id, "new")
        assert json.loads(ws.recv(timeout=5))["message"] == "new"


def test_subscribe_with_bad_parameters_is_refused_with_400(log_server: LocalServer) -> None:
    with pytest.raises(InvalidStatus) as caught, connect(ws_url(log_server, limit="0")):
        pass
    assert caught.value.response.status_code == 400
    assert b"limit must be between 1 and 100" in caught.value.response.body


def test_subscribe_needs_the_api_key_when_the_server_has_one() -> None:
    with serve(logtasks, api_key="rnd_logs_key") as server:
        with pytest.raises(InvalidStatus) as caught, connect(ws_url(server)):
            pass
        assert caught.value.response.status_code == 401
        headers = {"Authorization": "Bearer rnd_logs_key"}
        with connect(ws_url(server), additional_headers=headers) as ws:
            server.state.logs.append("trn-x", "hello")
            assert json.loads(ws.recv(timeout=5))["message"] == "hello"


def test_disconnecting_subscribers_closes_their_sockets(log_server: LocalServer) -> None:
    with connect(ws_url(log_server, taskRun="trn-none")) as ws:
        # The handshake completes just before the server registers the subscription.
        deadline = time.monotonic() + 5
        while log_server.state.logs.subscribers == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert log_server.state.logs.disconnect_subscribers() >= 1
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=5)
    assert caught.value.rcvd is not None
    assert caught.value.rcvd.code == 1001


_LOGGING_SCRIPT = """
import logging, time, requests
from render_sdk.local import Workflow, serve
wf = Workflow("lr")
@wf.task
def warn() -> int:
    logging.getLogger("inside").warning("task warning")
    return 1
with serve(wf) as server:
    logging.getLogger("outside").warning("server-side warning")
    base = server.base_url + "/v1"
    run = requests.post(base + "/task-runs", json={"task": "lr/warn", "input": []}).json()
    while requests.get(base + "/task-runs/" + run["id"]).json()["status"] != "succeeded":
        time.sleep(0.01)
    logs = requests.get(base + "/logs", params={"taskRun": run["id"]}).json()["logs"]
    print([log["message"] for log in logs])
"""


def test_logging_without_handlers_still_reaches_stderr_and_a_tasks_records_are_kept() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _LOGGING_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['task warning']"
    assert result.stderr.splitlines() == ["server-side warning", "task warning"]


def test_a_run_over_the_limit_is_listed_from_a_drop_note(http: requests.Session) -> None:
    with serve(logtasks) as server:
        server.state.logs.max_lines_per_run = 5
        api = Api(http, server.base_url)
        tok = token()
        run = api.run("logtasks/chatty", [tok, 12, 0.0])
        body = get_logs(api, taskRun=run["id"], direction="forward", limit=100)

    messages = [log["message"] for log in body["logs"]]
    assert messages[1:] == [f"{tok} {i}" for i in range(7, 12)]
    assert messages[0].startswith("[render-sdk local] 7 earlier log lines of this run were dropped")
    assert labels(body["logs"][0])["level"] == "warning"
