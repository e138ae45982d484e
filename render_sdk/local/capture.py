"""Capturing what in-process tasks print and log, as log lines of the run that wrote them.

While a local server runs, ``sys.stdout`` and ``sys.stderr`` are wrapped in a proxy and a
handler sits on the root logger. Each attempt of an in-process task runs inside
:func:`attempt_output`, which marks its context (a :mod:`contextvars` variable, so it
follows the attempt into its thread or its asyncio task and nowhere else). Writes made in
such a context become lines of that run; every other write (the server's own output,
other threads) goes to the wrapped stream untouched.

Captured output is also passed on to the wrapped stream when ``echo`` is on, so a
developer running ``render-sdk dev`` still sees their tasks' output, as with Render's CLI.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from render_sdk.local.logs import LogStore

__all__ = ["attempt_output", "ensure_installed", "install", "uninstall"]

_STREAM_EMIT = logging.StreamHandler.emit.__code__


class _Attempt:
    """Where one attempt's lines go, and its unfinished lines (text without a newline yet)."""

    def __init__(
        self, store: LogStore, run_id: str, task: str, workflow_id: str, echo: bool
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.task = task
        self.workflow_id = workflow_id
        self.echo = echo
        self._partial: dict[str, str] = {}
        self._lock = threading.Lock()

    def write(self, stream: str, level: str, text: str) -> None:
        with self._lock:
            pending = self._partial.pop(stream, "") + text
            *lines, rest = pending.split("\n")
            if rest:
                self._partial[stream] = rest
        for line in lines:
            self.line(line.rstrip("\r"), level)

    def line(self, message: str, level: str) -> None:
        self.store.append(
            self.run_id, message, level=level, task=self.task, workflow_id=self.workflow_id
        )

    def flush(self) -> None:
        with self._lock:
            partial, self._partial = self._partial, {}
        for stream, rest in partial.items():
            self.line(rest, _STREAM_LEVELS[stream])


_STREAM_LEVELS = {"stdout": "info", "stderr": "error"}
_current: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "render_sdk_local_attempt", default=None
)


class _OutputProxy:
    """Stands in for ``sys.stdout``/``sys.stderr``: task writes become log lines."""

    def __init__(self, wrapped: TextIO, name: str) -> None:
        self._wrapped = wrapped
        self._name = name
        self._level = _STREAM_LEVELS[name]

    @property
    def wrapped(self) -> TextIO:
        """The stream this proxy passes other writes to."""
        return self._wrapped

    def write(self, text: str) -> int:
        attempt = _current.get()
        if attempt is None:
            return self._wrapped.write(text)
        # A logging.StreamHandler writing here was already captured, with its level,
        # by the root handler: pass it on, but do not record it twice.
        if sys._getframe(1).f_code is not _STREAM_EMIT:
            attempt.write(self._name, self._level, text)
        if attempt.echo:
            return self._wrapped.write(text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._wrapped.flush()

    def __getattr__(self, name: str) -> Any:
        # encoding, isatty, fileno, buffer, ...: whatever the real stream offers.
        return getattr(self._wrapped, name)


class _LoggingCapture(logging.Handler):
    """Records emitted while an attempt runs become that run's lines, with their level."""

    def emit(self, record: logging.LogRecord) -> None:
        attempt = _current.get()
        if attempt is None or attempt.echo:
            self._last_resort(record)
        if attempt is None:
            return
        try:
            message = self.format(record)
        except Exception:
            self.handleError(record)
            return
        level = record.levelname.lower()
        level = {"critical": "error", "fatal": "error", "warn": "warning"}.get(level, level)
        for line in message.split("\n"):
            attempt.line(line, level)

    def _last_resort(self, record: logging.LogRecord) -> None:
        # Python prints a record no handler takes to stderr (logging.lastResort). This
        # handler on the root logger would silence that: pass such records on instead.
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        current: logging.Logger | None = logging.getLogger(record.name)
        while current is not None:
            if any(handler is not self for handler in current.handlers):
                return
            current = current.parent if current.propagate else None
        last_resort.handle(record)


_lock = threading.Lock()
_users = 0
_handler = _LoggingCapture()
_handler.setFormatter(logging.Formatter("%(message)s"))


def _wrap_streams() -> None:
    if not isinstance(sys.stdout, _OutputProxy) and sys.stdout is not None:
        sys.stdout = _OutputProxy(sys.stdout, "stdout")
    if not isinstance(sys.stderr, _OutputProxy) and sys.stderr is not None:
        sys.stderr = _OutputProxy(sys.stderr, "stderr")


def install() -> None:
    """Start capturing (servers call this on start; nested calls are counted)."""
    global _users
    with _lock:
        _users += 1
        _wrap_streams()
        root = logging.getLogger()
        if _handler not in root.handlers:
            root.addHandler(_handler)


def ensure_installed() -> None:
    """Wrap the standard streams again if something replaced them since :func:`install`.

    Test runners swap ``sys.stdout`` for their own capture between tests; each attempt
    calls this first so its output is still attributed to it.
    """
    if not (isinstance(sys.stdout, _OutputProxy) and isinstance(sys.stderr, _OutputProxy)):
        with _lock:
            _wrap_streams()


def uninstall() -> None:
    """Stop capturing once the last server stopped; streams replaced since are left alone."""
    global _users
    with _lock:
        _users = max(0, _users - 1)
        if _users:
            return
        logging.getLogger().removeHandler(_handler)
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, _OutputProxy):
                setattr(sys, name, stream.wrapped)


@contextlib.contextmanager
def attempt_output(
    store: LogStore, run_id: str, *, task: str, workflow_id: str, echo: bool = True
) -> Iterator[None]:
    """Attribute output written in this context (and contexts copied from it) to ``run_id``."""
    ensure_installed()
    attempt = _Attempt(store, run_id, task, workflow_id, echo)
    token = _current.set(attempt)
    try:
        yield
    finally:
        _current.reset(token)
        attempt.flush()
