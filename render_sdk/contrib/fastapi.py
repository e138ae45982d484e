"""Render Workflows in FastAPI (and plain Starlette): one ``AsyncClient`` per app.

The client is opened in the app's lifespan, inside the event loop that serves the
requests (an ``AsyncClient`` made at import would be bound to no loop, or to one that
has ended by the next test), and handed to handlers by a dependency that tests can
replace with ``app.dependency_overrides``::

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with open_async_client(app):
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_exception_handler(RenderError, render_error_handler)

    @app.post("/runs")
    async def start(client: AsyncClient = Depends(get_async_client)):
        run = await client.workflows.start_task("wf/task", [1])

Only Starlette is imported (FastAPI is built on it); see docs/fastapi.md.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp

from .._async.client import AsyncClient
from ..errors import RenderError
from .http import http_error_for

__all__ = [
    "STATE_ATTRIBUTE",
    "error_response",
    "get_async_client",
    "open_async_client",
    "render_error_handler",
]

STATE_ATTRIBUTE = "render_client"
"""The ``app.state`` attribute that holds the app's client while its lifespan runs."""

logger = logging.getLogger("render_sdk.contrib.fastapi")


@asynccontextmanager
async def open_async_client(app: ASGIApp, **options: Any) -> AsyncIterator[AsyncClient]:
    """Open an ``AsyncClient`` for the app's lifespan and keep it on ``app.state``.

    ``options`` are ``AsyncClient`` arguments (``api_key``, ``base_url``, ``timeout``,
    ...); what they leave out comes from the environment. On the way out the client is
    closed and removed, so a second lifespan (the next test) opens a fresh one.
    """
    state = getattr(app, "state", None)
    if state is None:
        raise TypeError(f"expected a Starlette or FastAPI app, got {type(app).__name__}")
    async with AsyncClient(**options) as client:
        setattr(state, STATE_ATTRIBUTE, client)
        try:
            yield client
        finally:
            delattr(state, STATE_ATTRIBUTE)


def get_async_client(request: Request) -> AsyncClient:
    """The dependency that hands a handler the app's client (``Depends(get_async_client)``).

    Raises RuntimeError when the lifespan has not opened one, which in tests usually
    means the ``TestClient`` was used without ``with`` (only then does it run the
    lifespan).
    """
    client = getattr(request.app.state, STATE_ATTRIBUTE, None)
    if not isinstance(client, AsyncClient):
        raise RuntimeError(
            "no AsyncClient on app.state: open one in the app's lifespan with "
            "`async with open_async_client(app): yield` (in tests, `with TestClient(app) "
            "as client:` runs the lifespan), or override this dependency"
        )
    return client


def error_response(exc: RenderError) -> JSONResponse:
    """A JSON response for ``exc``, by the table of ``render_sdk.contrib.http``."""
    error = http_error_for(exc)
    return JSONResponse(error.body, status_code=error.status, headers=error.headers)


async def render_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An exception handler: ``app.add_exception_handler(RenderError, render_error_handler)``.

    Errors answered with a 5xx status are logged with their traceback first.
    """
    if not isinstance(exc, RenderError):
        raise exc
    response = error_response(exc)
    if response.status_code >= 500:
        logger.error(
            "a call to Render failed while handling %s %s",
            request.method,
            request.url.path,
            exc_info=exc,
        )
    return response
