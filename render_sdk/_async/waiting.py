"""Following runs to their end: events stream workers, read workers, and the waiting loop.

Push, then verify: streams only tell the loop *when* to read a run; a run counts as
finished when a read says so. If streams fail or go quiet the loop polls instead, and an
overall deadline bounds everything.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from .. import _api, models
from .._concurrency import AsyncChannel, AsyncWorkers
from .._fork import current_pid
from .._sse import SSEParser
from .._transport.base import Timeout
from .._waitstate import (
    Message,
    ReadDone,
    ReadFailed,
    StatusDone,
    StreamDown,
    StreamUp,
    WaitOptions,
    WaitState,
    chunk_ids,
    event_update,
)
from ..errors import (
    APIConnectionError,
    APIStatusError,
    WaitTimeoutError,
)
from ..models import TaskRunDetails
from ._base import AsyncAPIClient

__all__ = ["EVENTS_PATH", "follow_runs", "read_run", "read_statuses"]

EVENTS_PATH = "/task-runs/events"
_DEFAULT_RECONNECT = 1.0
_MIN_RECONNECT = 0.05
_MAX_RECONNECT = 30.0


async def read_run(api: AsyncAPIClient, run_id: str, deadline: float | None) -> TaskRunDetails:
    """GET the run's details (retrying as the client's policy allows)."""
    path = "/task-runs/" + _api.path_segment(run_id)
    response, url = await api.request("GET", path, deadline=deadline)
    return _api.decode_model(response, TaskRunDetails, "GET", url)


def _stream_error_is_final(error: Exception | None) -> bool:
    """A refused subscription (bad request, auth, unknown run) will not heal by retrying."""
    return isinstance(error, APIStatusError) and error.status_code in (400, 401, 403, 404)


def _reconnect_delay(retry_ms: int | None, failures: int) -> float:
    base = _DEFAULT_RECONNECT if retry_ms is None else max(_MIN_RECONNECT, retry_ms / 1000)
    return min(_MAX_RECONNECT, base * 2.0 ** max(0, failures - 1))


async def _pump_events(
    api: AsyncAPIClient,
    run_ids: tuple[str, ...],
    inbox: AsyncChannel[Message],
    workers: AsyncWorkers,
    options: WaitOptions,
) -> None:
    """Keep one events stream open for ``run_ids`` and forward its run updates."""
    params = [("taskRunIds", run_id) for run_id in run_ids]
    timeout = Timeout(connect=api.timeout.connect, read=options.idle_timeout)
    parser = SSEParser()
    failures = 0
    while not workers.stopped():
        error: Exception | None = None
        try:
            stream = await api.open_stream(EVENTS_PATH, params=params, timeout=timeout)
        except (APIConnectionError, APIStatusError) as exc:
            error = exc
        else:
            if not workers.register(stream):
                await stream.aclose()
                return
            inbox.put(StreamUp(run_ids))
            try:
                async for chunk in stream.iter_bytes():
                    for event in parser.feed(chunk):
                        update = event_update(event.event, event.data)
                        if update is not None:
                            inbox.put(update)
                            failures = 0  # heartbeats alone do not prove a useful stream
            except APIConnectionError as exc:
                error = exc
            finally:
                workers.unregister(stream)
                await stream.aclose()
                parser.close()
        if workers.stopped():
            return
        failures += 1
        gave_up = failures > options.max_stream_failures or _stream_error_is_final(error)
        inbox.put(StreamDown(run_ids, error, gave_up))
        if gave_up:
            return
        await workers.sleep(_reconnect_delay(parser.retry, failures))


async def read_statuses(
    api: AsyncAPIClient, run_ids: Sequence[str], deadline: float | None
) -> dict[str, models.TaskRun]:
    """Read the status of many root runs with one list request (children are ignored)."""
    params = _api.list_params(limit=_api.MAX_PAGE_SIZE, repeated={"rootTaskRunId": list(run_ids)})
    response, url = await api.request("GET", "/task-runs", params=params, deadline=deadline)
    page = _api.decode_page(response, "taskRun", models.TaskRun, "GET", url)
    wanted = set(run_ids)
    return {run.id: run for run, _ in page if run.id in wanted}


async def _read_runs(
    api: AsyncAPIClient,
    reads: AsyncChannel[tuple[bool, str]],
    inbox: AsyncChannel[Message],
    workers: AsyncWorkers,
    deadline: float | None,
) -> None:
    """Read the runs the loop asks for and report each outcome.

    Each item is ``(wants_details, run_id)``. When several status checks are queued at
    once they are answered by one list request (up to a page); the rest, and any run the
    list does not show (a child run), are read one by one.
    """
    while not workers.stopped():
        first = await reads.get(None)
        if first is None:
            return
        batch = [first]
        while len(batch) < _api.MAX_PAGE_SIZE:
            more = reads.get_nowait()
            if more is None:
                break
            batch.append(more)
        one_by_one = [run_id for wants_details, run_id in batch if wants_details]
        statuses = [run_id for wants_details, run_id in batch if not wants_details]
        if len(statuses) > 1:
            try:
                found = await read_statuses(api, statuses, deadline)
            except Exception as exc:  # reported to the loop, which decides what is fatal
                for run_id in statuses:
                    inbox.put(ReadFailed(run_id, exc))
            else:
                for run_id in statuses:
                    if run_id in found:
                        inbox.put(StatusDone(found[run_id]))
                    else:
                        one_by_one.append(run_id)
        else:
            one_by_one += statuses
        for run_id in one_by_one:
            try:
                details = await read_run(api, run_id, deadline)
            except Exception as exc:  # reported to the loop, which decides what is fatal
                inbox.put(ReadFailed(run_id, exc))
            else:
                inbox.put(ReadDone(details))


def _subscribe(
    api: AsyncAPIClient,
    run_ids: Sequence[str],
    inbox: AsyncChannel[Message],
    workers: AsyncWorkers,
    options: WaitOptions,
) -> None:
    """Start one events-stream worker per group of IDs that fits in a URL."""
    for chunk in chunk_ids(run_ids, options.max_url_length):
        workers.spawn(_pump_events, api, chunk, inbox, workers, options)


def _timeout_error(state: WaitState, timeout: float | None) -> WaitTimeoutError:
    pending = state.pending
    first = pending[0]
    last = state.last_status(first)
    seen = f"last status {last.value}" if last is not None else "status never read"
    if len(pending) == 1:
        what = f"task run {first} ({seen})"
    else:
        what = f"{len(pending)} task runs, e.g. {first} ({seen})"
    return WaitTimeoutError(
        f"gave up waiting for {what} after {timeout or 0:g}s; the runs were left alone",
        task_run_id=first,
        last_status=last,
        pending={run_id: state.last_status(run_id) for run_id in pending},
    )


async def follow_runs(
    api: AsyncAPIClient,
    run_ids: Sequence[str],
    *,
    timeout: float | None,
    options: WaitOptions,
    updates: bool = False,
) -> AsyncGenerator[tuple[bool, TaskRunDetails], None]:
    """Yield ``(True, details)`` as each run is confirmed terminal, until all are.

    With ``updates``, non-terminal states are yielded too, as ``(False, details)``: each
    update from the events stream, and each read that finds a status not seen before.
    Raises WaitTimeoutError at the deadline.
    """
    clock = api.clock
    start = clock.now()
    deadline = None if timeout is None else start + timeout
    use_events = options.strategy != "poll"
    pending = list(run_ids)
    while pending:
        # A caller may fork while this generator is suspended at a yield: the child then
        # resumes it without the parent's workers. It starts over there with workers of
        # its own for the runs still pending (and the same deadline).
        origin = current_pid()
        # A few runs are read at once, and subscribed to only if a read finds one
        # unfinished: a run that is already over (or ends at once) costs no stream. Many
        # runs are subscribed to first and read once their stream is up (or after a
        # grace period).
        subscribe_first = use_events and len(pending) > options.readers
        state = WaitState(
            pending,
            now=clock.now(),
            poll_schedule=options.poll_schedule,
            stream_grace=options.stream_grace if subscribe_first else None,
            safety_interval=options.safety_interval,
        )
        inbox: AsyncChannel[Message] = AsyncChannel()
        reads: AsyncChannel[tuple[bool, str]] = AsyncChannel()
        subscribed = not use_events
        async with AsyncWorkers() as workers:
            workers.register(reads)
            for _ in range(max(1, min(options.readers, len(state.pending)))):
                workers.spawn(_read_runs, api, reads, inbox, workers, deadline)
            if subscribe_first:
                _subscribe(api, state.pending, inbox, workers, options)
                subscribed = True
            while not state.done:
                now = clock.now()
                for run_id in state.take_reads(now):
                    reads.put((state.wants_details(run_id), run_id))
                if deadline is not None and now >= deadline:
                    raise _timeout_error(state, timeout)
                waits = [m - now for m in (state.next_due(), deadline) if m is not None]
                message: Message | None = await clock.wait(inbox, min(waits) if waits else None)
                if message is None:
                    continue
                out = state.apply(
                    message,
                    clock.now(),
                    updates=updates,
                    events_required=options.strategy == "events",
                )
                if not subscribed and not state.done:
                    # Subscribe before handing anything to the caller, who may stop iterating.
                    _subscribe(api, state.pending, inbox, workers, options)
                    subscribed = True
                if out is not None:
                    yield out
                    if current_pid() != origin:
                        break
        pending = list(state.pending)
