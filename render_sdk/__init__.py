"""render_sdk: trigger Render Workflows task runs and follow them to their result.

``Client`` is for blocking code (Django, Flask, scripts); ``AsyncClient`` for asyncio.
"""

from __future__ import annotations

from ._async.client import AsyncClient
from ._async.task_run import AwaitableTaskRun
from ._polling import PollSchedule
from ._retry import RetryPolicy
from ._sync.client import Client
from ._sync.task_run import TaskRun
from ._transport.base import Timeout
from ._version import __version__
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
    InternalServerError,
    InvalidArgumentError,
    InvalidInputError,
    InvalidTaskIdentifierError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RenderError,
    TaskRunCanceledError,
    TaskRunError,
    TaskRunFailedError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from .models import Task, TaskAttempt, TaskAttemptDetails, TaskRunDetails, TaskRunStatus

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
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidInputError",
    "InvalidTaskIdentifierError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollSchedule",
    "RateLimitError",
    "RenderError",
    "RetryPolicy",
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
    "WaitTimeoutError",
    "__version__",
]
