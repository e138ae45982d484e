# This file is generated from render_sdk/_async/waiting.py by codegen — do not edit.
"""Following runs to their end: the loop that carries out the wait machine's effects.

Every decision (what to read when, what to report, when to subscribe, reconnect, give up
or fail) is ``_waitstate.WaitMachine``'s. This loop only feeds it what the workers saw
and does what it returns: reader workers run the requests, one worker per subscription
holds an events stream open, and reports are handed to the caller.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

from .. import _api, models
from .._concurrency import SyncChannel, SyncWorkers
from .._fork import current_pid
from .._sse import SSEParser
from .._transport.base import Timeout
from .._waitstate import (
    Fail,
    Finished,
    Input,
    ReadRun,
    ReadStatuses,
    ReportFinal,
    ReportUpdate,
    RunRead,
    RunReadFailed,
    SleepUntil,
    StatusesRead,
    StatusesReadFailed,
    StreamClosed,
    StreamEvent,
    StreamOpened,
    Subscribe,
    Unsubscribe,
    WaitMachine,
    WaitOptions,
    event_update,
)
from ..models import TaskRunDetails
from ._base import APIClient

__all__ = ["EVENTS_PATH", "follow_runs", "read_run", "read_statuses"]

EVENTS_PATH = "/task-runs/events"


def read_run(api: APIClient, run_id: str, deadline: float | None) -> TaskRunDetails:
    """GET the run's details (retrying as the client's policy allows)."""
    path = "/task-runs/" + _api.path_segment(run_id)
    response, url = api.request("GET", path, deadline=deadline)
    return _api.decode_model(response, TaskRunDetails, "GET", url)


def read_statuses(
    api: APIClient, run_ids: Sequence[str], deadline: float | None
) -> dict[str, models.TaskRun]:
    """Read the status of many root runs with one list request (children are ignored)."""
    params = _api.list_params(limit=_api.MAX_PAGE_SIZE, repeated={"rootTaskRunId": list(run_ids)})
    response, url = api.request("GET", "/task-runs", params=params, deadline=deadline)
    page = _api.decode_page(response, "taskRun", models.TaskRun, "GET", url)
    wanted = set(run_ids)
    return {run.id: run for run, _ in page if run.id in wanted}


def _read_runs(
    api: APIClient,
    requests: SyncChannel[ReadRun | ReadStatuses],
    inbox: SyncChannel[Input],
    workers: SyncWorkers,
    deadline: float | None,
) -> None:
    """Carry out the machine's reads, one at a time, and report each outcome."""
    while not workers.stopped():
        request = requests.get(None)
        if request is None:
            return
        # Any failure is reported to the machine, which decides what is fatal.
        if isinstance(request, ReadStatuses):
            try:
                found = read_statuses(api, request.run_ids, deadline)
            except Exception as exc:
                inbox.put(StatusesReadFailed(request.run_ids, exc))
            else:
                inbox.put(StatusesRead(request.run_ids, found))
        else:
            try:
                details = read_run(api, request.run_id, deadline)
            except Exception as exc:
                inbox.put(RunReadFailed(request.run_id, exc))
            else:
                inbox.put(RunRead(request.run_id, details))


def _hold_stream(
    api: APIClient,
    subscription: Subscribe,
    inbox: SyncChannel[Input],
    workers: SyncWorkers,
    options: WaitOptions,
) -> None:
    """Open one events stream, forward its run updates, and report how it ended.

    One connection only: whether and when to reconnect is the machine's decision.
    """
    params = [("taskRunIds", run_id) for run_id in subscription.run_ids]
    timeout = Timeout(connect=api.timeout.connect, read=options.idle_timeout)
    parser = SSEParser()
    error: Exception | None = None
    try:
        stream = api.open_stream(EVENTS_PATH, params=params, timeout=timeout)
    except Exception as exc:  # reported; the machine decides whether to reconnect
        error = exc
    else:
        if not workers.register(stream):
            stream.close()
            return
        inbox.put(StreamOpened(subscription.stream))
        try:
            for chunk in stream.iter_bytes():
                for event in parser.feed(chunk):
                    details = event_update(event.event, event.data)
                    if details is not None:
                        inbox.put(StreamEvent(subscription.stream, details))
        except Exception as exc:  # reported; the machine decides whether to reconnect
            error = exc
        finally:
            workers.unregister(stream)
            stream.close()
            parser.close()
    if not workers.stopped():
        inbox.put(StreamClosed(subscription.stream, error, parser.retry))


