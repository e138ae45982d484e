"""``render-sdk tasks …``: list and read tasks, start a run and follow it to its end."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import click

from render_sdk.errors import WaitTimeoutError
from render_sdk.identifiers import parse_task_identifier, validate_task_id
from render_sdk.models import Task, TaskRun, TaskRunDetails

from ._common import load_input, outcome_code, outcome_summary, run_json
from ._logs_impl import tail_run_logs
from ._output import Output, format_seconds, format_time, status_style, status_symbol
from ._pick import MISSING_TASK, interactive, pick_input, pick_task
from ._state import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    CliError,
    CliState,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["get_task", "list_tasks", "run_task"]


def list_tasks(state: CliState, *, workflow: tuple[str, ...], json_mode: bool) -> int:
    """Print every registered task (optionally of some workflows only)."""
    out = Output(json_mode=json_mode)
    client = state.client()
    tasks = list(client.workflows.list_tasks(workflow_id=workflow or None, limit=100))
    if json_mode:
        out.json([task.to_dict() for task in tasks])
        return EXIT_OK
    out.table(
        ("id", "name", "workflow", "created"),
        [
            [
                (t.id, None),
                (t.name, "bold"),
                (t.workflow_id or "-", None),
                (format_time(t.created_at), None),
            ]
            for t in tasks
        ],
    )
    return EXIT_OK


def get_task(state: CliState, *, task: str, json_mode: bool) -> int:
    """Print one task, given its ID (``tsk-…``) or its slug (``workflow/task``)."""
    out = Output(json_mode=json_mode)
    client = state.client()
    found: Task
    if parse_task_identifier(task).kind == "slug":
        matches = list(client.workflows.list_tasks(task=task, limit=1, max_items=1))
        if not matches:
            raise CliError(f"no task with slug {task!r}", EXIT_API)
        found = matches[0]
    else:
        found = client.workflows.get_task(validate_task_id(task))
    if json_mode:
        out.json(found.to_dict())
        return EXIT_OK
    out.fields(
        [
            ("id", (found.id, None)),
            ("name", (found.name, "bold")),
            ("workflow", (found.workflow_id or "-", None)),
            ("version", (found.workflow_version_id or "-", None)),
            ("created", (format_time(found.created_at), None)),
        ]
    )
    return EXIT_OK


class _StatusLine:
    """The live line shown while a run is pending or running: spinner, status, elapsed."""

    def __init__(self, label: str, run: TaskRun, started: float) -> None:
        from rich.spinner import Spinner

        self.label = label
        self.run_id = run.id
        self.status = run.status
        self.started = started
        self._spinner = Spinner("dots", style="cyan")

    def __rich__(self) -> RenderableType:
        from rich.text import Text

        elapsed = format_seconds(time.monotonic() - self.started)
        self._spinner.update(
            text=Text.assemble(
                (self.label, "bold"),
                "  ",
                (self.run_id, "dim"),
                "  ",
                (str(self.status), status_style(self.status) or ""),
                "  ",
                elapsed,
            )
        )
        return self._spinner


def run_task(
    state: CliState,
    *,
    task: str | None,
    input_text: str | None,
    input_file: str | None,
    wait: bool,
    timeout: float | None,
    idempotency_key: str | None,
    json_mode: bool,
    logs: bool = False,
) -> int:
    """Start a run; unless told not to wait, follow it and exit with its outcome.

    Without ``task``, a person at a terminal picks one (and types the input); anywhere
    else that is a usage error (exit 2). With ``logs`` the run's lines are printed as
    they come, before its results.
    """
    if logs and not wait:
        raise CliError("--logs follows the run while waiting: it cannot go with --no-wait")
    if not wait and timeout is not None:
        raise CliError("--timeout limits waiting; it cannot be combined with --no-wait")
    out = Output(json_mode=json_mode)
    if task is None:
        if not interactive():
            raise CliError(MISSING_TASK, EXIT_USAGE)
        client = state.client()
        task, label = pick_task(client)
        payload = load_input(None, input_file) if input_file is not None else pick_input()
    else:
        payload = load_input(input_text, input_file)
        parse_task_identifier(task)  # a malformed identifier is a usage error: exit 2
        label = task
        client = state.client()
    started = time.monotonic()
    run = client.workflows.start_task(task, payload, idempotency_key=idempotency_key)
    if not wait:
        # The same output everywhere: scripts capture the ID with RUN=$(... --no-wait).
        if json_mode:
            out.json(run_json(run))
        else:
            out.line(run.id)
            out.hint(f"follow it with: render-sdk runs watch {run.id}")
        return EXIT_OK

    if logs:
        # The lines end once the run has; the wait below then reads its final state.
        tail_run_logs(client, out, run.id, timeout=timeout, json_mode=json_mode)
    last: TaskRun = run
    final: TaskRunDetails | None = None
    line: Any = _StatusLine(label, run, started) if out.live else None
    live: AbstractContextManager[Any] = nullcontext()
    if line is not None:
        from rich.live import Live

        live = Live(line, console=out.console, refresh_per_second=10, transient=True)
    try:
        with client.workflows.task_run_events([run.id], timeout=timeout) as events, live:
            for update in events:
                last = update
                final = events.finished.get(run.id)
                if line is not None:
                    line.status = update.status
    except WaitTimeoutError:
        if json_mode:
            out.json(run_json(last))
        raise CliError(
            f"gave up waiting for task run {run.id} after {format_seconds(timeout or 0)} "
            f"(last status {last.status}); the run goes on: render-sdk runs wait {run.id}",
            EXIT_TIMEOUT,
        ) from None
    except KeyboardInterrupt:
        click.echo(
            f"render-sdk: stopped waiting; task run {run.id} goes on "
            f"(stop it with: render-sdk runs cancel {run.id})",
            err=True,
        )
        return EXIT_INTERRUPTED

    if final is None:  # pragma: no cover - the events stream ends only once the run has
        raise RuntimeError(f"the events stream ended before task run {run.id} finished")
    if json_mode:
        out.json(run_json(final))
    elif final.status.is_success:
        elapsed = format_seconds(time.monotonic() - started)
        style = status_style(final.status)
        mark = f"{status_symbol(final.status)} " if out.tty else ""
        out.cells([(f"{mark}{final.id}", style), (f"{final.status} in {elapsed}", style)])
        out.pretty(final.results)
    code = outcome_code([final.status])
    summary = outcome_summary([final])
    if code and summary:
        click.echo(f"error: {summary}", err=True)
    return code
