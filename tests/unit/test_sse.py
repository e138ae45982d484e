"""Tests for the incremental Server-Sent Events parser (render_sdk._sse)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk._sse import ServerSentEvent, SSEParser

E = ServerSentEvent


def feed_all(chunks: Iterable[bytes], parser: SSEParser | None = None) -> list[ServerSentEvent]:
    """Feed every chunk to a parser and collect the events in order."""
    parser = parser if parser is not None else SSEParser()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    return events


def bytewise(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


def split_at(stream: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = [0, *sorted(set(cuts)), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(points)]


def pending(parser: SSEParser) -> bool:
    # A function, not the property, so that mypy does not narrow it across calls.
    return parser.has_pending


def state(parser: SSEParser) -> tuple[str, int | None, int]:
    return parser.last_event_id, parser.retry, parser.comments_seen


# ---------------------------------------------------------------------------
# Table-driven rules
# ---------------------------------------------------------------------------

CASES: list[tuple[str, bytes, list[ServerSentEvent]]] = [
    ("lf", b"data: a\n\n", [E("a")]),
    ("crlf", b"data: a\r\n\r\n", [E("a")]),
    ("cr", b"data: a\r\r", [E("a")]),
    (
        "mixed endings",
        b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\n\n",
        [E("a\nb\nc"), E("d")],
    ),
    ("cr then crlf blank line", b"data: a\r\r\n", [E("a")]),
    ("crlf is one break, not a blank line", b"data: a\r\ndata: b\r\n\r\n", [E("a\nb")]),
    ("lf cr is two breaks", b"data: a\n\r", [E("a")]),
    ("bom stripped", b"\xef\xbb\xbfdata: a\n\n", [E("a")]),
    (
        "bom stripped only once",
        b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n",
        [E("b")],  # the second BOM makes the first field name "\ufeffdata": unknown
    ),
    ("bom not at start kept", b"data: \xef\xbb\xbfa\n\n", [E("\ufeffa")]),
    ("multi-byte utf-8", "data: é€😀\n\n".encode(), [E("é€😀")]),
    ("invalid utf-8 replaced", b"data: a\xffb\n\n", [E("a\ufffdb")]),
    ("comment ignored", b": ping\ndata: a\n\n", [E("a")]),
    ("comment only block", b": ping\n\n: pong\n\n", []),
    ("comment inside event", b"data: a\n: ping\ndata: b\n\n", [E("a\nb")]),
    ("one space removed", b"data: x\n\n", [E("x")]),
    ("no space", b"data:x\n\n", [E("x")]),
    ("only one space removed", b"data:  x\n\n", [E(" x")]),
    ("tab kept", b"data:\tx\n\n", [E("\tx")]),
    ("colons in value kept", b'data: {"a": 1}\n\n', [E('{"a": 1}')]),
    ("trailing spaces kept", b"data: x  \n\n", [E("x  ")]),
    ("multiple data lines", b"data: a\ndata: b\ndata: c\n\n", [E("a\nb\nc")]),
    ("empty data line dispatches empty data", b"data\n\n", [E("")]),
    ("data colon empty", b"data:\n\n", [E("")]),
    ("two empty data lines", b"data\ndata\n\n", [E("\n")]),
    ("only one trailing newline stripped", b"data: a\ndata:\n\n", [E("a\n")]),
    ("no colon means empty value", b"data\ndata: a\n\n", [E("\na")]),
    ("no colon event resets type", b"event\ndata: a\n\n", [E("a")]),
    ("event type", b"event: task.completed\ndata: a\n\n", [E("a", event="task.completed")]),
    ("empty event type is message", b"event:\ndata: a\n\n", [E("a")]),
    ("last event type wins", b"event: x\nevent: y\ndata: a\n\n", [E("a", event="y")]),
    (
        "event type reset after dispatch",
        b"event: x\ndata: a\n\ndata: b\n\n",
        [E("a", event="x"), E("b")],
    ),
    ("event without data not dispatched", b"event: x\n\n", []),
    ("event without data resets type", b"event: x\n\ndata: a\n\n", [E("a")]),
    ("id", b"id: 7\ndata: a\n\n", [E("a", id="7")]),
    ("id persists", b"id: 7\ndata: a\n\ndata: b\n\n", [E("a", id="7"), E("b", id="7")]),
    ("empty id resets", b"id: 7\ndata: a\n\nid\ndata: b\n\n", [E("a", id="7"), E("b", id="")]),
    (
        "id with nul ignored",
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [E("a", id="1"), E("b", id="1")],
    ),
    ("id set by event without data", b"id: 9\n\ndata: a\n\n", [E("a", id="9")]),
    ("id with spaces", b"id:  x y \ndata: a\n\n", [E("a", id=" x y ")]),
    ("retry", b"retry: 3000\ndata: a\n\n", [E("a", retry=3000)]),
    ("retry leading zeros", b"retry: 0042\ndata: a\n\n", [E("a", retry=42)]),
    ("retry zero", b"retry: 0\ndata: a\n\n", [E("a", retry=0)]),
    ("retry applies without dispatch", b"retry: 5\n\ndata: a\n\n", [E("a", retry=5)]),
    ("retry invalid letters", b"retry: 3000ms\ndata: a\n\n", [E("a")]),
    ("retry invalid sign", b"retry: -1\ndata: a\n\n", [E("a")]),
    ("retry invalid plus", b"retry: +1\ndata: a\n\n", [E("a")]),
    ("retry invalid float", b"retry: 1.5\ndata: a\n\n", [E("a")]),
    ("retry invalid empty", b"retry:\ndata: a\n\n", [E("a")]),
    ("retry invalid no colon", b"retry\ndata: a\n\n", [E("a")]),
    ("retry invalid two spaces", b"retry:  5\ndata: a\n\n", [E("a")]),
    ("retry invalid non-ascii digits", "retry: ١٢\ndata: a\n\n".encode(), [E("a")]),
    ("retry invalid superscript", "retry: ²\ndata: a\n\n".encode(), [E("a")]),
    ("retry invalid keeps previous", b"retry: 10\nretry: x\ndata: a\n\n", [E("a", retry=10)]),
    ("retry huge clamped", b"retry: " + b"9" * 5000 + b"\ndata: a\n\n", [E("a", retry=10**18 - 1)]),
    ("retry many leading zeros", b"retry: " + b"0" * 5000 + b"7\ndata: a\n\n", [E("a", retry=7)]),
    ("unknown field ignored", b"foo: bar\ndata: a\n\n", [E("a")]),
    ("field names are case-sensitive", b"Data: a\nDATA: b\ndata: c\n\n", [E("c")]),
    ("field name with space is unknown", b"data : a\ndata: b\n\n", [E("b")]),
    ("incomplete trailing event discarded", b"data: a\n\ndata: b\n", [E("a")]),
    ("unterminated last line discarded", b"data: a\n\ndata: b", [E("a")]),
    ("blank lines alone", b"\n\n\r\n\r", []),
    ("empty stream", b"", []),
    ("nul in data kept", b"data: a\x00b\n\n", [E("a\x00b")]),
    (
        "other unicode separators are not line breaks",
        "data: a\u2028b\x0bc\x0cd\x85e\n\n".encode(),
        [E("a\u2028b\x0bc\x0cd\x85e")],
    ),
]


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_whole(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert feed_all([stream]) == expected


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_bytewise(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert feed_all(bytewise(stream)) == expected


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_every_two_way_split(stream: bytes, expected: list[ServerSentEvent]) -> None:
    if len(stream) > 200:
        stream_cuts: Iterable[int] = range(0, len(stream) + 1, 97)
    else:
        stream_cuts = range(len(stream) + 1)
    for cut in stream_cuts:
        assert feed_all([stream[:cut], stream[cut:]]) == expected, cut


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_match_reference(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert reference_parse(stream)[0] == expected


# ---------------------------------------------------------------------------
# Chunk boundaries
# ---------------------------------------------------------------------------


def test_crlf_split_across_chunks_is_one_line_break() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\ndata: b\r") == []
    assert parser.feed(b"\n\r") == [E("a\nb")]
    assert parser.feed(b"\n") == []  # LF of the CRLF: not another blank line
    assert parser.feed(b"data: c\r\n\r\n") == [E("c")]


def test_cr_at_chunk_end_dispatches_without_waiting_for_next_chunk() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r\r") == [E("a")]


def test_cr_lf_separated_by_empty_chunks_and_partial_character() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\n") == []
    assert parser.feed(b"\r") == [E("a")]
    # A CR, then a chunk holding only the start of a character, then the rest.
    assert parser.feed(b"data: b\r") == []
    assert parser.feed(b"\xe2") == []
    assert parser.feed(b"\x82\xacx\n\n") == [E("b")]  # "€x" is an unknown field name


def test_multibyte_character_split_across_chunks() -> None:
    stream = "data: 😀€é\n\n".encode()
    for cut in range(len(stream) + 1):
        assert feed_all([stream[:cut], stream[cut:]]) == [E("😀€é")]
    assert feed_all(bytewise(stream)) == [E("😀€é")]


def test_bom_split_across_chunks() -> None:
    assert feed_all([b"\xef", b"\xbb", b"\xbf", b"data: a\n\n"]) == [E("a")]


def test_partial_bom_is_replaced_not_stripped() -> None:
    assert feed_all([b"\xef\xbb", b"data: a\n\ndata: b\n\n"]) == [E("b")]


def test_large_event_in_small_chunks_is_linear() -> None:
    payload = "x" * 2_000_000
    stream = f"event: big\ndata: {payload}\ndata: {payload}\n\n".encode()
    chunks = [stream[i : i + 64] for i in range(0, len(stream), 64)]
    parser = SSEParser()
    assert feed_all(chunks, parser) == [E(payload + "\n" + payload, event="big")]
    assert parser.bytes_seen == len(stream)


def test_many_small_events() -> None:
    stream = b"".join(b"id: %d\ndata: %d\n\n" % (i, i) for i in range(10_000))
    events = feed_all([stream[i : i + 7] for i in range(0, len(stream), 7)])
    assert len(events) == 10_000
    assert events[-1] == E("9999", id="9999")


# ---------------------------------------------------------------------------
# Parser state: comments, last event id, retry, close
# ---------------------------------------------------------------------------


def test_comments_seen_counts_heartbeats() -> None:
    parser = SSEParser()
    assert parser.comments_seen == 0
    assert parser.feed(b": ping\n") == []
    assert parser.comments_seen == 1
    assert parser.feed(b":\n:another\r\n: ping") == []
    assert parser.comments_seen == 3  # the last one is not terminated yet
    assert parser.feed(b"\n") == []
    assert parser.comments_seen == 4


def test_bytes_seen() -> None:
    parser = SSEParser()
    parser.feed(b"abc")
    parser.feed(b"")
    parser.feed(b"\xe2")
    assert parser.bytes_seen == 4


def test_last_event_id_updates_at_blank_line_only() -> None:
    parser = SSEParser()
    assert parser.feed(b"id: 1\n") == []
    assert parser.last_event_id == ""  # not yet: the event is not complete
    assert parser.feed(b"\n") == []  # no data: nothing dispatched, but the id counts
    assert parser.last_event_id == "1"
    assert parser.feed(b"id: 2\ndata: x\n\n") == [E("x", id="2")]
    assert parser.last_event_id == "2"


def test_retry_state() -> None:
    parser = SSEParser()
    assert state(parser) == ("", None, 0)
    parser.feed(b"retry: 3000\n")
    assert state(parser) == ("", 3000, 0)  # takes effect at once, not at dispatch
    parser.feed(b"retry: soon\n")
    assert state(parser) == ("", 3000, 0)


def test_close_discards_incomplete_event_and_returns_nothing() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n\nid: 5\nevent: x\ndata: b\n") == [E("a")]
    assert pending(parser)
    parser.close()
    assert not pending(parser)
    assert parser.last_event_id == ""  # the id of the discarded event does not count


def test_close_then_reuse_for_a_reconnection() -> None:
    parser = SSEParser()
    first = b"retry: 1500\nid: 1\ndata: a\n\n: ping\nid: 2\nevent: x\ndata: partial"
    assert parser.feed(first) == [E("a", id="1", retry=1500)]
    parser.close()
    assert (parser.last_event_id, parser.retry, parser.comments_seen) == ("1", 1500, 1)
    # New connection: a BOM is stripped again; no leftovers from the old one.
    assert parser.feed(b"\xef\xbb\xbfdata: b\n\n") == [E("b", id="1", retry=1500)]


def test_close_discards_partial_character() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n\n\xef") == [E("a")]  # first byte of a BOM-like sequence
    assert pending(parser)
    parser.close()
    assert not pending(parser)
    # Had the byte survived, these would complete a BOM (stripped at the start
    # of the new stream) and "data: c" would dispatch; they are invalid alone.
    assert parser.feed(b"\xbb\xbfdata: c\n\n") == []
    assert parser.feed(b"data: d\n\n") == [E("d")]


def test_close_forgets_trailing_cr() -> None:
    parser = SSEParser()
    parser.feed(b"data: a\r")
    parser.close()
    # After the reconnection a leading LF is a (harmless) blank line of its own.
    assert parser.feed(b"\ndata: b\n\n") == [E("b")]


def test_close_is_idempotent_and_safe_on_fresh_parser() -> None:
    parser = SSEParser()
    parser.close()
    parser.close()
    assert parser.feed(b"data: a\n\n") == [E("a")]


def test_has_pending() -> None:
    parser = SSEParser()
    assert not pending(parser)
    for chunk, expected in [
        (b"data: a\n", True),
        (b"\n", False),
        (b"da", True),
        (b"ta: b\n\n", False),
        (b"id: 3\n", True),
        (b"\n", False),
        (b"event: x\n", True),
        (b"\n", False),
        (b"\xf0\x9f", True),
        (b"\x98\x80\n", False),  # an unknown field made of one emoji
        (b": ping\n", False),
    ]:
        parser.feed(chunk)
        assert pending(parser) is expected, chunk


def test_initial_state_for_resumed_stream() -> None:
    parser = SSEParser(last_event_id="41", retry=2000)
    assert parser.feed(b"data: a\n\n") == [E("a", id="41", retry=2000)]


def test_event_is_frozen_slotted_with_defaults() -> None:
    event = E("payload")
    assert (event.event, event.data, event.id, event.retry) == ("message", "payload", "", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = "other"  # type: ignore[misc]
    assert not hasattr(event, "__dict__")


# ---------------------------------------------------------------------------
# A realistic Render-style stream
# ---------------------------------------------------------------------------


def test_render_style_stream() -> None:
    details = {
        "id": "trn-d0abc123",
        "taskId": "tsk-d0xyz789",
        "status": "succeeded",
        "results": [25],
        "parentTaskRunId": "",
        "startedAt": "2025-01-01T00:00:00Z",
        "completedAt": "2025-01-01T00:00:01Z",
    }
    failed = {**details, "id": "trn-d0def456", "status": "failed", "error": "boom: 💥"}
    lines = [
        "retry: 3000",
        "",
        ": ping",
        "",
        "event: task.running",
        'data: {"id": "trn-d0abc123", "status": "running"}',
        "",
        ": ping",
        "id: 1",
        "event: task.completed",
        "data: " + json.dumps(details),
        "",
        ": ping",
        "",
        "id: 2",
        "event: task.completed",
        "data: " + json.dumps(failed),
        "",
        ": ping",
    ]
    stream = ("\r\n".join(lines) + "\r\n").encode()
    expected = [
        E('{"id": "trn-d0abc123", "status": "running"}', event="task.running", retry=3000),
        E(json.dumps(details), event="task.completed", id="1", retry=3000),
        E(json.dumps(failed), event="task.completed", id="2", retry=3000),
    ]
    for chunks in (
        [stream],
        bytewise(stream),
        [stream[i : i + 5] for i in range(0, len(stream), 5)],
    ):
        parser = SSEParser()
        events = feed_all(chunks, parser)
        assert events == expected
        assert state(parser) == ("2", 3000, 4)
        assert [json.loads(e.data)["status"] for e in events] == ["running", "succeeded", "failed"]


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def reference_parse(stream: bytes) -> tuple[list[ServerSentEvent], tuple[str, int | None, int]]:
    """A deliberately naive whole-stream parser used as an oracle."""
    text = stream.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_BREAK.split(text)[:-1]  # the last piece is unterminated: discarded
    events: list[ServerSentEvent] = []
    data, event_type, id_buffer, last_id = "", "", "", ""
    retry: int | None = None
    comments = 0
    for line in lines:
        if line == "":
            last_id = id_buffer
            if data:
                events.append(E(data[:-1], event=event_type or "message", id=last_id, retry=retry))
            data, event_type = "", ""
            continue
        if line.startswith(":"):
            comments += 1
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            data += value + "\n"
        elif field == "event":
            event_type = value
        elif field == "id" and "\0" not in value:
            id_buffer = value
        elif field == "retry" and re.fullmatch(r"[0-9]+", value):
            digits = value.lstrip("0")
            retry = 10**18 - 1 if len(digits) > 18 else int(digits or "0")
    return events, (last_id, retry, comments)


def _cuts(data: st.DataObject, stream: bytes) -> list[int]:
    return data.draw(st.lists(st.integers(0, len(stream)), max_size=12))


_no_breaks = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
    max_size=12,
)
_values = st.one_of(_no_breaks, st.sampled_from(["", " ", " x", ":", "é€😀", "\ufeff", "a\x00b"]))
_ending = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """Generate (serialized stream, events it must yield) from a model."""
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id = ""
    retry: int | None = None

    def field(name: str, value: str) -> None:
        # "name:value" only when the value does not start with a space;
        # "name: value" always works (one space is removed).
        if value and not value.startswith(" ") and draw(st.booleans()):
            lines.append(f"{name}:{value}")
        else:
            lines.append(f"{name}: {value}")

    for _ in range(draw(st.integers(0, 5))):
        for _ in range(draw(st.integers(0, 2))):
            lines.append(":" + draw(_no_breaks))
        if draw(st.booleans()):
            retry = draw(st.integers(0, 10**7))
            field("retry", str(retry))
        if draw(st.booleans()):
            new_id = draw(_values)
            field("id", new_id)
            if "\0" not in new_id:
                last_id = new_id
        event_type = draw(_values) if draw(st.booleans()) else ""
        if event_type or draw(st.booleans()):
            field("event", event_type)
        data_lines = draw(st.lists(_values, max_size=3))
        for value in data_lines:
            if value == "" and draw(st.booleans()):
                lines.append("data")
            else:
                field("data", value)
        lines.append("")
        if data_lines:
            expected.append(
                E("\n".join(data_lines), event=event_type or "message", id=last_id, retry=retry)
            )
    if draw(st.booleans()):  # an unterminated event at the end: discarded
        lines.append("data: never")
    text_parts: list[str] = []
    previous_ending = ""
    for line in lines:
        ending = draw(_ending)
        if previous_ending == "\r" and line == "" and ending == "\n":
            ending = "\r\n"  # a lone LF right after a CR would merge into a CRLF
        text_parts.append(line + ending)
        previous_ending = ending
    text = "".join(text_parts)
    if lines and lines[-1] == "data: never":
        text = text[: -len(previous_ending)]
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode(), expected


@settings(max_examples=300, deadline=None)
@given(st.data(), event_streams())
def test_model_events_any_chunking(
    data: st.DataObject, generated: tuple[bytes, list[ServerSentEvent]]
) -> None:
    stream, expected = generated
    whole = SSEParser()
    assert whole.feed(stream) == expected
    chunked = SSEParser()
    assert feed_all(split_at(stream, _cuts(data, stream)), chunked) == expected
    assert state(chunked) == state(whole)
    assert feed_all(bytewise(stream)) == expected
    assert reference_parse(stream)[0] == expected


_fragments = st.sampled_from(
    [
        b"data",
        b"event",
        b"id",
        b"retry",
        b":",
        b": ",
        b" ",
        b"\r",
        b"\n",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80",
        b"\xe2",
        b"\x82",
        b"\xff",
        b"\x00",
        b"12",
        b"x",
    ]
)
_noisy_bytes = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(_fragments, st.binary(max_size=3)), max_size=60).map(b"".join),
)


@settings(max_examples=400, deadline=None)
@given(st.data(), _noisy_bytes)
def test_arbitrary_bytes_never_raise_and_chunking_is_irrelevant(
    data: st.DataObject, stream: bytes
) -> None:
    whole = SSEParser()
    events = whole.feed(stream)
    expected_events, expected_state = reference_parse(stream)
    assert events == expected_events
    assert state(whole) == expected_state
    chunked = SSEParser()
    assert feed_all(split_at(stream, _cuts(data, stream)), chunked) == events
    assert state(chunked) == state(whole)
    bytewise_parser = SSEParser()
    assert feed_all(bytewise(stream), bytewise_parser) == events
    assert state(bytewise_parser) == state(whole)
    whole.close()
    chunked.close()
    assert not pending(whole)


@settings(max_examples=100, deadline=None)
@given(st.lists(_noisy_bytes, max_size=4))
def test_close_between_connections_matches_separate_streams(
    connections: Sequence[bytes],
) -> None:
    parser = SSEParser()
    for stream in connections:
        fresh = SSEParser(last_event_id=parser.last_event_id, retry=parser.retry)
        expected = fresh.feed(stream)
        assert parser.feed(stream) == expected
        parser.close()
        assert (parser.last_event_id, parser.retry) == (fresh.last_event_id, fresh.retry)
