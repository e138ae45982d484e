"""The logs API's wire rules, written once for both twins: query building and checking,
decoding log objects and pages, and the bookkeeping that lets a follower switch between
the WebSocket and polling without repeating or skipping lines. Pure: no I/O, no clocks.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from . import _api
from ._serde import ShapeError, parse_datetime
from .errors import InvalidArgumentError
from .models import LogEntry

__all__ = [
    "LOG_DIRECTIONS",
    "LogPage",
    "LogQuery",
    "LogTail",
    "build_log_query",
    "format_log_time",
    "log_entry_json",
    "parse_log_entry",
    "parse_log_page",
    "require_owner",
    "websocket_url",
]

LOG_DIRECTIONS = ("forward", "backward")
#: How far before a run's start a follower begins reading (clocks of hosts differ a little).
START_MARGIN = timedelta(seconds=10)
#: How long a follower of a run on Render keeps listening after the run finished, for
#: lines the platform delivers late. A local server has every line before the run ends.
LATE_LINES_GRACE = 2.0
_RECENT_IDS = 50_000


def format_log_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: ``2025-01-02T03:04:05.123456Z``."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def check_time(name: str, value: object) -> datetime | None:
    """A timezone-aware datetime, or an RFC 3339 string, as a datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(
                f"{name} must be timezone-aware (for example datetime.now(timezone.utc)), "
                f"got the naive datetime {value.isoformat()!r}"
            )
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ShapeError:
            pass
    raise InvalidArgumentError(
        f"{name} must be a timezone-aware datetime or an RFC 3339 string such as "
        f"'2025-01-02T03:04:05Z', got {value!r}"
    )


