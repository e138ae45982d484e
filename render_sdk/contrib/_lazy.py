"""A client created on first use and shared from then on, safe across threads and fork.

The lock only guards creation. After ``os.fork()`` the child gets fresh locks (a lock
held by another thread at the moment of the fork would otherwise stay locked forever in
the child); the client itself is kept, because clients rebuild their own connections
in a child process.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["LazyClient"]

logger = logging.getLogger("render_sdk.contrib")


class _Closeable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closeable)

_instances: weakref.WeakSet[LazyClient[_Closeable]] = weakref.WeakSet()


class LazyClient(Generic[C]):
    """Holds at most one client, made by ``factory`` the first time ``get()`` is called."""

    def __init__(self, factory: Callable[[], C]) -> None:
        self._factory = factory
        self._client: C | None = None
        self._lock = threading.Lock()
        _instances.add(self)  # type: ignore[arg-type]

    def get(self) -> C:
        """The client, created now if there is none yet (errors of the factory propagate)."""
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    @property
    def created(self) -> bool:
        """Whether a client exists now."""
        return self._client is not None

    def close(self) -> None:
        """Close and forget the client, if any; the next ``get()`` makes a new one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            close_quietly(client)

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()


def close_quietly(client: _Closeable) -> None:
    """Close ``client``; a failure to close is logged, never raised (this runs in cleanups)."""
    try:
        client.close()
    except Exception:
        logger.warning("closing a render_sdk client failed", exc_info=True)


def _reset_locks_in_child() -> None:
    for instance in list(_instances):
        instance._after_fork_in_child()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_reset_locks_in_child)
