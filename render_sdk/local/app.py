"""The ASGI application: the task-run endpoints under ``/v1``, auth, faults and headers."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import socket
import struct
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from render_sdk.local.dashboard import is_dashboard_path, serve_dashboard
from render_sdk.local.engine import Engine
from render_sdk.local.events import EventHub
from render_sdk.local.faults import Fault, FaultPlan
from render_sdk.local.logs import LogStore
from render_sdk.local.logs_api import deny_websocket, logs_routes
from render_sdk.local.ratelimit import RateLimiter, Verdict, endpoint_group
from render_sdk.local.registry import OWNER_ID, TaskRegistry, TaskResolutionError
from render_sdk.local.store import CursorError, RunFilters, RunStore, page_of, task_json

__all__ = ["LocalApp", "ServerState", "build_app"]

INJECTED_RATE_LIMIT = 1000
"""The window size an injected 429 reports when the server has no rate limit of its own."""
_FAULT_CODES = {
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class ServerState:
    """Everything one server holds: tasks, runs, faults, settings and counters for tests."""

    def __init__(
        self,
        registry: TaskRegistry,
        *,
        api_key: str | None = None,
        faults: FaultPlan | None = None,
        heartbeat: float = 15.0,
        retry_ms: int = 1000,
        rate_limit: int | None = None,
    ) -> None:
        """Serve ``registry``'s tasks; ``api_key`` turns bearer authentication on.

        ``rate_limit`` allows that many requests per second per endpoint group and
        answers the rest 429 (None: no limit, and no ``RateLimit-*`` headers).
        """
        if heartbeat <= 0:
            raise ValueError("heartbeat must be > 0 seconds")
        self.registry = registry
        self.api_key = api_key
        self.faults = faults if faults is not None else FaultPlan()
        self.store = RunStore()
        self.logs = LogStore()
        self.engine = Engine(self.store, registry=registry, logs=self.logs)
        self.events = EventHub(self.store, heartbeat=heartbeat, retry_ms=retry_ms)
        self.closed = asyncio.Event()
        self._lock = threading.Lock()
        self._clients: set[tuple[str, int]] = set()
        self._requests: collections.Counter[tuple[str, str]] = collections.Counter()
        self.rate_limiter = RateLimiter(rate_limit) if rate_limit is not None else None

    @property
    def runs_created(self) -> int:
        """How many runs were created (idempotent repeats not counted)."""
        return self.store.runs_created

    @property
    def connections(self) -> int:
        """How many distinct client connections ((host, port) pairs) sent a request."""
        with self._lock:
            return len(self._clients)

    @property
    def requests(self) -> collections.Counter[tuple[str, str]]:
        """A copy of the request counts by ``(method, path)``."""
        with self._lock:
            return collections.Counter(self._requests)

    def note_request(self, scope: Scope) -> Verdict | None:
        """Count a request; with a rate limit, the verdict of its window (else None)."""
        client = scope.get("client")
        with self._lock:
            if client:
                self._clients.add((str(client[0]), int(client[1])))
            self._requests[(scope["method"], scope["path"])] += 1
        if self.rate_limiter is None:
            return None
        return self.rate_limiter.take(endpoint_group(scope["method"], scope["path"]))

    async def aclose(self) -> None:
        """End streams and stalled responses, then stop every run; on the server's loop."""
        self.closed.set()
        self.events.close()
        await self.engine.aclose()


def error_response(status: int, code: str, message: str, request_id: str | None = None) -> Response:
    """The API's error body ``{"id", "message", "code"}``."""
    body = {"id": request_id or str(uuid.uuid4()), "message": message, "code": code}
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def json_response(body: Any, status: int = 200) -> Response:
    """A compact JSON response."""
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json"
    )


def _request_id(request: Request) -> str:
    return str(request.scope.get("render_sdk.request_id", ""))


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.local
    return state


