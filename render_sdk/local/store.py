"""Run records, their JSON shapes (camelCase, per RENDER_API.md), listing and idempotency."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from render_sdk.local.registry import OWNER_ID, RegisteredTask

__all__ = [
    "AttemptRecord",
    "CursorError",
    "RunFilters",
    "RunRecord",
    "RunStore",
    "TERMINAL_STATUSES",
    "rfc3339",
    "task_json",
]

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})
IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60

JSON = dict[str, Any]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def rfc3339(moment: datetime) -> str:
    """``2025-01-02T03:04:05.678Z``: milliseconds, always with ``Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """A fresh ``trn-…`` identifier."""
    return f"trn-{uuid.uuid4().hex[:20]}"


def task_json(task: RegisteredTask) -> JSON:
    """The API's ``Task`` object."""
    return {
        "id": task.id,
        "name": task.name,
        "slug": task.slug,
        "createdAt": rfc3339(task.created_at),
        "workflowId": task.workflow_id,
        "workflowVersionId": task.workflow_version_id,
    }


@dataclass
class AttemptRecord:
    """One attempt of a run."""

    number: int
    status: str = "pending"
    enqueued_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None
    results: list[Any] | None = None

    def to_json(self, run_id: str, *, details: bool) -> JSON:
        """``TaskAttempt``, or ``TaskAttemptDetails`` with error and results."""
        body: JSON = {
            "attempt": self.number,
            "status": self.status,
            "taskRunId": run_id,
            "enqueuedAt": rfc3339(self.enqueued_at),
            # startedAt is required by the schema; before the attempt starts, the
            # enqueue time is the best truthful stand-in.
            "startedAt": rfc3339(self.started_at or self.enqueued_at),
        }
        if self.completed_at is not None:
            body["completedAt"] = rfc3339(self.completed_at)
        if details:
            if self.error is not None:
                body["error"] = self.error
            if self.results is not None:
                body["results"] = self.results
        return body


@dataclass
class RunRecord:
    """Everything the server knows about one task run."""

    id: str
    sequence: int
    task: RegisteredTask
    input: Any
    idempotency_key: str | None = None
    status: str = "pending"
    parent_run_id: str = ""
    root_run_id: str = ""
    created_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    error: str | None = None

    def __post_init__(self) -> None:
        if not self.root_run_id:
            self.root_run_id = self.id

    @property
    def terminal(self) -> bool:
        """Whether the run has reached its final status."""
        return self.status in TERMINAL_STATUSES

    def to_json(self, *, details: bool = False) -> JSON:
        """``TaskRun``, or ``TaskRunDetails`` when ``details`` is true."""
        body: JSON = {
            "id": self.id,
            "taskId": self.task.id,
            "status": self.status,
            "parentTaskRunId": self.parent_run_id,
            "rootTaskRunId": self.root_run_id,
            "retries": max(0, len(self.attempts) - 1),
            "attempts": [a.to_json(self.id, details=details) for a in self.attempts],
        }
        if self.started_at is not None:
            body["startedAt"] = rfc3339(self.started_at)
        if self.completed_at is not None:
            body["completedAt"] = rfc3339(self.completed_at)
        if details:
            body["results"] = list(self.results)
            body["input"] = self.input
            if self.status == "failed" and self.error is not None:
                body["error"] = self.error
        return body


class CursorError(ValueError):
    """A pagination cursor this server did not issue."""


