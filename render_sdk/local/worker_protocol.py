"""Render's worker protocol as plain data: parse what a worker sends, build what it reads.

A worker is the user's start command, written with Render's SDK (``pip install
render``). It talks JSON over HTTP/1.1 on a Unix socket; byte fields travel as
base64 of JSON text. This module only turns bodies into records and records into
bodies: no sockets, no processes, no clocks.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_RETRY_FACTOR",
    "CallbackOutcome",
    "ParameterSpec",
    "ProtocolError",
    "SubtaskRequest",
    "WorkerTaskSpec",
    "decode_json_b64",
    "encode_json_b64",
    "input_body",
    "parse_callback",
    "parse_register_tasks",
    "parse_run_subtask",
    "parse_subtask_result_request",
    "subtask_result_body",
]

# Render's CLI backs off by this factor when a task's retry config sends none.
DEFAULT_RETRY_FACTOR = 2.0


class ProtocolError(ValueError):
    """A worker sent a body that does not follow the protocol; the message says what."""


@dataclass(frozen=True)
class ParameterSpec:
    """One declared parameter of a task (its context argument excluded)."""

    name: str
    has_default: bool = False
    type: str | None = None
    default_value: str | None = None  # JSON text, as the worker sends it


@dataclass(frozen=True)
class WorkerTaskSpec:
    """A task as a worker registers it: name, retry policy, time limit, parameters."""

    name: str
    max_retries: int = 0
    wait_duration_ms: int = 0
    factor: float = DEFAULT_RETRY_FACTOR
    timeout_seconds: float | None = None
    plan: str | None = None
    parameters: tuple[ParameterSpec, ...] = ()

    def delay_before_retry(self, retry: int) -> float:
        """Seconds to wait before retry ``retry`` (0-based): ``wait * factor^retry``."""
        return self.wait_duration_ms / 1000.0 * self.factor**retry


@dataclass(frozen=True)
class CallbackOutcome:
    """What ``POST /callback`` reported: ``results`` on success, else ``error``."""

    results: list[Any] | None = None
    error: str | None = None
    stack_trace: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the attempt reported a result."""
        return self.error is None


@dataclass(frozen=True)
class SubtaskRequest:
    """``POST /run-subtask``: which task to run, with what input, under which key."""

    task_name: str
    input: list[Any] | dict[str, Any]
    idempotency_key: str | None = None


def encode_json_b64(value: Any) -> str:
    """Base64 of the compact JSON text of ``value``."""
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")


def decode_json_b64(text: Any, what: str) -> Any:
    """The JSON value inside a base64 field; ``what`` names the field in errors."""
    if not isinstance(text, str):
        raise ProtocolError(f"{what} must be a base64 string, got {type(text).__name__}")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ProtocolError(f"{what} is not valid base64") from None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"{what} is not base64 of JSON text: {exc}") from None


