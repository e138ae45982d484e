# This file is generated from render_sdk/_async/logs.py by codegen — do not edit.
"""``client.logs`` and a task run's logs: paged listings, and following a run live.

Following reads the run's history with ``GET /v1/logs``, then subscribes to
``/v1/logs/subscribe`` (a WebSocket) and reads the run's status now and then; once the
run has finished, one last listing picks up its final lines. When the WebSocket cannot
be opened (the ``websocket`` extra is missing, or the server refuses) or breaks, the
follower polls ``GET /v1/logs`` instead. Every switch resumes from the newest line seen
and drops lines already yielded, so nothing is repeated or skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterable, Iterator
from datetime import datetime
from types import TracebackType
from urllib.parse import urlsplit

from .. import _api
from .._config import is_loopback_host
from .._logging import logger
from .._logs import (
    LATE_LINES_GRACE,
    START_MARGIN,
    LogQuery,
    LogTail,
    build_log_query,
    entry_key,
    parse_log_entry,
    parse_log_page,
    require_owner,
    websocket_url,
)
from .._polling import PollSchedule
from .._serde import ShapeError
from .._transport.websocket import WebSocketUnavailable, open_websocket
from ..errors import APIConnectionError, APIResponseValidationError, WaitTimeoutError
from ..models import LogEntry, Task, TaskRunDetails
from ._base import APIClient
from .waiting import read_run

__all__ = ["LogStream", "LogsService", "follow_task_run_logs", "resolve_owner"]

LOGS_PATH = "/logs"
SUBSCRIBE_PATH = "/logs/subscribe"


def _owner(owner_id: str | None) -> str | None:
    if owner_id is not None:
        return owner_id
    return os.environ.get("RENDER_WORKSPACE_ID") or None


def _local(api: APIClient) -> bool:
    # Local mode, or any server on loopback: Render's API is never there.
    return api.config.local or is_loopback_host(urlsplit(api.config.api_url).hostname or "")


def resolve_owner(api: APIClient, owner_id: str | None) -> str | None:
    """``owner_id``, else ``RENDER_WORKSPACE_ID``; required unless the server is local."""
    return require_owner(_owner(owner_id), local=_local(api))


class LogsService:
    """Logs of Render resources: ``client.logs``."""

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def __repr__(self) -> str:
        return f"<{type(self).__name__} api_url={self._api.config.api_url!r}>"

    def list(
        self,
        *,
        owner_id: str | None = None,
        resource: str | Iterable[str] | None = None,
        task_run: str | Iterable[str] | None = None,
        task: str | Iterable[str] | None = None,
        level: str | Iterable[str] | None = None,
        type: str | Iterable[str] | None = None,
        text: str | Iterable[str] | None = None,
        instance: str | Iterable[str] | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        direction: str = "backward",
        limit: int = _api.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[LogEntry]:
        """Iterate over log lines, fetching pages lazily (``GET /v1/logs``).

        Filters take one value or several: ``resource`` (for task runs, the workflow ID
        ``wfl-...``), ``task_run``, ``task``, ``level``, ``type``, ``text`` (substrings)
        and ``instance``. ``start_time``/``end_time`` are timezone-aware datetimes or
        RFC 3339 strings. ``direction`` is ``"backward"`` (newest first, the API's
        default) or ``"forward"``. ``limit`` is the page size (1-100); ``max_items``
        stops after that many lines. ``owner_id`` (default ``RENDER_WORKSPACE_ID``) and
        ``resource`` are required by Render's API, not by a local server. Everything is
        checked before the first request.
        """
        query = build_log_query(
            owner_id=_owner(owner_id),
            resource=resource,
            task_run=task_run,
            task=task,
            level=level,
            type=type,
            text=text,
            instance=instance,
            start_time=start_time,
            end_time=end_time,
            direction=direction,
            limit=limit,
            local=_local(self._api),
        )
        return _limited(list_logs(self._api, query), _api.validate_max_items(max_items))


def _limited(entries: Generator[LogEntry, None], max_items: int | None) -> Iterator[LogEntry]:
    yielded = 0
    try:
        for entry in entries:
            if max_items is not None and yielded >= max_items:
                return
            yield entry
            yielded += 1
    finally:
        entries.close()


def list_logs(
    api: APIClient,
    query: LogQuery,
    start: datetime | None = None,
    deadline: float | None = None,
) -> Generator[LogEntry, None]:
    """Every line of ``query`` (from ``start``, if given), page after page.

    Each next page is asked for with the bounds the server sent back. Lines of the
    previous page are dropped if a server repeats them at a page boundary.
    """
    bounds: tuple[datetime | None, datetime | None] = (start or query.start, query.end)
    previous: set[str] = set()
    while True:
        response, url = api.request(
            "GET", LOGS_PATH, params=query.params(*bounds), deadline=deadline
        )
        data = _api.decode_json(response, "GET", url)
        try:
            page = parse_log_page(data)
        except ShapeError as exc:
            raise APIResponseValidationError(
                f"GET /v1/logs returned a page this SDK cannot read: {exc}",
                status_code=response.status_code,
                body=response.content,
                method="GET",
                url=url,
            ) from exc
        for entry in page.entries:
            if entry_key(entry) not in previous:
                yield entry
        if not page.has_more:
            return
        following = (page.next_start, page.next_end)
        if None in following or following == bounds:
            raise APIResponseValidationError(
                "GET /v1/logs said it has more lines but gave no new nextStartTime/"
                "nextEndTime; stopping to avoid a loop",
                status_code=response.status_code,
                method="GET",
                url=url,
            )
        bounds = following
        previous = {entry_key(entry) for entry in page.entries}


class LogStream:
    """The log lines of a task run, as ``LogEntry`` objects, oldest first.

    Use it as a context manager, or break out of the loop, to close its connections
    early.
    """

    def __init__(self, entries: Generator[LogEntry, None]) -> None:
        self._entries = entries

    def __iter__(self) -> LogStream:
        return self

    def __next__(self) -> LogEntry:
        return self._entries.__next__()

    def close(self) -> None:
        """Stop reading and close the connections."""
        self._entries.close()

    def __enter__(self) -> LogStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_task(api: APIClient, task_id: str, deadline: float | None) -> Task:
    path = "/tasks/" + _api.path_segment(task_id)
    response, url = api.request("GET", path, deadline=deadline)
    return _api.decode_model(response, Task, "GET", url)


def _run_start(details: TaskRunDetails) -> datetime | None:
    moments = [details.started_at] + [
        moment
        for attempt in details.attempts
        for moment in (attempt.enqueued_at, attempt.started_at)
    ]
    known = [moment for moment in moments if moment is not None]
    return min(known) - START_MARGIN if known else None


def follow_task_run_logs(
    api: APIClient,
    run_id: str,
    *,
    owner_id: str | None,
    follow: bool,
    timeout: float | None,
    poll_schedule: PollSchedule,
) -> Generator[LogEntry, None]:
    """The run's lines so far; with ``follow``, new ones too, until the run has finished.

    The arguments were checked by the caller (``owner_id`` with :func:`resolve_owner`).
    """
    owner = owner_id
    deadline = None if timeout is None else api.clock.now() + timeout
    details = read_run(api, run_id, deadline)
    task = _read_task(api, details.task_id, deadline)
    query = build_log_query(
        owner_id=owner,
        resource=task.workflow_id,
        task_run=run_id,
        task=None,
        level=None,
        type=None,
        text=None,
        instance=None,
        start_time=_run_start(details),
        end_time=None,
        direction="forward",
        limit=_api.MAX_PAGE_SIZE,
        local=_local(api),
    )
    tail = LogTail(query.start)
    for entry in list_logs(api, query, deadline=deadline):
        if tail.accept(entry):
            yield entry
    if not follow or details.is_terminal:
        return
    grace = 0.0 if _local(api) else LATE_LINES_GRACE
    intervals = poll_schedule.intervals()
    use_socket = True
    while True:
        if use_socket:
            try:
                socket = open_websocket(
                    websocket_url(api.url(SUBSCRIBE_PATH, query.params(tail.resume_time))),
                    api._headers,
                    api.timeout.connect,
                )
            except (WebSocketUnavailable, APIConnectionError) as exc:
                logger.info("Polling for the logs of %s: %s", run_id, exc)
                use_socket = False
                continue
            try:
                # Lines written while the socket opened: the listing overlaps the socket's
                # replay, and the tail drops whatever arrives twice.
                for entry in list_logs(api, query, tail.resume_time, deadline):
                    if tail.accept(entry):
                        yield entry
                next_check = api.clock.now() + next(intervals)
                finished_at: float | None = None
                while True:
                    now = api.clock.now()
                    if finished_at is not None and now >= finished_at + grace:
                        break
                    _check_deadline(deadline, now, run_id, details, timeout)
                    until = next_check if finished_at is None else finished_at + grace
                    if deadline is not None:
                        until = min(until, deadline)
                    message = socket.recv(until - now)
                    if message is not None:
                        entry = parse_log_entry(json.loads(message))
                        if tail.accept(entry):
                            yield entry
                    # Checked on schedule even while lines keep coming (a long backlog).
                    if finished_at is None and api.clock.now() >= next_check:
                        details = read_run(api, run_id, deadline)
                        if details.is_terminal:
                            finished_at = api.clock.now()
                        next_check = api.clock.now() + next(intervals)
            except (APIConnectionError, ShapeError, ValueError) as exc:
                logger.info("Log stream of %s broke (%s); polling instead", run_id, exc)
                use_socket = False
                continue
            finally:
                socket.close()
        else:
            now = api.clock.now()
            _check_deadline(deadline, now, run_id, details, timeout)
            details = read_run(api, run_id, deadline)
            if details.is_terminal and grace:
                api.clock.sleep(_capped(grace, deadline, now))
            for entry in list_logs(api, query, tail.resume_time, deadline):
                if tail.accept(entry):
                    yield entry
            if details.is_terminal:
                return
            api.clock.sleep(_capped(next(intervals), deadline, api.clock.now()))
            continue
        # The run has finished: its last lines are listed before the follower ends.
        for entry in list_logs(api, query, tail.resume_time, deadline):
            if tail.accept(entry):
                yield entry
        return


def _capped(seconds: float, deadline: float | None, now: float) -> float:
    return seconds if deadline is None else max(0.0, min(seconds, deadline - now))


def _check_deadline(
    deadline: float | None,
    now: float,
    run_id: str,
    details: TaskRunDetails,
    timeout: float | None,
) -> None:
    if deadline is not None and now >= deadline:
        raise WaitTimeoutError(
            f"gave up following the logs of task run {run_id} after {timeout:g} s "
            f"(last status {details.status}); the run goes on",
            task_run_id=run_id,
            last_status=details.status,
        )
