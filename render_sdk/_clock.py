"""Clocks: the time source and the sleep, behind one small pair so tests can inject fakes."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["AsyncClock", "AsyncSystemClock", "Clock", "SystemClock"]


class Clock(Protocol):
    """What the blocking client needs of time: a monotonic reading and a sleep."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


class AsyncClock(Protocol):
    """What the asyncio client needs of time: a monotonic reading and an async sleep."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend for ``seconds``."""
        ...


class SystemClock:
    """The real clock for blocking code."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """``time.sleep(seconds)``."""
        if seconds > 0:
            time.sleep(seconds)


class AsyncSystemClock:
    """The real clock for asyncio code."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``await asyncio.sleep(seconds)``."""
        import asyncio  # imported here so that blocking users never pay for asyncio

        await asyncio.sleep(max(0.0, seconds))
