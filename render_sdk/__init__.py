"""render_sdk: trigger Render Workflows task runs and follow them to their result.

``Client`` is for blocking code (Django, Flask, scripts); ``AsyncClient`` for asyncio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._async.client import AsyncClient
    from ._async.task_run import AwaitableTaskRun
    from ._polling import PollSchedule
    from ._retry import RetryPolicy
    from ._sync.client import Client
    from ._sync.task_run import TaskRun
    from ._transport.base import Timeout
    from ._waitstate import WaitOptions
    from .errors import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        EventLoopError,
        InternalServerError,
        InvalidArgumentError,
        InvalidInputError,
        InvalidTaskIdentifierError,
        MissingAPIKeyError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RenderError,
        RenderWarning,
        StartManyError,
        TaskRunCanceledError,
        TaskRunError,
        TaskRunFailedError,
        UnprocessableEntityError,
        WaitTimeoutError,
    )
    from .models import (
        LogEntry,
        Task,
        TaskAttempt,
        TaskAttemptDetails,
        TaskRunDetails,
        TaskRunStatus,
    )

# Public name -> module that defines it. Loading is lazy so that ``import render_sdk``
# costs only what the caller uses (the blocking client never loads asyncio or httpx).
_EXPORTS = {
    "AsyncClient": "._async.client",
    "AwaitableTaskRun": "._async.task_run",
    "Client": "._sync.client",
    "TaskRun": "._sync.task_run",
    "PollSchedule": "._polling",
    "RetryPolicy": "._retry",
    "Timeout": "._transport.base",
    "WaitOptions": "._waitstate",
    **dict.fromkeys(
        [
            "APIConnectionError",
            "APIError",
            "APIResponseValidationError",
            "APIStatusError",
            "APITimeoutError",
            "AuthenticationError",
            "BadRequestError",
            "ConfigurationError",
            "ConflictError",
            "EventLoopError",
            "InternalServerError",
            "InvalidArgumentError",
            "InvalidInputError",
            "InvalidTaskIdentifierError",
            "MissingAPIKeyError",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "RenderError",
            "RenderWarning",
            "StartManyError",
            "TaskRunCanceledError",
            "TaskRunError",
            "TaskRunFailedError",
            "UnprocessableEntityError",
            "WaitTimeoutError",
        ],
        ".errors",
    ),
    **dict.fromkeys(
        [
            "LogEntry",
            "Task",
            "TaskAttempt",
            "TaskAttemptDetails",
            "TaskRunDetails",
            "TaskRunStatus",
        ],
        ".models",
    ),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'render_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "AwaitableTaskRun",
    "BadRequestError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "EventLoopError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidInputError",
    "InvalidTaskIdentifierError",
    "LogEntry",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollSchedule",
    "RateLimitError",
    "RenderError",
    "RenderWarning",
    "RetryPolicy",
    "StartManyError",
    "Task",
    "TaskAttempt",
    "TaskAttemptDetails",
    "TaskRun",
    "TaskRunCanceledError",
    "TaskRunDetails",
    "TaskRunError",
    "TaskRunFailedError",
    "TaskRunStatus",
    "Timeout",
    "UnprocessableEntityError",
    "WaitOptions",
    "WaitTimeoutError",
    "__version__",
]
