"""``tasks run`` without TASK on a terminal: pick a task from a list, then type its input.

Only used when both stdin and stdout are terminals; anywhere else a missing TASK is a
usage error, so scripts never hang on a prompt.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from render_sdk import Client
from render_sdk.errors import InvalidArgumentError
from render_sdk.identifiers import parse_task_identifier
from render_sdk.models import Task

from ._common import parse_input
from ._state import EXIT_USAGE, CliError

__all__ = ["MISSING_TASK", "interactive", "pick_input", "pick_task"]

MISSING_TASK = (
    "missing TASK: pass a task slug (workflow-slug/task-name) or a task ID (tsk-…), "
    "for example: render-sdk tasks run my-workflow/square '[5]'; "
    "'render-sdk tasks list' shows the registered tasks"
)


def interactive() -> bool:
    """True when a person can answer prompts: stdin and stdout are both terminals."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def pick_task(client: Client) -> tuple[str, str]:
    """Show the registered tasks and ask for one; return (identifier to run, label).

    The list and the prompts go to stderr, so stdout holds only the command's output.
    """
    tasks: list[Task] = list(client.workflows.list_tasks(limit=100, max_items=1000))
    if not tasks:
        raise CliError("no tasks are registered; nothing to pick from", EXIT_USAGE)
    click.echo(click.style("Tasks:", bold=True), err=True)
    width = len(str(len(tasks)))
    names = max(len(task.name) for task in tasks)
    for number, task in enumerate(tasks, start=1):
        click.echo(
            f"  {click.style(f'{number:>{width}})', bold=True)} "
            f"{click.style(task.name.ljust(names), fg='cyan')}  "
            f"{click.style(task.id + '  ' + (task.workflow_id or ''), dim=True)}".rstrip(),
            err=True,
        )
    while True:
        answer = click.prompt(f"Task to run [1-{len(tasks)}, or a slug or ID]", err=True).strip()
        if answer.isdigit() and 1 <= int(answer) <= len(tasks):
            task = tasks[int(answer) - 1]
            return task.id, task.name
        try:
            return parse_task_identifier(answer).value, answer
        except InvalidArgumentError as exc:
            click.echo(f"error: {exc}", err=True)


def pick_input() -> list[Any] | dict[str, Any]:
    """Ask for the input until it is a JSON array or object (nothing is sent before)."""
    while True:
        text = click.prompt("Input, a JSON array or object", default="[]", err=True)
        try:
            return parse_input(text, "the input")
        except CliError as exc:
            click.echo(f"error: {exc}", err=True)