class _BadRequest(Exception):
    def __init__(self, message: str, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _multi(request: Request, name: str) -> frozenset[str]:
    """Values of an array parameter: repeated keys, ``name[]`` keys and comma-joined values."""
    raw = request.query_params.getlist(name) + request.query_params.getlist(f"{name}[]")
    return frozenset(part.strip() for value in raw for part in value.split(",") if part.strip())


def _limit(request: Request) -> int:
    text = request.query_params.get("limit")
    if text is None or text == "":
        return 20
    try:
        limit = int(text)
    except ValueError:
        raise _BadRequest(f"limit must be an integer between 1 and 100, got {text!r}") from None
    if not 1 <= limit <= 100:
        raise _BadRequest(f"limit must be between 1 and 100, got {limit}")
    return limit


async def list_tasks(request: Request) -> Response:
    """``GET /v1/tasks``."""
    state = _state(request)
    try:
        limit = _limit(request)
        slugs = _multi(request, "taskSlug")
        owners = _multi(request, "ownerId")
        workflows = _multi(request, "workflowId")
        versions = _multi(request, "workflowVersionId")
        matching = [
            t
            for t in state.registry.tasks
            if (not slugs or t.slug in slugs or f"{t.slug}:{t.version}" in slugs)
            and (not owners or OWNER_ID in owners)
            and (not workflows or t.workflow_id in workflows or t.workflow_slug in workflows)
            and (not versions or t.workflow_version_id in versions)
        ]
        page = page_of(matching, limit, request.query_params.get("cursor"))
    except (_BadRequest, CursorError) as exc:
        return error_response(400, "invalid_request", str(exc), _request_id(request))
    return json_response([{"task": task_json(t), "cursor": c} for t, c in page])


async def get_task(request: Request) -> Response:
    """``GET /v1/tasks/{taskId}``."""
    task_id = request.path_params["task_id"]
    task = _state(request).registry.by_id(task_id)
    if task is None:
        return error_response(404, "not_found", f"task {task_id!r} not found", _request_id(request))
    return json_response(task_json(task))


def _parse_start(body: bytes) -> tuple[str, Any, str | None]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadRequest(f"request body is not valid JSON: {exc}", "invalid_json") from None
    if not isinstance(data, dict):
        raise _BadRequest("request body must be a JSON object")
    task = data.get("task")
    if not isinstance(task, str) or not task:
        raise _BadRequest("'task' is required: a task slug 'workflow/task' or a task ID 'tsk-…'")
    input_data = data.get("input", [])
    if not isinstance(input_data, (list, dict)):
        raise _BadRequest(
            f"'input' must be a JSON array (positional) or object (named), "
            f"got {type(input_data).__name__}",
            "invalid_input",
        )
    key = data.get("idempotencyKey")
    if key is not None and (not isinstance(key, str) or not key):
        raise _BadRequest("'idempotencyKey' must be a non-empty string")
    return task, input_data, key


async def start_task_run(request: Request) -> Response:
    """``POST /v1/task-runs``: 202 with the new (or idempotently repeated) run."""
    state = _state(request)
    try:
        identifier, input_data, key = _parse_start(await request.body())
    except _BadRequest as exc:
        return error_response(400, exc.code, exc.message, _request_id(request))
    try:
        task = state.registry.resolve(identifier)
    except TaskResolutionError as exc:
        status, code = (400, "invalid_task") if exc.malformed else (404, "not_found")
        return error_response(status, code, str(exc), _request_id(request))
    run, created = state.store.create(task, input_data, key)
    if created:
        state.engine.start(run)
    return json_response(run.to_json(), status=202)


async def list_task_runs(request: Request) -> Response:
    """``GET /v1/task-runs``: newest first, cursor pagination, documented filters."""
    state = _state(request)
    try:
        limit = _limit(request)
        filters = RunFilters(
            task_slugs=_multi(request, "taskSlug"),
            root_run_ids=_multi(request, "rootTaskRunId"),
            owner_ids=_multi(request, "ownerId"),
            workflow_ids=_multi(request, "workflowId"),
            workflow_version_ids=_multi(request, "workflowVersionId"),
        )
        page = state.store.page(filters, limit, request.query_params.get("cursor"))
    except (_BadRequest, CursorError) as exc:
        return error_response(400, "invalid_request", str(exc), _request_id(request))
    return json_response([{"taskRun": run.to_json(), "cursor": c} for run, c in page])


async def get_task_run(request: Request) -> Response:
    """``GET /v1/task-runs/{taskRunId}``: TaskRunDetails."""
    run_id = request.path_params["run_id"]
    run = _state(request).store.get(run_id)
    if run is None:
        return error_response(
            404, "not_found", f"task run {run_id!r} not found", _request_id(request)
        )
    return json_response(run.to_json(details=True))


async def cancel_task_run(request: Request) -> Response:
    """``DELETE /v1/task-runs/{taskRunId}``: 204, or 409 when the run already ended."""
    state = _state(request)
    run_id = request.path_params["run_id"]
    run = state.store.get(run_id)
    if run is None:
        return error_response(
            404, "not_found", f"task run {run_id!r} not found", _request_id(request)
        )
    if not state.engine.cancel(run):
        return error_response(
            409,
            "task_run_not_cancelable",
            f"task run {run_id!r} already finished with status {run.status!r}",
            _request_id(request),
        )
    return Response(status_code=204)


async def task_run_events(request: Request) -> Response:
    """``GET /v1/task-runs/events``: Server-Sent Events for the given runs."""
    state = _state(request)
    run_ids = sorted(_multi(request, "taskRunIds"))
    if not run_ids:
        return error_response(
            400, "invalid_request", "'taskRunIds' is required", _request_id(request)
        )
    unknown = [run_id for run_id in run_ids if state.store.get(run_id) is None]
    if unknown:
        return error_response(
            404, "not_found", f"task run(s) not found: {', '.join(unknown)}", _request_id(request)
        )
    fault: Fault = request.scope.get("render_sdk.fault", Fault())
    abort: Callable[[bool], Awaitable[None]] = request.scope["render_sdk.abort"]
    return StreamingResponse(
        state.events.stream(run_ids, fault, abort),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return error_response(
        exc.status_code, codes.get(exc.status_code, "error"), message, _request_id(request)
    )


def _aborter(receive: Receive) -> Callable[[bool], Awaitable[None]]:
    """A function that ends the request's TCP connection without (the rest of) a response.

    uvicorn hands the application its per-request cycle's bound ``receive``; the
    cycle holds the connection's transport. ``reset=True`` discards anything unsent
    and resets the connection; ``reset=False`` flushes what was sent, then closes
    (an events stream cut mid-way). With other servers, the drop is an exception.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)

    async def abort(reset: bool = True) -> None:
        if transport is None:
            raise ConnectionAbortedError("render_sdk.local: injected connection drop")
        if not reset:
            transport.close()
        else:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Linger 0: close with a reset, so clients see a connection error at once.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        # Let uvicorn see the connection lost before the application returns, so it
        # does not complain about a request that got no response.
        for _ in range(3):
            await asyncio.sleep(0)

    return abort


class LocalApp:
    """The outer ASGI layer: request ids, rate-limit headers, auth and fault injection."""

    def __init__(self, state: ServerState) -> None:
        """Wrap the routes for ``state``."""
        self.state = state
        routes = [
            Route("/v1/tasks", list_tasks, methods=["GET"]),
            Route("/v1/tasks/{task_id}", get_task, methods=["GET"]),
            Route("/v1/task-runs", start_task_run, methods=["POST"]),
            Route("/v1/task-runs", list_task_runs, methods=["GET"]),
            Route("/v1/task-runs/events", task_run_events, methods=["GET"]),
            Route("/v1/task-runs/{run_id}", get_task_run, methods=["GET"]),
            Route("/v1/task-runs/{run_id}", cancel_task_run, methods=["DELETE"]),
            *logs_routes(),
        ]
        self.routes = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
        self.routes.state.local = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] == "websocket" and not self._authorized(scope):
            await deny_websocket(
                scope, receive, send, 401, "unauthorized", "missing or invalid API key"
            )
            return
        if scope["type"] != "http":
            await self.routes(scope, receive, send)
            return
        if is_dashboard_path(scope["path"]):
            # The pages are public files; the API they call keeps its auth and faults.
            await serve_dashboard(scope, receive, send)
            return
        state = self.state
        verdict = state.note_request(scope)
        request_id = str(uuid.uuid4())
        abort = _aborter(receive)
        scope["render_sdk.request_id"] = request_id
        scope["render_sdk.abort"] = abort
        extra = [(b"x-request-id", request_id.encode())]
        if verdict is not None:
            extra.extend(verdict.headers())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        if verdict is not None and not verdict.allowed:
            response = error_response(
                429,
                "rate_limited",
                f"rate limit of {verdict.limit} requests per second exceeded for "
                f"{endpoint_group(scope['method'], scope['path'])}",
                request_id,
            )
            await response(scope, receive, send_with_headers)
            return
        fault = state.faults.decide(scope["method"], scope["path"])
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.drop:
            await abort(True)
            return
        if fault.status is not None:
            await self._send_fault_status(fault, request_id, scope, receive, send_with_headers)
            return
        if fault.stall:
            await self._stall(receive, send_with_headers)
            await abort(True)
            return
        if not self._authorized(scope):
            response = error_response(
                401,
                "unauthorized",
                "missing or invalid API key (Authorization: Bearer …)",
                request_id,
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send_with_headers)
            return
        if fault.drop_after:

            async def discard(message: Message) -> None:
                return None

            await self.routes(scope, receive, discard)
            await abort(True)
            return
        scope["render_sdk.fault"] = fault
        await self.routes(scope, receive, send_with_headers)

    def _authorized(self, scope: Scope) -> bool:
        if self.state.api_key is None:
            return True
        expected = f"Bearer {self.state.api_key}".encode()
        for name, value in scope["headers"]:
            if name == b"authorization":
                return hmac.compare_digest(value, expected)
        return False

    async def _send_fault_status(
        self, fault: Fault, request_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = fault.status or 500
        response = error_response(
            status,
            _FAULT_CODES.get(status, "injected_fault"),
            f"injected fault: HTTP {status}",
            request_id,
        )
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        if status == 429 and "ratelimit-limit" not in response.headers:
            # An injected 429 describes a spent window that resets when Retry-After ends.
            wait = fault.retry_after if fault.retry_after is not None else 1
            response.headers["RateLimit-Limit"] = str(INJECTED_RATE_LIMIT)
            response.headers["RateLimit-Reset"] = f"{wait:g}"
        if status == 429:
            response.headers["RateLimit-Remaining"] = "0"
        await response(scope, receive, send)

    async def _stall(self, receive: Receive, send: Send) -> None:
        """Send a 200's headers, then nothing until the client leaves or the server stops."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )

        async def client_gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        waiters = [
            asyncio.ensure_future(client_gone()),
            asyncio.ensure_future(self.state.closed.wait()),
        ]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)


def build_app(state: ServerState) -> LocalApp:
    """The ASGI application serving ``state``."""
    return LocalApp(state)
