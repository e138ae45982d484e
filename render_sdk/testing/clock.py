"""Fake clocks: time moves only when the code under test sleeps or waits, so tests never wait.

The one real-time wait: while the waiting loop says a message is bound to come (a request
in flight, a stream open, see ``Clock.wait``'s ``expecting``), a fake ``wait`` blocks on
the inbox until it arrives. That is the handshake with the background workers: fake time
moves on only when no worker has anything left to say, never after a guessed real-time
pause. Those workers do real I/O (a mock transport answers at once; a real server within
its own timeouts), so the wait is as long as that I/O and no longer.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from .._clock import AsyncInbox, Inbox

T = TypeVar("T")

__all__ = ["AsyncFakeClock", "FakeClock"]


class FakeClock:
    """A clock for the blocking client whose ``sleep`` advances time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []
        """Every sleep asked for, in order."""
        self.waits: list[float] = []
        """Every wait on a message that timed out (so fake time moved on), in order."""
        self._lock = threading.Lock()  # worker threads sleep (retry backoff) too

    def now(self) -> float:
        """The fake time."""
        return self.time

    def advance(self, seconds: float) -> None:
        """Move time forward without a sleep being recorded."""
        with self._lock:
            self.time += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move time forward by it."""
        with self._lock:
            self.sleeps.append(seconds)
            self.time += max(0.0, seconds)

    def _timed_out(self, timeout: float | None) -> None:
        if timeout is not None:
            with self._lock:
                self.waits.append(timeout)
                self.time += max(0.0, timeout)

    def wait(self, inbox: Inbox[T], timeout: float | None, *, expecting: bool = False) -> T | None:
        """The next message: waited for if one is expected, else let ``timeout`` pass."""
        item = inbox.get(None) if expecting else inbox.get_nowait()
        if item is None:
            self._timed_out(timeout)
        return item


class AsyncFakeClock(FakeClock):
    """A clock for the asyncio client whose ``sleep`` advances time instantly."""

    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        """Record the sleep and move time forward by it."""
        FakeClock.sleep(self, seconds)

    async def wait(  # type: ignore[override]
        self, inbox: AsyncInbox[T], timeout: float | None, *, expecting: bool = False
    ) -> T | None:
        """The next message: waited for if one is expected, else let ``timeout`` pass."""
        item = await inbox.get(None) if expecting else inbox.get_nowait()
        if item is None:
            self._timed_out(timeout)
        return item
