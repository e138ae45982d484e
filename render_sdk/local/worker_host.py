"""Hosting task code written with Render's SDK: one worker process per attempt.

The user's start command runs once with ``RENDER_SDK_MODE=register`` to learn the
tasks, then once per attempt with ``RENDER_SDK_MODE=run``. Each process gets a
Unix socket of its own (``RENDER_SDK_SOCKET_PATH``) on which this module serves
Render's worker protocol (see :mod:`render_sdk.local.worker_protocol`).

Every worker starts in a session of its own, so its whole process tree is one
process group: a timeout, a cancel, a server stop, or a worker that lingers after
reporting, ends the group with ``SIGKILL`` and leaves no orphan behind.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from render_sdk.local.engine import AttemptFailed, Engine, SubtaskRefusedError
from render_sdk.local.logs import LogStore
from render_sdk.local.registry import TaskFunction, TaskOptions, TaskRegistry, Workflow
from render_sdk.local.store import RunRecord, RunStore
from render_sdk.local.uds_http import UnixJSONServer
from render_sdk.local.worker_protocol import (
    CallbackOutcome,
    ProtocolError,
    WorkerTaskSpec,
    input_body,
    parse_callback,
    parse_register_tasks,
    parse_run_subtask,
    parse_subtask_result_request,
    subtask_result_body,
)

__all__ = [
    "WorkerCommandError",
    "WorkerConfig",
    "WorkerHost",
    "register_worker",
    "registry_from_specs",
]

_TAIL_LINES = 20
_MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class AttemptTiming:
    """When an attempt's worker was spawned and when it reported (``time.monotonic``)."""

    run_id: str
    attempt: int
    spawned: float
    reported: float


class WorkerCommandError(RuntimeError):
    """The worker command could not be started or did not register its tasks."""


@dataclass(frozen=True)
class WorkerConfig:
    """How to start the worker: the command, extra environment, and working folder."""

    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    # How long a worker may linger after reporting before its group is killed.
    exit_grace: float = 5.0
    # How long ``POST /get-subtask-result`` holds an unfinished subtask's answer
    # (Render's SDK polls once a second otherwise; its request timeout is 15 s).
    result_hold: float = 5.0
    register_timeout: float = 60.0

    def __post_init__(self) -> None:
        if not self.command or not all(isinstance(part, str) for part in self.command):
            raise ValueError("the worker command must be a non-empty list of strings")
        if sys.platform == "win32":
            raise ValueError("hosting a worker command needs a POSIX system (Unix sockets)")

    def environment(self, mode: str, socket_path: str, api_url: str | None) -> dict[str, str]:
        """The worker's environment: ours, then ``env``, then the protocol's variables."""
        env = dict(os.environ)
        env.update(self.env)
        # Line-by-line logs from Python workers, whose stdout is a pipe here.
        env.setdefault("PYTHONUNBUFFERED", "1")
        if api_url and not env.get("RENDER_LOCAL_DEV_URL"):
            # Task code that calls the API (Render's client or ours) finds this server.
            env["RENDER_LOCAL_DEV_URL"] = api_url
            env.setdefault("RENDER_USE_LOCAL_DEV", "true")
        env["RENDER_SDK_MODE"] = mode
        env["RENDER_SDK_SOCKET_PATH"] = socket_path
        return env

    @property
    def display(self) -> str:
        """The command as one shell-quoted line, for messages."""
        return shlex.join(self.command)


def _socket_dir() -> str:
    # A Unix socket path must fit in ~104 bytes: prefer the short /tmp.
    base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="rsdk-", dir=base)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _spawn(config: WorkerConfig, env: dict[str, str]) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *config.command,
            env=env,
            cwd=config.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise WorkerCommandError(
            f"cannot start the worker command {config.display}: {exc}"
        ) from None


