"""The logs API's wire rules: query building, decoding, and the follower's bookkeeping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from render_sdk._logs import (
    LogTail,
    build_log_query,
    format_log_time,
    log_entry_json,
    parse_log_entry,
    parse_log_page,
    require_owner,
    websocket_url,
)
from render_sdk._serde import ShapeError
from render_sdk.errors import InvalidArgumentError
from render_sdk.models import LogEntry

MOMENT = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)


def query(**options: Any) -> Any:
    arguments: dict[str, Any] = dict.fromkeys(
        ("owner_id", "resource", "task_run", "task", "level", "type", "text", "instance")
    )
    arguments.update(start_time=None, end_time=None, direction="backward", limit=20, local=True)
    arguments.update(options)
    return build_log_query(**arguments)


def entry(log_id: str, moment: datetime = MOMENT, message: str = "m") -> LogEntry:
    return LogEntry(id=log_id, message=message, timestamp=moment)


def test_filters_are_repeated_keys_and_times_carry_microseconds() -> None:
    built = query(
        owner_id="tea-1",
        resource=["wfl-1", "wfl-2"],
        task_run="trn-1",
        level=("error", "warning"),
        text="a, b",
        start_time="2025-01-02T03:04:05.678901+01:00",
        direction="forward",
        limit=100,
    )
    assert built.params() == [
        ("ownerId", "tea-1"),
        ("resource", "wfl-1"),
        ("resource", "wfl-2"),
        ("taskRun", "trn-1"),
        ("level", "error"),
        ("level", "warning"),
        ("text", "a, b"),
        ("startTime", "2025-01-02T02:04:05.678901Z"),
        ("direction", "forward"),
        ("limit", "100"),
    ]
    narrowed = built.params(MOMENT, MOMENT + timedelta(seconds=1))
    assert ("startTime", "2025-01-02T03:04:05.678901Z") in narrowed
    assert ("endTime", "2025-01-02T03:04:06.678901Z") in narrowed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"direction": "up"}, "direction must be 'forward' or 'backward', got 'up'"),
        ({"limit": True}, "limit must be an int"),
        ({"start_time": 1700000000}, "start_time must be a timezone-aware datetime"),
        ({"end_time": datetime(2025, 1, 1)}, "end_time must be timezone-aware"),
        ({"resource": b"wfl-1"}, "resource must be a string or a list of strings, got bytes"),
        ({"task": {"a": 1}}, "task must be a string or a list"),
        ({"instance": [None]}, "instance must be a non-empty string"),
        ({"owner_id": " tea-1"}, "owner_id must be a workspace ID"),
        ({"local": False}, "needs owner_id .* and resource"),
        ({"local": False, "owner_id": "tea-1"}, "needs resource"),
    ],
)
def test_bad_arguments_say_what_is_accepted(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        query(**options)


def test_owner_is_required_only_by_render() -> None:
    assert require_owner(None, local=True) is None
    assert require_owner("tea-1", local=False) == "tea-1"
    with pytest.raises(InvalidArgumentError, match="RENDER_WORKSPACE_ID"):
        require_owner(None, local=False)


def test_log_objects_are_read_leniently() -> None:
    full = parse_log_entry(
        {
            "id": "log-1",
            "message": "hi",
            "timestamp": "2025-01-02T03:04:05.678901234Z",
            "labels": [{"name": "level", "value": "info"}, {"name": "n", "value": 3}, "junk"],
            "future": True,
        }
    )
    bare = parse_log_entry({"id": "", "message": "x", "timestamp": "2025-01-02T03:04:05Z"})
    mapped = parse_log_entry({"timestamp": "2025-01-02T03:04:05Z", "labels": {"level": "warn"}})

    assert full.timestamp == MOMENT
    assert dict(full.labels) == {"level": "info", "n": "3"}
    assert (bare.id, bare.labels, bare.level) == ("", {}, "")
    assert mapped.level == "warn"
    assert mapped.message == ""


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"message": "no timestamp"},
        {"timestamp": "not a time"},
        {"timestamp": "2025-01-02T03:04:05Z", "message": 5},
        {"timestamp": "2025-01-02T03:04:05Z", "id": 7},
    ],
)
def test_malformed_log_objects_are_shape_errors(data: Any) -> None:
    with pytest.raises(ShapeError):
        parse_log_entry(data)


def test_pages_carry_their_next_bounds() -> None:
    page = parse_log_page(
        {
            "hasMore": True,
            "nextStartTime": "2025-01-02T03:04:05.678901Z",
            "nextEndTime": "",
            "logs": [{"id": "a", "message": "m", "timestamp": "2025-01-02T03:04:05Z"}],
        }
    )
    assert page.has_more
    assert page.next_start == MOMENT
    assert page.next_end is None
    assert [e.id for e in page.entries] == ["a"]
    assert parse_log_page({}).entries == ()
    with pytest.raises(ShapeError, match=r"logs\[0\]"):
        parse_log_page({"logs": [{}]})
    with pytest.raises(ShapeError):
        parse_log_page({"logs": "nope"})


def test_the_tail_drops_repeats_and_resumes_from_the_newest_line() -> None:
    tail = LogTail()
    later = MOMENT + timedelta(microseconds=1)
    assert tail.resume_time is None
    assert tail.accept(entry("a"))
    assert tail.accept(entry("b", later))
    assert not tail.accept(entry("a"))
    assert not tail.accept(entry("b", later))
    assert tail.resume_time == later
    assert tail.accept(entry("c", MOMENT))  # an older, unseen line is still new
    assert tail.resume_time == later
    assert tail.count == 3


def test_lines_without_ids_are_told_apart_by_time_and_text() -> None:
    tail = LogTail(MOMENT)
    assert tail.accept(entry("", message="x"))
    assert tail.accept(entry("", message="y"))
    assert not tail.accept(entry("", message="x"))


def test_websocket_urls_keep_host_path_and_query() -> None:
    assert websocket_url("https://api.render.com/v1/logs/subscribe?a=1") == (
        "wss://api.render.com/v1/logs/subscribe?a=1"
    )
    assert websocket_url("http://127.0.0.1:8120/v1/x") == "ws://127.0.0.1:8120/v1/x"
    with pytest.raises(InvalidArgumentError):
        websocket_url("ftp://example.com")


def test_entries_write_back_in_the_api_shape() -> None:
    original = {
        "id": "log-1",
        "message": "hi",
        "timestamp": "2025-01-02T03:04:05.678901Z",
        "labels": [{"name": "level", "value": "info"}],
    }
    assert log_entry_json(parse_log_entry(original)) == original
    assert format_log_time(MOMENT.astimezone(timezone(timedelta(hours=2)))) == original["timestamp"]
