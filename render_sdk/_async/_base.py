"""The request loop: send, map errors, retry by policy. Everything else builds on this."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence

from .. import _api
from .._clock import AsyncClock
from .._concurrency import AsyncRateLimitGate
from .._config import ResolvedConfig, local_server_hint
from .._logging import logger
from .._ratelimit import endpoint_group
from .._retry import RetryPolicy, parse_retry_after
from .._transport.base import (
    AsyncHTTPTransport,
    AsyncStreamResponse,
    HTTPRequest,
    HTTPResponse,
    Timeout,
)
from ..errors import APIConnectionError, APITimeoutError

__all__ = ["AsyncAPIClient"]


class AsyncAPIClient:
    """Sends API requests with retries; shared by every service of one client."""

    def __init__(
        self,
        *,
        config: ResolvedConfig,
        transport: AsyncHTTPTransport,
        timeout: Timeout,
        retry_policy: RetryPolicy,
        clock: AsyncClock,
        headers: Mapping[str, str],
        gate: AsyncRateLimitGate | None = None,
    ) -> None:
        self.config = config
        self.transport = transport
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.clock = clock
        self._headers = dict(headers)
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._random = random.Random()
        self.gate = gate
        """Holds requests while the API's rate-limit window is spent (None: pacing off)."""

    def url(self, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
        """The full URL of an API path."""
        return _api.build_url(self.config.api_url, path, params)

    def _request_timeout(self, timeout: Timeout | None, deadline: float | None) -> Timeout:
        effective = timeout or self.timeout
        if deadline is not None:
            effective = effective.capped(deadline - self.clock.now())
        return effective

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        replay_safe: bool = True,
        timeout: Timeout | None = None,
        deadline: float | None = None,
    ) -> tuple[HTTPResponse, str]:
        """Send a request until it succeeds or the retry policy gives up.

        Returns the 2xx response and the URL it came from. ``replay_safe`` says whether
        a request that may have reached the server can be sent again; ``deadline`` (on
        the client's clock) caps timeouts and keeps retries from sleeping past it.
        """
        url = self.url(path, params)
        headers = self._json_headers if body is not None else self._headers
        policy = self.retry_policy
        gate = self.gate
        group = endpoint_group(method, path) if gate is not None else ""
        retries = 0
        while True:
            if gate is not None:
                await gate.acquire(group, deadline)
            request = HTTPRequest(
                method, url, headers, body, self._request_timeout(timeout, deadline)
            )
            started = self.clock.now()
            answer: HTTPResponse | None = None
            try:
                response = answer = await self.transport.send(request)
            except APIConnectionError as exc:
                decision = policy.after_connection_error(
                    retries,
                    request_sent=exc.request_sent,
                    replay_safe=replay_safe,
                    rand=self._random.random,
                )
                failure: Exception = exc
                outcome = "timeout" if isinstance(exc, APITimeoutError) else "connection error"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    if logger.isEnabledFor(logging.DEBUG):
                        self._log(method, path, str(status), retries, started)
                    return response, url
                failure = _api.status_error(response, method, url)
                retry_after = parse_retry_after(response.headers, time.time())
                decision = policy.after_status(retries, status, retry_after, self._random.random)
                outcome = str(status)
            finally:
                if gate is not None:
                    gate.settle(group, None if answer is None else answer.headers)
            if logger.isEnabledFor(logging.DEBUG):
                self._log(method, path, outcome, retries, started)
            if not decision.retry or _past(deadline, self.clock.now() + decision.delay):
                raise self._explained(failure)
            logger.info(
                "Retrying %s %s in %.2fs after %s (retry %d of %d)",
                method,
                path,
                decision.delay,
                outcome,
                retries + 1,
                policy.max_retries,
            )
            await self.clock.sleep(decision.delay)
            retries += 1

    async def open_stream(
        self,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        timeout: Timeout | None = None,
    ) -> AsyncStreamResponse:
        """Open a GET whose body is read incrementally; error statuses raise (no retries)."""
        url = self.url(path, params)
        headers = {**self._headers, "Accept": "text/event-stream", "Cache-Control": "no-cache"}
        request = HTTPRequest("GET", url, headers, None, timeout or self.timeout)
        gate = self.gate
        group = endpoint_group("GET", path) if gate is not None else ""
        if gate is not None:
            await gate.acquire(group)
        opened: AsyncStreamResponse | None = None
        try:
            stream = opened = await self.transport.stream(request)
        finally:
            # The stream counts against the window when it opens; reading it does not.
            if gate is not None:
                gate.settle(group, None if opened is None else opened.headers)
        if 200 <= stream.status_code < 300:
            return stream
        try:
            content = await stream.read()
        finally:
            await stream.aclose()
        raise _api.status_error(
            HTTPResponse(stream.status_code, stream.headers, content), "GET", url
        )

    def _explained(self, failure: Exception) -> Exception:
        # A refused connection in local mode usually means the local server is not running.
        if (
            self.config.local
            and isinstance(failure, APIConnectionError)
            and not isinstance(failure, APITimeoutError)
            and not failure.request_sent
        ):
            explained = APIConnectionError(
                f"{failure.message}; {local_server_hint(self.config.api_url)}",
                method=failure.method,
                url=failure.url,
                request_sent=False,
            )
            explained.__cause__ = failure
            return explained
        return failure

    def _log(self, method: str, path: str, outcome: str, retries: int, started: float) -> None:
        elapsed_ms = (self.clock.now() - started) * 1000
        logger.debug(
            "%s %s -> %s (attempt %d, %.1f ms)", method, path, outcome, retries + 1, elapsed_ms
        )

    async def aclose(self) -> None:
        """Close the transport and its pooled connections."""
        await self.transport.aclose()


def _past(deadline: float | None, moment: float) -> bool:
    return deadline is not None and moment >= deadline
