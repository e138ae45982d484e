"""``GET /v1/logs`` and the ``GET /v1/logs/subscribe`` WebSocket, read from the log store.

Query parameters follow Render's logs API: ``resource``, ``taskRun``, ``task``, ``level``,
``type``, ``text`` and ``instance`` (each repeatable), ``startTime`` / ``endTime``
(RFC 3339), ``direction`` (``forward`` or ``backward``, the default), ``limit`` (1-100,
default 20) and ``ownerId`` (accepted and not required locally: there is one workspace).
Timestamps are written with microseconds, and every line has a timestamp of its own
(see :mod:`render_sdk.local.logs`), so sending ``nextStartTime`` / ``nextEndTime`` back as
``startTime`` / ``endTime`` pages through every line exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from render_sdk.local.logs import LogFilter, LogRecord, LogStore, Subscription

__all__ = ["deny_websocket", "log_json", "logs_routes", "parse_log_query", "timestamp_text"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Lines waiting to be sent to one subscriber before it is cut off (it can resume by
#: listing from its last line): a stalled client must not hold the server's memory.
MAX_PENDING = 10_000

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
_SPLIT = ("resource", "taskRun", "task", "level", "type", "instance")


class BadLogQuery(ValueError):
    """A query parameter of a logs request is malformed; the message says what is accepted."""


@dataclass(frozen=True)
class LogQuery:
    """A parsed logs request."""

    filter: LogFilter
    backward: bool
    limit: int


def timestamp_text(moment: datetime) -> str:
    """``2025-01-02T03:04:05.123456Z``: RFC 3339 with microseconds, always UTC."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def parse_time(name: str, text: str) -> datetime:
    """An RFC 3339 date-time with an offset or ``Z`` (fractions past microseconds dropped)."""
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        raise BadLogQuery(
            f"{name} must be an RFC 3339 date-time such as 2025-01-02T03:04:05.123456Z, "
            f"got {text!r}"
        )
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=timezone.utc,
        )
    except ValueError as exc:
        raise BadLogQuery(f"{name} is not a valid date-time: {text!r} ({exc})") from None
    if offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return moment


def _values(params: QueryParams, name: str) -> list[str]:
    raw = params.getlist(name) + params.getlist(f"{name}[]")
    if name in _SPLIT:
        raw = [part for value in raw for part in value.split(",")]
    values = [value.strip() for value in raw]
    if any(not value for value in values):
        raise BadLogQuery(f"{name} must not be empty")
    return values


