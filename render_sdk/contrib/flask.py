"""Render Workflows in Flask: the ``RenderWorkflows`` extension, one ``Client`` per app.

::

    render = RenderWorkflows()          # at import, no app yet

    def create_app():
        app = Flask(__name__)
        app.config["RENDER_API_KEY"] = ...
        render.init_app(app)
        return app

    @bp.post("/runs")
    def start():
        run = render.client.workflows.start_task("wf/task", [1])

The client is made on first use from ``app.config`` (``RENDER_API_KEY``,
``RENDER_BASE_URL``, ``RENDER_TIMEOUT``, ``RENDER_MAX_RETRIES`` and the other
``RENDER_*`` options; the environment fills in the key and local-development mode), so
``flask`` commands need no key. It lives as long as the app: it is closed when the app
is garbage collected or the interpreter exits, or by ``render.close()``; never per
request, since its pooled connections are what makes later requests fast. See
docs/flask.md.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, has_app_context, jsonify

from ..errors import RenderError
from ._lazy import LazyClient
from ._settings import client_options
from .http import http_error_for

if TYPE_CHECKING:
    from .._sync.client import Client

__all__ = ["EXTENSION_KEY", "RenderWorkflows", "error_response"]

EXTENSION_KEY = "render_sdk"
"""Where ``init_app`` registers the app's state: ``app.extensions["render_sdk"]``."""

logger = logging.getLogger("render_sdk.contrib.flask")


class _AppState:
    """What one app holds in ``app.extensions["render_sdk"]``: its config and client.

    It keeps the app's config (not the app), so the app can still be garbage collected.
    """

    def __init__(self, extension: RenderWorkflows, config: Mapping[str, Any]) -> None:
        self.extension = extension
        self.config = config
        self.lazy: LazyClient[Client] = LazyClient(self._make)

    def options(self) -> dict[str, Any]:
        return client_options(
            self.config,
            prefix="RENDER_",
            describe=lambda key: f"app.config[{key!r}]",
            reject_unknown=False,
        )

    def _make(self) -> Client:
        from .._sync.client import Client

        return Client(**self.options())


class RenderWorkflows:
    """The Flask extension: ``RenderWorkflows(app)``, or ``init_app(app)`` in a factory.

    Bound to one app (``RenderWorkflows(app)``), ``client`` also works outside an app
    context; in the factory form it is the client of ``flask.current_app``.

    With ``handle_errors=True``, a ``RenderError`` raised by a view is answered with
    ``error_response(exc)`` (see ``render_sdk.contrib.http`` for the table).
    """

    def __init__(self, app: Flask | None = None, *, handle_errors: bool = False) -> None:
        self._handle_errors = handle_errors
        self._app = app
        self._states: weakref.WeakSet[Any] = weakref.WeakSet()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read and check the app's ``RENDER_*`` settings and register the extension.

        Bad settings raise ConfigurationError here, at start-up. No client is made yet,
        and a missing API key is not an error until the client is first used.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(f"render_sdk is already initialised on app {app.name!r}")
        state = _AppState(self, app.config)
        state.options()  # bad settings fail here, at start-up
        app.extensions[EXTENSION_KEY] = state
        self._states.add(state)
        # The client is closed when the app goes away (or at interpreter exit, which
        # weakref.finalize also covers). The callback holds the state, not the app.
        weakref.finalize(app, state.lazy.close)
        if self._handle_errors:
            app.register_error_handler(RenderError, _handle_render_error)

    def _state(self, app: Flask | None) -> _AppState:
        if app is None:
            if has_app_context():
                app = current_app._get_current_object()  # type: ignore[attr-defined]
            elif self._app is not None:
                app = self._app
            else:
                raise RuntimeError(
                    "no Flask app: use render.client inside an app or request context "
                    "(with app.app_context(): ...), or call render.get_client(app)"
                )
        state = app.extensions.get(EXTENSION_KEY)
        if not isinstance(state, _AppState) or state.extension is not self:
            raise RuntimeError(
                f"render_sdk is not initialised on app {app.name!r}: call init_app(app) first"
            )
        return state

    def get_client(self, app: Flask | None = None) -> Client:
        """The ``Client`` of ``app`` (default: the current app), made on first use."""
        return self._state(app).lazy.get()

    @property
    def client(self) -> Client:
        """The current app's ``Client``, made on first use and shared by its threads."""
        return self.get_client()

    def close(self, app: Flask | None = None) -> None:
        """Close the client of ``app``, or of every app of this extension when None.

        The next use makes a new client from the app's config as it is then, so this is
        also how to apply changed ``RENDER_*`` settings.
        """
        states = [self._state(app)] if app is not None else list(self._states)
        for state in states:
            state.lazy.close()


def error_response(exc: RenderError) -> Response:
    """A JSON response for ``exc``, by the table of ``render_sdk.contrib.http``."""
    error = http_error_for(exc)
    response = jsonify(error.body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _handle_render_error(exc: RenderError) -> Response:
    response = error_response(exc)
    if response.status_code >= 500:
        logger.error("a call to Render failed", exc_info=exc)
    return response
