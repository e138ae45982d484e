"""Objects that hold an API key never show it in their repr (tracebacks, logs, asserts)."""

from __future__ import annotations

from render_sdk._transport.base import HTTPRequest, Timeout
from render_sdk.cli._state import CliState
from render_sdk.testing import MockRouter

SECRET = "rnd_doNotPrintThisKey123"


def test_the_cli_state_repr_never_contains_the_api_key() -> None:
    state = CliState(api_key=SECRET, base_url="http://127.0.0.1:1", local=True)
    assert SECRET not in repr(state)
    assert SECRET not in str(state)
    assert "base_url='http://127.0.0.1:1'" in repr(state)


def test_a_recorded_request_repr_hides_the_authorization_header() -> None:
    router = MockRouter()
    router.add_run("wf/task")
    client = router.client(api_key=SECRET)
    client.workflows.start_task("wf/task", [1])
    (recorded,) = router.requests
    assert recorded.request.headers["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in repr(recorded)
    assert SECRET not in repr(router.requests)
    assert "/v1/task-runs" in repr(recorded)


def test_an_http_request_repr_hides_credentials_but_keeps_what_helps_debugging() -> None:
    request = HTTPRequest(
        method="GET",
        url="https://api.render.com/v1/task-runs/trn-1",
        headers={"Authorization": f"Bearer {SECRET}", "Cookie": SECRET, "X-Team": "blue"},
        content=SECRET.encode(),
        timeout=Timeout(connect=1.0, read=2.0),
    )
    text = repr(request)
    assert SECRET not in text
    assert "'Authorization': '<redacted>'" in text
    assert "'X-Team': 'blue'" in text
    assert "trn-1" in text
