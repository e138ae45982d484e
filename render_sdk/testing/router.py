"""MockRouter: canned answers of the Render API for tests that need no server.

It plays the few endpoints application code uses (start a run, read it, list runs, cancel,
the events stream) from runs you declare, answers other requests with errors you queue,
and records everything it was sent. Both twins use it through ``MockTransport`` /
``AsyncMockTransport``, so no socket is ever opened.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from .._transport.base import HTTPRequest, HTTPResponse
from .transport import AsyncMockTransport, MockTransport, Recorded, _Headers, json_response

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._sync.client import Client

__all__ = ["MockRouter", "MockRun"]

_MOCK_KEY = "rnd_render_mock"
_MISSING: Any = object()


@attrs.define
class MockRun:
    """A run the router knows: what ``start_task`` returns and what reads of it say.

    Change it during a test (``finish``, ``fail``, ``set_status``) to make a waiting client
    see the run move on.
    """

    id: str
    task: str
    status: str = "pending"
    results: list[Any] | None = None
    error: str | None = None
    input: Any = attrs.field(factory=list)
    _final: str = attrs.field(default="pending", alias="final")
    _started: bool = attrs.field(default=False, alias="started")

    def finish(self, result: Any = None, *, results: list[Any] | None = None) -> None:
        """The run succeeds with ``result`` (sent as ``[result]``) or the whole ``results``."""
        self.results = results if results is not None else [result]
        self.status = self._final = "succeeded"

    def fail(self, error: str = "the task failed") -> None:
        """The run fails with ``error``."""
        self.error = error
        self.status = self._final = "failed"

    def set_status(self, status: str) -> None:
        """Any status, known or not (``running``, ``paused``, ...)."""
        self.status = self._final = status

    def _after_start(self, input_data: Any) -> None:
        self.input = input_data
        self._started = True
        self.status = self._final

    def to_api(self, *, details: bool) -> dict[str, Any]:
        """The run as the API writes it (a TaskRun, or TaskRunDetails with ``details``)."""
        now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        terminal = self.status in ("succeeded", "completed", "failed", "canceled")
        data: dict[str, Any] = {
            "id": self.id,
            "taskId": self.task if self.task.startswith("tsk-") else f"tsk-{self.task}",
            "status": self.status,
            "parentTaskRunId": "",
            "rootTaskRunId": self.id,
            "retries": 0,
            "attempts": [],
            "startedAt": now,
        }
        if terminal:
            data["completedAt"] = now
        if details:
            data["results"] = list(self.results or [])
            data["input"] = self.input
            if self.error is not None:
                data["error"] = self.error
        return data


@attrs.frozen
class _Canned:
    method: str
    path: str
    response: HTTPResponse


class MockRouter:
    """Answers a client's requests from runs and errors you declare; records every request.

    ::

        router = MockRouter()
        run = router.add_run("my-workflow/square", result=25)
        client = router.client()
        assert client.workflows.run_task("my-workflow/square", [5]).result == 25
        assert router.starts == [{"task": "my-workflow/square", "input": [5], ...}]

    Requests it has no answer for get a 404 whose message says what to add.

    Like the API, a start repeating an ``idempotencyKey`` already used in the same
    workflow (the part of the task slug before ``/``; the task itself for a task ID)
    returns the run the first start took, and takes no declared run. Canceling a run
    that already finished answers 409 ``task_run_not_cancelable`` and leaves it as it
    was, as the local server does (Render's API documents no 409 for this; its CLI dev
    server answers 500).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._runs: dict[str, MockRun] = {}
        self._queued: dict[str | None, list[MockRun]] = {}
        self._by_key: dict[tuple[str, str], MockRun] = {}
        self._canned: list[_Canned] = []
        self._sync = MockTransport(self.handle)
        self._async = AsyncMockTransport(self.handle)

    # --- declaring answers ------------------------------------------------------------------

    def add_run(
        self,
        task: str | None = None,
        *,
        result: Any = _MISSING,
        results: list[Any] | None = None,
        error: str | None = None,
        status: str | None = None,
        run_id: str | None = None,
    ) -> MockRun:
        """The next start of ``task`` (of any task when None) returns this run.

        With ``result`` (or ``results``) reads say it succeeded, with ``error`` that it
        failed, with ``status`` that it is in that status; with none of them it stays
        ``pending`` until you change it. The start itself always answers ``pending``.
        """
        run = MockRun(run_id or self._new_id(), task or "any-task")
        if error is not None:
            run.fail(error)
        elif results is not None or result is not _MISSING:
            run.finish(None if result is _MISSING else result, results=results)
        elif status is not None:
            run.set_status(status)
        run.status = "pending"
        with self._lock:
            self._queued.setdefault(task, []).append(run)
            self._runs[run.id] = run
        return run

    def add_error(
        self,
        method: str,
        path: str,
        status_code: int,
        *,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests of ``method path`` with an error status.

        ``path`` is the API path (``/task-runs``, ``/task-runs/trn-1``; ``/v1`` optional),
        or ``*`` for any. For a 429 pass ``headers={"Retry-After": "1"}`` if wanted.
        """
        body = {"message": message or f"mock error {status_code}", "code": f"http_{status_code}"}
        self.add_response(method, path, json_response(status_code, body, headers), times=times)

    def add_response(
        self, method: str, path: str, response: HTTPResponse, *, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests of ``method path`` with ``response`` as it is."""
        canned = _Canned(method.upper(), _api_path(path), response)
        with self._lock:
            self._canned.extend([canned] * times)

    # --- clients and what was seen ----------------------------------------------------------

    @property
    def transport(self) -> MockTransport:
        """A transport for ``Client(transport=...)`` answered by this router."""
        return self._sync

    @property
    def async_transport(self) -> AsyncMockTransport:
        """A transport for ``AsyncClient(transport=...)`` answered by this router."""
        return self._async

    def client(self, **options: Any) -> Client:
        """A ``Client`` answered by this router (no retries unless ``max_retries`` is given)."""
        from .._sync.client import Client

        options.setdefault("api_key", _MOCK_KEY)
        options.setdefault("max_retries", 0)
        return Client(transport=self._sync, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` answered by this router (no retries unless asked)."""
        from .._async.client import AsyncClient

        options.setdefault("api_key", _MOCK_KEY)
        options.setdefault("max_retries", 0)
        return AsyncClient(transport=self._async, **options)

    @property
    def requests(self) -> list[Recorded]:
        """Every request either client sent, in order."""
        return [*self._sync.requests, *self._async.requests]

    @property
    def starts(self) -> list[dict[str, Any]]:
        """The JSON body of every ``POST /task-runs`` (task, input, idempotencyKey)."""
        return [r.json() for r in self.requests if r.method == "POST" and r.path == "/v1/task-runs"]

    def run(self, run_id: str) -> MockRun:
        """A declared run by its id (KeyError if there is none)."""
        return self._runs[run_id]

    # --- answering ----------------------------------------------------------------------------

    def handle(self, request: HTTPRequest) -> HTTPResponse:
        """Answer one request (the handler both mock transports call)."""
        parts = urlsplit(request.url)
        path = _api_path(parts.path)
        with self._lock:
            for index, canned in enumerate(self._canned):
                if canned.method == request.method and canned.path in (path, "*"):
                    del self._canned[index]
                    return canned.response
            return self._route(request, path, parse_qsl(parts.query))

    def _route(self, request: HTTPRequest, path: str, query: list[tuple[str, str]]) -> HTTPResponse:
        method = request.method
        if method == "POST" and path == "/task-runs":
            return self._start(request)
        if method == "GET" and path == "/task-runs/events":
            return self._events([value for key, value in query if key == "taskRunIds"])
        if method == "GET" and path == "/task-runs":
            roots = {value for key, value in query if key == "rootTaskRunId"}
            runs = [r for r in self._runs.values() if r._started and (not roots or r.id in roots)]
            items = [{"taskRun": r.to_api(details=False), "cursor": r.id} for r in runs]
            return json_response(200, items[::-1])
        if path.startswith("/task-runs/") and path.count("/") == 2:
            run = self._runs.get(path.rsplit("/", 1)[1])
            if run is None or not run._started:
                return _not_found(f"task run {path.rsplit('/', 1)[1]} not found")
            if method == "GET":
                return json_response(200, run.to_api(details=True))
            if method == "DELETE":
                if run.status in _TERMINAL:
                    return json_response(
                        409,
                        {
                            "message": f"task run {run.id!r} already finished with status "
                            f"{run.status!r}",
                            "code": "task_run_not_cancelable",
                        },
                    )
                run.set_status("canceled")
                return json_response(204)
        return _not_found(
            f"render_mock has no answer for {method} {path}: declare one with "
            "add_run(...), add_error(...) or add_response(...)"
        )

    def _start(self, request: HTTPRequest) -> HTTPResponse:
        body = json.loads(request.content or b"{}")
        task = body.get("task")
        key = body.get("idempotencyKey")
        scope = (_workflow_of(task), key) if isinstance(key, str) else None
        if scope is not None and scope in self._by_key:
            return json_response(202, self._by_key[scope].to_api(details=False))
        queue = self._queued.get(task) or self._queued.get(None)
        if not queue:
            return _not_found(
                f"render_mock has no run for task {task!r}: declare one with add_run({task!r}, ...)"
            )
        run = queue.pop(0)
        run.task = task
        run._after_start(body.get("input"))
        if scope is not None:
            self._by_key[scope] = run
        started = run.to_api(details=False)
        started["status"] = "pending"
        return json_response(202, started)

    def _events(self, run_ids: list[str]) -> HTTPResponse:
        wanted = {part for value in run_ids for part in value.split(",")}
        lines = ["retry: 50", ""]
        for run_id in wanted:
            run = self._runs.get(run_id)
            if run is not None and run._started:
                lines += [
                    f"event: task.{run.status}",
                    f"data: {json.dumps(run.to_api(details=True))}",
                    "",
                ]
        content = ("\n".join(lines) + "\n").encode()
        return HTTPResponse(200, _Headers({"Content-Type": "text/event-stream"}), content)

    def _new_id(self) -> str:
        return f"trn-mock{next(self._numbers):012d}"


_TERMINAL = frozenset({"succeeded", "completed", "failed", "canceled"})


def _workflow_of(task: Any) -> str:
    # Keys are scoped to a workflow: the slug's first part (a task ID is its own scope).
    text = str(task)
    return text.split("/", 1)[0] if "/" in text else text


def _api_path(path: str) -> str:
    if path == "*":
        return path
    path = "/" + path.lstrip("/")
    return path[3:] if path.startswith("/v1/") else path


def _not_found(message: str) -> HTTPResponse:
    return json_response(404, {"message": message, "code": "not_found"})
