"""Background workers and channels: asyncio tasks for the async twin, threads for the sync one.

The waiting engine is written once, in async code, against these small pairs; codegen
turns ``AsyncWorkers`` into ``SyncWorkers`` and ``AsyncChannel`` into ``SyncChannel``.
"""

from __future__ import annotations

import collections
import contextlib
import math
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ._fork import PerProcess, current_pid
from ._logging import logger
from ._ratelimit import Admit, Hold, RateLimitPacing, parse_rate_limit_headers

if TYPE_CHECKING:
    import asyncio

    from ._clock import AsyncClock, Clock

__all__ = [
    "AsyncChannel",
    "AsyncFanOut",
    "AsyncRateLimitGate",
    "AsyncWorkers",
    "SyncChannel",
    "SyncFanOut",
    "SyncRateLimitGate",
    "SyncWorkers",
]

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


# --- pacing by the API's rate-limit headers ------------------------------------------------


def _log_hold(group: str, hold: Hold, now: float, in_flight: int) -> None:
    if math.isinf(hold.until):
        logger.info(
            "Holding %s: the rate-limit window is spent by %d request(s) in flight; "
            "waiting for an answer",
            group,
            in_flight,
        )
    else:
        logger.info(
            "Holding %s for %.3fs: the API's rate-limit window is spent (%d in flight)",
            group,
            hold.until - now,
            in_flight,
        )


class _SyncGateState:
    """One process's pacing of a blocking client, its lock, and the conditions held on."""

    def __init__(self, max_hold: float) -> None:
        self.pacing = RateLimitPacing(max_hold=max_hold)
        self.lock = threading.Lock()
        # Per group: (held until a reset or an answer, held until an answer only).
        self.conditions: dict[str, tuple[threading.Condition, threading.Condition]] = {}

    def pair(self, group: str) -> tuple[threading.Condition, threading.Condition]:
        pair = self.conditions.get(group)
        if pair is None:
            pair = (threading.Condition(self.lock), threading.Condition(self.lock))
            self.conditions[group] = pair
        return pair


class SyncRateLimitGate:
    """Hold a blocking client's requests while the API's rate-limit window is spent.

    Shared by every thread of one client: ``acquire`` before sending a request of an
    endpoint group, ``settle`` once it ends. The decisions are ``RateLimitPacing``'s;
    this class only waits (on the client's clock, or for an answer to arrive). After
    ``os.fork()`` the child starts afresh: it has none of its parent's requests in flight,
    and a lock held by a parent's thread would never be released in the child.

    An answer wakes only as many held requests as may now go (waking every one on every
    answer would cost each answer a pass over all of them), plus the few that wait with
    no time limit (for a probe, or a fresh window's first answer): they need to look
    at what the answer said to know how long to wait.
    """

    def __init__(self, clock: Clock, *, max_hold: float = 60.0) -> None:
        self._clock = clock
        self._state = PerProcess(lambda: _SyncGateState(max_hold))

    def acquire(self, group: str, deadline: float | None = None) -> None:
        """Return once a request of ``group`` may be sent (it then counts as in flight)."""
        state = self._state.get()
        logged = False
        while True:
            with state.lock:
                now = self._clock.now()
                decision = state.pacing.admit(group, now, deadline)
                if isinstance(decision, Admit):
                    return
                if not logged:
                    _log_hold(group, decision, now, state.pacing.in_flight(group))
                    logged = True
                if decision.on_answer:
                    timed, untimed = state.pair(group)
                    if math.isinf(decision.until):
                        untimed.wait()
                    else:
                        timed.wait(decision.until - now)
                    continue
            self._clock.sleep(decision.until - now)

    def settle(self, group: str, headers: Mapping[str, str] | None) -> None:
        """A request of ``group`` ended: with a response's headers, or None if none came."""
        state = self._state.current()
        if state is None:
            return  # a request of the parent's, finishing in a forked child
        reading = None if headers is None else parse_rate_limit_headers(headers, time.time())
        with state.lock:
            now = self._clock.now()
            state.pacing.settle(group, now, reading, answered=headers is not None)
            pair = state.conditions.get(group)
            if pair is None:
                return
            timed, untimed = pair
            untimed.notify_all()
            free = state.pacing.available(group, now)
            if math.isinf(free):
                timed.notify_all()
            elif free >= 1:
                timed.notify(int(free))


class _AsyncGateState:
    """One process's pacing of an asyncio client, and the futures held on.

    The lock is for a client used by several event loops on several threads at once:
    it is never held across an await, and a held request is woken through its own loop.
    """

    def __init__(self, max_hold: float) -> None:
        self.pacing = RateLimitPacing(max_hold=max_hold)
        self.lock = threading.Lock()
        # Per group: (held until a reset or an answer, held until an answer only).
        self.waiters: dict[str, tuple[_Waiters, _Waiters]] = {}


