"""No leaks: the suite's ResourceWarning-as-error setting really bites, and streams close.

pyproject.toml sets ``filterwarnings = ["error::ResourceWarning",
"error::pytest.PytestUnraisableExceptionWarning"]``. A socket garbage-collected while
open warns from ``__del__``, where an exception cannot propagate: it reaches
``sys.unraisablehook``, which pytest turns into a PytestUnraisableExceptionWarning, an
error too. These tests catch that path on purpose to show a leak would fail the suite,
and that a leaked (never closed) client would be caught the same way.

Abandoned event iterators: tests/integration/test_stream_cleanup.py (both twins, with
``with``/``aclose``); added here is the blocking iterator dropped without either.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
import time
import warnings
from typing import Any

import pytest

from render_sdk import AsyncClient, Client
from render_sdk.local import LocalServer
from tests.reliability._twins import open_sockets


def collect_unraisable(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    caught: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", caught.append)
    return caught


def test_the_suite_turns_resource_warnings_into_errors() -> None:
    actions = [f[0] for f in warnings.filters if f[2] is ResourceWarning]
    assert actions
    assert actions[0] == "error"
    with pytest.raises(ResourceWarning):
        warnings.warn("leak", ResourceWarning, stacklevel=1)


def test_a_socket_leaked_on_purpose_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    caught = collect_unraisable(monkeypatch)
    leaked = socket.socket()
    del leaked
    gc.collect()
    [report] = caught
    assert isinstance(report.exc_value, ResourceWarning)  # an error, not a silent warning
    assert "unclosed" in str(report.exc_value)


def test_the_same_socket_closed_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    caught = collect_unraisable(monkeypatch)
    with socket.socket():
        pass
    gc.collect()
    assert caught == []


def test_an_async_client_never_closed_would_fail_the_suite(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught = collect_unraisable(monkeypatch)

    async def leak() -> None:
        leaked = AsyncClient(api_key="rnd_x", base_url=server.base_url)
        await leaked.workflows.get_task(server.task_id("demo/square"))  # a pooled connection

    # A loop closed by hand, without shutting down its async generators (as asyncio.run
    # does), gives the client no chance to close its connections: they leak, and warn.
    loop = asyncio.new_event_loop()
    loop.run_until_complete(leak())
    loop.close()
    gc.collect()
    assert any(isinstance(r.exc_value, ResourceWarning) for r in caught), caught


def test_an_async_client_never_closed_is_closed_when_asyncio_run_ends(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught = collect_unraisable(monkeypatch)
    before = open_sockets()

    async def forget_to_close() -> None:
        leaked = AsyncClient(api_key="rnd_x", base_url=server.base_url)
        await leaked.workflows.get_task(server.task_id("demo/square"))
        assert open_sockets() > before

    asyncio.run(forget_to_close())
    deadline = time.monotonic() + 5  # the server's end of the connection closes on its own time
    while open_sockets() > before:
        assert time.monotonic() < deadline, "the connection outlived the loop"
        time.sleep(0.01)
    gc.collect()
    assert caught == []


def test_a_blocking_client_never_closed_does_not_keep_its_socket(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """urllib3 closes a garbage-collected pool's connections itself (no warning needed)."""
    caught = collect_unraisable(monkeypatch)
    before = open_sockets()
    leaked = Client(api_key="rnd_x", base_url=server.base_url)
    leaked.workflows.get_task(server.task_id("demo/square"))
    assert open_sockets() > before
    del leaked
    gc.collect()
    deadline = time.monotonic() + 5  # the server's end of the connection closes on its own time
    while open_sockets() > before:
        assert time.monotonic() < deadline, "the collected client kept its socket"
        time.sleep(0.01)
    assert caught == []


def test_a_closed_client_leaves_nothing(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught = collect_unraisable(monkeypatch)
    with Client(api_key="rnd_x", base_url=server.base_url) as client:
        client.workflows.get_task(server.task_id("demo/square"))
        run = client.workflows.start_task("demo/square", [2])
        run.wait(timeout=10)
    del client, run
    gc.collect()
    assert caught == []


def test_a_dropped_blocking_events_iterator_closes_its_stream(server: LocalServer) -> None:
    """No ``with``, no ``close()``: breaking out and dropping the iterator is enough."""
    with Client(api_key="rnd_x", base_url=server.base_url) as client:
        run = client.workflows.start_task("demo/slow", [30])
        open_before = server.state.events.open_streams
        updates = client.workflows.task_run_events(run.id, timeout=20)
        for update in updates:
            assert update.id == run.id
            break
        deadline = time.monotonic() + 5
        while server.state.events.open_streams == open_before:
            assert time.monotonic() < deadline, "the stream never opened"
            time.sleep(0.01)
        del updates, update
        gc.collect()
        deadline = time.monotonic() + 5
        while server.state.events.open_streams != open_before:
            assert time.monotonic() < deadline, "the dropped iterator kept its stream open"
            time.sleep(0.01)
        client.workflows.cancel_task_run(run.id)
