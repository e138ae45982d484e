"""The waiting state machine: which runs to read, when, and what to report; pure (sans-I/O).

``WaitMachine`` never touches a socket, a thread or a clock. The loop around it (one per
twin, in ``_async/waiting.py``) feeds it what happened — read results, stream
openings, messages and closings — together with the time, and carries out the effects it
returns: read these runs, read this batch with one list request, subscribe, unsubscribe,
report an update, report a final result, fail, sleep until a moment. Every decision of
waiting lives here, configured once from ``WaitOptions``:

* Events only ever *suggest* that a run finished: a terminal event schedules a read, and
  only a read that sees a terminal status completes the run (a failed attempt that will
  be retried is not the end).
* While a run's stream is down, or before it is up, the run is polled on the adaptive
  schedule; while it is up, each run is still read at least every ``safety_interval``.
* Status checks due together are one list request (up to ``batch_limit`` runs); the
  details of a run found finished come from its terminal event when it describes the same
  outcome, else from a read of the run.
* At most ``readers`` requests are in flight; the overall deadline bounds everything.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

import attrs

from ._api import loads
from ._polling import PollSchedule
from ._serde import ShapeError, structure
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    RenderError,
    WaitTimeoutError,
)
from .models import TaskRun, TaskRunDetails, TaskRunStatus

__all__ = [
    "Effect",
    "Fail",
    "Finished",
    "Input",
    "ReadRun",
    "ReadStatuses",
    "ReportFinal",
    "ReportUpdate",
    "RunRead",
    "RunReadFailed",
    "SleepUntil",
    "StatusesRead",
    "StatusesReadFailed",
    "StreamClosed",
    "StreamEvent",
    "StreamOpened",
    "Subscribe",
    "Unsubscribe",
    "WaitMachine",
    "WaitOptions",
    "chunk_ids",
    "event_update",
    "wait_options_for",
]

MAX_BATCH = 100
"""The API's largest page: a list request can confirm at most this many runs."""


# --- configuration -----------------------------------------------------------------------


