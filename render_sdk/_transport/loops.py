"""What the asyncio transports share about event loops: pools, the advice, the error mapping.

Connections belong to the event loop that opened them. Both asyncio transports keep one
pool per loop (and per process) and close it when its loop shuts down; where a pool cannot
be rebuilt (a client or session passed in by the caller) they raise EventLoopError with
the same advice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from typing import Generic, TypeVar

from ..errors import EventLoopError

__all__ = ["LOOP_ADVICE", "LoopPool", "LoopWatch", "close_pools", "loop_error"]

C = TypeVar("C")

LOOP_ADVICE = (
    "create the AsyncClient inside the event loop that uses it (in a web app, in its "
    "lifespan or startup handler) and close it there"
)


def loop_error(exc: RuntimeError) -> Exception:
    """A RuntimeError about event loops (from asyncio, anyio or the HTTP library) as EventLoopError.

    Other RuntimeErrors are returned unchanged.
    """
    if "loop" not in str(exc):
        return exc
    return EventLoopError(
        f"the AsyncClient's connections belong to an event loop that has ended or is not "
        f"the running one ({exc}): {LOOP_ADVICE}"
    )


class LoopWatch:
    """Call ``on_shutdown()`` when the running loop shuts down its async generators.

    ``asyncio.run``, anyio and pytest-asyncio all do so before closing a loop, while it
    still runs, which is the last moment its connections can be closed cleanly.
    """

    def __init__(self, on_shutdown: Callable[[], Awaitable[None]]) -> None:
        self._on_shutdown = on_shutdown
        self._generator: AsyncGenerator[None, None] | None = None

    async def start(self) -> None:
        """Begin watching the running loop (the generator is registered with it here)."""
        self._generator = self._until_loop_shutdown()
        await self._generator.__anext__()

    async def _until_loop_shutdown(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await self._on_shutdown()


class LoopPool(Generic[C]):
    """The library clients (``C``: an httpx client, an aiohttp session) and request slots
    of one event loop in one process; closed when that loop shuts down (see LoopWatch).

    ``stream_client`` serves event streams so they never hold ordinary connections; the
    transport opens it on first use. ``close`` closes one client in its loop.
    """

    def __init__(
        self,
        client: C,
        stream_client: C | None,
        slots: int,
        close: Callable[[C], Awaitable[None]],
    ) -> None:
        self.client = client
        self.stream_client = stream_client
        self.slots = asyncio.Semaphore(slots)
        self.closed = False
        self._close = close
        self._watch = LoopWatch(self.aclose)

    async def watch_loop(self) -> None:
        """Close this pool when the running loop shuts down its async generators."""
        await self._watch.start()

    async def aclose(self) -> None:
        """Close the clients (once)."""
        if self.closed:
            return
        self.closed = True
        await self._close(self.client)
        if self.stream_client is not None and self.stream_client is not self.client:
            await self._close(self.stream_client)


async def close_pools(pools: MutableMapping[asyncio.AbstractEventLoop, LoopPool[C]]) -> None:
    """Close the running loop's pool; ask other running loops to close theirs.

    Pools of loops that have ended were closed when they shut down (or, if a loop was
    closed without that, are left to the garbage collector): they are only forgotten.
    """
    loop = asyncio.get_running_loop()
    for other, pool in list(pools.items()):
        if other is loop:
            del pools[other]
            await pool.aclose()
        elif other.is_closed():
            del pools[other]
        elif other.is_running():
            asyncio.run_coroutine_threadsafe(pool.aclose(), other)
