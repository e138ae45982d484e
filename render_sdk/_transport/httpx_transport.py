"""The asyncio transport: a pooled httpx.AsyncClient."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import httpx

from .._fork import PerProcess, current_pid
from ..errors import APIConnectionError, APITimeoutError, ConfigurationError
from .base import HTTPRequest, HTTPResponse

__all__ = ["HttpxTransport"]

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def map_httpx_error(exc: httpx.HTTPError, method: str, url: str) -> Exception:
    """Turn an httpx failure into APIConnectionError / APITimeoutError."""
    sent = not isinstance(exc, _NOT_SENT)
    if isinstance(exc, httpx.TimeoutException):
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


def _timeout(request: HTTPRequest) -> httpx.Timeout:
    t = request.timeout
    return httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect)


class _HttpxStream:
    """A streaming response read from an httpx.Response."""

    def __init__(self, response: httpx.Response, method: str, url: str) -> None:
        self._response = response
        self._method = method
        self._url = url
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield body chunks as they arrive."""
        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, self._method, self._url) from exc

    async def read(self) -> bytes:
        """Read the rest of the body."""
        try:
            return await self._response.aread()
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, self._method, self._url) from exc

    async def aclose(self) -> None:
        """Close the connection."""
        await self._response.aclose()


class _Pool:
    """The httpx clients and request slots of one process."""

    def __init__(self, client: httpx.AsyncClient, stream_client: httpx.AsyncClient | None) -> None:
        self.client = client
        self.stream_client = stream_client
        self.slots: asyncio.Semaphore | None = None


class HttpxTransport:
    """Send requests through one pooled ``httpx.AsyncClient``.

    At most ``max_connections`` requests are handed to httpx at once; the rest wait
    here, cheaply. httpx checks every pooled connection on every request and response,
    so a small pool of connections that are all kept alive and reused costs far less CPU
    than a large one (or than reconnecting).
    Event streams use a client of their own, so they never hold ordinary connections.
    The pool belongs to the process that opened it: a child of ``os.fork()`` opens its own.
    """

    def __init__(
        self, *, max_connections: int = 20, client: httpx.AsyncClient | None = None
    ) -> None:
        self._max_connections = max_connections
        self._caller_client = client
        self._origin_pid = current_pid()
        first = _Pool(client, client) if client is not None else self._new_pool()
        self._pool = PerProcess(self._fresh_pool, first)

    def _new_pool(self) -> _Pool:
        return _Pool(self._new_client(self._max_connections), None)

    def _fresh_pool(self) -> _Pool:
        """A pool after close, or in a forked child (which must not use the parent's)."""
        if self._caller_client is not None:
            if current_pid() == self._origin_pid:
                return _Pool(self._caller_client, self._caller_client)
            raise ConfigurationError(
                "this transport sends through an httpx.AsyncClient passed in by the caller, "
                "whose connections belong to the parent of this forked process: create the "
                "client (and the AsyncClient using it) in the child, after the fork"
            )
        return self._new_pool()

    @staticmethod
    def _new_client(max_connections: int | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            trust_env=True,
            follow_redirects=False,
        )

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        pool = self._pool.get()
        if pool.slots is None:
            pool.slots = asyncio.Semaphore(self._max_connections)
        try:
            async with pool.slots:
                response = await pool.client.request(
                    request.method,
                    request.url,
                    content=request.content,
                    headers=request.headers,
                    timeout=_timeout(request),
                )
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, request.method, request.url) from exc
        return HTTPResponse(response.status_code, response.headers, response.content)

    async def stream(self, request: HTTPRequest) -> _HttpxStream:
        """Send ``request`` on the streams' client; the body is left unread."""
        pool = self._pool.get()
        if pool.stream_client is None:
            pool.stream_client = self._new_client(None)
        built = pool.stream_client.build_request(
            request.method,
            request.url,
            content=request.content,
            headers=request.headers,
            timeout=_timeout(request),
        )
        try:
            response = await pool.stream_client.send(built, stream=True)
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, request.method, request.url) from exc
        return _HttpxStream(response, request.method, request.url)

    async def aclose(self) -> None:
        """Close every pooled connection (of this process: a parent's are left to it)."""
        pool = self._pool.take()
        if pool is None:
            return
        await pool.client.aclose()
        if pool.stream_client is not None and pool.stream_client is not pool.client:
            await pool.stream_client.aclose()
