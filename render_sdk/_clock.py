"""Clocks: the time source and the sleep, behind one small pair so tests can inject fakes."""

from __future__ import annotations

import time
from typing import Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = ["AsyncClock", "AsyncInbox", "AsyncSystemClock", "Clock", "Inbox", "SystemClock"]


class Inbox(Protocol[T_co]):
    """Something to wait on for the next message (a SyncChannel)."""

    def get(self, timeout: float | None) -> T_co | None:
        """The next message, or None after ``timeout`` seconds."""
        ...

    def get_nowait(self) -> T_co | None:
        """The next message if one is waiting, else None."""
        ...


class AsyncInbox(Protocol[T_co]):
    """Something to wait on for the next message (an AsyncChannel)."""

    async def get(self, timeout: float | None) -> T_co | None:
        """The next message, or None after ``timeout`` seconds."""
        ...

    def get_nowait(self) -> T_co | None:
        """The next message if one is waiting, else None."""
        ...


class Clock(Protocol):
    """What the blocking client needs of time: a monotonic reading and a sleep."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...

    def wait(self, inbox: Inbox[T], timeout: float | None, *, expecting: bool = False) -> T | None:
        """The next message of ``inbox``, or None once ``timeout`` seconds have passed.

        ``expecting`` is True while I/O already started is bound to send a message (a
        request in flight, a stream open): a real clock ignores it; a fake one waits
        for that message instead of moving its time on.
        """
        ...


class AsyncClock(Protocol):
    """What the asyncio client needs of time: a monotonic reading and an async sleep."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend for ``seconds``."""
        ...

    async def wait(
        self, inbox: AsyncInbox[T], timeout: float | None, *, expecting: bool = False
    ) -> T | None:
        """The next message of ``inbox``, or None once ``timeout`` seconds have passed.

        ``expecting``: see ``Clock.wait``.
        """
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

    def wait(self, inbox: Inbox[T], timeout: float | None, *, expecting: bool = False) -> T | None:
        """Block on ``inbox`` for up to ``timeout`` seconds."""
        return inbox.get(timeout)


class AsyncSystemClock:
    """The real clock for asyncio code."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``await asyncio.sleep(seconds)``."""
        import asyncio  # imported here so that blocking users never pay for asyncio

        await asyncio.sleep(max(0.0, seconds))

    async def wait(
        self, inbox: AsyncInbox[T], timeout: float | None, *, expecting: bool = False
    ) -> T | None:
        """Wait on ``inbox`` for up to ``timeout`` seconds."""
        return await inbox.get(timeout)
