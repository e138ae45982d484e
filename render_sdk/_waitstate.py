"""The waiting state machine: which runs to read when, from events, reads and a clock; pure.

It follows one or many runs. Events only ever *suggest* that a run finished: a terminal
event schedules a read, and only a read that sees a terminal status completes the run
(a failed attempt that will be retried is not the end). While a run's event stream is
down, or before it is up, the run is polled on the adaptive schedule; while it is up,
each run is still read at least every ``safety_interval`` seconds in case an event is lost.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterable, Iterator

import attrs

from ._polling import PollSchedule
from ._serde import ShapeError, structure
from .errors import APIConnectionError, APIResponseValidationError, APIStatusError
from .models import TaskRun, TaskRunDetails, TaskRunStatus

__all__ = [
    "EventUpdate",
    "Message",
    "ReadDone",
    "ReadFailed",
    "StreamDown",
    "StatusDone",
    "StreamUp",
    "WaitOptions",
    "WaitState",
    "chunk_ids",
    "event_update",
    "read_error_is_final",
]


class _Run:
    """What is known of one run being followed."""

    __slots__ = (
        "_due",
        "_dues",
        "confirmed",
        "event",
        "id",
        "in_flight",
        "intervals",
        "reread",
        "status",
        "streaming",
    )

    def __init__(self, run_id: str, dues: _DueIndex, due: float | None) -> None:
        self.id = run_id
        self._dues = dues
        self._due: float | None = None
        self.status: TaskRunStatus | None = None
        self.streaming = False
        self.due = due
        self.in_flight = False
        self.reread = False
        """An event arrived while a read was in flight: read again afterwards."""
        self.intervals: Iterator[float] | None = None
        self.event: TaskRunDetails | None = None
        """The latest terminal-looking update from the events stream."""
        self.confirmed: TaskRun | None = None
        """A status read found the run terminal; its details are still to be had."""

    @property
    def due(self) -> float | None:
        """When this run should next be read (None: only when an event says so)."""
        return self._due

    @due.setter
    def due(self, when: float | None) -> None:
        self._due = when
        if when is not None:
            self._dues.push(when, self.id)


class _DueIndex:
    """A heap of (due time, run id); entries whose run has moved on are skipped lazily."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._order = itertools.count()

    def push(self, when: float, run_id: str) -> None:
        heapq.heappush(self._heap, (when, next(self._order), run_id))

    def peek(self, runs: dict[str, _Run]) -> tuple[float, _Run] | None:
        """The earliest entry still in force, dropping stale ones on the way."""
        while self._heap:
            when, _, run_id = self._heap[0]
            run = runs.get(run_id)
            if run is not None and not run.in_flight and run.due == when:
                return when, run
            heapq.heappop(self._heap)
        return None

    def pop(self) -> None:
        heapq.heappop(self._heap)


def _same_outcome(read: TaskRun, event: TaskRunDetails) -> bool:
    """Does an event describe the very state a read confirmed (not an earlier attempt)?"""
    return read.status is event.status and len(read.attempts) == len(event.attempts)


