"""Fake clocks: time moves only when the code under test sleeps, so tests never wait."""

from __future__ import annotations

from typing import TypeVar

from .._clock import AsyncInbox, Inbox

T = TypeVar("T")

_GRACE = 0.2
"""Real seconds a fake wait gives background workers to deliver a message (mock I/O is
instant) before it concludes that nothing is coming and moves fake time on instead."""

__all__ = ["AsyncFakeClock", "FakeClock"]


class FakeClock:
    """A clock for the blocking client whose ``sleep`` advances time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []
        """Every sleep asked for, in order."""
        self.waits: list[float] = []
        """Every wait on a message that timed out (so fake time moved on), in order."""

    def now(self) -> float:
        """The fake time."""
        return self.time

    def advance(self, seconds: float) -> None:
        """Move time forward without a sleep being recorded."""
        self.time += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move time forward by it."""
        self.sleeps.append(seconds)
        self.time += max(0.0, seconds)

    def wait(self, inbox: Inbox[T], timeout: float | None) -> T | None:
        """Take a message if one comes promptly; otherwise let ``timeout`` pass in fake time."""
        item = inbox.get(_GRACE if timeout is None else min(_GRACE, timeout) or _GRACE)
        if item is None and timeout is not None:
            self.waits.append(timeout)
            self.time += max(0.0, timeout)
        return item


class AsyncFakeClock(FakeClock):
    """A clock for the asyncio client whose ``sleep`` advances time instantly."""

    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        """Record the sleep and move time forward by it."""
        FakeClock.sleep(self, seconds)

    async def wait(self, inbox: AsyncInbox[T], timeout: float | None) -> T | None:  # type: ignore[override]
        """Take a message if one comes promptly; otherwise let ``timeout`` pass in fake time."""
        item = await inbox.get(_GRACE if timeout is None else min(_GRACE, timeout) or _GRACE)
        if item is None and timeout is not None:
            self.waits.append(timeout)
            self.time += max(0.0, timeout)
        return item
