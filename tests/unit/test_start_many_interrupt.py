"""Ctrl-C during the sync ``start_many``: no start is taken after the interruption."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from render_sdk import Client
from render_sdk._transport.base import HTTPRequest, HTTPResponse
from render_sdk.testing import MockRouter, MockTransport
from tests.local.procs import eventually

COUNT = 100
LIMIT = 3


@pytest.fixture
def interrupted() -> Iterator[threading.Event]:
    """An event set when the main thread receives SIGINT (which then raises as usual)."""
    event = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        event.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_interrupted_start_many_takes_no_further_input_and_reraises(
    interrupted: threading.Event,
) -> None:
    router = MockRouter()
    for _ in range(COUNT):
        router.add_run("wf/task")
    taken: list[int] = []
    lock = threading.Lock()

    def handler(request: HTTPRequest) -> HTTPResponse:
        with lock:
            taken.append(len(taken))
            number = len(taken)
        if number == 2:
            # Ctrl-C lands on the main thread, which waits for the fan-out there.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        if 2 <= number <= LIMIT + 1:
            # Starts in flight end only once the interruption has reached the caller,
            # and then yield the GIL so the caller can act on it before they take more.
            assert interrupted.wait(timeout=10)
            time.sleep(0.05)
        return router.handle(request)

    transport = MockTransport(handler)
    client = Client(api_key="rnd_test", transport=transport, max_retries=0)
    with pytest.raises(KeyboardInterrupt):
        client.workflows.start_many(
            "wf/task",
            [[n] for n in range(COUNT)],
            max_in_flight=LIMIT,
            idempotency_key_prefix="batch",
        )
    # Once nothing of the call runs any more, the inputs after the interruption were not
    # started: only those in flight (give or take a thread switch) were sent.
    eventually(
        lambda: not [t for t in threading.enumerate() if t.name == "render_sdk-fan-out"],
        what="the fan-out threads to end",
    )
    assert len(taken) < COUNT // 4
    assert len([r for r in transport.requests if r.method == "POST"]) == len(taken)
