"""One table from SDK errors to HTTP responses, shared by the framework integrations; pure.

``http_error_for(exc)`` says which status, JSON body and headers a web app should answer
with when a call to Render raised ``exc``. The Django middleware, the Flask error handler
and the FastAPI exception handler all use it, so an app behaves the same on all three.

============================================  ======  =====================================
error                                         status  why
============================================  ======  =====================================
``InvalidArgumentError`` (bad identifier or   400     the caller's request carried it
input, found before anything was sent)
``NotFoundError``                             404     no such task or task run
``ConflictError``                             409     a conflict with the current state
                                                      (Render documents none for task runs;
                                                      the local server answers 409 to
                                                      canceling a finished run)
``BadRequestError``,                          422     Render refused the request as given
``UnprocessableEntityError``
``TaskRunFailedError``,                       200     the run ended: the body is the run,
``TaskRunCanceledError``                              with its status and error
``WaitTimeoutError``                          202     still running: ask again later
``RateLimitError``                            503     with ``Retry-After`` when known
``APITimeoutError``                           504     Render did not answer in time
``APIConnectionError``                        503     Render could not be reached
``AuthenticationError``,                      502     the server's credentials are wrong:
``PermissionDeniedError``                             not the caller's fault, not shown
``InternalServerError``,                      502     Render failed or answered nonsense
``APIResponseValidationError``
``ConfigurationError``, other errors          500     the server is misconfigured
============================================  ======  =====================================

Bodies are ``{"error": <code>, "message": <text>, ...}``. Messages of 4xx answers come
from the SDK (they describe the caller's input; they never contain the API key); 5xx
answers carry a fixed message, so nothing about the server's setup leaks to callers.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from ..errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RenderError,
    TaskRunError,
    UnprocessableEntityError,
    WaitTimeoutError,
)

__all__ = ["HTTPError", "http_error_for"]


@attrs.frozen
class HTTPError:
    """What to answer: a status code, a JSON-ready body and extra response headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = attrs.field(factory=dict)


def _problem(status: int, code: str, message: str, **extra: Any) -> HTTPError:
    return HTTPError(status, {"error": code, "message": message, **extra})


def _upstream(exc: APIStatusError) -> dict[str, Any]:
    # The API's own request id helps when contacting Render's support; it reveals nothing.
    return {"request_id": exc.request_id} if exc.request_id else {}


def http_error_for(exc: RenderError) -> HTTPError:
    """The HTTP answer for ``exc``, following the table in this module's docstring."""
    if isinstance(exc, TaskRunError):
        return HTTPError(200, exc.details.to_dict())
    if isinstance(exc, WaitTimeoutError):
        status = None if exc.last_status is None else exc.last_status.value
        return HTTPError(
            202,
            {
                "id": exc.task_run_id,
                "status": status,
                "error": "still_running",
                "message": "the run has not finished yet; ask again later",
            },
        )
    if isinstance(exc, InvalidArgumentError):
        extra = {"path": exc.path} if isinstance(exc, InvalidInputError) and exc.path else {}
        return _problem(400, "invalid_argument", str(exc), **extra)
    if isinstance(exc, NotFoundError):
        return _problem(404, "not_found", exc.message, **_upstream(exc))
    if isinstance(exc, ConflictError):
        return _problem(409, "conflict", exc.message, **_upstream(exc))
    if isinstance(exc, BadRequestError | UnprocessableEntityError):
        return _problem(422, "rejected", exc.message, **_upstream(exc))
    if isinstance(exc, RateLimitError):
        error = _problem(503, "rate_limited", "too many requests to Render; try again later")
        if exc.retry_after is not None and math.isfinite(exc.retry_after):
            error.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return error
    if isinstance(exc, APITimeoutError):
        return _problem(504, "upstream_timeout", "Render did not answer in time")
    if isinstance(exc, APIConnectionError):
        return _problem(503, "upstream_unavailable", "Render could not be reached")
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return _problem(502, "upstream_refused", "Render refused this server's credentials")
    if isinstance(exc, InternalServerError | APIResponseValidationError | APIStatusError):
        extra = _upstream(exc) if isinstance(exc, APIStatusError) else {}
        return _problem(502, "upstream_error", "Render failed to handle the request", **extra)
    return _problem(500, "server_error", "the server could not talk to Render")
