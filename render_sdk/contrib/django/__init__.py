"""Render Workflows in Django: add ``"render_sdk.contrib.django"`` to ``INSTALLED_APPS``.

- ``get_client()``: the process-wide ``Client``, made on first use from
  ``settings.RENDER_SDK`` (a dict; the environment fills in what it leaves out), so
  importing views and running management commands needs no API key.
- ``start_task_on_commit(...)``: start a run once the current transaction commits.
- ``RenderErrorMiddleware`` / ``error_response(exc)``: SDK errors as JSON responses.
- System checks ``render_sdk.E001`` (invalid settings) and, with ``--deploy``,
  ``render_sdk.W001``-``W003`` (no API key, a client that cannot be built, local-dev mode).

See docs/django.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from ..._identifiers import parse_task_identifier
from ..._inputs import encode_json, validate_input
from ..._sync.workflows import _validate_idempotency_key
from ...errors import ConfigurationError, InvalidInputError, RenderError
from .._lazy import LazyClient
from .._settings import client_options
from ..http import http_error_for

if TYPE_CHECKING:
    from ..._sync.client import Client
    from ..._sync.task_run import TaskRun

__all__ = [
    "PendingStart",
    "RenderErrorMiddleware",
    "close_client",
    "error_response",
    "get_client",
    "settings_options",
    "start_task_on_commit",
]

logger = logging.getLogger("render_sdk.contrib.django")

SETTING = "RENDER_SDK"


def settings_options() -> dict[str, Any]:
    """The ``Client`` keyword arguments ``settings.RENDER_SDK`` gives, checked.

    Raises ConfigurationError naming the offending key and what it accepts. A missing
    ``RENDER_SDK`` is an empty dict: everything comes from the environment.
    """
    raw = getattr(settings, SETTING, None)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            f"settings.{SETTING} must be a dict such as {{'API_KEY': ..., 'TIMEOUT': 10}}, "
            f"got {type(raw).__name__}"
        )
    return client_options(
        raw, describe=lambda key: f"settings.{SETTING}[{key!r}]", reject_unknown=True
    )


def _make_client() -> Client:
    from ..._sync.client import Client

    return Client(**settings_options())


_shared = LazyClient(_make_client)


def get_client() -> Client:
    """The process-wide ``Client``, created from the settings on the first call.

    Safe to call from any thread. Raises ConfigurationError if the settings (or the
    environment) do not make a usable client, e.g. no API key outside local development.
    """
    return _shared.get()


def close_client() -> None:
    """Close the shared client; the next ``get_client()`` builds a new one.

    Changing ``settings.RENDER_SDK`` (``override_settings``) does this by itself; call it
    after changing ``RENDER_*`` environment variables, which are read only at creation.
    """
    _shared.close()


def _on_setting_changed(*, setting: str, **_: Any) -> None:
    if setting == SETTING:
        close_client()


# Connected at import rather than in AppConfig.ready(), so that override_settings works
# in projects that call get_client() without listing the app in INSTALLED_APPS.
setting_changed.connect(_on_setting_changed, dispatch_uid="render_sdk.contrib.django")


class PendingStart:
    """A run that ``start_task_on_commit`` will start when the transaction commits.

    ``idempotency_key`` is fixed at once: store it beside your own rows if you may need
    to repeat the start later (the API returns the same run for the same key within 24
    hours). After the commit, ``run`` is the started ``TaskRun``; if the start failed,
    ``error`` holds the exception (it was also logged) and reading ``run`` raises it.

    The commit that matters is the outermost one: inside ``ATOMIC_REQUESTS`` or a test's
    ``TestCase`` the run has not started when the view's own ``atomic()`` block ends. To
    record the run's id, register your own ``transaction.on_commit`` callback after this
    call (callbacks run in order) and read ``run`` there when ``started``.
    """

    def __init__(
        self, task_identifier: str, input_data: list[Any] | dict[str, Any], idempotency_key: str
    ) -> None:
        self.task_identifier = task_identifier
        self.input_data = input_data
        """The input as checked at call time (a copy: later changes are not sent)."""
        self.idempotency_key = idempotency_key
        self.error: RenderError | None = None
        """The error that stopped the start after the commit, if one did."""
        self._run: TaskRun | None = None

    @property
    def done(self) -> bool:
        """True once the start was attempted (after the commit), whatever its outcome."""
        return self._run is not None or self.error is not None

    @property
    def started(self) -> bool:
        """True once the run has been started (after the commit)."""
        return self._run is not None

    @property
    def run(self) -> TaskRun:
        """The started run; raises the start's error, or RuntimeError before the commit."""
        if self.error is not None:
            raise self.error
        if self._run is None:
            raise RuntimeError(
                f"the run of {self.task_identifier!r} has not been started: the transaction "
                "has not committed yet (or it was rolled back)"
            )
        return self._run

    def __repr__(self) -> str:
        state = "failed" if self.error else "started" if self._run else "waiting for commit"
        return f"<PendingStart {self.task_identifier!r} {state}>"

    def _start(self) -> None:
        try:
            run = get_client().workflows.start_task(
                self.task_identifier, self.input_data, idempotency_key=self.idempotency_key
            )
        except RenderError as exc:
            # The transaction is already committed: raising here would turn a saved
            # change into an error page. Keep the error on the handle and log it.
            self.error = exc
            logger.error(
                "starting a run of %r after the commit failed (idempotency key %s); "
                "repeat the start with the same key to retry it safely",
                self.task_identifier,
                self.idempotency_key,
                exc_info=exc,
            )
            return
        self._run = run