@attrs.frozen
class LogQuery:
    """A checked logs query: its filters, time window, direction and page size."""

    filters: tuple[tuple[str, str], ...]
    start: datetime | None
    end: datetime | None
    direction: str
    limit: int

    def params(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[tuple[str, str]]:
        """Query parameters, with the window narrowed to ``start``/``end`` when given."""
        params = list(self.filters)
        start = start or self.start
        end = end or self.end
        if start is not None:
            params.append(("startTime", format_log_time(start)))
        if end is not None:
            params.append(("endTime", format_log_time(end)))
        params.append(("direction", self.direction))
        params.append(("limit", str(self.limit)))
        return params


def build_log_query(
    *,
    owner_id: str | None,
    resource: str | Iterable[str] | None,
    task_run: str | Iterable[str] | None,
    task: str | Iterable[str] | None,
    level: str | Iterable[str] | None,
    type: str | Iterable[str] | None,
    text: str | Iterable[str] | None,
    instance: str | Iterable[str] | None,
    start_time: object,
    end_time: object,
    direction: object,
    limit: object,
    local: bool,
) -> LogQuery:
    """Check every argument of a logs query; InvalidArgumentError says what is accepted.

    Render's API needs ``owner_id`` (a workspace ``tea-...``) and at least one
    ``resource`` (for task runs, a workflow ``wfl-...``); a local server needs neither.
    """
    require_owner(owner_id, local=True)
    filters: list[tuple[str, str]] = [("ownerId", owner_id)] if owner_id else []
    for key, name, value in (
        ("resource", "resource", resource),
        ("taskRun", "task_run", task_run),
        ("task", "task", task),
        ("level", "level", level),
        ("type", "type", type),
        ("text", "text", text),
        ("instance", "instance", instance),
    ):
        filters.extend((key, item) for item in _strings(name, value))
    if not local:
        missing = [
            name
            for name, present in (
                ("owner_id (your workspace ID 'tea-...', or set RENDER_WORKSPACE_ID)", owner_id),
                ("resource (the workflow ID 'wfl-...')", any(k == "resource" for k, _ in filters)),
            )
            if not present
        ]
        if missing:
            raise InvalidArgumentError(f"Render's logs API needs {' and '.join(missing)}")
    start = check_time("start_time", start_time)
    end = check_time("end_time", end_time)
    if start is not None and end is not None and start > end:
        raise InvalidArgumentError(
            f"start_time ({format_log_time(start)}) is after end_time ({format_log_time(end)})"
        )
    if direction not in LOG_DIRECTIONS:
        raise InvalidArgumentError(f"direction must be 'forward' or 'backward', got {direction!r}")
    assert isinstance(direction, str)
    return LogQuery(tuple(filters), start, end, direction, _api.validate_limit(limit))


def require_owner(owner_id: str | None, *, local: bool) -> str | None:
    """The owner, checked: Render's logs API needs one; a local server does not."""
    if owner_id is not None and (
        not isinstance(owner_id, str) or not owner_id or owner_id != owner_id.strip()
    ):
        raise InvalidArgumentError(
            f"owner_id must be a workspace ID such as 'tea-abc123', got {owner_id!r}"
        )
    if owner_id is None and not local:
        raise InvalidArgumentError(
            "Render's logs API needs owner_id: pass your workspace ID ('tea-...') or set "
            "RENDER_WORKSPACE_ID"
        )
    return owner_id


def _strings(name: str, value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidArgumentError(
            f"{name} must be a string or a list of strings, got {type(value).__name__}"
        )
    else:
        items = list(value)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgumentError(
                f"{name} must be a non-empty string or a list of them, got {item!r}"
            )
    return [str(item) for item in items]


def parse_log_entry(data: Any) -> LogEntry:
    """One log object ``{"id", "message", "timestamp", "labels": [{"name", "value"}]}``.

    Unknown fields are ignored; missing labels (or a missing id, as some development
    servers send) are tolerated; a missing or malformed timestamp is a ShapeError.
    """
    if not isinstance(data, dict):
        raise ShapeError(f"expected a log object, got {type(data).__name__}")
    stamp = data.get("timestamp")
    if not isinstance(stamp, str):
        raise ShapeError(f"log object without a timestamp string: {stamp!r}")
    message = data.get("message", "")
    if not isinstance(message, str):
        raise ShapeError(f"log message is not a string: {type(message).__name__}")
    log_id = data.get("id") or ""
    if not isinstance(log_id, str):
        raise ShapeError(f"log id is not a string: {log_id!r}")
    labels: dict[str, str] = {}
    raw = data.get("labels") or []
    if isinstance(raw, list):
        for label in raw:
            if isinstance(label, dict) and isinstance(label.get("name"), str):
                value = label.get("value")
                labels[label["name"]] = value if isinstance(value, str) else str(value)
    elif isinstance(raw, dict):  # tolerated: a plain name -> value object
        labels = {str(k): str(v) for k, v in raw.items()}
    return LogEntry(id=log_id, message=message, timestamp=parse_datetime(stamp), labels=labels)


@attrs.frozen
class LogPage:
    """One answer of ``GET /v1/logs``."""

    entries: tuple[LogEntry, ...]
    has_more: bool
    next_start: datetime | None
    next_end: datetime | None


def parse_log_page(data: Any) -> LogPage:
    """Decode ``{"hasMore", "nextStartTime", "nextEndTime", "logs": [...]}``."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object, got {type(data).__name__}")
    logs = data.get("logs") or []
    if not isinstance(logs, list):
        raise ShapeError(f"'logs' is not a list: {type(logs).__name__}")
    entries = []
    for index, item in enumerate(logs):
        try:
            entries.append(parse_log_entry(item))
        except ShapeError as exc:
            raise ShapeError(f"logs[{index}]: {exc}") from None
    bounds: list[datetime | None] = []
    for key in ("nextStartTime", "nextEndTime"):
        value = data.get(key)
        bounds.append(parse_datetime(value) if isinstance(value, str) and value else None)
    return LogPage(tuple(entries), data.get("hasMore") is True, bounds[0], bounds[1])


def entry_key(entry: LogEntry) -> str:
    """What makes a line itself: its id, or (without one) its time and text."""
    return entry.id or f"{format_log_time(entry.timestamp)}\x00{entry.message}"


class LogTail:
    """What a follower has seen: which lines (to drop repeats) and up to when (to resume).

    Lines arrive from listings and from the WebSocket, which overlap on purpose when the
    follower switches between them; :meth:`accept` says whether a line is new. A follower
    resumes listing from :attr:`resume_time` (inclusive: the lines at that very time that
    were already seen are dropped by id), so nothing written at the same moment is lost.
    """

    def __init__(self, start: datetime | None = None) -> None:
        """Follow from ``start`` (None: from the beginning of what the server keeps)."""
        self.resume_time = start
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.count = 0

    def accept(self, entry: LogEntry) -> bool:
        """True the first time a line is offered; records it and advances the resume time."""
        key = entry_key(entry)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > _RECENT_IDS:
            self._seen.popitem(last=False)
        if self.resume_time is None or entry.timestamp > self.resume_time:
            self.resume_time = entry.timestamp
        self.count += 1
        return True


def websocket_url(url: str) -> str:
    """The ``ws://`` / ``wss://`` form of an API URL (same host, path and query)."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    raise InvalidArgumentError(f"cannot open a WebSocket to {url!r}: not an http(s) URL")


def log_entry_json(entry: LogEntry) -> dict[str, Any]:
    """A log entry in the API's shape (``labels`` as a list of ``{"name", "value"}``)."""
    return {
        "id": entry.id,
        "message": entry.message,
        "timestamp": format_log_time(entry.timestamp),
        "labels": [{"name": name, "value": value} for name, value in entry.labels.items()],
    }
