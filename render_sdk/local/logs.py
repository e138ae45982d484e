"""The local server's log store: every attempt's output lines, labelled like Render's logs.

This is the one place where the hosts (in-process tasks and worker processes) put the
lines a run writes, and where the logs API reads them from.

Timestamps are strictly increasing across the whole store: a line appended in the same
microsecond as the previous one (or given an earlier ``timestamp``) is stamped one
microsecond after it. A timestamp therefore names exactly one line, which is what lets
``GET /v1/logs`` page by time alone (the API sends back only ``nextStartTime`` and
``nextEndTime``) without skipping or repeating lines that were written at the same moment.

Memory is bounded: each run keeps at most ``max_lines_per_run`` lines and the store at
most ``max_lines`` in all. The oldest lines go first, and the run's first remaining line
is preceded by a note saying how many were dropped.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from render_sdk.local.store import utcnow

__all__ = [
    "DEFAULT_MAX_LINES",
    "DEFAULT_MAX_LINES_PER_RUN",
    "LogFilter",
    "LogPage",
    "LogRecord",
    "LogStore",
    "Subscription",
]

DEFAULT_MAX_LINES_PER_RUN = 20_000
DEFAULT_MAX_LINES = 200_000

_TICK = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class LogRecord:
    """One log line of one run, with the labels Render's logs API attaches."""

    id: str
    run_id: str
    message: str
    timestamp: datetime
    level: str = "info"
    type: str = "app"
    task: str = ""
    workflow_id: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    """Further labels (``instance``, ...) beyond the ones named by the fields above."""
    sequence: int = 0
    """The store-wide append order (the timestamps follow the same order)."""

    def label_pairs(self) -> list[tuple[str, str]]:
        """Every label as ``(name, value)``, in the order the API lists them."""
        pairs = [
            ("resource", self.workflow_id),
            ("task", self.task),
            ("taskRun", self.run_id),
            ("level", self.level),
            ("type", self.type),
        ]
        pairs.extend(self.labels.items())
        return [(name, value) for name, value in pairs if value]

    def label(self, name: str) -> str:
        """The value of one label, or an empty string."""
        for key, value in self.label_pairs():
            if key == name:
                return value
        return ""


@dataclass(frozen=True)
class LogFilter:
    """Which lines a listing or a subscription wants; an empty set means any value."""

    resources: frozenset[str] = frozenset()
    run_ids: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    instances: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()
    """Substrings: a line matches when its message contains any of them."""
    start: datetime | None = None
    end: datetime | None = None

    def matches(self, record: LogRecord) -> bool:
        """Whether ``record`` passes every filter (times inclusive)."""
        if self.start is not None and record.timestamp < self.start:
            return False
        if self.end is not None and record.timestamp > self.end:
            return False
        if self.run_ids and record.run_id not in self.run_ids:
            return False
        if self.resources and record.workflow_id not in self.resources:
            return False
        if self.tasks and not _task_matches(record.task, self.tasks):
            return False
        if self.levels and record.level not in self.levels:
            return False
        if self.types and record.type not in self.types:
            return False
        if self.instances and record.label("instance") not in self.instances:
            return False
        return not self.texts or any(text in record.message for text in self.texts)


def _task_matches(task: str, wanted: frozenset[str]) -> bool:
    # Lines are labelled with the task's name; a filter may name it by slug too.
    return task in wanted or any(value.endswith("/" + task) for value in wanted)


@dataclass(frozen=True)
class LogPage:
    """One page of a listing, in the order asked for, and where the next page starts."""

    records: list[LogRecord]
    has_more: bool
    next_start: datetime
    next_end: datetime


class Subscription:
    """A live follower of the store: ``deliver`` gets every new matching line, in order.

    Both callbacks are called with the store's lock held, from whatever thread appended
    the line, so they must be quick and must not call back into the store (hand the line
    to an event loop or a queue).
    """

    def __init__(
        self,
        log_filter: LogFilter,
        deliver: Callable[[LogRecord], None],
        disconnect: Callable[[], None],
    ) -> None:
        """Follow lines that match ``log_filter``; ``disconnect`` ends the follower."""
        self.filter = log_filter
        self.deliver = deliver
        self.disconnect = disconnect


