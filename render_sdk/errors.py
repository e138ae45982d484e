"""The exceptions render_sdk raises; every one derives from RenderError."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import TaskRunDetails, TaskRunStatus

__all__ = [
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
]


class RenderError(Exception):
    """Base class of every error raised by render_sdk."""


# --- problems found before any request is sent -------------------------------------------


class RenderWarning(UserWarning):
    """Something render_sdk went on with but you should know about (an ignored setting)."""


class ConfigurationError(RenderError):
    """The client cannot be built as configured (missing API key, unsafe base URL, ...)."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was given or found in ``RENDER_API_KEY``, and local mode is off."""


class InvalidArgumentError(RenderError, ValueError):
    """An argument was rejected before any request was sent."""


class InvalidTaskIdentifierError(InvalidArgumentError):
    """A task identifier is neither a task slug nor a task ID."""


class InvalidInputError(InvalidArgumentError, TypeError):
    """Task input is not a list or dict of JSON-serializable values (or is too large).

    It is both a ``ValueError`` and a ``TypeError``, so either ``except`` catches it.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        """Where the offending value sits, for example ``input_data[2]['when']``."""


class EventLoopError(RenderError, RuntimeError):
    """An AsyncClient was used in a way its event loop does not allow.

    Raised when its connections belong to a loop that has ended or is not the running one
    and cannot be reopened (an ``httpx.AsyncClient`` of the caller's); the fix is to create
    the AsyncClient inside the loop that uses it, e.g. in an app's lifespan. It is also a
    ``RuntimeError``, which is what asyncio raises for the same mistakes.
    """


# --- problems talking to the API ---------------------------------------------------------


class _Headers(Mapping[str, str]):
    """A read-only, case-insensitive copy of response headers (keys listed in lower case).

    Both transports' header types become this, so ``exc.headers["retry-after"]`` and
    ``exc.headers["Retry-After"]`` work the same in the blocking and the asyncio client.
    """

    def __init__(self, headers: Mapping[str, str] | None) -> None:
        self._items = {str(key).lower(): value for key, value in (headers or {}).items()}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class APIError(RenderError):
    """A request to the API did not produce a usable response."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """The API could not be reached, or the connection broke before a full response."""

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = True,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.request_sent = request_sent
        """False when the failure happened before any byte of the request left the client."""


class APITimeoutError(APIConnectionError):
    """The API did not answer (or finish answering) within the configured timeout."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = True,
    ) -> None:
        super().__init__(message, method=method, url=url, request_sent=request_sent)


class APIResponseValidationError(APIError):
    """The API answered with a body this SDK cannot read (not JSON, or the wrong shape)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: bytes = b"",
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body = body


class APIStatusError(APIError):
    """The API answered with an error status (4xx or 5xx)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        error_id: str | None = None,
        request_id: str | None = None,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.code = code
        """The API's machine-readable error code, when it sent one."""
        self.error_id = error_id
        """The ``id`` of the API's error body, useful when contacting support."""
        self.request_id = request_id
        self.body = body
        self.headers: Mapping[str, str] = _Headers(headers)
        """The response headers, looked up case-insensitively."""


class BadRequestError(APIStatusError):
    """400: the API rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or not valid."""


class PermissionDeniedError(APIStatusError):
    """403: the API key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such task, task run or route."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state (e.g. cancel of a finished run)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long the API asked to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        """Seconds the API asked the client to wait, when it said so."""


class InternalServerError(APIStatusError):
    """5xx: the API failed to handle the request."""


# --- outcomes of task runs ---------------------------------------------------------------


class TaskRunError(RenderError):
    """A task run ended without succeeding; ``details`` holds the run as last read."""

    def __init__(self, message: str, details: TaskRunDetails) -> None:
        super().__init__(message)
        self.details = details

    @property
    def task_run_id(self) -> str:
        """The ID of the run that ended."""
        return self.details.id


class TaskRunFailedError(TaskRunError):
    """The task run failed (after its last attempt); ``error`` is the run's error text."""

    @property
    def error(self) -> str | None:
        """The error text the run reported, if any."""
        return self.details.error


class TaskRunCanceledError(TaskRunError):
    """The task run was canceled before it finished."""


class WaitTimeoutError(RenderError, TimeoutError):
    """Waiting for a run gave up at the deadline; the run itself was left alone."""

    def __init__(
        self,
        message: str,
        *,
        task_run_id: str,
        last_status: TaskRunStatus | None,
        pending: Mapping[str, TaskRunStatus | None] | None = None,
    ) -> None:
        super().__init__(message)
        self.task_run_id = task_run_id
        """The run waited for (the first unfinished one when waiting for several)."""
        self.last_status = last_status
        """The run's status as last seen, or None if it was never read."""
        self.pending: Mapping[str, TaskRunStatus | None] = dict(
            pending or {task_run_id: last_status}
        )
        """Every run still unfinished at the deadline, with its last seen status."""


# --- starting many runs ------------------------------------------------------------------


class StartManyError(RenderError):
    """Some starts of ``start_many`` failed after their retries; the others went through.

    ``runs`` holds, in input order, the run started for each input, or None where the
    start failed; ``errors`` maps the index of each failed input to its error. Calling
    ``start_many`` again with the same ``idempotency_key_prefix`` retries the failed
    inputs and returns the runs already started, without starting any of them twice.
    """

    def __init__(self, message: str, *, runs: Sequence[Any], errors: Mapping[int, Exception]):
        super().__init__(message)
        self.runs: list[Any] = list(runs)
        """The run of each input in input order (a TaskRun or AwaitableTaskRun), None if failed."""
        self.errors: dict[int, Exception] = dict(errors)
        """The error of each failed input, by its index in ``inputs``."""

    @property
    def started(self) -> dict[int, Any]:
        """The runs that did start, by the index of their input."""
        return {index: run for index, run in enumerate(self.runs) if run is not None}
