"""``render-sdk runs …``: list, read, cancel, wait for and watch task runs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import click

from render_sdk.errors import APIError, WaitTimeoutError
from render_sdk.models import TaskRun, TaskRunDetails, TaskRunStatus

from ._common import (
    RUN_HEADERS,
    outcome_code,
    outcome_summary,
    outcome_text,
    run_cells,
    run_json,
    task_label,
    task_names,
    validate_run_ids,
)
from ._output import (
    Cell,
    Output,
    compact_json,
    format_duration,
    format_seconds,
    format_time,
    rich_table,
    status_style,
    status_symbol,
)
from ._state import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    CliError,
    CliState,
    error_line,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["cancel_runs", "get_run", "list_runs", "wait_runs", "watch_runs"]

DEFAULT_LIST_LIMIT = 20


def list_runs(
    state: CliState,
    *,
    task: tuple[str, ...],
    root: tuple[str, ...],
    limit: int | None,
    all_runs: bool,
    json_mode: bool,
) -> int:
    """Print task runs, newest first: ``limit`` rows (20 by default), or every run."""
    if all_runs and limit is not None:
        raise CliError("--all shows every run; it cannot be combined with --limit")
    limit = DEFAULT_LIST_LIMIT if limit is None else limit
    out = Output(json_mode=json_mode)
    client = state.client()
    runs = list(
        client.workflows.list_task_runs(
            task=task or None,
            root_task_run_id=validate_run_ids(root) or None,
            limit=100 if all_runs else min(limit, 100),
            max_items=None if all_runs else limit,
        )
    )
    if json_mode:
        out.json([run_json(run) for run in runs])
        return EXIT_OK
    names = task_names(client, {run.task_id for run in runs})
    out.table(RUN_HEADERS, [run_cells(run, names) for run in runs])
    return EXIT_OK


def get_run(state: CliState, *, run_id: str, json_mode: bool) -> int:
    """Print one run's details: status, timing, attempts, input, results, error."""
    out = Output(json_mode=json_mode)
    (run_id,) = validate_run_ids([run_id])
    client = state.client()
    details = client.workflows.get_task_run(run_id)
    if json_mode:
        out.json(run_json(details))
        return EXIT_OK
    names = task_names(client, [details.task_id])
    label = task_label(details.task_id, names)
    task = label if label == details.task_id else f"{label} ({details.task_id})"
    rows: list[tuple[str, Cell]] = [
        ("id", (details.id, "bold")),
        ("task", (task, None)),
        ("status", (str(details.status), status_style(details.status))),
        ("started", (format_time(details.started_at), None)),
        ("completed", (format_time(details.completed_at), None)),
        ("duration", (format_duration(details), None)),
        ("attempts", (f"{len(details.attempts)} (retries: {details.retries})", None)),
    ]
    if not details.is_root:
        rows.append(("parent", (details.parent_task_run_id, None)))
        rows.append(("root", (details.root_task_run_id, None)))
    rows.append(("input", (compact_json(details.input), None)))
    if details.error:
        rows.append(("error", (details.error, "red")))
    out.fields(rows)
    if details.status.is_success or details.results:
        out.line("results:", "bold")
        out.pretty(details.results)
    return EXIT_OK


def cancel_runs(state: CliState, *, run_ids: tuple[str, ...]) -> int:
    """Cancel each run; report the ones the API refused (exit 5) and go on with the rest."""
    out = Output()
    ids = validate_run_ids(run_ids)
    client = state.client()
    code = EXIT_OK
    for run_id in ids:
        try:
            client.workflows.cancel_task_run(run_id)
        except APIError as exc:
            click.echo(f"error: {error_line(exc)}", err=True)
            code = EXIT_API
        else:
            out.cells([("canceled", "yellow"), (run_id, None)])
    return code


def _finished_cells(details: TaskRunDetails, tty: bool) -> list[Cell]:
    style = status_style(details.status)
    mark = f"{status_symbol(details.status)} " if tty else ""
    cells: list[Cell] = [
        (f"{mark}{details.id}", style),
        (str(details.status), style),
        (format_duration(details), None),
    ]
    text = outcome_text(details)
    if text:
        cells.append((text, "red" if details.status is TaskRunStatus.FAILED else None))
    return cells