class _RunLines:
    """The lines of one run, oldest first; dropped lines are cut from the front."""

    __slots__ = ("dropped", "note", "records", "stamps", "start", "workflows")

    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self.stamps: list[datetime] = []
        self.start = 0  # index of the oldest line still kept
        self.dropped = 0
        self.note: LogRecord | None = None
        self.workflows: set[str] = set()

    def __len__(self) -> int:
        return len(self.records) - self.start

    def live(self) -> Sequence[LogRecord]:
        return self.records[self.start :]

    def drop_oldest(self) -> LogRecord:
        record = self.records[self.start]
        self.start += 1
        self.dropped += 1
        if self.start > 1024 and self.start * 2 > len(self.records):
            del self.records[: self.start]
            del self.stamps[: self.start]
            self.start = 0
        return record


class LogStore:
    """Thread-safe record of log lines, bounded in memory, with live subscriptions."""

    def __init__(
        self,
        *,
        max_lines_per_run: int = DEFAULT_MAX_LINES_PER_RUN,
        max_lines: int = DEFAULT_MAX_LINES,
    ) -> None:
        """An empty store keeping at most these many lines per run and in all."""
        if max_lines_per_run < 1 or max_lines < 1:
            raise ValueError("log limits must be at least 1 line")
        self.max_lines_per_run = max_lines_per_run
        self.max_lines = max_lines
        self._lock = threading.Lock()
        self._runs: dict[str, _RunLines] = {}
        # Every kept line in append order, oldest first; lines dropped by their run's
        # own limit stay here until they reach the front (``_alive`` tells them apart).
        self._order: list[LogRecord] = []
        self._order_start = 0
        self._count = 0
        self._ids = itertools.count(1)
        self._last: datetime | None = None
        self._subscriptions: list[Subscription] = []

    # -- writing ---------------------------------------------------------------------

    def append(
        self,
        run_id: str,
        message: str,
        *,
        level: str = "info",
        type: str = "app",
        task: str = "",
        workflow_id: str = "",
        timestamp: datetime | None = None,
        labels: dict[str, str] | None = None,
    ) -> LogRecord:
        """Record one line written by ``run_id`` (now, unless ``timestamp`` is given).

        The line's timestamp is never earlier than, nor equal to, the previous line's.
        """
        with self._lock:
            moment = timestamp if timestamp is not None else utcnow()
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            if self._last is not None and moment <= self._last:
                moment = self._last + _TICK
            self._last = moment
            sequence = next(self._ids)
            record = LogRecord(
                id=f"log-{sequence:012d}",
                run_id=run_id,
                message=message,
                timestamp=moment,
                level=level,
                type=type,
                task=task,
                workflow_id=workflow_id,
                labels=dict(labels or {}),
                sequence=sequence,
            )
            lines = self._runs.get(run_id)
            if lines is None:
                lines = self._runs[run_id] = _RunLines()
            lines.records.append(record)
            lines.stamps.append(moment)
            lines.workflows.add(workflow_id)
            self._order.append(record)
            self._count += 1
            if len(lines) > self.max_lines_per_run:
                self._drop(lines)
            while self._count > self.max_lines:
                self._drop_oldest_overall()
            for subscription in self._subscriptions:
                if subscription.filter.matches(record):
                    subscription.deliver(record)
        return record

    def _drop(self, lines: _RunLines) -> None:
        dropped = lines.drop_oldest()
        self._count -= 1
        # The note takes the dropped line's place in time (and its id), so it sorts
        # before every line the run still has and pages like any other line.
        plural = "line" if lines.dropped == 1 else "lines"
        lines.note = LogRecord(
            id=dropped.id,
            run_id=dropped.run_id,
            message=(
                f"[render-sdk local] {lines.dropped} earlier log {plural} of this run were "
                f"dropped: the local server keeps at most {self.max_lines_per_run} lines per "
                f"run and {self.max_lines} in all"
            ),
            timestamp=dropped.timestamp,
            level="warning",
            type=dropped.type,
            task=dropped.task,
            workflow_id=dropped.workflow_id,
            labels=dict(dropped.labels),
            sequence=dropped.sequence,
        )

    def _alive(self, record: LogRecord) -> bool:
        lines = self._runs[record.run_id]
        return lines.start < len(lines.records) and lines.records[lines.start].sequence <= (
            record.sequence
        )

    def _drop_oldest_overall(self) -> None:
        while True:
            record = self._order[self._order_start]
            self._order_start += 1
            if self._alive(record):
                break
        self._drop(self._runs[record.run_id])
        if self._order_start > 4096 and self._order_start * 2 > len(self._order):
            del self._order[: self._order_start]
            self._order_start = 0

    # -- reading ---------------------------------------------------------------------

    def for_run(self, run_id: str) -> list[LogRecord]:
        """Every line of ``run_id`` still kept, oldest first (the drop note first, if any)."""
        with self._lock:
            lines = self._runs.get(run_id)
            if lines is None:
                return []
            note = [lines.note] if lines.note is not None else []
            return note + list(lines.live())

    def __len__(self) -> int:
        """How many lines are kept (drop notes not counted)."""
        with self._lock:
            return self._count

    def page(
        self, log_filter: LogFilter, *, limit: int, backward: bool, now: datetime | None = None
    ) -> LogPage:
        """Up to ``limit`` matching lines, newest first when ``backward``, and the next bounds.

        Without a start the window begins at the Unix epoch; without an end it ends now
        (or at the newest line, if that is later). The next page's bounds exclude every
        line returned, one microsecond past the last one, so pages neither overlap nor
        leave gaps.
        """
        with self._lock:
            end = log_filter.end
            if end is None:
                end = now or utcnow()
                if self._last is not None and self._last > end:
                    end = self._last
            start = log_filter.start if log_filter.start is not None else _EPOCH
            window = dataclasses.replace(log_filter, start=start, end=end)
            found: list[LogRecord] = []
            has_more = False
            for record in self._scan(window, backward):
                if len(found) == limit:
                    has_more = True
                    break
                found.append(record)
        if found and backward:
            next_start, next_end = start, found[-1].timestamp - _TICK
        elif found:
            next_start, next_end = found[-1].timestamp + _TICK, end
        else:
            next_start, next_end = start, end
        return LogPage(found, has_more, next_start, next_end)

    def _scan(self, window: LogFilter, backward: bool) -> Iterator[LogRecord]:
        """Matching kept lines (and drop notes) within the window, in time order."""
        assert window.start is not None
        assert window.end is not None
        if window.run_ids:
            runs = [self._runs[run_id] for run_id in sorted(window.run_ids) if run_id in self._runs]
        elif window.resources:
            runs = [lines for lines in self._runs.values() if lines.workflows & window.resources]
        else:
            runs = list(self._runs.values())
        # Each run's lines are in time order already; merging is lazy, so a page reads
        # little more than the lines it returns.
        merged = heapq.merge(
            *(self._run_slice(lines, window, backward) for lines in runs),
            key=lambda r: r.timestamp,
            reverse=backward,
        )
        return (record for record in merged if window.matches(record))

    def _run_slice(
        self, lines: _RunLines, window: LogFilter, backward: bool
    ) -> Iterator[LogRecord]:
        assert window.start is not None
        assert window.end is not None
        low = bisect.bisect_left(lines.stamps, window.start, lo=lines.start)
        high = bisect.bisect_right(lines.stamps, window.end, lo=lines.start)
        records = lines.records
        note = lines.note
        # The note (older than every kept line) comes first going forward, last going back.
        notes = [note] if note is not None and window.start <= note.timestamp <= window.end else []
        if backward:
            yield from (records[index] for index in range(high - 1, low - 1, -1))
            yield from notes
        else:
            yield from notes
            yield from (records[index] for index in range(low, high))

    # -- following -------------------------------------------------------------------

    def subscribe(self, subscription: Subscription) -> list[LogRecord]:
        """Start delivering new matching lines; returns the matching lines kept so far.

        Only lines at or after the filter's start are returned (none without a start).
        Taking the snapshot and registering happen under one lock, so every line is
        either in the snapshot or delivered later, never both and never neither.
        """
        with self._lock:
            backlog: list[LogRecord] = []
            if subscription.filter.start is not None:
                end = subscription.filter.end or (self._last or subscription.filter.start)
                window = dataclasses.replace(subscription.filter, end=end)
                backlog = list(self._scan(window, backward=False))
            self._subscriptions.append(subscription)
            return backlog

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop delivering lines to ``subscription`` (no error if it already stopped)."""
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    @property
    def subscribers(self) -> int:
        """How many subscriptions are live."""
        with self._lock:
            return len(self._subscriptions)

    def disconnect_subscribers(self) -> int:
        """End every live subscription (server shutdown, or a test cutting streams)."""
        with self._lock:
            subscriptions, self._subscriptions = self._subscriptions, []
            for subscription in subscriptions:
                subscription.disconnect()
        return len(subscriptions)
