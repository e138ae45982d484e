"""An asyncio transport on aiohttp: a pooled ClientSession (the ``fast`` extra).

aiohttp parses HTTP in C and keeps its connection pool in plain dicts and deques, so a
request costs the client about half the CPU it costs on httpx (see docs/benchmarks.md).
Same contract as the httpx transport: failures become APIConnectionError /
APITimeoutError with ``request_sent`` set, event streams use a session of their own,
sessions belong to one event loop in one process (each loop and each forked child gets
its own, closed when its loop shuts down), and loop-related RuntimeErrors become
EventLoopError.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from .._fork import PerProcess, current_pid
from ..errors import APIConnectionError, APITimeoutError, ConfigurationError, EventLoopError
from .base import HTTPRequest, HTTPResponse
from .loops import LOOP_ADVICE, LoopPool, close_pools, loop_error

__all__ = ["AiohttpTransport", "map_aiohttp_error"]

_NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # refused, DNS, TLS and proxy failures while connecting
    aiohttp.ConnectionTimeoutError,
    aiohttp.InvalidURL,
    aiohttp.NonHttpUrlClientError,  # a scheme other than http(s)
)


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


_Pool = LoopPool[aiohttp.ClientSession]


async def _close_session(session: aiohttp.ClientSession) -> None:
    await session.close()


class AiohttpTransport:
    """Send requests through one pooled ``aiohttp.ClientSession`` per event loop.

    At most ``max_connections`` requests are handed to aiohttp at once; the rest wait
    here (without a timeout, as with the httpx transport: the connect timeout starts
    when a request gets its turn). Event streams use a session of their own, so they
    never hold ordinary connections. Cookies are never kept. Proxies come from the
    environment (``HTTPS_PROXY``, ``NO_PROXY``, ...), read once per origin.

    A session belongs to one event loop in one process: used from another loop (a second
    ``asyncio.run``, a test client that runs each app in a loop of its own) the transport
    opens sessions for that loop, and a child of ``os.fork()`` opens its own. Each is
    closed when its loop shuts down. A session passed in by the caller cannot be rebuilt:
    using it from a second loop raises EventLoopError (it is used as it is, proxies and
    all, for requests and streams alike, and closed with the transport).
    """

    def __init__(
        self, *, max_connections: int = 20, session: aiohttp.ClientSession | None = None
    ) -> None:
        self._max_connections = max_connections
        self._caller_session = session
        self._origin_pid = current_pid()
        self._caller_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._pools: PerProcess[dict[asyncio.AbstractEventLoop, _Pool]] = PerProcess(dict, {})
        self._proxies: dict[str, dict[str, Any]] = {}

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
        if self._caller_session is not None:  # the caller's session applies its own
            return {}
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

    async def _pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pools = self._pools.get()
        pool = pools.get(loop)
        if pool is not None and not pool.closed:
            return pool
        for other in [other for other in pools if other is not loop and other.is_closed()]:
            # That loop ended without shutting down its async generators: its sessions
            # cannot be closed without it, and are left to the garbage collector.
            del pools[other]
        if self._caller_session is not None:
            return self._caller_pool(loop, pools)
        pool = pools[loop] = _Pool(
            self._new_session(self._max_connections), None, self._max_connections, _close_session
        )
        await pool.watch_loop()
        return pool

    def _caller_pool(
        self, loop: asyncio.AbstractEventLoop, pools: dict[asyncio.AbstractEventLoop, _Pool]
    ) -> _Pool:
        assert self._caller_session is not None
        if current_pid() != self._origin_pid:
            raise ConfigurationError(
                "this transport sends through an aiohttp.ClientSession passed in by the "
                "caller, whose connections belong to the parent of this forked process: "
                "create the session (and the AsyncClient using it) in the child, after the fork"
            )
        first_loop = self._caller_loop() if self._caller_loop is not None else loop
        if first_loop is not loop or self._caller_session.closed:
            raise EventLoopError(
                "this AsyncClient sends through an aiohttp.ClientSession passed in by the "
                "caller, which belongs to another event loop (or was closed with it) and "
                "cannot be moved to this one: " + LOOP_ADVICE
            )
        self._caller_loop = weakref.ref(loop)
        pool = pools[loop] = _Pool(
            self._caller_session, self._caller_session, self._max_connections, _close_session
        )
        return pool

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        pool = await self._pool()
        try:
            async with (
                pool.slots,
                pool.client.request(
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
        except RuntimeError as exc:
            raise loop_error(exc) from exc
        return HTTPResponse(response.status, response.headers, content)

    async def stream(self, request: HTTPRequest) -> _AiohttpStream:
        """Send ``request`` on the streams' session; the body is left unread."""
        pool = await self._pool()
        if pool.stream_client is None:
            pool.stream_client = self._new_session(0)  # 0: no limit
        try:
            response = await pool.stream_client.request(
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
        except RuntimeError as exc:
            raise loop_error(exc) from exc
        return _AiohttpStream(response, request.method, request.url)

    async def aclose(self) -> None:
        """Close the sessions of the running loop (this process's only).

        Sessions of other loops that still run are closed in their own loop; those of
        loops that have ended were closed when they shut down.
        """
        await close_pools(self._pools.get())
