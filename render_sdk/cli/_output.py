"""Printing for humans and for scripts.

On a terminal (stdout is a TTY) output goes through rich: colours, tables, live
updates. Otherwise it is plain text with no escape codes and nothing that redraws, and
rich is never imported. ``--json`` output is plain JSON either way.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from render_sdk.models import TaskRun, TaskRunStatus

__all__ = [
    "Cell",
    "Output",
    "format_duration",
    "format_time",
    "status_style",
]

_SHORT_JSON = 72

Cell = tuple[str, str | None]
"""A table cell: its text and a rich style (ignored when not on a terminal)."""

_STATUS_STYLES = {
    "succeeded": "green",
    "completed": "green",
    "failed": "bold red",
    "canceled": "yellow",
    "running": "cyan",
    "pending": "blue",
    "paused": "magenta",
}

_STATUS_SYMBOLS = {
    "succeeded": "✓",
    "completed": "✓",
    "failed": "✗",
    "canceled": "⊘",
}


def status_style(status: TaskRunStatus | str | None) -> str | None:
    """The colour of a status on a terminal (None for statuses this CLI does not know)."""
    return _STATUS_STYLES.get(str(status)) if status is not None else None


def status_symbol(status: TaskRunStatus | str) -> str:
    """A one-character mark for a final status, or an empty string."""
    return _STATUS_SYMBOLS.get(str(status), "")


def format_time(value: datetime | None) -> str:
    """A timestamp in local time, to the second (``-`` when missing)."""
    if value is None:
        return "-"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_seconds(seconds: float) -> str:
    """``0.42s``, ``12.3s``, ``3m05s``, ``2h04m``."""
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_duration(run: TaskRun, now: datetime | None = None) -> str:
    """How long the run has been running, or ran (``-`` before it started)."""
    if run.started_at is None:
        return "-"
    end = run.completed_at
    if end is None:
        if run.status.is_terminal:
            return "-"
        end = now or datetime.now(timezone.utc)
    return format_seconds((end - run.started_at).total_seconds())


def compact_json(value: Any) -> str:
    """JSON on one line (for table cells and plain status lines)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def shorten(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class Output:
    """Where a command's output goes: a terminal (rich) or a pipe/file (plain text)."""

    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self.tty = _isatty(sys.stdout)
        """True when stdout is a terminal: colours, tables and live updates are allowed."""
        self._console: Console | None = None

    @property
    def live(self) -> bool:
        """True when live updates (spinner, redrawn tables) may be shown."""
        return self.tty and not self.json_mode

    @property
    def console(self) -> Console:
        """The rich console on stdout (only used on a terminal)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False, soft_wrap=False)
        return self._console

    def json(self, data: Any) -> None:
        """Print machine-readable JSON (indented; parse it with any JSON reader)."""
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def json_line(self, data: Any) -> None:
        """Print one JSON value on one line (a stream of updates: JSON Lines)."""
        _write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")

    def line(self, text: str = "", style: str | None = None) -> None:
        """Print a line, coloured on a terminal."""
        if self.tty:
            from rich.text import Text

            self.console.print(Text(text, style=style or ""))
        else:
            _write(text + "\n")

    def cells(self, cells: Sequence[Cell], sep: str = "  ") -> None:
        """Print one line made of styled pieces."""
        if self.tty:
            from rich.text import Text

            text = Text()
            for index, (piece, style) in enumerate(cells):
                if index:
                    text.append(sep)
                text.append(piece, style=style or "")
            self.console.print(text)
        else:
            _write(sep.join(piece for piece, _ in cells) + "\n")

    def pretty(self, value: Any) -> None:
        """Pretty-print a JSON value: on one line if short, else indented (coloured on a TTY)."""
        short = len(compact_json(value)) <= _SHORT_JSON
        if self.tty:
            from rich.json import JSON

            indent = None if short else 2
            self.console.print(JSON.from_data(value, indent=indent, ensure_ascii=False))
        else:
            _write((compact_json(value) if short else json.dumps(value, indent=2)) + "\n")

    def fields(self, rows: Sequence[tuple[str, Cell]]) -> None:
        """Print ``name  value`` lines with the names aligned."""
        width = max((len(name) for name, _ in rows), default=0)
        for name, (value, style) in rows:
            if self.tty:
                from rich.text import Text

                text = Text(name.ljust(width) + "  ", style="bold")
                text.append(value, style=style or "")
                self.console.print(text)
            else:
                _write(f"{name.ljust(width)}  {value}\n")

    def hint(self, text: str) -> None:
        """A tip for a person at a terminal (stderr, dim); scripts never see it."""
        if _isatty(sys.stderr):
            from rich.console import Console

            Console(stderr=True, highlight=False).print(text, style="dim")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Print a table with upper-case headers: rich on a terminal, aligned text otherwise.

        The same headers and cells either way; only colour and the rule differ.
        """
        if self.tty:
            self.console.print(rich_table(headers, rows))
            return
        widths = [len(header) for header in headers]
        for row in rows:
            for index, (text, _) in enumerate(row):
                widths[index] = max(widths[index], len(text))
        for row in [[(header.upper(), None) for header in headers], *rows]:
            pieces = [text.ljust(widths[i]) for i, (text, _) in enumerate(row)]
            _write("  ".join(pieces).rstrip() + "\n")


def rich_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Any:
    """A rich Table of styled cells (returned as Any so callers need not import rich)."""
    from rich.box import SIMPLE_HEAD
    from rich.table import Table
    from rich.text import Text

    table = Table(box=SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    # Every column keeps its full width except the last, which is cut when space runs out.
    for index, header in enumerate(headers):
        width = max([len(header), *(len(row[index][0]) for row in rows)])
        last = index == len(headers) - 1
        table.add_column(
            header.upper(), no_wrap=True, overflow="ellipsis", min_width=None if last else width
        )
    for row in rows:
        table.add_row(*(Text(text, style=style or "") for text, style in row))
    return table


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
