"""A guided tour of render_sdk, run against the local server: ``python -m render_sdk.local.demo``.

It starts the local Render Workflows API server in a background thread with the
bundled example workflow ``demo`` (see ``render_sdk.local.examples.demo``), then
uses the blocking ``Client`` and the asyncio ``AsyncClient`` the way application
code would, printing what happens at each step. No Render account is needed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from render_sdk import (
    AsyncClient,
    Client,
    RenderError,
    TaskRunCanceledError,
    TaskRunDetails,
    TaskRunFailedError,
)

__all__ = ["main"]

WORKFLOW_MODULE = "render_sdk.local.examples.demo"
LABEL_WIDTH = 16


def heading(title: str) -> None:
    """Print a section heading."""
    print()
    print(title)
    print("-" * len(title))


def show(label: str, value: object) -> None:
    """Print one ``label  value`` line, labels aligned."""
    print(f"  {label + ':':<{LABEL_WIDTH}} {value}")


def show_outcome(details: TaskRunDetails) -> None:
    """Print the lines every finished run gets: id, status, result."""
    show("run id", details.id)
    show("status", details.status)
    show("result", repr(details.result))


def sync_tour(client: Client) -> dict[str, str]:
    """Every step done with the blocking client; returns task id -> task name for later."""
    workflows = client.workflows

    heading("1. Start a run by slug, with list input (positional arguments)")
    print('  client.workflows.start_task("demo/square", [7]), then run.wait()')
    run = workflows.start_task("demo/square", [7])
    show("started", f"{run.id} (status {run.status})")
    show_outcome(run.wait(timeout=30))

    heading("2. Start a run by task ID, with dict input (keyword arguments)")
    # Task IDs (tsk-...) are stable; list_tasks() shows the ones the server knows.
    tasks = {task.id: task.name for task in workflows.list_tasks()}
    add_id = next(task_id for task_id, name in tasks.items() if name == "add")
    show("tasks served", ", ".join(tasks.values()))
    show("id of 'add'", add_id)
    print(f'  client.workflows.start_task("{add_id}", {{"a": 2, "b": 40}})')
    run = workflows.start_task(add_id, {"a": 2, "b": 40})
    show_outcome(run.wait(timeout=30))

    heading("3. Start and wait in one call: run_task")
    print('  client.workflows.run_task("demo/greet", {"name": "newcomer"})')
    show_outcome(workflows.run_task("demo/greet", {"name": "newcomer"}, timeout=30))

    heading("4. A run that fails raises TaskRunFailedError")
    print('  client.workflows.run_task("demo/fail", ["the disk is full"])')
    try:
        workflows.run_task("demo/fail", ["the disk is full"], timeout=30)
    except TaskRunFailedError as exc:
        show("caught", type(exc).__name__)
        show("run id", exc.task_run_id)
        show("status", exc.details.status)
        show("error", exc.error)

    heading("5. A canceled run raises TaskRunCanceledError when waited on")
    print('  run = start_task("demo/slow", [60]); run.cancel(); run.wait()')
    run = workflows.start_task("demo/slow", [60])
    show("started", f"{run.id} (status {run.status})")
    run.cancel()
    try:
        run.wait(timeout=30)
    except TaskRunCanceledError as exc:
        show("caught", type(exc).__name__)
        show("status", exc.details.status)

    heading("6. A flaky task succeeds after retries (the task has max_retries=3)")
    print('  client.workflows.run_task("demo/flaky", ["demo-key", 2])')
    details = workflows.run_task("demo/flaky", ["demo-key", 2], timeout=30)
    show("status", details.status)
    show("attempts", len(details.attempts))
    for attempt in details.attempts:
        show(f"  attempt {attempt.attempt}", f"{attempt.status}  {attempt.error or ''}".rstrip())
    show("result", repr(details.result))
    return tasks


async def async_tour(base_url: str) -> None:
    """Several runs at once with the asyncio client: start them, then await them together."""
    heading("7. AsyncClient: several runs at once with asyncio.gather")
    async with AsyncClient(base_url=base_url) as client:
        begin = time.perf_counter()
        # start_task returns an AwaitableTaskRun: `await run` waits for its result.
        runs = await asyncio.gather(
            *(client.workflows.start_task("demo/slow", [0.5]) for _ in range(3)),
            client.workflows.start_task("demo/square", [12]),
        )
        print("  runs = await asyncio.gather(*(workflows.start_task(...) for ...))")
        print("  results = await asyncio.gather(*runs)")
        results = await asyncio.gather(*runs)
        elapsed = time.perf_counter() - begin
        for details in results:
            print(f"  {details.id}  {details.status}  result={details.result!r}")
        show("wall time", f"{elapsed:.2f} s for three 0.5 s sleeps (they ran concurrently)")


def list_recent(client: Client, task_names: dict[str, str]) -> None:
    """The newest runs, as ``list_task_runs`` pages through them."""
    heading("8. Recent runs, newest first: client.workflows.list_task_runs()")
    for run in client.workflows.list_task_runs(max_items=12):
        name = task_names.get(run.task_id, run.task_id)
        print(f"  {run.id}  {name:<8} {run.status}")


def run_demo() -> None:
    """Start the server, run every step against it, and stop it."""
    import render_sdk.local  # needs the `server` extra (starlette, uvicorn)

    # The local server, like Render's own dev server, needs no API key. Setting
    # RENDER_USE_LOCAL_DEV=true is how you tell the SDK so: with it, the key is
    # optional (and with no base_url the client would use http://localhost:8120).
    # The demo's server picks a free port, so the clients also get base_url.
    os.environ["RENDER_USE_LOCAL_DEV"] = "true"

    with render_sdk.local.serve(WORKFLOW_MODULE) as server:
        print(f"Local Render Workflows API server listening on {server.base_url}")
        print(f"serving the example workflow {WORKFLOW_MODULE!r} (slug 'demo')")
        with Client(base_url=server.base_url) as client:
            task_names = sync_tour(client)
            asyncio.run(async_tour(server.base_url))
            list_recent(client, task_names)
    print()
    print("Done: the server has stopped. Serve your own tasks with `render-sdk dev my_tasks.py`.")


def main() -> int:
    """Entry point of ``python -m render_sdk.local.demo``; returns the exit code."""
    try:
        run_demo()
    except ImportError as exc:
        print(
            f"\nThe demo needs the server and async extras ({exc}).\n"
            "Install them with: pip install 'render-workflows-sdk[all]'",
            file=sys.stderr,
        )
        return 1
    except RenderError as exc:
        print(f"\nThe demo stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
