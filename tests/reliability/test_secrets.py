"""The API key stays secret during retries and in every URL; both twins.

Already proven in tests/integration/test_secrets.py: reprs, log records at every level,
error messages and tracebacks of successful and failing calls, URLs the server saw,
refusal of clear-text http off loopback (and the opt-in); also
tests/_async/test_client.py::test_repr_and_errors_never_show_the_api_key and
tests/unit/test_config.py. Added here: every request URL of every method (events stream
included) checked on the client side, and the logs of every logger at DEBUG while the
client retries through drops, 5xx and 429s.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest

from render_sdk import RenderError, RetryPolicy
from render_sdk.local import LocalServer
from render_sdk.testing import json_response
from tests.fakeapi import FakeAPI, details_json, run_json, task_json
from tests.reliability._twins import KEY, Twin


def everything(client: Any, twin: Twin) -> None:
    wf = client.workflows
    run = twin.call(wf.start_task("wf/task", {"a": 1}))
    twin.call(wf.get_task_run(run.id))
    twin.call(wf.wait_for_task_run(run.id, timeout=5))
    twin.call(wf.wait_all([run.id, "trn-2"], timeout=5))
    twin.call(wf.list_task_runs(task=["wf/task", "wf/other"], owner_id=["tea-1"], limit=2))
    twin.call(wf.list_tasks(workflow_id="wfl-1"))
    twin.call(wf.get_task("tsk-abc"))
    twin.call(wf.cancel_task_run(run.id))


def test_the_key_is_in_no_url_and_only_in_the_authorization_header(twin: Twin) -> None:
    api = (
        FakeAPI()
        .on("POST", "/v1/task-runs", json_response(202, run_json()))
        .on("GET", "/v1/task-runs/events", json_response(200, None))
        .on(
            "GET",
            "/v1/task-runs/trn-2",
            # Unfinished when first read, so that waiting subscribes to the events stream.
            json_response(200, details_json("trn-2", "running")),
            json_response(200, details_json("trn-2")),
        )
        .on("GET", r"/v1/task-runs/trn-\w+", json_response(200, details_json()))
        .on("GET", "/v1/task-runs", json_response(200, [{"taskRun": run_json(), "cursor": "c"}]))
        .on("GET", "/v1/tasks", json_response(200, [{"task": task_json(), "cursor": "c"}]))
        .on("GET", "/v1/tasks/tsk-abc", json_response(200, task_json()))
        .on("DELETE", "/v1/task-runs/trn-1", json_response(204))
    )
    client, transport, _ = twin.mocked(api)
    try:
        everything(client, twin)
    finally:
        twin.close(client)

    methods = {(r.method, r.path) for r in transport.requests}
    assert ("GET", "/v1/task-runs/events") in methods
    assert len(methods) >= 7
    for recorded in transport.requests:
        assert KEY not in recorded.request.url
        assert KEY not in (recorded.request.content or b"").decode()
        carrying = [name for name, value in recorded.headers.items() if KEY in value]
        assert carrying == ["Authorization"], carrying


def test_no_log_record_carries_the_key_while_retrying(
    twin: Twin, auth_server: LocalServer, auth_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: render_sdk, urllib3, httpx, httpcore
    auth_server.faults.clear()
    auth_server.faults.add(
        "POST /v1/task-runs=drop,503,drop-after;GET /v1/task-runs/*=429:0,502,drop,ok,500"
    )
    policy = RetryPolicy(max_retries=4, initial_backoff=0.01, max_backoff=0.02)
    client = twin.client(api_key=auth_key, base_url=auth_server.base_url, retry_policy=policy)
    errors: list[BaseException] = []
    try:
        run = twin.call(client.workflows.start_task("demo/square", [3]))
        twin.call(client.workflows.wait_for_task_run(run.id, timeout=10))
        auth_server.faults.add("GET /v1/tasks=503*5")
        try:
            twin.call(client.workflows.list_tasks())
        except RenderError as exc:
            errors.append(exc)
    finally:
        auth_server.faults.clear()
        twin.close(client)

    assert len(errors) == 1
    ours = [r for r in caplog.records if r.name.startswith("render_sdk")]
    assert any("Retrying" in r.getMessage() for r in ours), "expected retry logging"
    assert any(r.levelno == logging.DEBUG for r in ours)
    for record in caplog.records:
        texts = [record.getMessage(), str(record.args), record.exc_text or ""]
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
        for text in texts:
            assert auth_key not in text, record
    for error in errors:
        assert auth_key not in "".join(traceback.format_exception(error))
        assert auth_key not in repr(vars(error))