class WaitState:
    """Tracks runs until each is confirmed terminal by a read."""

    def __init__(
        self,
        run_ids: Iterable[str],
        *,
        now: float,
        poll_schedule: PollSchedule,
        stream_grace: float | None,
        safety_interval: float,
    ) -> None:
        """``stream_grace`` is how long to wait for a stream before polling (None: poll now)."""
        self._schedule = poll_schedule
        self._safety = safety_interval
        self._runs: dict[str, _Run] = {}
        self._dues = _DueIndex()
        self.details_grace = 0.2
        """Seconds a confirmed run waits for its stream's event before its details are read."""
        first_read = now if stream_grace is None else now + stream_grace
        for run_id in run_ids:
            if run_id not in self._runs:
                self._runs[run_id] = _Run(run_id, self._dues, first_read)
        self.completed: dict[str, TaskRunDetails] = {}

    # --- what is known -----------------------------------------------------------------

    @property
    def pending(self) -> list[str]:
        """IDs of runs not yet confirmed terminal, in the order they were given."""
        return list(self._runs)

    @property
    def done(self) -> bool:
        """True once every run is confirmed terminal."""
        return not self._runs

    def last_status(self, run_id: str) -> TaskRunStatus | None:
        """The last status seen for a pending run (None if never seen)."""
        run = self._runs.get(run_id)
        return run.status if run is not None else None

    # --- inputs -------------------------------------------------------------------------

    def on_stream_up(self, run_ids: Iterable[str], now: float) -> None:
        """A stream for these runs is connected: read each once now (it may be over)."""
        for run in self._each(run_ids):
            run.streaming = True
            run.intervals = None
            if run.in_flight:
                run.reread = True  # that read may have started before the subscription
            else:
                run.due = now

    def on_stream_down(self, run_ids: Iterable[str], now: float) -> None:
        """The stream for these runs failed or went quiet: poll them."""
        for run in self._each(run_ids):
            if run.streaming or run.intervals is None:
                run.streaming = False
                run.intervals = self._schedule.intervals()
                # Events may have been missed: read soon, then back off.
                run.due = now if run.due is None else min(run.due, now)

    def on_event(self, details: TaskRunDetails, now: float) -> TaskRunDetails | None:
        """An event reported this state; a terminal one is confirmed by a read.

        Returns the details if a status read already confirmed exactly this outcome.
        """
        run = self._runs.get(details.id)
        if run is None:
            return None
        if not details.is_terminal:
            run.status = details.status
            return None
        run.event = details
        if run.confirmed is not None and _same_outcome(run.confirmed, details):
            return self._complete(details)
        if run.in_flight:
            run.reread = True
        elif run.confirmed is None:
            run.due = now
        return None

    def on_status(
        self, status: TaskRun, now: float, *, details_grace: float = 0.0
    ) -> TaskRunDetails | None:
        """A status-only read (a listed run) came back; returns details if that completes it.

        A terminal status completes the run with the events stream's details when they
        describe the same outcome; otherwise the details are read, after ``details_grace``
        seconds while a stream is up (its event for the run may be on its way).
        """
        run = self._runs.get(status.id)
        if run is None:
            return None
        run.in_flight = False
        run.status = status.status
        if not status.is_terminal:
            self._after_unfinished_read(run, now)
            return None
        if run.event is not None and _same_outcome(status, run.event):
            return self._complete(run.event)
        run.confirmed = status
        run.reread = False
        run.due = now + (details_grace if run.streaming else 0.0)
        return None

    def wants_details(self, run_id: str) -> bool:
        """True when the next read of this run must fetch its details (not just its status)."""
        run = self._runs.get(run_id)
        return run is not None and run.confirmed is not None

    def on_read(self, details: TaskRunDetails, now: float) -> TaskRunDetails | None:
        """A read came back; returns the details if that completes the run."""
        run = self._runs.get(details.id)
        if run is None:
            return None
        run.in_flight = False
        run.status = details.status
        if details.is_terminal:
            return self._complete(details)
        self._after_unfinished_read(run, now)
        return None

    def on_read_failed(self, run_id: str, now: float) -> None:
        """A read failed after the client's own retries: try again on the poll schedule."""
        run = self._runs.get(run_id)
        if run is None:
            return
        run.in_flight = False
        if run.intervals is None:
            run.intervals = self._schedule.intervals()
        run.due = now + next(run.intervals)

    def apply(
        self, message: Message, now: float, *, updates: bool, events_required: bool
    ) -> tuple[bool, TaskRunDetails] | None:
        """Take in a worker's message; return what to report, if anything.

        Returns ``(True, details)`` for a run confirmed terminal and, with ``updates``,
        ``(False, details)`` for a new non-terminal state. Raises a read's error when
        retrying cannot help, and a stream's error when events are required and the
        stream has given up.
        """
        if isinstance(message, ReadDone | EventUpdate) and message.details.id not in self._runs:
            return None  # a late word on a run already reported (or never asked for)
        if isinstance(message, ReadDone):
            before = self.last_status(message.details.id)
            final = self.on_read(message.details, now)
            if final is not None:
                return True, final
            if updates and message.details.status is not before:
                return False, message.details
        elif isinstance(message, ReadFailed):
            if read_error_is_final(message.error):
                raise message.error
            self.on_read_failed(message.run_id, now)
        elif isinstance(message, StreamUp):
            self.on_stream_up(message.run_ids, now)
        elif isinstance(message, StreamDown):
            if message.gave_up and events_required:
                raise message.error or APIConnectionError("the events stream ended")
            self.on_stream_down(message.run_ids, now)
        elif isinstance(message, StatusDone):
            final = self.on_status(message.run, now, details_grace=self.details_grace)
            if final is not None:
                return True, final
        elif isinstance(message, EventUpdate):
            final = self.on_event(message.details, now)
            if final is not None:
                return True, final
            if updates and not message.details.is_terminal:
                return False, message.details
        return None

    # --- outputs ------------------------------------------------------------------------

    def take_reads(self, now: float) -> list[str]:
        """IDs to read now; they count as in flight until on_read / on_read_failed."""
        ready = []
        while (entry := self._dues.peek(self._runs)) is not None and entry[0] <= now:
            self._dues.pop()
            run = entry[1]
            run.in_flight = True
            run.due = None
            ready.append(run.id)
        return ready

    def next_due(self) -> float | None:
        """The earliest time a read is due (None if every read waits on an event)."""
        entry = self._dues.peek(self._runs)
        return None if entry is None else entry[0]

    # --- helpers ------------------------------------------------------------------------

    def _complete(self, details: TaskRunDetails) -> TaskRunDetails:
        del self._runs[details.id]
        self.completed[details.id] = details
        return details

    def _after_unfinished_read(self, run: _Run, now: float) -> None:
        if run.reread:
            run.reread = False
            run.due = now
        else:
            run.due = now + self._next_gap(run)

    def _each(self, run_ids: Iterable[str]) -> Iterator[_Run]:
        for run_id in run_ids:
            run = self._runs.get(run_id)
            if run is not None:
                yield run

    def _next_gap(self, run: _Run) -> float:
        if run.streaming:
            return self._safety
        if run.intervals is None:
            run.intervals = self._schedule.intervals()
        return next(run.intervals)


