"""Background workers and channels: asyncio tasks for the async twin, threads for the sync one.

The waiting engine is written once, in async code, against these small pairs; codegen
turns ``AsyncWorkers`` into ``SyncWorkers`` and ``AsyncChannel`` into ``SyncChannel``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ._fork import current_pid

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncChannel", "AsyncWorkers", "SyncChannel", "SyncWorkers"]

T = TypeVar("T")


class _Closable(Protocol):
    def close(self) -> None: ...


class _Closed:
    """Marker put in a closed channel; each reader passes it on to the next."""


_CLOSED = _Closed()


class SyncChannel(Generic[T]):
    """A thread-safe FIFO; ``get`` returns None on timeout or once closed."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[T | _Closed] = queue.SimpleQueue()

    def put(self, item: T) -> None:
        """Add an item without blocking."""
        self._queue.put(item)

    def get(self, timeout: float | None) -> T | None:
        """The next item, or None after ``timeout`` seconds or when closed."""
        try:
            item = self._queue.get(timeout=None if timeout is None else max(0.0, timeout))
        except queue.Empty:
            return None
        if isinstance(item, _Closed):
            self._queue.put(item)
            return None
        return item

    def get_nowait(self) -> T | None:
        """The next item if one is waiting, else None (also once closed)."""
        try:
            item = self._queue.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, _Closed):
            self._queue.put(item)
            return None
        return item

    def close(self) -> None:
        """Wake every reader, now and later, with None."""
        self._queue.put(_CLOSED)


class AsyncChannel(Generic[T]):
    """An asyncio FIFO; ``get`` returns None on timeout or once closed."""

    def __init__(self) -> None:
        import asyncio

        self._queue: asyncio.Queue[T | _Closed] = asyncio.Queue()

    def put(self, item: T) -> None:
        """Add an item without blocking."""
        self._queue.put_nowait(item)

    async def get(self, timeout: float | None) -> T | None:
        """The next item, or None after ``timeout`` seconds or when closed."""
        import asyncio

        try:
            if timeout is None:
                item = await self._queue.get()
            else:
                item = await asyncio.wait_for(self._queue.get(), max(0.0, timeout))
        except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
            return None
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)
            return None
        return item

    def get_nowait(self) -> T | None:
        """The next item if one is waiting, else None (also once closed)."""
        import asyncio

        try:
            item = self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)
            return None
        return item

    def close(self) -> None:
        """Wake every reader, now and later, with None."""
        self._queue.put_nowait(_CLOSED)


class SyncWorkers:
    """Run functions in daemon threads; leaving the block stops them.

    Stopping makes ``stopped()`` true and closes every registered resource, which
    unblocks a thread waiting on a socket or a channel; the threads then end by themselves.
    In a child of ``os.fork()`` the threads do not exist and the resources are the
    parent's (closing a stream would shut the parent's socket): leaving the block there
    touches nothing, not even the lock, which a parent thread may have held at the fork.
    """

    def __init__(self) -> None:
        self._pid = current_pid()
        self._stopping = False
        self._stop = threading.Event()
        self._resources: set[Any] = set()
        self._lock = threading.Lock()

    def stopped(self) -> bool:
        """True once the block has been left: workers should end."""
        return self._stopping

    def spawn(self, function: Callable[..., object], *args: Any) -> None:
        """Start ``function(*args)`` in a new thread."""
        thread = threading.Thread(target=function, args=args, daemon=True, name="render_sdk")
        thread.start()

    def sleep(self, seconds: float) -> None:
        """Pause a worker; returns early when the workers are stopped."""
        self._stop.wait(max(0.0, seconds))

    def register(self, resource: _Closable) -> bool:
        """Close ``resource`` when stopping; False (and nothing kept) if already stopping."""
        with self._lock:
            if self._stopping:
                return False
            self._resources.add(resource)
            return True

    def unregister(self, resource: _Closable) -> None:
        """Forget a resource that was closed by its owner."""
        with self._lock:
            self._resources.discard(resource)

    def __enter__(self) -> SyncWorkers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pid != current_pid():
            self._stopping = True
            return
        with self._lock:
            self._stopping = True
            self._stop.set()
            resources = list(self._resources)
            self._resources.clear()
        for resource in resources:
            with contextlib.suppress(Exception):
                resource.close()
        # Threads are not joined: each one sees `stopped()` or a closed resource and ends
        # by itself (one still connecting ends once its connect finishes), and the caller
        # must not wait for that.


class AsyncWorkers:
    """Run coroutines as asyncio tasks; leaving the block cancels and awaits them.

    In a child of ``os.fork()`` the tasks belong to the parent's event loop: leaving the
    block there leaves them alone.
    """

    def __init__(self) -> None:
        self._pid = current_pid()
        self._stopping = False
        self._tasks: list[asyncio.Task[object]] = []

    def stopped(self) -> bool:
        """True once the block has been left: workers should end."""
        return self._stopping

    def spawn(self, function: Callable[..., Awaitable[object]], *args: Any) -> None:
        """Start ``function(*args)`` as a task."""
        import asyncio

        self._tasks.append(asyncio.ensure_future(function(*args)))

    async def sleep(self, seconds: float) -> None:
        """Pause a worker task (cancelled when the workers stop)."""
        import asyncio

        await asyncio.sleep(max(0.0, seconds))

    def register(self, resource: object) -> bool:
        """Tasks are cancelled on exit and close their own resources: nothing to keep."""
        return not self._stopping

    def unregister(self, resource: object) -> None:
        """Nothing to forget (see register)."""

    async def __aenter__(self) -> AsyncWorkers:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import asyncio

        self._stopping = True
        if self._pid != current_pid():
            return
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