class _Lines:
    """Reads one output pipe line by line, handing each line on and keeping the last few."""

    def __init__(self, stream: asyncio.StreamReader | None, emit: Any) -> None:
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._emit = emit
        self.task = asyncio.ensure_future(self._pump(stream))

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip("\r")
        self.tail.append(text)
        self._emit(text)

    async def _pump(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        pending = b""
        while True:
            chunk = await stream.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                self._line(raw)
            while len(pending) > _MAX_LINE:  # a huge line without newline: cut it up
                self._line(pending[:_MAX_LINE])
                pending = pending[_MAX_LINE:]
        if pending:
            self._line(pending)


def _tail_text(lines: _Lines) -> str:
    if not lines.tail:
        return " (no output on stderr)"
    return "; last stderr lines:\n" + "\n".join(lines.tail)


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class _SpawnedGroup:
    """The registering worker's process group, killable from another thread.

    The caller's thread kills it when interrupted (Ctrl-C lands there, not on the
    event loop's thread); a worker spawned after that is killed as soon as it starts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._abandoned = False

    def started(self, pid: int) -> None:
        with self._lock:
            self._pid = pid
            abandoned = self._abandoned
        if abandoned:
            _kill_group(pid)

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            pid = self._pid
        if pid is not None:
            _kill_group(pid)


async def _register(config: WorkerConfig, group: _SpawnedGroup) -> list[WorkerTaskSpec]:
    loop = asyncio.get_running_loop()
    registered: asyncio.Future[list[WorkerTaskSpec]] = loop.create_future()

    async def handler(method: str, target: str, body: bytes) -> tuple[int, Any]:
        if method == "POST" and target.split("?")[0] == "/register-tasks":
            try:
                specs = parse_register_tasks(body)
            except ProtocolError as exc:
                if not registered.done():
                    registered.set_exception(WorkerCommandError(f"bad task registration: {exc}"))
                return 400, {"message": str(exc)}
            if not registered.done():
                registered.set_result(specs)
            return 200, None
        return 404, {"message": f"{method} {target}: not served while registering tasks"}

    directory = _socket_dir()
    path = os.path.join(directory, "register.sock")
    server = UnixJSONServer(path, handler)
    await server.start()
    process: asyncio.subprocess.Process | None = None
    try:
        process = await _spawn(config, config.environment("register", path, None))
        group.started(process.pid)
        stdout = _Lines(process.stdout, lambda _line: None)
        stderr = _Lines(process.stderr, lambda _line: None)
        exited = asyncio.ensure_future(process.wait())
        waiters: set[asyncio.Future[Any]] = {registered, exited}
        done, _ = await asyncio.wait(
            waiters,
            timeout=config.register_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if registered.done():
            specs = registered.result()
            if not specs:
                raise WorkerCommandError(
                    f"the worker command {config.display} registered no tasks "
                    "(decorate functions with @app.task)"
                )
            # Let it exit on its own; whatever lingers is killed below.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(exited), config.exit_grace)
            return specs
        if not done:
            raise WorkerCommandError(
                f"the worker command {config.display} did not register its tasks within "
                f"{config.register_timeout:g} s"
            )
        await asyncio.wait({stdout.task, stderr.task}, timeout=1.0)
        raise WorkerCommandError(
            f"the worker command {config.display} {_exit_text(process.returncode)} before "
            f"registering tasks (is it an app of Render's SDK calling app.start()?)"
            f"{_tail_text(stderr)}"
        )
    finally:
        if process is not None:
            _kill_group(process.pid)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
        await server.close()
        shutil.rmtree(directory, ignore_errors=True)


def register_worker(config: WorkerConfig) -> list[WorkerTaskSpec]:
    """Run the command in register mode and return the tasks it registered (blocking).

    Runs on a private event loop in a helper thread, so it works from any caller,
    including one inside a running event loop. If the caller is interrupted while
    waiting (Ctrl-C), the worker's process group is killed before the interruption
    is re-raised: the worker runs in a session of its own, so the terminal's
    ``SIGINT`` never reaches it and it would otherwise outlive the caller.
    """
    outcome: dict[str, Any] = {}
    group = _SpawnedGroup()

    def target() -> None:
        try:
            outcome["specs"] = asyncio.run(_register(config, group))
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="render-sdk-register-worker", daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:
        group.abandon()
        # Give the helper a moment to reap the worker and remove its socket folder.
        thread.join(timeout=2.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    specs: list[WorkerTaskSpec] = outcome["specs"]
    return specs


def _not_in_process(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("this task runs in a worker process, not in the server")


def registry_from_specs(workflow_slug: str, specs: Sequence[WorkerTaskSpec]) -> TaskRegistry:
    """The server's task table for a worker's registered tasks, under ``workflow_slug``."""
    workflow = Workflow(workflow_slug)
    for spec in specs:
        try:
            options = TaskOptions(
                name=spec.name,
                max_retries=spec.max_retries,
                backoff=spec.wait_duration_ms / 1000.0,
                backoff_factor=spec.factor,
                timeout=spec.timeout_seconds,
            )
        except ValueError as exc:
            raise WorkerCommandError(f"task {spec.name!r} registered bad options: {exc}") from None
        workflow.tasks[spec.name] = TaskFunction(
            name=spec.name, func=_not_in_process, options=options, external=True
        )
    return TaskRegistry.build([workflow])


class WorkerHost:
    """Runs attempts of worker-hosted tasks: a process and a socket for each."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        engine: Engine,
        store: RunStore,
        logs: LogStore,
        specs: Sequence[WorkerTaskSpec] = (),
    ) -> None:
        """Attempts are recorded through ``engine``/``store``; output lines go to ``logs``.

        ``specs`` are the tasks as the command registered them (parameters included).
        """
        self.config = config
        self.specs = {spec.name: spec for spec in specs}
        self.engine = engine
        self.store = store
        self.logs = logs
        # The API's origin, told to workers so their own API calls reach this server.
        self.api_url: str | None = None
        self.processes_started = 0
        # Spawn-to-report times of recent attempts: what the host adds is the rest.
        self.timings: collections.deque[AttemptTiming] = collections.deque(maxlen=10_000)
        self._directory: str | None = None  # made at the first attempt
        self._lingering: set[asyncio.Task[None]] = set()
        self._live: dict[int, asyncio.subprocess.Process] = {}

    @property
    def live_pids(self) -> list[int]:
        """Process ids of worker processes still running (their groups have the same id)."""
        return [pid for pid, proc in self._live.items() if proc.returncode is None]

    async def run_attempt(self, run: RunRecord) -> list[Any]:
        """Run the current attempt of ``run`` in a worker process; its results list.

        Raises :class:`AttemptFailed` when the worker reports an error, sends a
        malformed callback, or exits without reporting. Cancelling this coroutine
        (timeout, cancel, shutdown) kills the worker's process group.
        """
        loop = asyncio.get_running_loop()
        number = run.attempts[-1].number if run.attempts else 0
        if self._directory is None:
            self._directory = _socket_dir()
        path = os.path.join(self._directory, f"{run.id}-{number}.sock")
        reported: asyncio.Future[tuple[CallbackOutcome, float]] = loop.create_future()
        server = UnixJSONServer(path, self._handler(run, reported))
        await server.start()
        process: asyncio.subprocess.Process | None = None
        finished = False
        try:
            spawned = time.monotonic()
            try:
                env = self.config.environment("run", path, self.api_url)
                process = await _spawn(self.config, env)
            except WorkerCommandError as exc:
                raise AttemptFailed(str(exc), final=True) from None
            self.processes_started += 1
            self._live[process.pid] = process
            stdout = _Lines(process.stdout, self._emitter(run, "info"))
            stderr = _Lines(process.stderr, self._emitter(run, "error"))
            exited = asyncio.ensure_future(process.wait())
            try:
                waiters: set[asyncio.Future[Any]] = {reported, exited}
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            except BaseException:
                exited.cancel()
                raise
            if not reported.done():
                # Read what it wrote last, to say why it died.
                await asyncio.wait({stdout.task, stderr.task}, timeout=1.0)
                if not reported.done():
                    raise AttemptFailed(
                        f"the worker process {_exit_text(process.returncode)} before reporting "
                        f"a result (command: {self.config.display}){_tail_text(stderr)}"
                    )
            finished = True
            # What the worker wrote before its callback is already in the pipes: let the
            # readers take it (a few loop turns), so that the run's logs are complete by
            # the time the run is marked finished and a follower makes its last listing.
            for _ in range(4):
                await asyncio.sleep(0)
            outcome, reported_at = reported.result()  # AttemptFailed if malformed
            self.timings.append(AttemptTiming(run.id, number, spawned, reported_at))
            if outcome.error is not None:
                raise AttemptFailed(outcome.error)
            assert outcome.results is not None
            return outcome.results
        finally:
            await server.close()
            if process is not None:
                if finished and process.returncode is None:
                    # It reported: give it a moment to exit on its own.
                    self._linger(process, stdout, stderr)
                else:
                    _kill_group(process.pid)
                    await asyncio.shield(self._reap(process, stdout, stderr))

    async def aclose(self) -> None:
        """Kill every worker still running and remove the sockets' folder."""
        for pid in list(self._live):
            _kill_group(pid)
        for task in list(self._lingering):
            task.cancel()
        await asyncio.gather(*self._lingering, return_exceptions=True)
        for proc in list(self._live.values()):
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _linger(self, process: asyncio.subprocess.Process, *lines: _Lines) -> None:
        async def wait_then_kill() -> None:
            try:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(process.wait()), self.config.exit_grace)
            finally:
                _kill_group(process.pid)
                await asyncio.shield(self._reap(process, *lines))

        task = asyncio.ensure_future(wait_then_kill())
        self._lingering.add(task)
        task.add_done_callback(self._lingering.discard)

    async def _reap(self, process: asyncio.subprocess.Process, *lines: _Lines) -> None:
        with contextlib.suppress(ProcessLookupError):
            await process.wait()
        # Group members that outlived the leader still hold the pipes open.
        _kill_group(process.pid)
        await asyncio.wait([line.task for line in lines], timeout=2.0)
        for line in lines:
            line.task.cancel()
        self._live.pop(process.pid, None)

    def _emitter(self, run: RunRecord, level: str) -> Any:
        def emit(text: str) -> None:
            self.logs.append(
                run.id,
                text,
                level=level,
                type="app",
                task=run.task.name,
                workflow_id=run.task.workflow_id,
            )

        return emit

    def _handler(
        self, run: RunRecord, reported: asyncio.Future[tuple[CallbackOutcome, float]]
    ) -> Any:
        async def handle(method: str, target: str, body: bytes) -> tuple[int, Any]:
            route = target.split("?", 1)[0]
            if method == "GET" and route == "/input":
                return 200, input_body(
                    run.task.name,
                    run.input,
                    run_id=run.id,
                    root_run_id=run.root_run_id,
                    parent_run_id=run.parent_run_id,
                )
            if method == "POST" and route == "/callback":
                return self._callback(body, reported)
            if method == "POST" and route == "/run-subtask":
                return self._run_subtask(run, body)
            if method == "POST" and route == "/get-subtask-result":
                return await self._subtask_result(body)
            if method == "POST" and route == "/register-tasks":
                return 409, {"message": "tasks are registered once, at start-up"}
            return 404, {"message": f"{method} {route}: not part of the worker protocol"}

        return handle

    @staticmethod
    def _callback(
        body: bytes, reported: asyncio.Future[tuple[CallbackOutcome, float]]
    ) -> tuple[int, Any]:
        if reported.done():
            return 409, {"message": "this attempt already reported its outcome"}
        try:
            outcome = parse_callback(body)
        except ProtocolError as exc:
            reported.set_exception(AttemptFailed(f"malformed callback from the worker: {exc}"))
            return 400, {"message": str(exc)}
        reported.set_result((outcome, time.monotonic()))
        return 200, None

    def _run_subtask(self, run: RunRecord, body: bytes) -> tuple[int, Any]:
        try:
            request = parse_run_subtask(body)
        except ProtocolError as exc:
            return 400, {"message": str(exc)}
        try:
            task = self.engine.resolve_subtask(run, request.task_name)
            child = self.engine.start_subtask(run, task, request.input, request.idempotency_key)
        except SubtaskRefusedError as exc:
            return (409 if run.terminal else 404), {"message": str(exc)}
        return 200, {"task_run_id": child.id}

    async def _subtask_result(self, body: bytes) -> tuple[int, Any]:
        try:
            run_id = parse_subtask_result_request(body)
        except ProtocolError as exc:
            return 400, {"message": str(exc)}
        child = self.store.get(run_id)
        if child is None:
            return 404, {"message": f"task run {run_id!r} not found"}
        await self.engine.wait_terminal(child, self.config.result_hold)
        with self.store.lock:
            return 200, subtask_result_body(child.status, list(child.results), child.error)