# --- messages from the background workers to the waiting loop ---------------------------


class Message:
    """A message from a background worker to the waiting loop."""

    __slots__ = ()


class StreamUp(Message):
    """An events stream for these runs is connected."""

    __slots__ = ("run_ids",)

    def __init__(self, run_ids: tuple[str, ...]) -> None:
        self.run_ids = run_ids


class StreamDown(Message):
    """The events stream for these runs ended, failed or went quiet.

    ``gave_up`` is True when the worker stopped reconnecting (the runs are polled from
    now on).
    """

    __slots__ = ("error", "gave_up", "run_ids")

    def __init__(self, run_ids: tuple[str, ...], error: Exception | None, gave_up: bool) -> None:
        self.run_ids = run_ids
        self.error = error
        self.gave_up = gave_up


class EventUpdate(Message):
    """A run update read from an events stream."""

    __slots__ = ("details",)

    def __init__(self, details: TaskRunDetails) -> None:
        self.details = details


class ReadDone(Message):
    """A read of a run succeeded."""

    __slots__ = ("details",)

    def __init__(self, details: TaskRunDetails) -> None:
        self.details = details


class StatusDone(Message):
    """A status-only read of a run (as listed) succeeded."""

    __slots__ = ("run",)

    def __init__(self, run: TaskRun) -> None:
        self.run = run


class ReadFailed(Message):
    """A read of a run failed after the client's own retries."""

    __slots__ = ("error", "run_id")

    def __init__(self, run_id: str, error: Exception) -> None:
        self.run_id = run_id
        self.error = error


@attrs.frozen
class WaitOptions:
    """How waiting behaves; built by the client from its options."""

    strategy: str = "auto"
    """``auto``: events stream, falling back to polling; ``events``: stream only, its
    failure is an error; ``poll``: polling only."""
    poll_schedule: PollSchedule = attrs.field(factory=PollSchedule)
    stream_grace: float = 1.0
    """Seconds to wait for the stream to connect before polling anyway, when following
    more runs than ``readers``; fewer runs are read at once and again once subscribed,
    so a run that is already over (or ends at once) is reported without waiting for the
    stream."""
    safety_interval: float = 30.0
    """Even with a healthy stream, each run is read at least this often."""
    idle_timeout: float = 45.0
    """A stream silent (not even a heartbeat) this long counts as failed."""
    max_stream_failures: int = 3
    """Consecutive stream failures before giving up on events (polling continues)."""
    readers: int = 8
    """Reads of runs in flight at once."""
    max_url_length: int = 6000
    """Run IDs are split across streams so that no stream URL is longer than this."""

    def __attrs_post_init__(self) -> None:
        if self.strategy not in ("auto", "events", "poll"):
            raise ValueError(
                f"wait_strategy must be 'auto', 'events' or 'poll', got {self.strategy!r}"
            )


def chunk_ids(run_ids: Iterable[str], budget: int) -> list[tuple[str, ...]]:
    """Split IDs into groups whose ``taskRunIds=...&`` query parts fit in ``budget`` chars."""
    chunks: list[tuple[str, ...]] = []
    current: list[str] = []
    used = 0
    for run_id in run_ids:
        cost = len("taskRunIds=&") + len(run_id)
        if current and used + cost > budget:
            chunks.append(tuple(current))
            current, used = [], 0
        current.append(run_id)
        used += cost
    if current:
        chunks.append(tuple(current))
    return chunks


def event_update(name: str, data: str) -> EventUpdate | None:
    """Read an SSE event as a run update; None for other events and unreadable data."""
    if not name.startswith("task.") or not data:
        return None
    try:
        payload = json.loads(data)
        details = structure(payload, TaskRunDetails)
    except (ValueError, ShapeError, RecursionError):
        return None
    return EventUpdate(details)


def read_error_is_final(error: Exception) -> bool:
    """True for a failed read that retrying cannot fix (4xx other than 408/429, bad body)."""
    if isinstance(error, APIResponseValidationError):
        return True
    return (
        isinstance(error, APIStatusError)
        and error.status_code < 500
        and error.status_code
        not in (
            408,
            429,
        )
    )
