"""``AsyncClient``: configuration, connection pool and services.

For asyncio code (FastAPI, async workers).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

import attrs

from .._checks import check_int, check_seconds
from .._clock import AsyncClock, AsyncSystemClock
from .._concurrency import AsyncRateLimitGate
from .._config import ResolvedConfig, resolve_config, user_agent
from .._inputs import DEFAULT_MAX_INPUT_BYTES
from .._polling import PollSchedule
from .._retry import RetryPolicy
from .._sentinel import NOT_GIVEN, NotGiven
from .._transport.base import AsyncHTTPTransport, Timeout
from .._transport.factory import create_async_transport
from .._waitstate import WaitOptions, wait_options_for
from ..errors import InvalidArgumentError
from ._base import AsyncAPIClient
from .logs import AsyncLogsService
from .options import (
    CONNECTION_OPTIONS,
    DEFAULT_TIMEOUT,
    AsyncClientOptions,
    retry_policy_of,
)
from .workflows import AsyncWorkflowsService

__all__ = ["AsyncClient"]


class AsyncClient:
    """A client of the Render API for asyncio code (FastAPI, async workers).

    ``api_key`` defaults to ``RENDER_API_KEY``; ``base_url`` is the API origin
    (default ``https://api.render.com``; ``/v1`` is added).

    Local development follows Render's rule: a non-empty ``RENDER_LOCAL_DEV_URL``
    alone, or ``RENDER_USE_LOCAL_DEV`` set to ``1``/``t``/``true`` (any case spelling
    Render accepts; then ``http://localhost:8120``), points the client at a local
    server, where no key is needed. ``local=True`` or ``local=False`` decides this in
    code instead of the environment.

    Waiting is configured by ``wait_strategy``, ``poll_schedule`` and
    ``event_idle_timeout``, or by one ``wait_options=WaitOptions(...)`` that sets every
    waiting option (not both).

    ``max_retries`` (default 2) is how many times a failed request is retried; given
    together with ``retry_policy`` it overrides that policy's ``max_retries``. Use the
    client as a context manager, or call the close method, to release its connections.

    Requests are paced by the API's ``RateLimit-*`` headers: when a window is spent,
    further requests of that endpoint group wait for it to reset (logged at INFO on the
    ``render_sdk`` logger) instead of collecting 429s; ``rate_limit_pacing=False`` turns
    that off.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        local: bool | None = None,
        timeout: Timeout | float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        wait_strategy: Literal["auto", "events", "poll"] = "auto",
        event_idle_timeout: float = 45.0,
        wait_options: WaitOptions | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
        allow_insecure_http: bool = False,
        transport: AsyncHTTPTransport | None = None,
        clock: AsyncClock | None = None,
        rate_limit_pacing: bool = True,
    ) -> None:
        options = AsyncClientOptions(
            api_key=api_key,
            base_url=base_url,
            local=local,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            poll_schedule=poll_schedule,
            wait_strategy=wait_strategy,
            event_idle_timeout=event_idle_timeout,
            wait_options=wait_options,
            default_headers=default_headers,
            max_input_bytes=max_input_bytes,
            allow_insecure_http=allow_insecure_http,
            transport=transport,
            clock=clock,
            rate_limit_pacing=rate_limit_pacing,
        )
        if not isinstance(rate_limit_pacing, bool):
            raise InvalidArgumentError(
                f"rate_limit_pacing must be True or False, got {rate_limit_pacing!r}"
            )
        config = resolve_config(
            api_key, base_url, local=local, allow_insecure_http=allow_insecure_http
        )
        clock = clock if clock is not None else AsyncSystemClock()
        gate = AsyncRateLimitGate(clock) if rate_limit_pacing else None
        self._setup(options, config, transport, clock, gate, owns_transport=transport is None)

    def _setup(
        self,
        options: AsyncClientOptions,
        config: ResolvedConfig,
        transport: AsyncHTTPTransport | None,
        clock: AsyncClock,
        gate: AsyncRateLimitGate | None,
        *,
        owns_transport: bool,
    ) -> None:
        # Everything is checked before the transport exists, so a bad argument leaks nothing.
        timeout = _timeout(options.timeout)
        if options.max_retries is not NOT_GIVEN:
            check_int("max_retries", options.max_retries, minimum=0)
        check_int("max_input_bytes", options.max_input_bytes, minimum=1)
        retry_policy = retry_policy_of(options)
        poll_schedule = options.poll_schedule
        try:
            wait_options = wait_options_for(
                options.wait_options,
                strategy=options.wait_strategy,
                poll_schedule=poll_schedule,
                idle_timeout=_positive("event_idle_timeout", options.event_idle_timeout),
            )
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from exc
        self._options = options
        self._owns_transport = owns_transport
        self._api = AsyncAPIClient(
            config=config,
            transport=transport if transport is not None else create_async_transport(),
            timeout=timeout,
            retry_policy=retry_policy,
            clock=clock,
            headers=_headers(config, options.default_headers),
            # One gate per client: its threads or tasks share the API's rate-limit windows.
            gate=gate,
        )
        self.workflows = AsyncWorkflowsService(
            self._api, wait_options=wait_options, max_input_bytes=options.max_input_bytes
        )
        """Start, read, list, cancel and wait for task runs."""
        self.logs = AsyncLogsService(self._api)
        """List log lines (``client.logs.list(...)``)."""

    @property
    def base_url(self) -> str:
        """The API root requests go to, including ``/v1``."""
        return self._api.config.api_url

    @property
    def timeout(self) -> Timeout:
        """The connect and read timeouts of each request."""
        return self._api.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._api.retry_policy.max_retries

    def with_options(
        self,
        *,
        timeout: Timeout | float | tuple[float, float] | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
        poll_schedule: PollSchedule | NotGiven | None = NOT_GIVEN,
        wait_strategy: Literal["auto", "events", "poll"] | NotGiven = NOT_GIVEN,
        event_idle_timeout: float | NotGiven = NOT_GIVEN,
        wait_options: WaitOptions | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        max_input_bytes: int | NotGiven = NOT_GIVEN,
    ) -> AsyncClient:
        """A client that shares this one's connections but uses some other options.

        For one call: ``client.with_options(max_retries=0).workflows.get_task_run(id)``.
        Options not passed keep this client's values; a new ``retry_policy`` replaces
        the old one whole (a ``max_retries`` given with it is applied over it), and so
        does a new ``wait_options`` (replacing ``wait_strategy``, ``poll_schedule`` and
        ``event_idle_timeout``, which cannot be given beside it). The API
        key, base URL, transport and clock are shared. Closing the copy does not close
        the shared connections.
        """
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("timeout", timeout),
                ("max_retries", max_retries),
                ("retry_policy", retry_policy),
                ("poll_schedule", poll_schedule),
                ("wait_strategy", wait_strategy),
                ("event_idle_timeout", event_idle_timeout),
                ("wait_options", wait_options),
                ("default_headers", default_headers),
                ("max_input_bytes", max_input_bytes),
            )
            if value is not NOT_GIVEN
        }
        if "retry_policy" in changes and "max_retries" not in changes:
            changes["max_retries"] = NOT_GIVEN
        if "wait_options" in changes:
            # The record's older wait arguments go back to their defaults: the new
            # WaitOptions says everything (any of them passed too is refused below).
            defaults = {field.name: field.default for field in attrs.fields(type(self._options))}
            for name in ("wait_strategy", "poll_schedule", "event_idle_timeout"):
                changes.setdefault(name, defaults[name])
        assert not CONNECTION_OPTIONS & changes.keys()
        clone = object.__new__(type(self))
        clone._setup(
            attrs.evolve(self._options, **changes),
            self._api.config,
            self._api.transport,
            self._api.clock,
            self._api.gate,
            owns_transport=False,
        )
        return clone

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r}>"

    async def aclose(self) -> None:
        """Close pooled connections (only those this client opened itself)."""
        if self._owns_transport:
            await self._api.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _headers(config: ResolvedConfig, extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": user_agent()}
    if extra:
        headers.update(extra)
    if config.api_key is not None:
        headers["Authorization"] = f"Bearer {config.api_key}"
    return headers


def _timeout(value: Timeout | float | tuple[float, float]) -> Timeout:
    try:
        return Timeout.of(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidArgumentError(
            "timeout must be a positive number of seconds, a (connect, read) pair or a "
            f"Timeout, got {value!r}"
        ) from exc


def _positive(name: str, value: object) -> float:
    seconds = check_seconds(name, value)
    if seconds is None or seconds == 0:
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {value!r}")
    return seconds
