"""``render-sdk runs``: the command definitions (implementations in ``_runs_impl``)."""

from __future__ import annotations

import click

from render_sdk.cli._state import invoke

__all__ = ["runs"]

_POSITIVE = click.FloatRange(min=0, min_open=True)


@click.group()
def runs() -> None:
    """List, inspect, cancel, wait for and watch task runs.

    \b
    Examples:
      render-sdk runs list --limit 5
      render-sdk runs watch trn-abc123 trn-def456
    """


@runs.command("list")
@click.option(
    "--task", multiple=True, metavar="SLUG", help="Only runs of this task slug; repeatable."
)
@click.option(
    "--root",
    multiple=True,
    metavar="RUN_ID",
    help="Only runs under this root run (trn-…); repeatable.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Show at most N runs (newest first)  [default: 20]",
)
@click.option("--all", "all_runs", is_flag=True, help="Show every run (not with --limit).")
@click.option("--json", "json_mode", is_flag=True, help="Print JSON (a list of runs).")
def list_command(
    task: tuple[str, ...],
    root: tuple[str, ...],
    limit: int | None,
    all_runs: bool,
    json_mode: bool,
) -> None:
    """List task runs, newest first: id, task, status, started, duration.

    \b
    Examples:
      render-sdk runs list --task my-workflow/square --limit 5
      render-sdk runs list --all --json
    """
    invoke(
        "_runs_impl",
        "list_runs",
        task=task,
        root=root,
        limit=limit,
        all_runs=all_runs,
        json_mode=json_mode,
    )


@runs.command("get")
@click.argument("run_id")
@click.option("--json", "json_mode", is_flag=True, help="Print the run's details as JSON.")
def get_command(run_id: str, json_mode: bool) -> None:
    """Show a run: status, timing, attempts, input, results and error (exit 0 if read).

    \b
    Example:
      render-sdk runs get trn-abc123
    """
    invoke("_runs_impl", "get_run", run_id=run_id, json_mode=json_mode)


@runs.command("cancel")
@click.argument("run_ids", metavar="RUN_ID...", nargs=-1, required=True)
def cancel_command(run_ids: tuple[str, ...]) -> None:
    """Cancel runs that have not finished (exit 5 if the API refuses one).

    \b
    Example:
      render-sdk runs cancel trn-abc123 trn-def456
    """
    invoke("_runs_impl", "cancel_runs", run_ids=run_ids)


@runs.command("wait")
@click.argument("run_ids", metavar="RUN_ID...", nargs=-1, required=True)
@click.option(
    "--timeout",
    type=_POSITIVE,
    metavar="SECONDS",
    help="Give up after this long (exit 4); the runs go on.",
)
@click.option(
    "--json",
    "json_mode",
    is_flag=True,
    help="Print JSON: the runs' details, in the order given.",
)
def wait_command(run_ids: tuple[str, ...], timeout: float | None, json_mode: bool) -> None:
    """Wait until every run has finished, printing each as it ends.

    Exit code: 1 if any failed, else 3 if any was canceled, else 4 if the wait
    timed out, else 0.

    \b
    Example:
      render-sdk runs wait trn-abc123 trn-def456 --timeout 300
    """
    invoke("_runs_impl", "wait_runs", run_ids=run_ids, timeout=timeout, json_mode=json_mode)


@runs.command("watch")
@click.argument("run_ids", metavar="RUN_ID...", nargs=-1, required=True)
@click.option(
    "--timeout",
    type=_POSITIVE,
    metavar="SECONDS",
    help="Stop watching after this long (exit 4); the runs go on.",
)
@click.option(
    "--json",
    "json_mode",
    is_flag=True,
    help="Print every update as one JSON object per line (JSON Lines).",
)
def watch_command(run_ids: tuple[str, ...], timeout: float | None, json_mode: bool) -> None:
    """Watch runs live over one events stream until all have finished.

    On a terminal: a table that updates in place. Otherwise: one line per run as
    it finishes. Exit codes as for 'runs wait'.

    \b
    Example:
      render-sdk runs watch trn-abc123 trn-def456
    """
    invoke("_runs_impl", "watch_runs", run_ids=run_ids, timeout=timeout, json_mode=json_mode)


@runs.command("logs")
@click.argument("run_id")
@click.option(
    "-f",
    "--follow",
    is_flag=True,
    help="Keep printing new lines until the run has finished.",
)
@click.option(
    "--timeout",
    type=_POSITIVE,
    metavar="SECONDS",
    help="Stop following after this long (exit 4); the run goes on.",
)
@click.option(
    "--json",
    "json_mode",
    is_flag=True,
    help="Print each line as one JSON object (JSON Lines, the API's log shape).",
)
def logs_command(run_id: str, follow: bool, timeout: float | None, json_mode: bool) -> None:
    """Print a run's log lines, oldest first: time, then message.

    With --follow, new lines are printed as they are written, over a WebSocket when
    the 'websocket' extra is installed (polling otherwise), until the run has finished.

    \b
    Examples:
      render-sdk runs logs trn-abc123
      render-sdk runs logs trn-abc123 --follow --json
    """
    invoke(
        "_logs_impl",
        "run_logs",
        run_id=run_id,
        follow=follow,
        timeout=timeout,
        json_mode=json_mode,
    )


@runs.command("tree")
@click.argument("run_id", metavar="ROOT_RUN_ID")
@click.option(
    "--follow",
    is_flag=True,
    help="Keep reading until every run of the tree has finished (live on a terminal).",
)
@click.option("--json", "json_mode", is_flag=True, help="Print the tree as nested JSON.")
def tree_command(run_id: str, follow: bool, json_mode: bool) -> None:
    """Show a run's subtask tree: task, id, status and duration of every run.

    Any run of the tree may be given; the tree below it is shown. With --follow,
    exit codes as for 'runs wait' (1 failed, 3 canceled).

    \b
    Examples:
      render-sdk runs tree trn-abc123
      render-sdk runs tree trn-abc123 --follow
      render-sdk runs tree trn-abc123 --json
    """
    invoke("_tree_impl", "show_tree", run_id=run_id, follow=follow, json_mode=json_mode)
