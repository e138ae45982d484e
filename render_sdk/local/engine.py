"""Executing runs: attempts, retries with backoff, timeouts and cancellation.

Async task functions run as asyncio tasks on the server's loop, sync ones in a
thread pool, so a slow task never blocks the HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from render_sdk.local.capture import attempt_output
from render_sdk.local.logs import LogStore
from render_sdk.local.store import AttemptRecord, RunRecord, RunStore, utcnow

__all__ = ["Engine", "describe_error"]


def describe_error(exc: BaseException) -> str:
    """``ValueError: boom``; just the type name when the message is empty."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _AttemptFailed(Exception):
    """An attempt ended in failure; ``final`` means no retry can help."""

    def __init__(self, error: str, *, final: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.final = final


class Engine:
    """Starts runs on the running event loop and follows them to a terminal status."""

    def __init__(
        self, store: RunStore, *, max_threads: int = 64, logs: LogStore | None = None
    ) -> None:
        """Runs are recorded in ``store``; sync tasks use up to ``max_threads`` threads.

        With ``logs``, what each attempt prints or logs is kept there as the run's lines.
        """
        self._store = store
        self._logs = logs
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._executor = ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="render-sdk-local-task"
        )
        self._sync_running = 0
        self._sync_lock = threading.Lock()

    def start(self, run: RunRecord) -> None:
        """Queue the first attempt and start executing the run in the background."""
        self._store.update(run, "task.pending", lambda r: r.attempts.append(AttemptRecord(0)))
        task = asyncio.get_running_loop().create_task(self._execute(run), name=run.id)
        self._tasks[run.id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(run.id, None))

    def cancel(self, run: RunRecord) -> bool:
        """Cancel a run at once (its result is discarded); False if already terminal."""
        if run.terminal:
            return False

        def mark(r: RunRecord) -> None:
            now = utcnow()
            r.status = "canceled"
            r.completed_at = now
            r.results = []
            if r.attempts and r.attempts[-1].completed_at is None:
                r.attempts[-1].status = "canceled"
                r.attempts[-1].completed_at = now

        self._store.update(run, "task.completed", mark)
        task = self._tasks.pop(run.id, None)
        if task is not None:
            task.cancel()
        return True

    async def aclose(self) -> None:
        """Stop every unfinished run and release the thread pool."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def join_threads(self) -> None:
        """Wait for the pool's idle threads to exit; a sync task still running is left be."""
        if self._sync_running == 0:
            self._executor.shutdown(wait=True, cancel_futures=True)

    @property
    def active(self) -> int:
        """How many runs are executing or waiting for their next attempt."""
        return len(self._tasks)

    async def _execute(self, run: RunRecord) -> None:
        options = run.task.function.options
        for number in range(options.max_retries + 1):
            if number > 0:
                await asyncio.sleep(options.delay_before(number))
            if _ended(run):
                return
            self._store.update(run, "task.running", _mark_running)
            try:
                results = await self._attempt(run)
            except _AttemptFailed as failure:
                last = failure.final or number == options.max_retries
                if _ended(run):
                    return
                self._store.update(
                    run,
                    "task.completed" if last else "task.pending",
                    functools.partial(_mark_failed, error=failure.error, last=last),
                )
                if last:
                    return
                continue
            if _ended(run):
                return
            self._store.update(
                run, "task.completed", functools.partial(_mark_succeeded, results=results)
            )
            return

    async def _attempt(self, run: RunRecord) -> list[Any]:
        func = run.task.function.func
        timeout = run.task.function.options.timeout
        args, kwargs = _arguments(run.input)
        try:
            inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            raise _AttemptFailed(
                f"TypeError: {run.task.name}() called with input {run.input!r}: {exc}", final=True
            ) from None
        except ValueError:
            pass  # no signature to check (some builtins): let the call decide
        output: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if self._logs is not None:
            output = attempt_output(
                self._logs, run.id, task=run.task.name, workflow_id=run.task.workflow_id
            )
        try:
            with output:
                if inspect.iscoroutinefunction(func):
                    outcome: Any = func(*args, **kwargs)
                else:
                    # The thread runs in a copy of this context, so the task's output is
                    # still attributed to this run.
                    call = functools.partial(self._call_sync, func, args, kwargs)
                    outcome = asyncio.get_running_loop().run_in_executor(
                        self._executor, functools.partial(contextvars.copy_context().run, call)
                    )
                value = await asyncio.wait_for(_resolve(outcome), timeout)
        except asyncio.TimeoutError:
            raise _AttemptFailed(
                f"TimeoutError: task {run.task.slug} exceeded its timeout of {timeout:g} s"
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise _AttemptFailed(describe_error(exc)) from None
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise _AttemptFailed(f"TypeError: result is not JSON-serializable: {exc}") from None
        # Always wrapped once: a list return value arrives as [[...]].
        return [value]

    def _call_sync(self, func: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        with self._sync_lock:
            self._sync_running += 1
        try:
            return func(*args, **kwargs)
        finally:
            with self._sync_lock:
                self._sync_running -= 1


def _ended(run: RunRecord) -> bool:
    # A call, not an attribute: the run may end (be canceled) while we await.
    return run.terminal


async def _resolve(outcome: Any) -> Any:
    value = await outcome
    while inspect.isawaitable(value):
        value = await value
    return value


def _arguments(input_data: Any) -> tuple[list[Any], dict[str, Any]]:
    if isinstance(input_data, dict):
        return [], dict(input_data)
    return list(input_data), {}


def _mark_running(run: RunRecord) -> None:
    now = utcnow()
    run.status = "running"
    if run.started_at is None:
        run.started_at = now
    attempt = run.attempts[-1]
    attempt.status = "running"
    attempt.started_at = now


def _mark_failed(run: RunRecord, *, error: str, last: bool) -> None:
    now = utcnow()
    attempt = run.attempts[-1]
    attempt.status = "failed"
    attempt.completed_at = now
    attempt.error = error
    if last:
        run.status = "failed"
        run.error = error
        run.completed_at = now
    else:
        run.status = "pending"
        run.attempts.append(AttemptRecord(attempt.number + 1))


def _mark_succeeded(run: RunRecord, *, results: list[Any]) -> None:
    now = utcnow()
    attempt = run.attempts[-1]
    attempt.status = "succeeded"
    attempt.completed_at = now
    attempt.results = results
    run.status = "succeeded"
    run.results = results
    run.completed_at = now
