"""Running the local server: in a background thread (embedding) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn

from render_sdk.local import capture
from render_sdk.local.app import ServerState, build_app
from render_sdk.local.faults import FaultPlan
from render_sdk.local.registry import (
    RegisteredTask,
    TaskRegistry,
    Workflow,
    collect_workflows,
    slug_from_folder,
)

if TYPE_CHECKING:
    from render_sdk.local.worker_host import WorkerHost

__all__ = ["LocalServer", "serve"]

TasksSource = ModuleType | str | Workflow | Iterable[Workflow]
FaultsSource = FaultPlan | str | Sequence[str] | None


class _Uvicorn(uvicorn.Server):
    """uvicorn, told to stop promptly and to end long-lived responses on shutdown."""

    def __init__(self, config: uvicorn.Config, state: ServerState) -> None:
        super().__init__(config)
        self.local_state = state
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        # What in-process tasks print or log is captured while the server runs.
        capture.install()
        try:
            await super().serve(sockets)
        finally:
            capture.uninstall()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()

    async def main_loop(self) -> None:
        # Like uvicorn's loop (a tick every 0.1 s), but a stop request wakes it at once.
        assert self._wake is not None
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Event streams and stalled responses would otherwise hold the shutdown.
        await self.local_state.aclose()
        host = self.local_state.engine.worker_host
        if host is not None:
            await host.aclose()  # no worker process outlives the server
        await super().shutdown(sockets)

    def request_stop(self) -> None:
        """Ask the server to stop; safe from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio then sets TCP_NODELAY on accepted connections
    # (without it, every response waits ~40 ms for a delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class LocalServer:
    """A local Render Workflows API server serving the tasks of a module or workflows."""

    def __init__(
        self,
        tasks: TasksSource | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 8120,
        workflow: str | None = None,
        api_key: str | None = None,
        faults: FaultsSource = None,
        heartbeat: float = 15.0,
        retry_ms: int = 1000,
        log_level: str = "warning",
        command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        rate_limit: int | None = None,
    ) -> None:
        """Prepare the server; nothing listens until :meth:`start` or :meth:`run`.

        Serve either ``tasks`` (in-process ``Workflow`` tasks) or ``command``: a
        start command written with Render's SDK, run with Render's worker protocol
        (``env`` is added to its environment, ``cwd`` is its folder; the workflow
        slug defaults to the folder's name). Registering the command's tasks
        happens here: a command that does not register raises ``WorkerCommandError``.
        ``rate_limit``: requests per second per endpoint group (None: unlimited).
        """
        plan = faults if isinstance(faults, FaultPlan) else FaultPlan.from_spec(faults)
        self.worker: WorkerHost | None = None
        if command is not None:
            if tasks is not None:
                raise ValueError("serve either a tasks module or a worker command, not both")
            from render_sdk.local import worker_host

            config = worker_host.WorkerConfig(tuple(command), dict(env or {}), cwd)
            slug = workflow or slug_from_folder(cwd or ".")
            specs = worker_host.register_worker(config)
            registry = worker_host.registry_from_specs(slug, specs)
        elif tasks is None:
            raise ValueError("nothing to serve: pass a tasks module or command=[...]")
        else:
            registry = TaskRegistry.build(collect_workflows(tasks, workflow))
        self.state = ServerState(
            registry,
            api_key=api_key,
            faults=plan,
            heartbeat=heartbeat,
            retry_ms=retry_ms,
            rate_limit=rate_limit,
        )
        if command is not None:
            self.worker = worker_host.WorkerHost(
                config,
                engine=self.state.engine,
                store=self.state.store,
                logs=self.state.logs,
                specs=specs,
            )
            self.state.engine.worker_host = self.worker
        self.host = host
        self._requested_port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._uvicorn = _Uvicorn(
            uvicorn.Config(
                build_app(self.state),
                lifespan="off",
                log_level=log_level,
                access_log=False,
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=2,
            ),
            self.state,
        )

    # -- what tests and users look at -------------------------------------------------

    @property
    def port(self) -> int:
        """The port it listens on (the real one when started with port 0)."""
        if self._sock is None:
            return self._requested_port
        return int(self._sock.getsockname()[1])

    @property
    def base_url(self) -> str:
        """The origin to give a client, e.g. ``http://127.0.0.1:8120`` (no ``/v1``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def faults(self) -> FaultPlan:
        """The live fault plan: ``server.faults.script(...)``, ``server.faults.clear()``."""
        return self.state.faults

    @property
    def tasks(self) -> list[RegisteredTask]:
        """Every task served, with its slug and ``tsk-…`` id."""
        return list(self.state.registry.tasks)

    @property
    def runs_created(self) -> int:
        """How many runs were created (an idempotent repeat creates none)."""
        return self.state.runs_created

    @property
    def connections(self) -> int:
        """How many distinct client TCP connections sent at least one request."""
        return self.state.connections

    @property
    def rate_limited(self) -> int:
        """How many requests were answered 429 by the rate limit (injected faults aside)."""
        limiter = self.state.rate_limiter
        return 0 if limiter is None else limiter.refused

    @property
    def requests(self) -> Counter[tuple[str, str]]:
        """Requests received, counted by ``(method, path)``."""
        return self.state.requests

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """The run's TaskRunDetails JSON as the API would send it, or None."""
        run = self.state.store.get(run_id)
        if run is None:
            return None
        with self.state.store.lock:
            return run.to_json(details=True)

    def runs(self) -> list[dict[str, Any]]:
        """Every run's TaskRunDetails JSON, newest first."""
        with self.state.store.lock:
            return [run.to_json(details=True) for run in self.state.store.all()]

    def task_id(self, slug: str) -> str:
        """The ``tsk-…`` id of the task with slug ``workflow/task``."""
        return self.state.registry.resolve(slug).id

    # -- lifecycle ---------------------------------------------------------------------

    def _tell_worker_url(self) -> None:
        if self.worker is not None:
            self.worker.api_url = self.base_url

    def start(self, timeout: float = 10.0) -> LocalServer:
        """Listen and serve in a background thread; returns once requests are accepted."""
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        self._sock = _bind(self.host, self._requested_port)
        self._tell_worker_url()
        self._thread = threading.Thread(
            target=self._serve_in_thread, name=f"render-sdk-local-{self.port}", daemon=True
        )
        self._thread.start()
        if not self._uvicorn.ready.wait(timeout) or not self._uvicorn.started:
            self.stop()
            raise RuntimeError(f"the local server did not start: {self._error!r}")
        return self

    def _serve_in_thread(self) -> None:
        assert self._sock is not None
        try:
            asyncio.run(self._uvicorn.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start(); the thread must not die loudly
            self._error = exc
        finally:
            self._uvicorn.ready.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, end open streams and runs, and wait for the thread to finish."""
        thread = self._thread
        if thread is not None:
            self._uvicorn.request_stop()
            thread.join(timeout)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
        self.state.engine.join_threads()

    def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve in the foreground until Ctrl-C (the command line uses this).

        ``on_ready`` is called once the port is bound (connections already queue).
        """
        self._sock = _bind(self.host, self._requested_port)
        self._tell_worker_url()
        try:
            if on_ready is not None:
                on_ready()
            asyncio.run(self._uvicorn.serve(sockets=[self._sock]))
        except KeyboardInterrupt:
            pass  # uvicorn re-raises the Ctrl-C it handled, after a clean shutdown
        finally:
            self._sock.close()
            self.state.engine.join_threads()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serve(
    tasks: TasksSource | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    workflow: str | None = None,
    api_key: str | None = None,
    faults: FaultsSource = None,
    heartbeat: float = 15.0,
    retry_ms: int = 1000,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    rate_limit: int | None = None,
) -> Iterator[LocalServer]:
    """Run a local server in a background thread for the duration of a ``with`` block.

    ``tasks`` is a module, a module name or ``.py`` path, a ``Workflow`` or several;
    or ``command=[...]`` is a start command written with Render's SDK (see
    :class:`LocalServer`). ``port=0`` picks a free port (see ``server.base_url``).
    ``rate_limit=N`` allows N requests per second per endpoint group, with
    ``RateLimit-*`` headers and 429s.
    """
    server = LocalServer(
        tasks,
        host=host,
        port=port,
        workflow=workflow,
        api_key=api_key,
        faults=faults,
        heartbeat=heartbeat,
        retry_ms=retry_ms,
        command=command,
        env=env,
        cwd=cwd,
        rate_limit=rate_limit,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def measure_startup(tasks: TasksSource = "render_sdk.local.examples.demo") -> float:
    """Seconds from ``start()`` to accepting requests (for the docs; not used by tests)."""
    begin = time.perf_counter()
    with serve(tasks):
        return time.perf_counter() - begin
