"""An asyncio transport on aiohttp: a pooled ClientSession (the ``fast`` extra).

aiohttp parses HTTP in C and keeps its connection pool in plain dicts and deques, so a
request costs the client about half the CPU it costs on httpx (see docs/benchmarks.md).
Same contract as the httpx transport: failures become APIConnectionError /
APITimeoutError with ``request_sent`` set, event streams use a session of their own,
and a forked child never uses its parent's connections.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from ..errors import APIConnectionError, APITimeoutError
from .base import HTTPRequest, HTTPResponse

__all__ = ["AiohttpTransport", "map_aiohttp_error"]

_NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # refused, DNS, TLS and proxy failures while connecting
    aiohttp.ConnectionTimeoutError,
    aiohttp.InvalidURL,
    aiohttp.NonHttpUrlClientError,  # a scheme other than http(s)
)

_FORKED_AWAY: list[Any] = []
"""Sessions a forked child inherited from its parent: never used, never closed by the child
(closing them could disturb the parent's connections), kept referenced so that they are
not collected with an 'unclosed session' warning."""


def map_aiohttp_error(exc: BaseException, method: str, url: str) -> Exception:
    """Turn an aiohttp failure (or a timeout) into APIConnectionError / APITimeoutError."""
    sent = not isinstance(exc, _NOT_SENT)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        phase = "waiting for the response from" if sent else "connecting to"
        return APITimeoutError(
            f"timed out {phase} {url}", method=method, url=url, request_sent=sent
        )
    return APIConnectionError(
        f"connection to {url} failed: {type(exc).__name__}: {exc}",
        method=method,
        url=url,
        request_sent=sent,
    )


def _timeout(request: HTTPRequest) -> aiohttp.ClientTimeout:
    t = request.timeout
    # sock_read bounds each wait for data, like httpx's read timeout; there is no total.
    return aiohttp.ClientTimeout(
        total=None, connect=t.connect, sock_connect=t.connect, sock_read=t.read
    )


_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError)


class _AiohttpStream:
    """A streaming response read from an aiohttp.ClientResponse."""

    def __init__(self, response: aiohttp.ClientResponse, method: str, url: str) -> None:
        self._response = response
        self._method = method
        self._url = url
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield body chunks as they arrive."""
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except _FAILURES as exc:
            raise map_aiohttp_error(exc, self._method, self._url) from exc

    async def read(self) -> bytes:
        """Read the rest of the body."""
        try:
            return await self._response.read()
        except _FAILURES as exc:
            raise map_aiohttp_error(exc, self._method, self._url) from exc

    async def aclose(self) -> None:
        """Close the connection (a stream's connection is never put back in a pool)."""
        self._response.close()


class AiohttpTransport:
    """Send requests through one pooled ``aiohttp.ClientSession``.

    At most ``max_connections`` requests are handed to aiohttp at once; the rest wait
    here (without a timeout, as with the httpx transport: the connect timeout starts
    when a request gets its turn). Sessions are created on first use, inside the event
    loop; a client is used on one event loop. Event streams use a session of their own,
    so they never hold ordinary connections. Cookies are never kept.
    Proxies come from the environment (``HTTPS_PROXY``, ``NO_PROXY``, ...), read once per
    origin.
    """

    def __init__(self, *, max_connections: int = 20) -> None:
        self._max_connections = max_connections
        self._pid = os.getpid()
        self._session: aiohttp.ClientSession | None = None
        self._stream_session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[str, dict[str, Any]] = {}

    def _forked_check(self) -> None:
        if self._pid == os.getpid():
            return
        # A forked child: the pools are the parent's. Forget them and start afresh.
        _FORKED_AWAY.extend(s for s in (self._session, self._stream_session) if s is not None)
        self._pid = os.getpid()
        self._session = self._stream_session = None
        self._slots = None

    def _new_session(self, limit: int) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=0),
            cookie_jar=aiohttp.DummyCookieJar(),
            # With trust_env, aiohttp looks proxies up in a worker thread on every request;
            # they are read here instead, once per origin (see _proxy).
            trust_env=False,
            auto_decompress=True,
        )

    def _proxy(self, url: str) -> dict[str, Any]:
        origin = url[: url.find("/", url.find("://") + 3)] if url.count("/") > 2 else url
        settings = self._proxies.get(origin)
        if settings is None:
            settings = {}
            try:
                proxy, auth = get_env_proxy_for_url(URL(origin))
            except LookupError:  # no proxy for this origin (or NO_PROXY names it)
                pass
            else:
                settings = {"proxy": proxy, "proxy_auth": auth}
            self._proxies[origin] = settings
        return settings

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        self._forked_check()
        if self._session is None:
            self._session = self._new_session(self._max_connections)
            self._slots = asyncio.Semaphore(self._max_connections)
        assert self._slots is not None
        try:
            async with (
                self._slots,
                self._session.request(
                    request.method,
                    request.url,
                    data=request.content,
                    headers=request.headers,
                    timeout=_timeout(request),
                    allow_redirects=False,
                    **self._proxy(request.url),
                ) as response,
            ):
                content = await response.read()
        except _FAILURES as exc:
            raise map_aiohttp_error(exc, request.method, request.url) from exc
        return HTTPResponse(response.status, response.headers, content)

    async def stream(self, request: HTTPRequest) -> _AiohttpStream:
        """Send ``request`` on the streams' session; the body is left unread."""
        self._forked_check()
        if self._stream_session is None:
            self._stream_session = self._new_session(0)  # 0: no limit
        try:
            response = await self._stream_session.request(
                request.method,
                request.url,
                data=request.content,
                headers=request.headers,
                timeout=_timeout(request),
                allow_redirects=False,
                **self._proxy(request.url),
            )
        except _FAILURES as exc:
            raise map_aiohttp_error(exc, request.method, request.url) from exc
        return _AiohttpStream(response, request.method, request.url)

    async def aclose(self) -> None:
        """Close every pooled connection (in a forked child: only the child's own)."""
        self._forked_check()
        for session in (self._session, self._stream_session):
            if session is not None:
                await session.close()
        self._session = self._stream_session = None