class AsyncRateLimitGate:
    """Hold an asyncio client's requests while the API's rate-limit window is spent.

    Shared by every task of one client (see ``SyncRateLimitGate``, which wakes held
    requests the same way). Held requests wait on futures of the loop they run on, woken
    through that loop, so the gate is bound to no event loop: a client used by loops on
    several threads at once paces them all (a lock, never held across an await, keeps
    their bookkeeping whole).
    """

    def __init__(self, clock: AsyncClock, *, max_hold: float = 60.0) -> None:
        self._clock = clock
        self._state = PerProcess(lambda: _AsyncGateState(max_hold))

    async def acquire(self, group: str, deadline: float | None = None) -> None:
        """Return once a request of ``group`` may be sent (it then counts as in flight)."""
        state = self._state.get()
        logged = False
        while True:
            with state.lock:
                now = self._clock.now()
                decision = state.pacing.admit(group, now, deadline)
                if isinstance(decision, Admit):
                    return
                in_flight = state.pacing.in_flight(group)
            if not logged:
                _log_hold(group, decision, now, in_flight)
                logged = True
            if decision.on_answer:
                timeout = None if math.isinf(decision.until) else decision.until - now
                await self._next_answer(state, group, timeout)
            else:
                await self._clock.sleep(decision.until - now)

    async def _next_answer(self, state: _AsyncGateState, group: str, timeout: float | None) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with state.lock:
            pair = state.waiters.get(group)
            if pair is None:
                pair = state.waiters[group] = (collections.deque(), collections.deque())
            waiters = pair[1] if timeout is None else pair[0]
            waiters.append(waiter)
        timer = None if timeout is None else loop.call_later(max(0.0, timeout), _wake, waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            with state.lock, contextlib.suppress(ValueError):  # woken by its timer, or cancelled
                waiters.remove(waiter)

    def settle(self, group: str, headers: Mapping[str, str] | None) -> None:
        """A request of ``group`` ended: with a response's headers, or None if none came."""
        state = self._state.current()
        if state is None:
            return  # a request of the parent's, finishing in a forked child
        reading = None if headers is None else parse_rate_limit_headers(headers, time.time())
        woken: list[asyncio.Future[None]] = []
        with state.lock:
            now = self._clock.now()
            state.pacing.settle(group, now, reading, answered=headers is not None)
            pair = state.waiters.get(group)
            if pair is None:
                return
            timed, untimed = pair
            woken.extend(untimed)
            untimed.clear()
            free = state.pacing.available(group, now)
            while timed and free >= 1:
                waiter = timed.popleft()
                if not waiter.done():
                    woken.append(waiter)
                    free -= 1
        for waiter in woken:
            _wake_from_any_thread(waiter)


if TYPE_CHECKING:
    _Waiters = collections.deque[asyncio.Future[None]]


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wake_from_any_thread(waiter: asyncio.Future[None]) -> None:
    """Wake a held request that may wait on another thread's event loop."""
    import asyncio

    loop = waiter.get_loop()
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        _wake(waiter)
        return
    with contextlib.suppress(RuntimeError):  # its loop has ended, and the request with it
        loop.call_soon_threadsafe(_wake, waiter)


# --- many calls at bounded concurrency ---------------------------------------------------


class SyncFanOut:
    """Call a function on every item with at most ``limit`` calls at once, on threads.

    The threads live for one ``map`` call only (so nothing outlives it or crosses a fork).
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)

    def map(
        self, function: Callable[[int, T], object], items: Sequence[T]
    ) -> list[object | Exception]:
        """``function(index, item)`` for each item; results or exceptions in item order.

        If the calling thread is interrupted while waiting (Ctrl-C), no further item is
        taken; the calls in flight finish, then the interruption is re-raised.
        """
        outcomes: list[object | Exception] = [None] * len(items)
        indexes = iter(range(len(items)))
        lock = threading.Lock()
        stop = threading.Event()

        def work() -> None:
            while True:
                with lock:
                    index = None if stop.is_set() else next(indexes, None)
                if index is None:
                    return
                try:
                    outcomes[index] = function(index, items[index])
                except Exception as exc:  # kept per item; the caller decides what to raise
                    outcomes[index] = exc

        count = min(self._limit, len(items))
        if count <= 1:
            work()
            return outcomes
        ended = [threading.Event() for _ in range(count)]

        def work_then_signal(finished: threading.Event) -> None:
            try:
                work()
            finally:
                finished.set()

        threads = [
            threading.Thread(
                target=work_then_signal, args=(finished,), name="render_sdk-fan-out", daemon=True
            )
            for finished in ended
        ]
        try:
            for thread in threads:
                thread.start()
            for finished in ended:
                finished.wait()
        except BaseException:
            stop.set()
            # Events, not join(): an interrupted join() can mark a live thread as ended.
            # A thread not yet running when stop is set takes no item once it runs.
            for thread, finished in zip(threads, ended, strict=True):
                if thread.ident is not None:
                    finished.wait()
            raise
        for thread in threads:
            thread.join()
        return outcomes


class AsyncFanOut:
    """Await a function on every item with at most ``limit`` calls at once, as tasks."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)

    async def map(
        self, function: Callable[[int, T], Awaitable[object]], items: Sequence[T]
    ) -> list[object | Exception]:
        """``await function(index, item)`` for each item; results or exceptions in item order."""
        import asyncio

        outcomes: list[object | Exception] = [None] * len(items)
        indexes = iter(range(len(items)))

        async def work() -> None:
            for index in indexes:  # shared iterator: each index is taken by one worker
                try:
                    outcomes[index] = await function(index, items[index])
                except Exception as exc:  # kept per item; the caller decides what to raise
                    outcomes[index] = exc

        workers = [asyncio.ensure_future(work()) for _ in range(min(self._limit, len(items)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return outcomes