def _object(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"{what}: body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"{what}: body must be a JSON object")
    return data


def _number(value: Any, what: str, *, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProtocolError(f"{what} must be a number, got {value!r}")
    if value < minimum:
        raise ProtocolError(f"{what} must be >= {minimum:g}, got {value!r}")
    return float(value)


def _task_spec(item: Any, index: int) -> WorkerTaskSpec:
    where = f"tasks[{index}]"
    if not isinstance(item, dict):
        raise ProtocolError(f"{where} must be an object")
    name = item.get("name")
    if not isinstance(name, str) or not name or "/" in name or ":" in name:
        raise ProtocolError(f"{where}.name must be a non-empty string without '/' or ':'")
    options = item.get("options") or {}
    if not isinstance(options, dict):
        raise ProtocolError(f"{where}.options must be an object")
    retry = options.get("retry") or {}
    if not isinstance(retry, dict):
        raise ProtocolError(f"{where}.options.retry must be an object")
    max_retries = int(_number(retry.get("max_retries", 0), f"{where}.retry.max_retries"))
    wait_ms = int(_number(retry.get("wait_duration_ms", 0), f"{where}.retry.wait_duration_ms"))
    factor = retry.get("factor")
    factor = DEFAULT_RETRY_FACTOR if factor is None else _number(factor, f"{where}.retry.factor")
    timeout = options.get("timeout_seconds")
    if timeout is not None:
        timeout = _number(timeout, f"{where}.options.timeout_seconds")
        if timeout == 0:
            timeout = None  # Render's SDK omits a zero timeout: it means "none set"
    plan = options.get("plan")
    parameters = []
    for number, param in enumerate(item.get("parameters") or []):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            raise ProtocolError(f"{where}.parameters[{number}] must be an object with a name")
        parameters.append(
            ParameterSpec(
                name=param["name"],
                has_default=bool(param.get("has_default", False)),
                type=param.get("type") if isinstance(param.get("type"), str) else None,
                default_value=param.get("default_value")
                if isinstance(param.get("default_value"), str)
                else None,
            )
        )
    return WorkerTaskSpec(
        name=name,
        max_retries=max_retries,
        wait_duration_ms=wait_ms,
        factor=factor,
        timeout_seconds=timeout,
        plan=plan if isinstance(plan, str) else None,
        parameters=tuple(parameters),
    )


def parse_register_tasks(body: bytes) -> list[WorkerTaskSpec]:
    """``POST /register-tasks``: ``{"tasks": [{"name", "options", "parameters"}]}``."""
    data = _object(body, "register-tasks")
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        raise ProtocolError("register-tasks: 'tasks' must be a list")
    specs = [_task_spec(item, index) for index, item in enumerate(tasks)]
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ProtocolError(f"register-tasks: task names registered twice: {duplicates}")
    return specs


def input_body(
    task_name: str,
    input_data: list[Any] | dict[str, Any],
    *,
    run_id: str,
    root_run_id: str,
    parent_run_id: str,
) -> dict[str, Any]:
    """The answer to ``GET /input``; a root run's parent is sent as an empty string."""
    return {
        "task_name": task_name,
        "input": encode_json_b64(input_data),
        "task_run_id": run_id,
        "root_task_run_id": root_run_id,
        "parent_task_run_id": parent_run_id,
    }


def parse_callback(body: bytes) -> CallbackOutcome:
    """``POST /callback``: ``{"complete": {"output"}}`` or ``{"error": {"details"}}``."""
    data = _object(body, "callback")
    complete, error = data.get("complete"), data.get("error")
    if (complete is None) == (error is None):
        raise ProtocolError("callback: exactly one of 'complete' and 'error' is required")
    if complete is not None:
        if not isinstance(complete, dict) or "output" not in complete:
            raise ProtocolError("callback: 'complete' must be an object with 'output'")
        output = complete["output"]
        results = [] if output in ("", None) else decode_json_b64(output, "callback output")
        if not isinstance(results, list):
            raise ProtocolError(
                f"callback output must be a JSON array of the result, got {type(results).__name__}"
            )
        return CallbackOutcome(results=results)
    if not isinstance(error, dict) or not isinstance(error.get("details"), str):
        raise ProtocolError("callback: 'error' must be an object with a string 'details'")
    trace = error.get("stack_trace")
    return CallbackOutcome(
        error=error["details"], stack_trace=trace if isinstance(trace, str) else None
    )


def parse_run_subtask(body: bytes) -> SubtaskRequest:
    """``POST /run-subtask``: ``{"task_name", "input": b64, "idempotency_key", "created_at"}``."""
    data = _object(body, "run-subtask")
    name = data.get("task_name")
    if not isinstance(name, str) or not name:
        raise ProtocolError("run-subtask: 'task_name' must be a non-empty string")
    raw = data.get("input")
    value = [] if raw in (None, "") else decode_json_b64(raw, "run-subtask input")
    if not isinstance(value, (list, dict)):
        raise ProtocolError(
            f"run-subtask input must be a JSON array or object, got {type(value).__name__}"
        )
    key = data.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not key):
        raise ProtocolError("run-subtask: 'idempotency_key' must be a non-empty string")
    return SubtaskRequest(task_name=name, input=value, idempotency_key=key)


def parse_subtask_result_request(body: bytes) -> str:
    """``POST /get-subtask-result``: the ``task_run_id`` asked about."""
    data = _object(body, "get-subtask-result")
    run_id = data.get("task_run_id")
    if not isinstance(run_id, str) or not run_id:
        raise ProtocolError("get-subtask-result: 'task_run_id' must be a non-empty string")
    return run_id


def subtask_result_body(status: str, results: list[Any], error: str | None) -> dict[str, Any]:
    """The answer to ``POST /get-subtask-result`` for a run in ``status``."""
    if status == "succeeded":
        return {"still_running": False, "complete": {"output": encode_json_b64(results)}}
    if status == "failed":
        return {"still_running": False, "error": {"details": error or "the subtask failed"}}
    if status == "canceled":
        return {"still_running": False, "error": {"details": "the subtask was canceled"}}
    return {"still_running": True}
