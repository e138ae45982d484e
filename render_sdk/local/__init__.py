"""A local Render Workflows API server: serve your own Python tasks on loopback.

Register tasks in a module::

    from render_sdk.local import Workflow

    wf = Workflow("my-workflow")

    @wf.task
    def square(a: int) -> int:
        return a * a

then run ``render-sdk dev my_tasks.py`` (or ``python -m render_sdk.local my_tasks.py``),
or embed it: ``with render_sdk.local.serve(my_tasks) as server: server.base_url``.

Tasks written with Render's own SDK (``pip install render``) run unchanged through
Render's worker protocol: ``render-sdk dev -- python main.py``, or
``render_sdk.local.serve(command=["python", "main.py"])``.

This package imports nothing of the SDK client: it writes the API's JSON itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from render_sdk.local.faults import Fault, FaultPlan, FaultSpecError, parse_spec
from render_sdk.local.registry import TaskOptions, Workflow, task
from render_sdk.local.subtasks import SubtaskError, run_subtask, run_subtask_sync

if TYPE_CHECKING:
    from render_sdk.local.server import LocalServer, serve
    from render_sdk.local.worker_host import WorkerCommandError

__all__ = [
    "Fault",
    "FaultPlan",
    "FaultSpecError",
    "LocalServer",
    "SubtaskError",
    "TaskOptions",
    "WorkerCommandError",
    "Workflow",
    "parse_spec",
    "run_subtask",
    "run_subtask_sync",
    "serve",
    "task",
]


def __getattr__(name: str) -> Any:
    # The server pulls in uvicorn and starlette: a tasks module that only does
    # ``from render_sdk.local import Workflow`` should not pay for them.
    if name in ("LocalServer", "serve"):
        from render_sdk.local import server

        return getattr(server, name)
    if name == "WorkerCommandError":
        from render_sdk.local import worker_host

        return worker_host.WorkerCommandError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
