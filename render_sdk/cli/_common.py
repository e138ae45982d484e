"""Helpers shared by the ``tasks`` and ``runs`` commands (imported only when one runs)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from render_sdk import Client
from render_sdk.errors import APIError
from render_sdk.identifiers import validate_task_run_id
from render_sdk.models import TaskRun, TaskRunDetails, TaskRunStatus

from ._output import Cell, compact_json, format_duration, format_time, shorten, status_style
from ._state import EXIT_CANCELED, EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError

__all__ = [
    "load_input",
    "outcome_code",
    "parse_input",
    "run_cells",
    "run_json",
    "task_label",
    "task_names",
    "validate_run_ids",
]

RUN_HEADERS = ("id", "task", "status", "started", "duration")


def run_json(run: TaskRun) -> Any:
    """The run as the API's camelCase JSON (a run handle without its client)."""
    return run.to_dict()


def validate_run_ids(run_ids: Sequence[str]) -> list[str]:
    """Check every task run ID before anything is sent (InvalidArgumentError -> exit 2)."""
    return [validate_task_run_id(run_id) for run_id in dict.fromkeys(run_ids)]


def load_input(text: str | None, path: str | None) -> list[Any] | dict[str, Any]:
    """The task input from the INPUT argument, a file or stdin (``-``); ``[]`` by default."""
    if text is not None and path is not None:
        raise CliError("give the input either as INPUT or with --input-file, not both")
    if path is not None:
        where = "standard input" if path == "-" else f"input file {path!r}"
        try:
            if path == "-":
                source = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CliError(f"cannot read {where}: {reason}") from None
    elif text is not None:
        where, source = "INPUT", text
    else:
        return []
    return parse_input(source, where)


def parse_input(source: str, where: str) -> list[Any] | dict[str, Any]:
    """Task input from JSON text: an array or an object (CliError, exit 2, otherwise)."""
    try:
        value = json.loads(source)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{where} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}); "
            "expected a JSON array like '[5]' or an object like '{\"a\": 5}'"
        ) from None
    if not isinstance(value, list | dict):
        kind = {str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
        raise CliError(
            f"{where} must be a JSON array (positional arguments) or object (keyword "
            f"arguments), got a {kind}; for a single argument write '[{source.strip()}]'",
            EXIT_USAGE,
        )
    return value


def task_names(client: Client, task_ids: Iterable[str]) -> dict[str, str]:
    """Task ID -> task name, for display; empty when the tasks cannot be listed."""
    wanted = set(task_ids)
    if not wanted:
        return {}
    names: dict[str, str] = {}
    try:
        for task in client.workflows.list_tasks(limit=100, max_items=1000):
            names[task.id] = task.name
            if wanted <= names.keys():
                break
    except APIError:
        return {}
    return names


def task_label(task_id: str, names: dict[str, str]) -> str:
    """The task's name when known, else its ID."""
    return names.get(task_id, task_id)


def run_cells(run: TaskRun, names: dict[str, str]) -> list[Cell]:
    """A row of the runs table: id, task, status (coloured), started, duration."""
    return [
        (run.id, None),
        (task_label(run.task_id, names), None),
        (str(run.status), status_style(run.status)),
        (format_time(run.started_at), None),
        (format_duration(run), None),
    ]


def outcome_text(details: TaskRunDetails) -> str:
    """The results of a succeeded run, or the error of a failed one, shortened to a cell."""
    if details.status.is_success:
        return shorten(compact_json(details.results))
    if details.status is TaskRunStatus.FAILED:
        return shorten(details.error or "")
    return ""


def outcome_code(statuses: Iterable[TaskRunStatus]) -> int:
    """Exit code of a set of finished runs: 1 if any failed, else 3 if any canceled, else 0."""
    seen = set(statuses)
    if TaskRunStatus.FAILED in seen:
        return EXIT_FAILED
    if TaskRunStatus.CANCELED in seen:
        return EXIT_CANCELED
    return EXIT_OK


def outcome_summary(finished: Sequence[TaskRunDetails]) -> str | None:
    """One error line for failed and canceled runs among ``finished`` (None if all succeeded)."""
    failed = [d for d in finished if d.status is TaskRunStatus.FAILED]
    canceled = [d for d in finished if d.status is TaskRunStatus.CANCELED]
    if len(finished) == 1 and failed:
        reason = f": {failed[0].error}" if failed[0].error else ""
        return f"task run {failed[0].id} failed{reason}"
    if len(finished) == 1 and canceled:
        return f"task run {canceled[0].id} was canceled"
    parts = []
    if failed:
        parts.append(f"{_count(len(failed))} failed ({', '.join(d.id for d in failed)})")
    if canceled:
        parts.append(f"{_count(len(canceled))} canceled ({', '.join(d.id for d in canceled)})")
    return "; ".join(parts) or None


def _count(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"
