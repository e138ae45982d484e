"""Subtasks for in-process tasks: a running task starts another task and awaits its result.

Inside a task registered with ``Workflow``::

    @wf.task
    async def total(n: int) -> int:
        return sum(await asyncio.gather(*(wf.run(square, i) for i in range(n))))

Each call is a run of its own: ``parentTaskRunId`` is the calling run and
``rootTaskRunId`` its root, like a subtask of Render's ``ctx.run``. A sync task
uses ``wf.run_sync(square, 3)``, which blocks its worker thread, not the server.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from render_sdk.local.store import RunRecord

__all__ = [
    "SubtaskError",
    "SubtaskScope",
    "current_scope",
    "run_subtask",
    "run_subtask_sync",
    "subtask_value",
]


class SubtaskError(RuntimeError):
    """A subtask that failed or was canceled; ``run_id`` and ``status`` say which and how."""

    def __init__(self, message: str, *, run_id: str, status: str) -> None:
        """Record the subtask's run id and final status."""
        super().__init__(message)
        self.run_id = run_id
        self.status = status


class SubtaskScope:
    """The engine's side of a running task: how to start a subtask and await its end."""

    loop: asyncio.AbstractEventLoop

    async def run_subtask(
        self, reference: Any, input_data: list[Any] | dict[str, Any], idempotency_key: str | None
    ) -> RunRecord:
        """Start the subtask, wait for its terminal status, return its run."""
        raise NotImplementedError


current_scope: contextvars.ContextVar[SubtaskScope | None] = contextvars.ContextVar(
    "render_sdk_local_subtask_scope", default=None
)


def subtask_value(results: list[Any]) -> Any:
    """A subtask's return value from its results list: a single item is unwrapped.

    This is how Render's SDK reads a subtask's output, so both hosts agree.
    """
    return results[0] if len(results) == 1 else results


def _input(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | dict[str, Any]:
    if args and kwargs:
        raise ValueError(
            f"subtask {name!r}: pass positional arguments or keyword arguments, not both "
            "(the input is one JSON array or one JSON object)"
        )
    return dict(kwargs) if kwargs else list(args)


def _scope(caller: str) -> SubtaskScope:
    scope = current_scope.get()
    if scope is None:
        raise RuntimeError(
            f"{caller}() starts a subtask of the running task: call it from inside a task "
            "function while the local server runs it"
        )
    return scope


def _value(run: RunRecord) -> Any:
    if run.status == "succeeded":
        return subtask_value(list(run.results))
    detail = run.error if run.status == "failed" and run.error else run.status
    raise SubtaskError(
        f"subtask {run.task.slug} ({run.id}) {run.status}: {detail}",
        run_id=run.id,
        status=run.status,
    )


async def run_subtask(
    task: Any, *args: Any, idempotency_key: str | None = None, **kwargs: Any
) -> Any:
    """Run ``task`` (a registered function, a task name or a slug) as a subtask; its result.

    Raises :class:`SubtaskError` when the subtask fails or is canceled.
    """
    scope = _scope("run_subtask")
    name = getattr(task, "__name__", str(task))
    run = await scope.run_subtask(task, _input(name, args, kwargs), idempotency_key)
    return _value(run)


def run_subtask_sync(
    task: Any, *args: Any, idempotency_key: str | None = None, **kwargs: Any
) -> Any:
    """:func:`run_subtask` for sync tasks (they run in worker threads): blocks until done."""
    scope = _scope("run_subtask_sync")
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is scope.loop:
        raise RuntimeError("run_subtask_sync() would block the server: await run_subtask() instead")
    name = getattr(task, "__name__", str(task))
    future = asyncio.run_coroutine_threadsafe(
        scope.run_subtask(task, _input(name, args, kwargs), idempotency_key), scope.loop
    )
    return _value(future.result())