def start_task_on_commit(
    task_identifier: str,
    input_data: Sequence[Any] | dict[str, Any],
    *,
    idempotency_key: str | None = None,
    using: str | None = None,
) -> PendingStart:
    """Start a run of a task when the current transaction (of database ``using``) commits.

    Nothing is started if the transaction rolls back; outside a transaction the run
    starts at once, before this returns. The task identifier, the input, the settings
    and the input's size are checked now, so bad input raises here, in the view
    (InvalidArgumentError, ConfigurationError), never after the commit. Errors of the
    start itself (network, API) happen after the commit: they are logged on the
    ``render_sdk.contrib.django`` logger and kept on the returned ``PendingStart``.
    """
    client = get_client()
    task = parse_task_identifier(task_identifier)
    payload = validate_input(input_data)
    key = _validate_idempotency_key(
        str(uuid.uuid4()) if idempotency_key is None else idempotency_key
    )
    body = encode_json({"task": task.value, "input": payload, "idempotencyKey": key})
    limit = client._options.max_input_bytes
    if len(body) > limit:
        raise InvalidInputError(
            f"input_data encodes to {len(body)} bytes, over the limit of {limit} "
            f"(set MAX_INPUT_BYTES in settings.{SETTING} to change it)",
            path="input_data",
        )
    pending = PendingStart(task.value, payload, key)
    transaction.on_commit(pending._start, using=using)
    return pending


def error_response(exc: RenderError) -> JsonResponse:
    """A JSON response for ``exc``, by the table of ``render_sdk.contrib.http``."""
    error = http_error_for(exc)
    response = JsonResponse(error.body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


class RenderErrorMiddleware:
    """Answer views that raise a ``RenderError`` with ``error_response(exc)``.

    Add ``"render_sdk.contrib.django.RenderErrorMiddleware"`` to ``MIDDLEWARE``. Errors
    answered with a 5xx status are logged with their traceback first, since the response
    itself says nothing about the server's side.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Turn a ``RenderError`` into its response; leave other exceptions to Django."""
        if not isinstance(exception, RenderError):
            return None
        response = error_response(exception)
        if response.status_code >= 500:
            logger.error(
                "a call to Render failed while handling %s %s",
                request.method,
                request.path,
                exc_info=exception,
            )
        return response
