"""``render-sdk runs logs`` and ``tasks run --logs``: print a run's log lines, or follow them."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from render_sdk import Client
from render_sdk.errors import WaitTimeoutError
from render_sdk.models import LogEntry

from ._common import validate_run_ids
from ._output import Output, format_seconds
from ._state import EXIT_INTERRUPTED, EXIT_OK, EXIT_TIMEOUT, CliError, CliState

__all__ = ["print_entry", "run_logs", "tail_run_logs"]

_LEVEL_STYLES = {"error": "red", "warning": "yellow", "warn": "yellow", "debug": "dim"}


def _utc(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes it: ``…T03:04:05.123456Z``."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def _clock(moment: datetime) -> str:
    local = moment.astimezone()
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def print_entry(out: Output, entry: LogEntry, *, json_mode: bool, to_stderr: bool = False) -> None:
    """One line: JSON Lines with ``json_mode``; ``TIME MESSAGE`` otherwise.

    On a terminal the time is local and short and the message is coloured by level; in a
    pipe the time is RFC 3339 (UTC, microseconds) and nothing is coloured.
    """
    if to_stderr:
        text = f"{_utc(entry.timestamp)} {entry.message}"
        click.echo(text, err=True)
    elif json_mode:
        out.json_line(entry.to_dict())
    elif out.tty:
        out.cells(
            [(_clock(entry.timestamp), "dim"), (entry.message, _LEVEL_STYLES.get(entry.level))],
            sep=" ",
        )
    else:
        sys.stdout.write(f"{_utc(entry.timestamp)} {entry.message}\n")
        sys.stdout.flush()


def _timed_out(run_id: str, timeout: float | None) -> CliError:
    return CliError(
        f"gave up following the logs of task run {run_id} after "
        f"{format_seconds(timeout or 0)}; the run goes on: render-sdk runs logs {run_id} --follow",
        EXIT_TIMEOUT,
    )


def run_logs(
    state: CliState, *, run_id: str, follow: bool, timeout: float | None, json_mode: bool
) -> int:
    """Print a run's log lines, oldest first; with ``follow``, until the run has finished."""
    out = Output(json_mode=json_mode)
    (run_id,) = validate_run_ids([run_id])
    client = state.client()
    try:
        with client.workflows.task_run_logs(run_id, follow=follow, timeout=timeout) as lines:
            for entry in lines:
                print_entry(out, entry, json_mode=json_mode)
    except WaitTimeoutError:
        raise _timed_out(run_id, timeout) from None
    except KeyboardInterrupt:
        click.echo(f"render-sdk: stopped following; task run {run_id} goes on", err=True)
        return EXIT_INTERRUPTED
    return EXIT_OK


def tail_run_logs(
    client: Client, out: Output, run_id: str, *, timeout: float | None, json_mode: bool
) -> None:
    """Print a just-started run's lines as they come, until it has finished.

    With ``json_mode`` stdout is kept for the run's JSON, so the lines go to stderr.
    """
    if out.live:
        out.line(f"following the logs of {run_id} (Ctrl-C stops; the run goes on)", "dim")
    try:
        with client.workflows.task_run_logs(run_id, follow=True, timeout=timeout) as lines:
            for entry in lines:
                print_entry(out, entry, json_mode=False, to_stderr=json_mode)
    except WaitTimeoutError:
        raise _timed_out(run_id, timeout) from None
