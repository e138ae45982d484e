"""``render-sdk tasks``: the command definitions (implementations in ``_tasks_impl``)."""

from __future__ import annotations

import click

from render_sdk.cli._state import invoke

__all__ = ["tasks"]

_POSITIVE = click.FloatRange(min=0, min_open=True)


@click.group()
def tasks() -> None:
    """List tasks, read one, and run them.

    \b
    Examples:
      render-sdk tasks list
      render-sdk tasks run my-workflow/square '[5]'
    """


@tasks.command("list")
@click.option(
    "--workflow",
    "workflow",
    multiple=True,
    metavar="WORKFLOW_ID",
    help="Only tasks of this workflow (wfl-…); repeatable.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print JSON (a list of tasks).")
def list_command(workflow: tuple[str, ...], json_mode: bool) -> None:
    """List registered tasks.

    \b
    Example:
      render-sdk tasks list --json
    """
    invoke("_tasks_impl", "list_tasks", workflow=workflow, json_mode=json_mode)


@tasks.command("get")
@click.argument("task")
@click.option("--json", "json_mode", is_flag=True, help="Print the task as JSON.")
def get_command(task: str, json_mode: bool) -> None:
    """Show one task, by ID (tsk-…) or slug (workflow-slug/task-name).

    \b
    Example:
      render-sdk tasks get tsk-d6i4sq3e5fsc73eg7qr0
    """
    invoke("_tasks_impl", "get_task", task=task, json_mode=json_mode)


@tasks.command("run")
@click.argument("task", metavar="[TASK]", required=False)
@click.argument("input_text", metavar="[INPUT]", required=False)
@click.option(
    "--input-file",
    metavar="PATH|-",
    help="Read INPUT from a file, or from standard input with '-'.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    help="Follow the run to its end and exit with its outcome (the default), or print "
    "the new run's ID and exit 0 at once.",
)
@click.option(
    "--timeout",
    type=_POSITIVE,
    metavar="SECONDS",
    help="Give up waiting after this long (exit 4); the run goes on.",
)
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="Repeating a start with the same key within 24 h returns the first run.",
)
@click.option(
    "--json",
    "json_mode",
    is_flag=True,
    help="Print only JSON: the run's details (or, with --no-wait, the started run).",
)
@click.option(
    "--logs",
    is_flag=True,
    help="Print the run's log lines as they are written while waiting (implies --wait; "
    "with --json they go to stderr).",
)
def run_command(
    task: str | None,
    input_text: str | None,
    input_file: str | None,
    wait: bool,
    timeout: float | None,
    idempotency_key: str | None,
    json_mode: bool,
    logs: bool,
) -> None:
    """Start a run of TASK (slug workflow-slug/task-name[:version] or ID tsk-…).

    INPUT is a JSON array (positional arguments) or object (keyword arguments);
    the default is [] (no arguments). The command waits for the run and exits with
    its outcome: 0 succeeded, 1 failed, 3 canceled, 4 timed out (a terminal also
    shows a live status line). Without TASK, on a terminal, it offers the registered
    tasks to pick from and asks for INPUT; elsewhere TASK is required.

    \b
    Examples:
      render-sdk tasks run my-workflow/square '[5]'
      render-sdk tasks run my-workflow/greet '{"name": "Ada"}' --timeout 60
      echo '[2, 3]' | render-sdk tasks run my-workflow/add --input-file - --json
      RUN=$(render-sdk tasks run my-workflow/square '[5]' --no-wait)
    """
    invoke(
        "_tasks_impl",
        "run_task",
        task=task,
        input_text=input_text,
        input_file=input_file,
        wait=wait,
        timeout=timeout,
        idempotency_key=idempotency_key,
        json_mode=json_mode,
        logs=logs,
    )
