"""Fake clocks: time moves on at once when nothing is bound to arrive, never by a real pause."""

from __future__ import annotations

import threading
import time

from render_sdk._concurrency import AsyncChannel, SyncChannel
from render_sdk.testing import AsyncFakeClock, FakeClock


def test_a_wait_with_nothing_expected_moves_fake_time_at_once() -> None:
    clock = FakeClock(start=100.0)
    inbox: SyncChannel[str] = SyncChannel()
    started = time.monotonic()

    assert clock.wait(inbox, 30.0) is None

    assert time.monotonic() - started < 0.05  # no real pause, whatever the timeout
    assert clock.now() == 130.0
    assert clock.waits == [30.0]


def test_a_waiting_message_is_taken_without_moving_time() -> None:
    clock = FakeClock(start=100.0)
    inbox: SyncChannel[str] = SyncChannel()
    inbox.put("read done")

    assert clock.wait(inbox, 30.0) == "read done"
    assert clock.now() == 100.0
    assert clock.waits == []


def test_an_expected_message_is_waited_for_however_late_it_is() -> None:
    clock = FakeClock(start=100.0)
    inbox: SyncChannel[str] = SyncChannel()
    # A worker doing real I/O answers later than any guessed grace period would allow.
    worker = threading.Timer(0.3, inbox.put, args=("late answer",))
    worker.start()

    assert clock.wait(inbox, 5.0, expecting=True) == "late answer"

    worker.join()
    assert clock.now() == 100.0  # fake time did not move while the answer was due


def test_a_wait_without_timeout_and_nothing_expected_returns_at_once() -> None:
    clock = FakeClock(start=0.0)
    assert clock.wait(SyncChannel[str](), None) is None
    assert clock.now() == 0.0


async def test_the_asyncio_fake_clock_follows_the_same_handshake() -> None:
    import asyncio

    clock = AsyncFakeClock(start=10.0)
    inbox: AsyncChannel[str] = AsyncChannel()
    assert await clock.wait(inbox, 2.0) is None
    assert clock.now() == 12.0

    async def answer() -> None:
        await asyncio.sleep(0.1)
        inbox.put("answer")

    task = asyncio.ensure_future(answer())
    assert await clock.wait(inbox, 2.0, expecting=True) == "answer"
    await task
    assert clock.now() == 12.0
    await clock.sleep(1.5)
    assert clock.sleeps == [1.5]
    assert clock.now() == 13.5
