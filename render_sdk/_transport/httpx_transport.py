"""The asyncio transport: a pooled httpx.AsyncClient."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping

import httpx

from .._fork import PerProcess, current_pid
from ..errors import APIConnectionError, APITimeoutError, ConfigurationError, EventLoopError
from .base import HTTPRequest, HTTPResponse
from .loops import LOOP_ADVICE, LoopPool, close_pools, loop_error

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


_Pool = LoopPool[httpx.AsyncClient]


async def _close_client(client: httpx.AsyncClient) -> None:
    await client.aclose()


class HttpxTransport:
    """Send requests through one pooled ``httpx.AsyncClient`` per event loop.

    At most ``max_connections`` requests are handed to httpx at once; the rest wait
    here, cheaply. httpx checks every pooled connection on every request and response,
    so a small pool of connections that are all kept alive and reused costs far less CPU
    than a large one (or than reconnecting).
    Event streams use a client of their own, so they never hold ordinary connections.

    A pool belongs to one event loop in one process: used from another loop (a second
    ``asyncio.run``, a test client that runs each app in a loop of its own) the transport
    opens a pool for that loop, and a child of ``os.fork()`` opens its own. A client passed
    in by the caller cannot be rebuilt: using it from a second loop raises EventLoopError.
    """

    def __init__(
        self, *, max_connections: int = 20, client: httpx.AsyncClient | None = None
    ) -> None:
        self._max_connections = max_connections
        self._caller_client = client
        self._origin_pid = current_pid()
        # Built now, used by the first loop: a bad proxy or CA setting fails at construction.
        self._unused_client: httpx.AsyncClient | None = (
            client if client is not None else self._new_client(max_connections)
        )
        self._pools: PerProcess[dict[asyncio.AbstractEventLoop, _Pool]] = PerProcess(dict, {})
        self._caller_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None

    @staticmethod
    def _new_client(max_connections: int | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            trust_env=True,
            follow_redirects=False,
        )

    async def _pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pools = self._pools.get()
        pool = pools.get(loop)
        if pool is not None and not pool.closed:
            return pool
        for other in [other for other in pools if other is not loop and other.is_closed()]:
            # That loop ended without shutting down its async generators: its connections
            # cannot be closed without it, and are left to the garbage collector.
            del pools[other]
        if self._caller_client is not None:
            return self._caller_pool(loop, pools)
        client, self._unused_client = self._unused_client, None
        client = client or self._new_client(self._max_connections)
        pool = pools[loop] = _Pool(client, None, self._max_connections, _close_client)
        await pool.watch_loop()
        return pool

    def _caller_pool(
        self, loop: asyncio.AbstractEventLoop, pools: dict[asyncio.AbstractEventLoop, _Pool]
    ) -> _Pool:
        assert self._caller_client is not None
        if current_pid() != self._origin_pid:
            raise ConfigurationError(
                "this transport sends through an httpx.AsyncClient passed in by the caller, "
                "whose connections belong to the parent of this forked process: create the "
                "client (and the AsyncClient using it) in the child, after the fork"
            )
        first_loop = self._caller_loop() if self._caller_loop is not None else loop
        if first_loop is not loop:
            raise EventLoopError(
                "this AsyncClient sends through an httpx.AsyncClient passed in by the caller, "
                "which was opened in another event loop and cannot be moved to this one: "
                + LOOP_ADVICE
            )
        self._caller_loop = weakref.ref(loop)
        pool = pools[loop] = _Pool(
            self._caller_client, self._caller_client, self._max_connections, _close_client
        )
        return pool

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        pool = await self._pool()
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
        except RuntimeError as exc:
            raise loop_error(exc) from exc
        return HTTPResponse(response.status_code, response.headers, response.content)

    async def stream(self, request: HTTPRequest) -> _HttpxStream:
        """Send ``request`` on the streams' client; the body is left unread."""
        pool = await self._pool()
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
        except RuntimeError as exc:
            raise loop_error(exc) from exc
        return _HttpxStream(response, request.method, request.url)

    async def aclose(self) -> None:
        """Close the pooled connections of the running loop (this process's only).

        Pools of other loops that still run are closed in their own loop; those of
        loops that have ended were closed when they shut down.
        """
        await close_pools(self._pools.get())
        if self._unused_client is not None and self._caller_client is None:
            client, self._unused_client = self._unused_client, None
            await client.aclose()