def _stop(stream_workers: SyncWorkers | None) -> None:
    """Stop one subscription's worker and close its stream (as leaving its block would)."""
    if stream_workers is not None:
        stream_workers.__exit__(None, None, None)


def follow_runs(
    api: APIClient,
    run_ids: Sequence[str],
    *,
    timeout: float | None,
    options: WaitOptions,
    updates: bool = False,
) -> Generator[ReportUpdate | ReportFinal, None]:
    """Yield a ``ReportFinal`` as each run is confirmed finished, until all are.

    With ``updates``, unfinished states are yielded too, as ``ReportUpdate``. Raises
    WaitTimeoutError at the deadline, and any error the machine finds final.
    """
    clock = api.clock
    machine = WaitMachine(run_ids, options=options, timeout=timeout, updates=updates)
    effects = machine.start(clock.now())
    while True:
        # A caller may fork while this generator is suspended at a yield: the child then
        # resumes it without the parent's workers, and starts over below with workers of
        # its own for the runs still pending (and the same deadline).
        origin = current_pid()
        forked = False
        unreported: list[str] = []  # finals of the batch the fork cut short
        inbox: SyncChannel[Input] = SyncChannel()
        requests: SyncChannel[ReadRun | ReadStatuses] = SyncChannel()
        streams: dict[int, SyncWorkers] = {}
        with SyncWorkers() as workers:
            workers.register(requests)
            for _ in range(machine.readers):
                workers.spawn(_read_runs, api, requests, inbox, workers, machine.deadline)
            try:
                while not forked:
                    wake: float | None = None
                    for index, effect in enumerate(effects):
                        if isinstance(effect, ReadRun | ReadStatuses):
                            requests.put(effect)
                        elif isinstance(effect, Subscribe):
                            _stop(streams.pop(effect.stream, None))
                            streams[effect.stream] = stream_workers = SyncWorkers()
                            stream_workers.spawn(
                                _hold_stream, api, effect, inbox, stream_workers, options
                            )
                        elif isinstance(effect, Unsubscribe):
                            _stop(streams.pop(effect.stream, None))
                        elif isinstance(effect, ReportUpdate | ReportFinal):
                            yield effect
                            if current_pid() != origin:
                                forked = True
                                unreported = [
                                    later.details.id
                                    for later in effects[index + 1 :]
                                    if isinstance(later, ReportFinal)
                                ]
                                break
                        elif isinstance(effect, Fail):
                            raise effect.error
                        elif isinstance(effect, Finished):
                            return
                        elif isinstance(effect, SleepUntil):
                            wake = effect.until
                    if forked:
                        break
                    seconds = None if wake is None else wake - clock.now()
                    first: Input | None = clock.wait(inbox, seconds, expecting=machine.expecting)
                    received: list[Input] = []
                    while first is not None:
                        received.append(first)
                        first = inbox.get_nowait()
                    effects = machine.receive(received, clock.now())
            finally:
                for stream_workers in streams.values():
                    _stop(stream_workers)
        # Only a forked child gets here: a new machine for what is left, same deadline.
        now = clock.now()
        remaining = None if machine.deadline is None else max(0.0, machine.deadline - now)
        left = list(dict.fromkeys([*unreported, *machine.pending]))
        machine = WaitMachine(left, options=options, timeout=remaining, updates=updates)
        effects = machine.start(now)
