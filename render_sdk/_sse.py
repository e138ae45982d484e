"""Incremental Server-Sent Events parser shared by the sync and async clients.

Pure: no I/O and nothing beyond the standard library. A transport (``requests``
in the blocking twin, ``httpx`` in the asyncio twin) feeds raw byte chunks, cut
anywhere, to :meth:`SSEParser.feed` and gets back the events those bytes
completed. The parser follows the WHATWG HTML "event stream interpretation"
rules:

* the stream is UTF-8, decoded incrementally (a character split across chunks
  decodes correctly; invalid bytes become U+FFFD); one leading byte order mark
  is stripped;
* lines end with CRLF, LF or CR; a CR ending one chunk followed by an LF
  starting the next is a single line break;
* a line starting with ``:`` is a comment (counted in
  :attr:`SSEParser.comments_seen`, useful to detect heartbeats such as
  ``: ping``);
* ``field:value`` loses at most one space after the colon; a line without a
  colon is a field name with an empty value; unknown fields are ignored;
* ``event`` sets the type of the next event, ``data`` appends a line to its
  data, ``id`` sets the last event ID (ignored when it contains U+0000),
  ``retry`` sets the reconnection time in milliseconds (ignored unless ASCII
  digits only);
* a blank line dispatches the event, unless no ``data`` line was seen, in
  which case the pending type is dropped and nothing is dispatched (the
  ``id`` still takes effect);
* an event not terminated by a blank line when the stream ends is discarded.

Each chunk is scanned once, and partial lines are kept as a list of pieces
joined once, so feeding a large stream in many tiny chunks stays linear.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["ServerSentEvent", "SSEParser"]

_BOM = "\ufeff"

# ``retry`` values beyond this many significant digits are clamped to
# ``_RETRY_MAX`` rather than converted: converting thousands of digits is slow
# (and refused by Python's int/str conversion limit), and no client waits that
# long anyway.
_RETRY_MAX_DIGITS = 18
_RETRY_MAX: int = 10**_RETRY_MAX_DIGITS - 1


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    Attributes:
        data: The ``data`` lines joined with ``"\\n"``.
        event: The event type; ``"message"`` when no (or an empty) ``event``
            field was given.
        id: The last event ID in force when the event was dispatched (it
            carries over from earlier events until an ``id`` field changes it).
        retry: The reconnection time in milliseconds in force when the event
            was dispatched (the latest valid ``retry`` field), or ``None``.
    """

    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