def encode_cursor(sequence: int) -> str:
    """An opaque cursor pointing at the item with this sequence number."""
    return base64.urlsafe_b64encode(f"seq:{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence number inside a cursor made by :func:`encode_cursor`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "seq" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise CursorError(f"invalid cursor {cursor!r}") from None


@dataclass(frozen=True)
class RunFilters:
    """The documented filters of ``GET /task-runs``; empty sets mean "any"."""

    task_slugs: frozenset[str] = frozenset()
    root_run_ids: frozenset[str] = frozenset()
    owner_ids: frozenset[str] = frozenset()
    workflow_ids: frozenset[str] = frozenset()
    workflow_version_ids: frozenset[str] = frozenset()

    def accepts(self, run: RunRecord) -> bool:
        """Whether a run passes every filter."""
        task = run.task
        checks = (
            (self.task_slugs, (task.slug, f"{task.slug}:{task.version}", task.id)),
            (self.root_run_ids, (run.root_run_id,)),
            (self.owner_ids, (OWNER_ID,)),
            (self.workflow_ids, (task.workflow_id, task.workflow_slug)),
            (self.workflow_version_ids, (task.workflow_version_id,)),
        )
        return all(not wanted or any(v in wanted for v in values) for wanted, values in checks)


Listener = Callable[[RunRecord, str], None]


class RunStore:
    """All runs of the server, newest first, with idempotency keys and change listeners.

    Mutations happen on the server's event loop; the lock lets other threads (tests,
    the embedding process) read consistent snapshots.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.lock = threading.RLock()
        self._runs: dict[str, RunRecord] = {}
        self._order: list[RunRecord] = []
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._listeners: list[Listener] = []
        self.runs_created = 0

    def create(
        self,
        task: RegisteredTask,
        input_data: Any,
        idempotency_key: str | None,
        *,
        parent: RunRecord | None = None,
    ) -> tuple[RunRecord, bool]:
        """Create a pending run, or return the run of a repeated idempotency key.

        With ``parent`` the run is a subtask: its parent is ``parent`` and its root
        is ``parent``'s root. Returns the run and whether it is new.
        """
        with self.lock:
            now = time.monotonic()
            if idempotency_key is not None:
                key = (task.workflow_id, idempotency_key)
                previous = self._idempotency.get(key)
                if previous is not None and now - previous[1] < IDEMPOTENCY_WINDOW_SECONDS:
                    return self._runs[previous[0]], False
            run = RunRecord(
                id=new_run_id(),
                sequence=len(self._order) + 1,
                task=task,
                input=input_data,
                idempotency_key=idempotency_key,
                parent_run_id=parent.id if parent is not None else "",
                root_run_id=parent.root_run_id if parent is not None else "",
            )
            self._runs[run.id] = run
            self._order.append(run)
            if idempotency_key is not None:
                self._idempotency[(task.workflow_id, idempotency_key)] = (run.id, now)
            self.runs_created += 1
            return run, True

    def get(self, run_id: str) -> RunRecord | None:
        """The run with this ID, if any."""
        with self.lock:
            return self._runs.get(run_id)

    def children(self, run_id: str) -> list[RunRecord]:
        """The subtasks ``run_id`` started, oldest first."""
        with self.lock:
            return [run for run in self._order if run.parent_run_id == run_id]

    def all(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self.lock:
            return list(reversed(self._order))

    def page(
        self, filters: RunFilters, limit: int, cursor: str | None
    ) -> list[tuple[RunRecord, str]]:
        """One page of runs (newest first) with each run's cursor."""
        after = decode_cursor(cursor) if cursor else None
        with self.lock:
            items: list[tuple[RunRecord, str]] = []
            for run in reversed(self._order):
                if after is not None and run.sequence >= after:
                    continue
                if filters.accepts(run):
                    items.append((run, encode_cursor(run.sequence)))
                    if len(items) >= limit:
                        break
            return items

    def update(self, run: RunRecord, event: str, change: Callable[[RunRecord], None]) -> None:
        """Apply ``change`` to a run under the lock, then tell the listeners."""
        with self.lock:
            change(run)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(run, event)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(run, event)`` after every change."""
        with self.lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        with self.lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


def page_of(items: Iterable[Any], limit: int, cursor: str | None) -> list[tuple[Any, str]]:
    """Cursor pagination over a fixed ordered list (position-based cursors)."""
    after = decode_cursor(cursor) if cursor else 0
    page: list[tuple[Any, str]] = []
    for position, item in enumerate(items, start=1):
        if position <= after:
            continue
        page.append((item, encode_cursor(position)))
        if len(page) >= limit:
            break
    return page
