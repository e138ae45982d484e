"""What the asyncio transports share about event loops: the advice, and the error mapping.

Connections belong to the event loop that opened them. Both asyncio transports keep one
pool per loop (and per process) and close it when its loop shuts down; where a pool cannot
be rebuilt (a client or session passed in by the caller) they raise EventLoopError with
the same advice.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable

from ..errors import EventLoopError

__all__ = ["LOOP_ADVICE", "LoopWatch", "loop_error"]

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