def _finish(
    finished: Sequence[TaskRunDetails],
    timed_out: WaitTimeoutError | None,
    timeout: float | None,
) -> int:
    """Exit code of a wait/watch (1 failed > 3 canceled > 4 timed out > 0), with one error line."""
    code = outcome_code(details.status for details in finished)
    messages = []
    summary = outcome_summary(finished)
    if summary:
        messages.append(summary)
    if timed_out is not None:
        if code == EXIT_OK:
            code = EXIT_TIMEOUT
        messages.append(_timeout_message(timed_out.pending, timeout))
    if messages:
        click.echo(f"error: {'; '.join(messages)}", err=True)
    return code


def _timeout_message(pending: Mapping[str, TaskRunStatus | None], timeout: float | None) -> str:
    listed = ", ".join(f"{run_id} {status or 'unknown'}" for run_id, status in pending.items())
    count = "1 run" if len(pending) == 1 else f"{len(pending)} runs"
    return (
        f"gave up waiting after {format_seconds(timeout or 0)}: {count} not finished "
        f"({listed}); left running"
    )


def wait_runs(
    state: CliState, *, run_ids: tuple[str, ...], timeout: float | None, json_mode: bool
) -> int:
    """Wait for every run (one events stream), printing each as it finishes."""
    out = Output(json_mode=json_mode)
    ids = validate_run_ids(run_ids)
    client = state.client()
    finished: dict[str, TaskRunDetails] = {}
    timed_out: WaitTimeoutError | None = None
    try:
        with client.workflows.as_completed(ids, timeout=timeout) as completed:
            for details in completed:
                finished[details.id] = details
                if not json_mode:
                    out.cells(_finished_cells(details, out.tty))
    except WaitTimeoutError as exc:
        timed_out = exc
    except KeyboardInterrupt:
        click.echo("render-sdk: stopped waiting; the runs go on", err=True)
        return EXIT_INTERRUPTED
    if json_mode:
        out.json(
            [
                run_json(finished.get(run_id) or client.workflows.get_task_run(run_id))
                for run_id in ids
            ]
        )
    return _finish(list(finished.values()), timed_out, timeout)


class _WatchTable:
    """The live table of ``runs watch``: one row per run, durations ticking."""

    def __init__(self, rows: dict[str, TaskRun], names: dict[str, str]) -> None:
        self.rows = rows
        self.names = names
        self.started = time.monotonic()

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.text import Text

        rows = list(self.rows.values())
        cells = []
        for run in rows:
            row = run_cells(run, self.names)
            text = outcome_text(run) if isinstance(run, TaskRunDetails) and run.is_terminal else ""
            row.append((text, "red" if run.status is TaskRunStatus.FAILED else None))
            cells.append(row)
        done = sum(1 for run in rows if run.is_terminal)
        footer = Text(
            f"{done} of {len(rows)} finished · {format_seconds(time.monotonic() - self.started)}",
            style="dim",
        )
        return Group(rich_table((*RUN_HEADERS, "result"), cells), footer)


def watch_runs(
    state: CliState, *, run_ids: tuple[str, ...], timeout: float | None, json_mode: bool
) -> int:
    """Follow runs over one events stream: a live table on a terminal, else one line per end.

    With ``--json``, every update is printed as one JSON line (JSON Lines).
    """
    out = Output(json_mode=json_mode)
    ids = validate_run_ids(run_ids)
    client = state.client()
    rows: dict[str, TaskRun] = {}
    live: AbstractContextManager[Any] = nullcontext()
    if out.live:
        from rich.live import Live

        for run_id in ids:
            rows[run_id] = client.workflows.get_task_run(run_id)
        table = _WatchTable(rows, task_names(client, {run.task_id for run in rows.values()}))
        live = Live(table, console=out.console, refresh_per_second=4)
    finished: dict[str, TaskRunDetails] = {}
    timed_out: WaitTimeoutError | None = None
    try:
        with client.workflows.task_run_events(ids, timeout=timeout) as events, live:
            for update in events:
                rows[update.id] = update
                final = events.finished.get(update.id) is update
                if final:
                    finished[update.id] = update
                if json_mode:
                    out.json_line(run_json(update))
                elif not out.tty and final:
                    out.cells(_finished_cells(update, tty=False))
    except WaitTimeoutError as exc:
        timed_out = exc
    except KeyboardInterrupt:
        click.echo("render-sdk: stopped watching; the runs go on", err=True)
        return EXIT_INTERRUPTED
    return _finish(list(finished.values()), timed_out, timeout)
