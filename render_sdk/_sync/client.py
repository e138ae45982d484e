# This file is generated from render_sdk/_async/client.py by codegen — do not edit.
"""``AsyncClient``: configuration, connection pool and services for asyncio code."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Literal

import attrs

from .._checks import check_int, check_seconds
from .._clock import Clock, SystemClock
from .._config import ResolvedConfig, resolve_config, user_agent
from .._inputs import DEFAULT_MAX_INPUT_BYTES
from .._polling import PollSchedule
from .._retry import RetryPolicy
from .._transport.base import HTTPTransport, Timeout
from .._transport.factory import create_sync_transport
from .._waitstate import WaitOptions, wait_options_for
from ..errors import InvalidArgumentError
from ._base import APIClient
from .workflows import WorkflowsService

__all__ = ["Client"]

DEFAULT_TIMEOUT = Timeout(connect=5.0, read=30.0)
DEFAULT_MAX_RETRIES = 2


class Client:
    """A client of the Render API for asyncio code (FastAPI, async workers).

    ``api_key`` defaults to ``RENDER_API_KEY``; ``base_url`` is the API origin
    (default ``https://api.render.com``; ``/v1`` is added). With
    ``RENDER_USE_LOCAL_DEV=true`` it talks to ``http://localhost:8120`` (or
    ``RENDER_LOCAL_DEV_URL``) and needs no key. Use it as a context manager, or call
    the close method, to release its connections.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout | float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        wait_strategy: Literal["auto", "events", "poll"] = "auto",
        event_idle_timeout: float = 45.0,
        wait_options: WaitOptions | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
        allow_insecure_http: bool = False,
        transport: HTTPTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        # Everything is checked before the transport exists, so a bad argument leaks nothing.
        config = resolve_config(api_key, base_url, allow_insecure_http=allow_insecure_http)
        timeout = _timeout(timeout)
        check_int("max_retries", max_retries, minimum=0)
        check_int("max_input_bytes", max_input_bytes, minimum=1)
        if retry_policy is None:
            retry_policy = RetryPolicy(max_retries=max_retries)
        elif max_retries != DEFAULT_MAX_RETRIES:
            retry_policy = attrs.evolve(retry_policy, max_retries=max_retries)
        try:
            wait_options = wait_options_for(
                wait_options,
                strategy=wait_strategy,
                poll_schedule=poll_schedule,
                idle_timeout=_positive("event_idle_timeout", event_idle_timeout),
            )
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from exc
        self._owns_transport = transport is None
        self._api = APIClient(
            config=config,
            transport=transport if transport is not None else create_sync_transport(),
            timeout=timeout,
            retry_policy=retry_policy,
            clock=clock if clock is not None else SystemClock(),
            headers=_headers(config, default_headers),
        )
        self._wait_options = wait_options
        self._max_input_bytes = max_input_bytes
        self.workflows = WorkflowsService(
            self._api, wait_options=wait_options, max_input_bytes=max_input_bytes
        )
        """Start, read, list, cancel and wait for task runs."""

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
        timeout: Timeout | float | tuple[float, float] | None = None,
        max_retries: int | None = None,
    ) -> Client:
        """A client that shares this one's connections but uses other timeouts or retries.

        For one call: ``client.with_options(max_retries=0).workflows.get_task_run(id)``.
        Closing the copy does not close the shared connections.
        """
        clone = object.__new__(type(self))
        policy = self._api.retry_policy
        if max_retries is not None:
            check_int("max_retries", max_retries, minimum=0)
            policy = attrs.evolve(policy, max_retries=max_retries)
        clone._owns_transport = False
        clone._api = APIClient(
            config=self._api.config,
            transport=self._api.transport,
            timeout=self._api.timeout if timeout is None else _timeout(timeout),
            retry_policy=policy,
            clock=self._api.clock,
            headers=self._api._headers,
        )
        clone._wait_options = self._wait_options
        clone._max_input_bytes = self._max_input_bytes
        clone.workflows = WorkflowsService(
            clone._api, wait_options=clone._wait_options, max_input_bytes=clone._max_input_bytes
        )
        return clone

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r}>"

    def close(self) -> None:
        """Close pooled connections (only those this client opened itself)."""
        if self._owns_transport:
            self._api.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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