def _positive(name: str) -> Callable[[Any, Any, Any], None]:
    def check(instance: object, attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        if value == float("inf"):
            raise ValueError(f"{name} must be finite, got {value!r}")

    return check


def _count(name: str, maximum: int | None = None) -> Callable[[Any, Any, Any], None]:
    def check(instance: object, attribute: object, value: object) -> None:
        bounds = f"from 1 to {maximum}" if maximum is not None else "of 1 or more"
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int {bounds}, got {value!r}")
        if value < 1 or (maximum is not None and value > maximum):
            raise ValueError(f"{name} must be {bounds}, got {value}")

    return check


@attrs.frozen
class WaitOptions:
    """How waiting behaves: every constant of the waiting machine, with its default.

    Pass one to a client as ``wait_options=``; the defaults suit Render's API.
    """

    strategy: str = "auto"
    """``auto``: events stream, falling back to polling; ``events``: stream only, its
    failure is an error; ``poll``: polling only."""
    poll_schedule: PollSchedule = attrs.field(factory=PollSchedule)
    """Gaps between reads of a run while no stream serves it (and after failed reads)."""
    stream_grace: float = attrs.field(default=1.0, validator=_positive("stream_grace"))
    """Seconds to wait for the stream to connect before polling anyway, when following
    more runs than ``readers``; fewer runs are read at once and again once subscribed,
    so a run that is already over (or ends at once) is reported without waiting for the
    stream."""
    safety_interval: float = attrs.field(default=30.0, validator=_positive("safety_interval"))
    """Even with a healthy stream, each run is read at least this often (an event may be
    lost, or a server may report only some runs)."""
    details_grace: float = attrs.field(default=0.2, validator=_positive("details_grace"))
    """Seconds a run found finished by a list request waits for its terminal event (which
    carries its details) before its details are read, while a stream serves it."""
    idle_timeout: float = attrs.field(default=45.0, validator=_positive("idle_timeout"))
    """A stream silent (not even a heartbeat) this long counts as failed."""
    max_stream_failures: int = attrs.field(default=3, validator=_count("max_stream_failures"))
    """Consecutive stream failures before giving up on events (polling continues)."""
    reconnect_delay: float = attrs.field(default=1.0, validator=_positive("reconnect_delay"))
    """Seconds before reconnecting a failed stream when the server sent no ``retry:``;
    doubled after each consecutive failure."""
    min_reconnect_delay: float = attrs.field(
        default=0.05, validator=_positive("min_reconnect_delay")
    )
    """The shortest reconnect delay, whatever ``retry:`` the server sends."""
    max_reconnect_delay: float = attrs.field(
        default=30.0, validator=_positive("max_reconnect_delay")
    )
    """The longest reconnect delay after repeated failures."""
    readers: int = attrs.field(default=8, validator=_count("readers"))
    """Requests (reads and list requests) in flight at once."""
    batch_limit: int = attrs.field(default=MAX_BATCH, validator=_count("batch_limit", MAX_BATCH))
    """Most runs whose status one list request checks (the API's page limit is 100);
    1 turns batching off."""
    max_url_length: int = attrs.field(default=6000, validator=_count("max_url_length"))
    """Run IDs are split across streams so that no stream URL is longer than this."""

    def __attrs_post_init__(self) -> None:
        if self.strategy not in ("auto", "events", "poll"):
            raise ValueError(
                f"wait_strategy must be 'auto', 'events' or 'poll', got {self.strategy!r}"
            )
        if not isinstance(self.poll_schedule, PollSchedule):
            raise ValueError(f"poll_schedule must be a PollSchedule, got {self.poll_schedule!r}")
        if self.min_reconnect_delay > self.max_reconnect_delay:
            raise ValueError("min_reconnect_delay must not exceed max_reconnect_delay")


def wait_options_for(
    base: object,
    *,
    strategy: str,
    poll_schedule: PollSchedule | None,
    idle_timeout: float,
) -> WaitOptions:
    """The client's WaitOptions: ``base`` (its ``wait_options=``) or the three older
    keyword arguments, never both (an argument beside ``wait_options`` would be ambiguous).
    """
    if base is None:
        return WaitOptions(
            strategy=strategy,
            poll_schedule=poll_schedule if poll_schedule is not None else PollSchedule(),
            idle_timeout=idle_timeout,
        )
    if not isinstance(base, WaitOptions):
        raise ValueError(f"wait_options must be a WaitOptions, got {type(base).__name__}")
    beside = [
        name
        for name, given, default in (
            ("wait_strategy", strategy, "auto"),
            ("poll_schedule", poll_schedule, None),
            ("event_idle_timeout", idle_timeout, 45.0),
        )
        if given != default
    ]
    if beside:
        raise ValueError(
            f"{', '.join(beside)} cannot be passed beside wait_options: set "
            "strategy, poll_schedule or idle_timeout in WaitOptions(...) instead"
        )
    return base


# --- inputs: what the loop tells the machine ----------------------------------------------


class Input:
    """Something that happened, for ``WaitMachine.receive``."""

    __slots__ = ()


@attrs.frozen
class RunRead(Input):
    """A read of one run (``ReadRun``) came back with its details."""

    run_id: str
    details: TaskRunDetails


@attrs.frozen
class RunReadFailed(Input):
    """A read of one run failed after the client's own retries."""

    run_id: str
    error: Exception


@attrs.frozen
class StatusesRead(Input):
    """A list request (``ReadStatuses``) came back; ``found`` holds the runs it listed."""

    run_ids: tuple[str, ...]
    found: Mapping[str, TaskRun]


@attrs.frozen
class StatusesReadFailed(Input):
    """A list request failed after the client's own retries."""

    run_ids: tuple[str, ...]
    error: Exception


@attrs.frozen
class StreamOpened(Input):
    """The stream of a ``Subscribe`` is connected."""

    stream: int


@attrs.frozen
class StreamEvent(Input):
    """A run update read from a stream."""

    stream: int
    details: TaskRunDetails


@attrs.frozen
class StreamClosed(Input):
    """A stream ended, failed to connect, or went quiet (``error`` None: closed cleanly).

    ``retry_ms`` is the reconnect delay the server asked for with ``retry:``, if any.
    """

    stream: int
    error: Exception | None = None
    retry_ms: int | None = None


# --- effects: what the machine asks the loop to do ----------------------------------------


@attrs.frozen
class ReadRun:
    """GET one run's details; answer with ``RunRead`` or ``RunReadFailed``."""

    run_id: str


@attrs.frozen
class ReadStatuses:
    """List these root runs with one request; answer ``StatusesRead`` / ``StatusesReadFailed``."""

    run_ids: tuple[str, ...]


@attrs.frozen
class Subscribe:
    """Open a stream of these runs' events (replacing any earlier stream with this id)."""

    stream: int
    run_ids: tuple[str, ...]


@attrs.frozen
class Unsubscribe:
    """Close this stream: every run it served has been reported."""

    stream: int


@attrs.frozen
class ReportUpdate:
    """Hand the caller a run's new, unfinished state."""

    details: TaskRunDetails


@attrs.frozen
class ReportFinal:
    """Hand the caller a run's final details, confirmed by a read (each run exactly once)."""

    details: TaskRunDetails


@attrs.frozen
class Fail:
    """Stop waiting and raise ``error`` (a deadline, or an error retrying cannot fix)."""

    error: Exception


@attrs.frozen
class Finished:
    """Every run has been reported: stop waiting."""


@attrs.frozen
class SleepUntil:
    """Wait for the next input until ``until`` (None: until one arrives)."""

    until: float | None


Effect = (
    ReadRun
    | ReadStatuses
    | Subscribe
    | Unsubscribe
    | ReportUpdate
    | ReportFinal
    | Fail
    | Finished
    | SleepUntil
)


# --- decisions that are not about one run -------------------------------------------------


def read_error_is_final(error: Exception) -> bool:
    """True for a failed read that retrying cannot fix (4xx other than 408/429, bad body)."""
    if isinstance(error, APIResponseValidationError):
        return True
    return (
        isinstance(error, APIStatusError)
        and error.status_code < 500
        and (error.status_code not in (408, 429))
    )


def stream_error_is_final(error: Exception | None) -> bool:
    """A refused subscription (bad request, auth, unknown run) will not heal by retrying,
    nor will an error that is not the client's own (a bug, not a network problem)."""
    if error is None:
        return False
    if isinstance(error, APIStatusError):
        return error.status_code in (400, 401, 403, 404)
    return not isinstance(error, RenderError)


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


def event_update(name: str, data: str) -> TaskRunDetails | None:
    """Read an SSE event as a run update; None for other events and unreadable data."""
    if not name.startswith("task.") or not data:
        return None
    try:
        payload = loads(data)
        return structure(payload, TaskRunDetails)
    except (ValueError, ShapeError, RecursionError):
        return None


def _same_outcome(read: TaskRun, event: TaskRunDetails) -> bool:
    """Does an event describe the very state a read confirmed (not an earlier attempt)?"""
    return read.status is event.status and len(read.attempts) == len(event.attempts)


# --- the machine ---------------------------------------------------------------------------


class _Run:
    """What is known of one run being followed."""

    __slots__ = (
        "confirmed",
        "due",
        "event",
        "id",
        "in_flight",
        "intervals",
        "reread",
        "single",
        "status",
        "streaming",
    )

    def __init__(self, run_id: str) -> None:
        self.id = run_id
        self.status: TaskRunStatus | None = None
        self.due: float | None = None
        """When this run should next be read (None: in flight, or only when told)."""
        self.in_flight = False
        self.single = False
        """The next read must be a GET of the run itself (not part of a list request)."""
        self.streaming = False
        self.reread = False
        """Something happened while a read was in flight: read again afterwards."""
        self.intervals: Iterator[float] | None = None
        self.event: TaskRunDetails | None = None
        """The latest terminal-looking update from a stream."""
        self.confirmed: TaskRun | None = None
        """A list request found the run finished; its details are still to be had."""


_StreamState = Literal["connecting", "open", "waiting"]


class _Stream:
    __slots__ = ("failures", "id", "reconnect_at", "run_ids", "state")

    def __init__(self, stream_id: int, run_ids: tuple[str, ...]) -> None:
        self.id = stream_id
        self.run_ids = run_ids
        self.state: _StreamState = "connecting"
        self.failures = 0
        self.reconnect_at: float | None = None


class WaitMachine:
    """Follows runs until each is reported final; sans-I/O (see the module docstring).

    Call ``start(now)`` once, then ``receive(inputs, now)`` with whatever happened since;
    each returns the effects to carry out, in order: requests and subscriptions first,
    then reports, then exactly one of ``SleepUntil``, ``Finished`` or ``Fail``. After
    ``Finished`` or ``Fail`` the machine is over and returns nothing more.
    """

    def __init__(
        self,
        run_ids: Iterable[str],
        *,
        options: WaitOptions,
        timeout: float | None,
        updates: bool = False,
    ) -> None:
        """``updates``: report unfinished states too (each stream update, and each read
        that finds a status not seen before)."""
        self.options = options
        self._timeout = timeout
        self._updates = updates
        self._runs: dict[str, _Run] = {run_id: _Run(run_id) for run_id in run_ids}
        self._dues: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._streams: dict[int, _Stream] = {}
        self._stream_ids = itertools.count(1)
        self._requests: set[tuple[str, tuple[str, ...]]] = set()
        self._use_events = options.strategy != "poll"
        self._subscribe_first = self._use_events and len(self._runs) > options.readers
        self._subscribed = False
        self._lists_refused = False
        self._now = 0.0
        self._started = False
        self._over = False
        self.deadline: float | None = None
        """The moment waiting gives up (None: never); set by ``start``."""

    # --- what is known ---------------------------------------------------------------

    @property
    def pending(self) -> list[str]:
        """IDs of runs not yet reported final, in the order they were given."""
        return list(self._runs)

    @property
    def over(self) -> bool:
        """True once ``Finished`` or ``Fail`` has been returned."""
        return self._over

    @property
    def readers(self) -> int:
        """How many requests may be in flight at once (the loop's reader count)."""
        return max(1, min(self.options.readers, len(self._runs)))

    @property
    def expecting(self) -> bool:
        """True while an input is bound to come: a request in flight or a stream connected
        or connecting (it will deliver events or close)."""
        return bool(self._requests) or any(s.state != "waiting" for s in self._streams.values())

    def last_status(self, run_id: str) -> TaskRunStatus | None:
        """The last status seen for a pending run (None if never seen)."""
        run = self._runs.get(run_id)
        return run.status if run is not None else None

    # --- driving ----------------------------------------------------------------------

    def start(self, now: float) -> list[Effect]:
        """Begin waiting at ``now``: the first reads or subscriptions."""
        if self._started:
            raise RuntimeError("the wait machine was already started")
        self._started = True
        self._now = now
        self.deadline = None if self._timeout is None else now + self._timeout
        effects: list[Effect] = []
        if self._subscribe_first:
            # Many runs: subscribe first, read each once its stream is up (or after a grace).
            effects += self._subscribe(list(self._runs))
            for run in self._runs.values():
                self._set_due(run, now + self.options.stream_grace)
        else:
            # A few runs: read each at once, subscribe only if one is unfinished, so a run
            # that is already over costs one GET and no stream.
            for run in self._runs.values():
                run.single = True
                self._set_due(run, now)
        return self._plan(effects, [])

    def receive(self, inputs: Iterable[Input], now: float) -> list[Effect]:
        """Take in what happened (in order) and the time now; return what to do."""
        if not self._started:
            raise RuntimeError("start the wait machine before feeding it")
        if self._over:
            return []
        self._now = now = max(self._now, now)
        reports: list[Effect] = []
        io: list[Effect] = []
        heard = False
        for item in inputs:
            heard = True
            failure = self._take(item, reports)
            if failure is not None:
                self._over = True
                return [*reports, Fail(failure)]
        if heard and self._use_events and not self._subscribed and self._runs:
            # A first read came back and runs are unfinished: subscribe before handing
            # anything to the caller, who may stop iterating.
            io += self._subscribe(list(self._runs))
        return self._plan(io, reports)

    # --- inputs --------------------------------------------------------------------------

    def _take(self, item: Input, reports: list[Effect]) -> Exception | None:
        if isinstance(item, RunRead):
            return self._on_read(item, reports)
        if isinstance(item, RunReadFailed):
            if ("run", (item.run_id,)) not in self._requests:
                return None
            self._requests.discard(("run", (item.run_id,)))
            if read_error_is_final(item.error):
                return item.error
            run = self._runs.get(item.run_id)
            if run is not None:
                self._read_failed(run)
        elif isinstance(item, StatusesRead):
            self._on_statuses(item, reports)
        elif isinstance(item, StatusesReadFailed):
            self._on_statuses_failed(item)
        elif isinstance(item, StreamOpened):
            self._on_stream_opened(item.stream)
        elif isinstance(item, StreamEvent):
            self._on_stream_event(item, reports)
        elif isinstance(item, StreamClosed):
            return self._on_stream_closed(item)
        return None

    def _on_read(self, item: RunRead, reports: list[Effect]) -> Exception | None:
        key = ("run", (item.run_id,))
        if key not in self._requests:
            return None  # not a read this machine asked for (or a late duplicate)
        self._requests.discard(key)
        run = self._runs.get(item.run_id)
        if run is None:
            return None  # reported meanwhile (a list request and an event agreed)
        details = item.details
        if details.id != run.id:
            return APIResponseValidationError(
                f"reading task run {run.id} returned task run {details.id}", status_code=200
            )
        run.in_flight = False
        run.single = False
        before, run.status = run.status, details.status
        if details.is_terminal:
            self._complete(run, details, reports)
            return None
        run.confirmed = None  # a list request saw an attempt end; the run went on
        if self._updates and details.status is not before:
            reports.append(ReportUpdate(details))
        self._after_unfinished_read(run)
        return None

    def _on_statuses(self, item: StatusesRead, reports: list[Effect]) -> None:
        key = ("list", item.run_ids)
        if key not in self._requests:
            return
        self._requests.discard(key)
        for run_id in item.run_ids:
            run = self._runs.get(run_id)
            if run is None or not run.in_flight:
                continue
            run.in_flight = False
            listed = item.found.get(run_id)
            if listed is None or listed.id != run_id:
                run.single = True  # not a root run (or not listed): read it by itself
                self._set_due(run, self._now)
                continue
            run.status = listed.status
            if not listed.is_terminal:
                run.confirmed = None
                self._after_unfinished_read(run)
            elif run.event is not None and _same_outcome(listed, run.event):
                self._complete(run, run.event, reports)
            else:
                run.confirmed = listed
                run.reread = False
                grace = self.options.details_grace if run.streaming else 0.0
                self._set_due(run, self._now + grace)

    def _on_statuses_failed(self, item: StatusesReadFailed) -> None:
        key = ("list", item.run_ids)
        if key not in self._requests:
            return
        self._requests.discard(key)
        final = read_error_is_final(item.error)
        if final:
            # The list request itself is refused here: read runs one by one from now on
            # (an error that also holds for single reads surfaces from them).
            self._lists_refused = True
        for run_id in item.run_ids:
            run = self._runs.get(run_id)
            if run is None or not run.in_flight:
                continue
            if final:
                run.in_flight = False
                run.single = True
                self._set_due(run, self._now)
            else:
                self._read_failed(run)

    def _on_stream_opened(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None or stream.state != "connecting":
            return
        stream.state = "open"
        for run in self._each(stream.run_ids):
            run.streaming = True
            run.intervals = None
            if run.in_flight:
                run.reread = True  # that read may have started before the subscription
            else:
                # The run may have ended before the subscription: read it once now.
                self._set_due(run, self._now)

    def _on_stream_event(self, item: StreamEvent, reports: list[Effect]) -> None:
        stream = self._streams.get(item.stream)
        if stream is not None:
            stream.failures = 0  # heartbeats alone do not prove a useful stream
        details = item.details
        run = self._runs.get(details.id)
        if run is None:
            return  # a late word on a run already reported (or never asked for)
        if not details.is_terminal:
            run.status = details.status
            if self._updates:
                reports.append(ReportUpdate(details))
            return
        run.event = details
        if run.confirmed is not None and _same_outcome(run.confirmed, details):
            self._complete(run, details, reports)  # a list request already confirmed it
        elif run.in_flight:
            run.reread = True
        elif run.confirmed is None:
            self._set_due(run, self._now)

    def _on_stream_closed(self, item: StreamClosed) -> Exception | None:
        stream = self._streams.get(item.stream)
        if stream is None or stream.state == "waiting":
            return None
        stream.failures += 1
        for run in self._each(stream.run_ids):
            if run.streaming or run.intervals is None:
                run.streaming = False
                run.intervals = self.options.poll_schedule.intervals()
                if not run.in_flight:
                    # Events may have been missed: read soon, then back off.
                    due = self._now if run.due is None else min(run.due, self._now)
                    self._set_due(run, due)
        gave_up = stream.failures > self.options.max_stream_failures or stream_error_is_final(
            item.error
        )
        if gave_up:
            del self._streams[stream.id]
            if self.options.strategy == "events":
                return item.error or APIConnectionError("the events stream ended")
            return None  # its runs are polled from now on
        stream.state = "waiting"
        stream.reconnect_at = self._now + self._reconnect_delay(item.retry_ms, stream.failures)
        return None

    # --- outputs ---------------------------------------------------------------------------

    def _plan(self, io: list[Effect], reports: list[Effect]) -> list[Effect]:
        now = self._now
        for stream in list(self._streams.values()):
            alive = tuple(run_id for run_id in stream.run_ids if run_id in self._runs)
            if not alive:
                del self._streams[stream.id]
                if stream.state != "waiting":
                    io.append(Unsubscribe(stream.id))
        if not self._runs:
            self._over = True
            return [*io, *reports, Finished()]
        if self.deadline is not None and now >= self.deadline:
            self._over = True
            return [*io, *reports, Fail(self._timeout_error())]
        for stream in self._streams.values():
            if stream.reconnect_at is not None and stream.reconnect_at <= now:
                stream.run_ids = tuple(r for r in stream.run_ids if r in self._runs)
                stream.state = "connecting"
                stream.reconnect_at = None
                io.append(Subscribe(stream.id, stream.run_ids))
        io += self._take_reads(now)
        wakes = [self.deadline] if self.deadline is not None else []
        wakes += [s.reconnect_at for s in self._streams.values() if s.reconnect_at is not None]
        if len(self._requests) < self.readers:
            next_read = self._next_due()
            if next_read is not None:
                wakes.append(next_read)
        return [*io, *reports, SleepUntil(min(wakes) if wakes else None)]

    def _take_reads(self, now: float) -> list[Effect]:
        free = self.readers - len(self._requests)
        if free <= 0:
            return []
        due: list[_Run] = []
        when: dict[str, float] = {}
        while (run := self._peek()) is not None and run.due is not None and run.due <= now:
            heapq.heappop(self._dues)
            when[run.id] = run.due
            run.due = None  # any other entry of this run in the heap is now stale
            due.append(run)
        singles = [run for run in due if run.single or run.confirmed is not None]
        batched = [run for run in due if not (run.single or run.confirmed is not None)]
        limit = 1 if self._lists_refused else self.options.batch_limit
        chunks = [batched[i : i + limit] for i in range(0, len(batched), limit)]
        # A status check of one run is a plain read (it brings the details too).
        leftover = [run for chunk in chunks if len(chunk) == 1 for run in chunk]
        chunks = [chunk for chunk in chunks if len(chunk) > 1]
        effects: list[Effect] = []
        for run in singles:
            if free == 0:
                self._set_due(run, when[run.id])  # no reader free: stays due
                continue
            free -= 1
            self._send(run)
            self._requests.add(("run", (run.id,)))
            effects.append(ReadRun(run.id))
        for chunk in chunks:
            if free == 0:
                for run in chunk:
                    self._set_due(run, when[run.id])
                continue
            free -= 1
            for run in chunk:
                self._send(run)
            ids = tuple(run.id for run in chunk)
            self._requests.add(("list", ids))
            effects.append(ReadStatuses(ids))
        for run in leftover:
            if free == 0:
                self._set_due(run, when[run.id])
                continue
            free -= 1
            self._send(run)
            self._requests.add(("run", (run.id,)))
            effects.append(ReadRun(run.id))
        return effects

    # --- helpers ---------------------------------------------------------------------------

    def _subscribe(self, run_ids: list[str]) -> list[Effect]:
        self._subscribed = True
        if not self._use_events:
            return []
        effects: list[Effect] = []
        for chunk in chunk_ids(run_ids, self.options.max_url_length):
            stream = _Stream(next(self._stream_ids), chunk)
            self._streams[stream.id] = stream
            effects.append(Subscribe(stream.id, chunk))
        return effects

    def _send(self, run: _Run) -> None:
        run.in_flight = True
        run.due = None

    def _complete(self, run: _Run, details: TaskRunDetails, reports: list[Effect]) -> None:
        del self._runs[run.id]
        reports.append(ReportFinal(details))

    def _read_failed(self, run: _Run) -> None:
        run.in_flight = False
        if run.intervals is None:
            run.intervals = self.options.poll_schedule.intervals()
        self._set_due(run, self._now + next(run.intervals))

    def _after_unfinished_read(self, run: _Run) -> None:
        if run.reread:
            run.reread = False
            self._set_due(run, self._now)
        elif run.streaming:
            self._set_due(run, self._now + self.options.safety_interval)
        else:
            if run.intervals is None:
                run.intervals = self.options.poll_schedule.intervals()
            self._set_due(run, self._now + next(run.intervals))

    def _set_due(self, run: _Run, when: float | None) -> None:
        run.due = when
        if when is not None:
            heapq.heappush(self._dues, (when, next(self._order), run.id))

    def _peek(self) -> _Run | None:
        """The run with the earliest due read still in force, dropping stale entries."""
        while self._dues:
            when, _, run_id = self._dues[0]
            run = self._runs.get(run_id)
            if run is not None and not run.in_flight and run.due == when:
                return run
            heapq.heappop(self._dues)
        return None

    def _next_due(self) -> float | None:
        run = self._peek()
        return None if run is None else run.due

    def _each(self, run_ids: Iterable[str]) -> Iterator[_Run]:
        for run_id in run_ids:
            run = self._runs.get(run_id)
            if run is not None:
                yield run

    def _reconnect_delay(self, retry_ms: int | None, failures: int) -> float:
        options = self.options
        base = options.reconnect_delay if retry_ms is None else retry_ms / 1000
        base = max(options.min_reconnect_delay, base)
        return min(options.max_reconnect_delay, base * 2.0 ** max(0, failures - 1))

    def _timeout_error(self) -> WaitTimeoutError:
        pending = self.pending
        first = pending[0]
        last = self.last_status(first)
        seen = f"last status {last.value}" if last is not None else "status never read"
        if len(pending) == 1:
            what = f"task run {first} ({seen})"
        else:
            what = f"{len(pending)} task runs, e.g. {first} ({seen})"
        return WaitTimeoutError(
            f"gave up waiting for {what} after {self._timeout or 0:g}s; the runs were left alone",
            task_run_id=first,
            last_status=last,
            pending={run_id: self.last_status(run_id) for run_id in pending},
        )