class SSEParser:
    """Incremental event-stream parser: feed bytes, collect events.

    One parser may follow a stream across reconnections: call :meth:`close`
    when a connection ends, send :attr:`last_event_id` (as ``Last-Event-ID``)
    and wait :attr:`retry` milliseconds before reconnecting, then feed the new
    connection's bytes to the same parser.

    Attributes:
        last_event_id: The stream's last event ID, updated whenever a blank
            line is reached (whether or not an event is dispatched). An ``id``
            field of an event cut off by the end of the stream does not count.
        retry: The reconnection time in milliseconds from the latest valid
            ``retry`` field, or ``None`` if the server sent none.
        comments_seen: How many comment lines (``: ping`` heartbeats and the
            like) have been parsed so far, over all connections.
        bytes_seen: How many bytes have been fed so far, over all connections.
    """

    __slots__ = (
        "_bom_checked",
        "_data",
        "_decoder",
        "_event_type",
        "_id_buffer",
        "_line_parts",
        "_pending_cr",
        "bytes_seen",
        "comments_seen",
        "last_event_id",
        "retry",
    )

    def __init__(self, *, last_event_id: str = "", retry: int | None = None) -> None:
        """Create a parser, optionally resuming from a previous stream's state.

        Args:
            last_event_id: Initial last event ID (for example the value sent as
                ``Last-Event-ID`` when the stream was opened).
            retry: Initial reconnection time in milliseconds, if known.
        """
        self.last_event_id: str = last_event_id
        self.retry: int | None = retry
        self.comments_seen: int = 0
        self.bytes_seen: int = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._bom_checked = False
        self._pending_cr = False
        self._line_parts: list[str] = []
        self._data: list[str] = []
        self._event_type = ""
        self._id_buffer = last_event_id

    @property
    def has_pending(self) -> bool:
        """Whether bytes of an unfinished line or event are buffered.

        True when the stream so far ends in the middle of an event: if the
        connection ended now, :meth:`close` would discard something.
        """
        return bool(
            self._line_parts
            or self._data
            or self._event_type
            or self._id_buffer != self.last_event_id
            or self._decoder.getstate()[0]
        )

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Parse the next bytes of the stream.

        Args:
            chunk: Any number of bytes (possibly none), cut anywhere: inside a
                line, between a CR and its LF, or inside a UTF-8 character.

        Returns:
            The events completed by this chunk, in stream order (often empty).
        """
        if not chunk:
            return []
        self.bytes_seen += len(chunk)
        text = self._decoder.decode(chunk)
        if not text:  # only part of a multi-byte character so far
            return []
        if not self._bom_checked:
            self._bom_checked = True
            if text[0] == _BOM:
                text = text[1:]
        if self._pending_cr and text[:1] == "\n":
            text = text[1:]  # the LF of a CRLF split across chunks
        if not text:
            self._pending_cr = False
            return []
        # A CR ending this text already ends a line; remember it so that an LF
        # starting the next text is not taken for a second (blank) line.
        self._pending_cr = text[-1] == "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        last = lines.pop()  # unterminated remainder ("" if text ended a line)
        events: list[ServerSentEvent] = []
        if lines:
            if self._line_parts:
                self._line_parts.append(lines[0])
                lines[0] = "".join(self._line_parts)
                self._line_parts.clear()
            for line in lines:
                self._process_line(line, events)
        if last:
            self._line_parts.append(last)
        return events

    def close(self) -> None:
        """End the current connection's stream.

        As the event-stream rules require, an event not yet terminated by a
        blank line (and any partial line or partial character) is discarded,
        so closing never produces events. Per-connection state is reset: the
        next :meth:`feed` starts a new stream (whose leading byte order mark
        is stripped again). :attr:`last_event_id`, :attr:`retry`,
        :attr:`comments_seen` and :attr:`bytes_seen` are kept, so the parser
        can follow the stream across a reconnection. Calling it again, or on
        a parser that was never fed, does nothing harmful.
        """
        self._decoder.reset()
        self._bom_checked = False
        self._pending_cr = False
        self._line_parts.clear()
        self._data.clear()
        self._event_type = ""
        self._id_buffer = self.last_event_id

    def _process_line(self, line: str, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        colon = line.find(":")
        if colon == 0:
            self.comments_seen += 1
            return
        if colon < 0:
            field, value = line, ""
        else:
            field = line[:colon]
            value = line[colon + 1 :]
            if value[:1] == " ":
                value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event_type = value
        elif field == "id":
            if "\x00" not in value:
                self._id_buffer = value
        elif field == "retry":
            retry = _parse_retry(value)
            if retry is not None:
                self.retry = retry
        # Any other field is ignored.

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        self.last_event_id = self._id_buffer
        if not self._data:
            self._event_type = ""
            return
        events.append(
            ServerSentEvent(
                data="\n".join(self._data),
                event=self._event_type or "message",
                id=self.last_event_id,
                retry=self.retry,
            )
        )
        self._data.clear()
        self._event_type = ""


def _parse_retry(value: str) -> int | None:
    """Return a ``retry`` field's milliseconds, or ``None`` if it is invalid.

    Only ASCII digits are valid (no sign, space or other Unicode digits).
    """
    if not (value.isascii() and value.isdigit()):
        return None
    digits = value.lstrip("0")
    if len(digits) > _RETRY_MAX_DIGITS:
        return _RETRY_MAX
    return int(digits or "0")
