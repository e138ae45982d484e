"""Fake clocks: time moves only when the code under test sleeps, so tests never wait."""

from __future__ import annotations

__all__ = ["AsyncFakeClock", "FakeClock"]


class FakeClock:
    """A clock for the blocking client whose ``sleep`` advances time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []
        """Every sleep asked for, in order."""

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


class AsyncFakeClock(FakeClock):
    """A clock for the asyncio client whose ``sleep`` advances time instantly."""

    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        """Record the sleep and move time forward by it."""
        FakeClock.sleep(self, seconds)
