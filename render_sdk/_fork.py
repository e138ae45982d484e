"""Fork safety: state that belongs to one process, rebuilt lazily in a child of ``os.fork()``.

A pre-forking server (``gunicorn --preload``, uwsgi, ``multiprocessing`` with the fork
start method) copies the parent's memory into each child: pooled sockets that the parent
keeps using, locks that a parent thread may hold at the instant of the fork (and that no
thread of the child will ever release), and the bookkeeping of background threads that do
not exist in the child. A child that writes to a copied socket interleaves its bytes with
the parent's, and the answers cross over: one user's response reaches another.

Every owner of such state keeps it in a ``PerProcess`` slot, which remembers the process
that made its value: a child that asks for it gets a fresh one. ``os.register_at_fork``
updates the process id seen here (so the check costs no system call) and replaces the one
lock this module uses, so no lock copied from the parent is ever waited on.

Values made in the parent are never closed by the child: closing a pooled TLS connection
can send bytes on the shared socket (a ``close_notify``), and tearing down a pool takes
locks the parent may have held. The child keeps them referenced instead (so they are never
garbage collected there either) and drops its copies of the file descriptors when it exits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PerProcess", "after_fork_in_child", "current_pid"]

T = TypeVar("T")

_pid = os.getpid()
_lock = threading.Lock()
_left_by_parent: list[object] = []
_callbacks: list[Callable[[], None]] = []


def current_pid() -> int:
    """The id of this process (kept up to date across ``os.fork()``; no system call)."""
    return _pid


def after_fork_in_child(callback: Callable[[], None]) -> None:
    """Call ``callback()`` in every child of a later ``os.fork()``, before anything else runs.

    For module-level state only (callbacks are kept for the life of the process); objects
    keep their state in a ``PerProcess`` slot instead.
    """
    _callbacks.append(callback)


def _reset_in_child() -> None:
    global _pid, _lock
    _pid = os.getpid()
    _lock = threading.Lock()
    for callback in _callbacks:
        callback()


if hasattr(os, "register_at_fork"):  # every POSIX platform; Windows has no fork
    os.register_at_fork(after_in_child=_reset_in_child)


class PerProcess(Generic[T]):
    """A value made by ``factory`` on first use in each process.

    ``get()`` returns the value made in this process, making it if needed; in a child of
    ``os.fork()`` the parent's value is set aside untouched and a new one is made. Safe to
    call from many threads: the value is made once per process.
    """

    __slots__ = ("_factory", "_slot")

    def __init__(self, factory: Callable[[], T], value: T | None = None) -> None:
        self._factory = factory
        # (pid, value) in one attribute, so a reader never pairs one process's id with
        # another process's value.
        self._slot: tuple[int, T] | None = None if value is None else (_pid, value)

    def get(self) -> T:
        """This process's value, made now if it does not exist yet."""
        slot = self._slot
        if slot is not None and slot[0] == _pid:
            return slot[1]
        with _lock:
            slot = self._slot
            if slot is not None and slot[0] == _pid:
                return slot[1]
            if slot is not None:
                _left_by_parent.append(slot[1])
            value = self._factory()
            self._slot = (_pid, value)
            return value

    def current(self) -> T | None:
        """This process's value if it was made (None before first use, or in a new child)."""
        slot = self._slot
        return slot[1] if slot is not None and slot[0] == _pid else None

    def crossed_fork(self) -> bool:
        """True when the value was made by another process (this one is a forked child)."""
        slot = self._slot
        return slot is not None and slot[0] != _pid

    def take(self) -> T | None:
        """Remove and return this process's value (to close it); a parent's is set aside."""
        with _lock:
            slot, self._slot = self._slot, None
        if slot is None:
            return None
        if slot[0] != _pid:
            _left_by_parent.append(slot[1])
            return None
        return slot[1]
