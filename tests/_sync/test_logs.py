# This file is generated from tests/_async/test_logs.py by codegen — do not edit.
"""Reading and following logs with the client, against the local server over loopback.

The tasks of ``tests.logtasks`` print lines; the server keeps them as the run's logs. Runs
of the ``gated`` task wait between lines until the test opens a gate, so a test can act
(cut the WebSocket, check the subscription) at a known point of a run.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from render_sdk import (
    Client,
    InvalidArgumentError,
    LogEntry,
    PollSchedule,
    RetryPolicy,
    WaitTimeoutError,
)
from render_sdk.local import LocalServer, serve
from tests.logtasks import gates, logtasks

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
FAST_POLL = PollSchedule(initial_interval=0.01, factor=1.5, max_interval=0.05)
MOMENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
LOGS = ("GET", "/v1/logs")
KEY = "rnd_logs_secret_key"


@pytest.fixture(scope="module")
def log_server() -> Iterator[LocalServer]:
    with serve(logtasks) as server:
        yield server


def make_client(server: LocalServer, **options: Any) -> Client:
    options.setdefault("api_key", "rnd_unused_by_an_open_server")
    options.setdefault("retry_policy", FAST_RETRY)
    options.setdefault("poll_schedule", FAST_POLL)
    return Client(base_url=server.base_url, **options)


def token() -> str:
    return f"tok-{uuid.uuid4().hex[:10]}"


def fake_run(server: LocalServer, lines: int) -> str:
    """A run id with ``lines`` lines that all carry the same given timestamp."""
    run_id = f"trn-{uuid.uuid4().hex[:20]}"
    for i in range(lines):
        server.state.logs.append(run_id, f"line {i}", timestamp=MOMENT)
    return run_id


# --- listing ---------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_list_pages_through_same_moment_lines_exactly_once(
    log_server: LocalServer, direction: str
) -> None:
    run_id = fake_run(log_server, 2500)
    before = log_server.requests[LOGS]
    with make_client(log_server) as client:
        entries = [e for e in client.logs.list(task_run=run_id, direction=direction, limit=100)]

    expected = [f"line {i}" for i in range(2500)]
    assert [e.message for e in entries] == (expected if direction == "forward" else expected[::-1])
    assert len({e.id for e in entries}) == 2500
    assert log_server.requests[LOGS] - before == 25


def test_list_is_lazy_and_max_items_stops_early(log_server: LocalServer) -> None:
    run_id = fake_run(log_server, 500)
    with make_client(log_server) as client:
        before = log_server.requests[LOGS]
        lines = client.logs.list(task_run=run_id, limit=100, max_items=150, direction="forward")
        assert log_server.requests[LOGS] == before
        entries = [e for e in lines]
    assert [e.message for e in entries] == [f"line {i}" for i in range(150)]
    assert log_server.requests[LOGS] - before == 2


def test_list_yields_log_entries_with_read_only_labels(log_server: LocalServer) -> None:
    tok = token()
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/mixed", [tok])
        run.wait(timeout=10)
        entries = [e for e in client.logs.list(task_run=run.id, level="warning")]

    [entry] = entries
    assert isinstance(entry, LogEntry)
    assert entry.message == f"{tok} warned"
    assert entry.level == "warning"
    assert entry.task_run_id == run.id
    assert entry.task == "mixed"
    assert entry.resource == log_server.tasks[0].workflow_id
    assert entry.timestamp.tzinfo is not None
    with pytest.raises(TypeError):
        entry.labels["level"] = "info"  # type: ignore[index]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"direction": "sideways"}, "direction must be 'forward' or 'backward'"),
        ({"limit": 0}, "limit must be"),
        ({"limit": 101}, "limit must be"),
        ({"start_time": datetime(2025, 1, 1)}, "start_time must be timezone-aware"),
        ({"end_time": "yesterday"}, "end_time must be a timezone-aware datetime or an RFC 3339"),
        (
            {"start_time": MOMENT, "end_time": MOMENT - timedelta(seconds=1)},
            "is after end_time",
        ),
        ({"level": 5}, "level must be a string or a list of strings"),
        ({"text": [""]}, "text must be a non-empty string"),
        ({"owner_id": ""}, "owner_id must be a workspace ID"),
        ({"max_items": -1}, "max_items"),
    ],
)
def test_bad_filters_fail_before_any_request(
    log_server: LocalServer, options: dict[str, Any], message: str
) -> None:
    before = log_server.requests[LOGS]
    with make_client(log_server) as client:
        logs = client.logs
        with pytest.raises(InvalidArgumentError, match=message):
            logs.list(**options)
    assert log_server.requests[LOGS] == before


def test_render_needs_owner_and_resource_before_any_request(
    clean_render_env: pytest.MonkeyPatch,
) -> None:
    clean_render_env.delenv("RENDER_WORKSPACE_ID", raising=False)
    with Client(api_key="rnd_not_sent_anywhere") as client:
        with pytest.raises(InvalidArgumentError, match=r"owner_id .* and resource"):
            client.logs.list(task_run="trn-abc")
        with pytest.raises(InvalidArgumentError, match="resource"):
            client.logs.list(owner_id="tea-abc")
        with pytest.raises(InvalidArgumentError, match="RENDER_WORKSPACE_ID"):
            client.workflows.task_run_logs("trn-abc")
        clean_render_env.setenv("RENDER_WORKSPACE_ID", "tea-from-env")
        client.logs.list(resource="wfl-abc")  # checked, not yet sent: no error


@pytest.mark.parametrize(
    ("run_id", "options", "message"),
    [
        ("run-1", {}, "trn-"),
        ("trn-abc", {"timeout": -1}, "timeout"),
        ("trn-abc", {"follow": "yes"}, "follow must be True or False"),
    ],
)
def test_task_run_logs_checks_arguments_before_any_request(
    log_server: LocalServer, run_id: str, options: dict[str, Any], message: str
) -> None:
    before = sum(log_server.requests.values())
    with make_client(log_server) as client:
        workflows = client.workflows
        with pytest.raises(InvalidArgumentError, match=message):
            workflows.task_run_logs(run_id, **options)
    assert sum(log_server.requests.values()) == before


# --- a run's logs -----------------------------------------------------------------------


def test_task_run_logs_of_a_finished_run_are_its_lines_in_order(
    log_server: LocalServer,
) -> None:
    tok = token()
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/chatty", [tok, 250, 0.0])
        run.wait(timeout=10)
        entries = [e for e in client.workflows.task_run_logs(run.id)]
        followed = [e for e in client.workflows.task_run_logs(run.id, follow=True)]

    assert [e.message for e in entries] == [f"{tok} {i}" for i in range(250)]
    assert followed == entries


def test_following_gets_every_line_until_the_run_ends(log_server: LocalServer) -> None:
    tok = token()
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/chatty", [tok, 40, 0.002])
        messages = [e.message for e in client.workflows.task_run_logs(run.id, follow=True)]
        details = client.workflows.get_task_run(run.id)

    assert messages == [f"{tok} {i}" for i in range(40)]
    assert details.status.is_terminal


def test_following_uses_the_websocket_and_its_lines_arrive_live(
    log_server: LocalServer,
) -> None:
    tok = token()
    subscribed = []
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/gated", [tok, 4])
        with client.workflows.task_run_logs(run.id, follow=True, timeout=20) as lines:
            messages = []
            for entry in lines:
                messages.append(entry.message)
                index = int(entry.message.split()[-1])
                if index > 0:
                    subscribed.append(log_server.state.logs.subscribers)
                gates(tok, 4)[index].set()

    assert messages == [f"{tok} {i}" for i in range(4)]
    assert all(count >= 1 for count in subscribed)


def test_a_websocket_cut_mid_stream_falls_back_to_polling_without_gaps_or_repeats(
    log_server: LocalServer,
) -> None:
    tok = token()
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/gated", [tok, 8])
        messages = []
        for entry in client.workflows.task_run_logs(run.id, follow=True, timeout=20):
            messages.append(entry.message)
            index = int(entry.message.split()[-1])
            if index == 3:
                assert log_server.state.logs.disconnect_subscribers() >= 1
            gates(tok, 8)[index].set()

    assert messages == [f"{tok} {i}" for i in range(8)]


def test_without_the_websocket_library_following_polls(
    log_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "websockets", None)
    tok = token()
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/gated", [tok, 5])
        messages = []
        for entry in client.workflows.task_run_logs(run.id, follow=True, timeout=20):
            messages.append(entry.message)
            assert log_server.state.logs.subscribers == 0
            gates(tok, 5)[int(entry.message.split()[-1])].set()

    assert messages == [f"{tok} {i}" for i in range(5)]


def test_parallel_followers_each_get_only_their_runs_lines(log_server: LocalServer) -> None:
    tokens = [token() for _ in range(6)]
    with make_client(log_server) as client:
        runs = [
            client.workflows.start_task(
                "logtasks/async_chatty" if n % 2 else "logtasks/chatty",
                [tok, 50] if n % 2 else [tok, 50, 0.0],
            )
            for n, tok in enumerate(tokens)
        ]
        for tok, run in zip(tokens, runs, strict=True):
            messages = [e.message for e in client.workflows.task_run_logs(run.id, follow=True)]
            assert messages == [f"{tok} {i}" for i in range(50)]


def test_following_gives_up_at_the_timeout(log_server: LocalServer) -> None:
    with make_client(log_server) as client:
        run = client.workflows.start_task("logtasks/quiet", [5])
        with pytest.raises(WaitTimeoutError) as caught:
            for _ in client.workflows.task_run_logs(run.id, follow=True, timeout=0.3):
                pass
        client.workflows.cancel_task_run(run.id)
    assert caught.value.task_run_id == run.id


def test_the_api_key_travels_in_the_websocket_handshake_and_never_in_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="render_sdk")
    with serve(logtasks, api_key=KEY) as server:
        tok = token()
        with make_client(server, api_key=KEY) as client:
            run = client.workflows.start_task("logtasks/gated", [tok, 4])
            messages = []
            subscribed = []
            for entry in client.workflows.task_run_logs(run.id, follow=True, timeout=20):
                messages.append(entry.message)
                index = int(entry.message.split()[-1])
                if index in (1, 2):
                    subscribed.append(server.state.logs.subscribers)
                if index == 2:  # the rest comes by polling, and the switch is logged
                    server.state.logs.disconnect_subscribers()
                gates(tok, 4)[index].set()
    assert messages == [f"{tok} {i}" for i in range(4)]
    assert subscribed == [1, 1]
    assert "polling instead" in caplog.text
    assert "/v1/logs/subscribe" in caplog.text
    assert KEY not in caplog.text