def parse_log_query(params: QueryParams) -> LogQuery:
    """Read the logs API's query parameters; BadLogQuery names the first bad one."""
    times: dict[str, datetime | None] = {}
    for name in ("startTime", "endTime"):
        text = params.get(name)
        times[name] = None if text in (None, "") else parse_time(name, text)
    start, end = times["startTime"], times["endTime"]
    if start is not None and end is not None and start > end:
        raise BadLogQuery(
            f"startTime ({timestamp_text(start)}) is after endTime ({timestamp_text(end)})"
        )
    direction = params.get("direction") or "backward"
    if direction not in ("forward", "backward"):
        raise BadLogQuery(f"direction must be 'forward' or 'backward', got {direction!r}")
    limit_text = params.get("limit") or str(DEFAULT_LIMIT)
    try:
        limit = int(limit_text)
    except ValueError:
        raise BadLogQuery(
            f"limit must be an integer between 1 and {MAX_LIMIT}, got {limit_text!r}"
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadLogQuery(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    _values(params, "ownerId")  # one workspace locally: checked for shape, then ignored
    log_filter = LogFilter(
        resources=frozenset(_values(params, "resource")),
        run_ids=frozenset(_values(params, "taskRun")),
        tasks=frozenset(_values(params, "task")),
        levels=frozenset(_values(params, "level")),
        types=frozenset(_values(params, "type")),
        instances=frozenset(_values(params, "instance")),
        texts=tuple(_values(params, "text")),
        start=start,
        end=end,
    )
    return LogQuery(log_filter, direction == "backward", limit)


def log_json(record: LogRecord) -> dict[str, Any]:
    """One log object: ``{"id", "message", "timestamp", "labels": [{"name", "value"}]}``."""
    return {
        "id": record.id,
        "message": record.message,
        "timestamp": timestamp_text(record.timestamp),
        "labels": [{"name": name, "value": value} for name, value in record.label_pairs()],
    }


def _error(status: int, code: str, message: str) -> Response:
    body = {"id": str(uuid.uuid4()), "message": message, "code": code}
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def _store(app_state: Any) -> LogStore:
    store: LogStore = app_state.local.logs
    return store


async def list_logs(request: Request) -> Response:
    """``GET /v1/logs``: one page of matching lines and the bounds of the next page."""
    try:
        query = parse_log_query(request.query_params)
    except BadLogQuery as exc:
        return _error(400, "invalid_request", str(exc))
    page = _store(request.app.state).page(query.filter, limit=query.limit, backward=query.backward)
    body = {
        "hasMore": page.has_more,
        "nextStartTime": timestamp_text(page.next_start),
        "nextEndTime": timestamp_text(page.next_end),
        "logs": [log_json(record) for record in page.records],
    }
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=200, media_type="application/json"
    )


async def deny_websocket(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    """Refuse a WebSocket handshake with an HTTP error (or a policy close if unsupported)."""
    websocket = WebSocket(scope, receive, send)
    if "websocket.http.response" in scope.get("extensions", {}):
        await websocket.send_denial_response(_error(status, code, message))
    else:
        await websocket.close(code=1008, reason=message[:120])


class _Follower:
    """Carries lines from the store (any thread) to one WebSocket (the server's loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[LogRecord | None] = asyncio.Queue()
        self.overflowed = False
        self._pending = 0
        self._count_lock = threading.Lock()  # writers' threads count up, the loop down

    def deliver(self, record: LogRecord) -> None:
        # Called with the store's lock held: only counting and scheduling here.
        with self._count_lock:
            if self.overflowed:
                return
            self._pending += 1
            self.overflowed = self._pending > MAX_PENDING
        self._loop.call_soon_threadsafe(self.queue.put_nowait, None if self.overflowed else record)

    def sent(self) -> None:
        """One line less is waiting."""
        with self._count_lock:
            self._pending -= 1

    def disconnect(self) -> None:
        self._loop.call_soon_threadsafe(self.queue.put_nowait, None)


async def subscribe_logs(websocket: WebSocket) -> None:
    """``GET /v1/logs/subscribe``: lines since ``startTime`` (if given), then new ones live.

    Each message is one log object, as in ``GET /v1/logs``. The server closes the socket
    when it stops (code 1001), or when the client falls more than MAX_PENDING lines
    behind (code 1013: list the rest with ``GET /v1/logs``).
    """
    try:
        query = parse_log_query(websocket.query_params)
    except BadLogQuery as exc:
        await deny_websocket(
            websocket.scope, websocket.receive, websocket.send, 400, "invalid_request", str(exc)
        )
        return
    state = websocket.app.state.local
    store = _store(websocket.app.state)
    follower = _Follower(asyncio.get_running_loop())
    subscription = Subscription(query.filter, follower.deliver, follower.disconnect)
    # Subscribed before the handshake completes: a line written once the client sees
    # the socket open is always sent.
    backlog = store.subscribe(subscription)
    try:
        await websocket.accept()
    except BaseException:
        store.unsubscribe(subscription)
        raise
    watchers = [
        asyncio.ensure_future(_client_gone(websocket)),
        asyncio.ensure_future(state.closed.wait()),
    ]
    for watcher in watchers:
        watcher.add_done_callback(lambda _: follower.disconnect())
    client_left = False
    try:
        for record in backlog:
            await websocket.send_text(json.dumps(log_json(record), separators=(",", ":")))
        while True:
            live = await follower.queue.get()
            if live is None:
                break
            follower.sent()
            await websocket.send_text(json.dumps(log_json(live), separators=(",", ":")))
    except (WebSocketDisconnect, RuntimeError, OSError):
        client_left = True
    finally:
        store.unsubscribe(subscription)
        client_left = client_left or (watchers[0].done() and not watchers[0].cancelled())
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
    if not client_left:
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=1013 if follower.overflowed else 1001)


async def _client_gone(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


class _DenialNoise(logging.Filter):
    """Drops uvicorn's complaint about a refused handshake that was in fact answered.

    uvicorn's websockets-sansio protocol sends the HTTP denial (400, 401) but does not
    count it as the end of the handshake, so it logs an error for every refusal.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


_DENIAL_NOISE = _DenialNoise()


def logs_routes() -> list[BaseRoute]:
    """The routes to mount in the local app."""
    uvicorn_log = logging.getLogger("uvicorn.error")
    if _DENIAL_NOISE not in uvicorn_log.filters:
        uvicorn_log.addFilter(_DENIAL_NOISE)
    return [
        Route("/v1/logs", list_logs, methods=["GET"]),
        WebSocketRoute("/v1/logs/subscribe", subscribe_logs),
    ]
