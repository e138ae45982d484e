"""The blocking transport on urllib3 directly: pooled, thread-safe, and lean per request.

requests is urllib3 plus per-request conveniences (prepared requests, hooks, cookies,
redirects, per-call environment merging) that an API client with fixed headers never
uses; going straight to urllib3's pools halves the client's CPU per call (see
docs/benchmarks.md). urllib3 comes with requests, a core dependency.
"""

from __future__ import annotations

import contextlib
import os
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import urllib3
import urllib3.exceptions as u3

from .._fork import PerProcess
from ..errors import APIConnectionError, APITimeoutError
from .base import HTTPRequest, HTTPResponse

__all__ = ["Urllib3Transport", "map_urllib3_error"]

_NOT_SENT: tuple[type[BaseException], ...] = (
    u3.NewConnectionError,  # refused, unreachable, name resolution
    u3.ConnectTimeoutError,
    u3.SSLError,
    u3.ProxyError,
    u3.LocationValueError,  # a URL urllib3 cannot send (also unknown schemes)
)


def map_urllib3_error(exc: BaseException, method: str, url: str) -> Exception:
    """Turn a urllib3 (or socket) failure into APIConnectionError / APITimeoutError."""
    if isinstance(exc, u3.NewConnectionError):  # a ConnectTimeoutError subclass, not a timeout
        return APIConnectionError(
            f"connection to {url} failed: {type(exc).__name__}: {exc}",
            method=method,
            url=url,
            request_sent=False,
        )
    if isinstance(exc, u3.ConnectTimeoutError):
        return APITimeoutError(
            f"timed out connecting to {url}", method=method, url=url, request_sent=False
        )
    if isinstance(exc, u3.ReadTimeoutError | TimeoutError):
        return APITimeoutError(
            f"timed out waiting for the response from {url}",
            method=method,
            url=url,
            request_sent=True,
        )
    return APIConnectionError(
        f"connection to {url} failed: {type(exc).__name__}: {exc}",
        method=method,
        url=url,
        request_sent=not isinstance(exc, _NOT_SENT),
    )


_FAILURES = (u3.HTTPError, OSError)


def _timeout(request: HTTPRequest) -> urllib3.Timeout:
    return urllib3.Timeout(connect=request.timeout.connect, read=request.timeout.read)


def _ca_bundle() -> str | None:
    """The CA bundle requests would use: the environment's, else certifi's, else the system's."""
    configured = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if configured:
        return configured
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None
    return str(certifi.where())


class _Urllib3Stream:
    """A streaming response read from a urllib3.BaseHTTPResponse."""

    def __init__(self, response: urllib3.BaseHTTPResponse, method: str, url: str) -> None:
        self._response = response
        self._method = method
        self._url = url
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        """Yield body chunks as they arrive."""
        try:
            yield from self._response.stream(None, decode_content=True)
        except _FAILURES as exc:
            raise map_urllib3_error(exc, self._method, self._url) from exc
        except (AttributeError, ValueError) as exc:
            # urllib3 raises these when the response is closed from another thread
            # (which is how a waiting loop stops a worker blocked on the stream).
            raise APIConnectionError(
                f"stream from {self._url} was closed", method=self._method, url=self._url
            ) from exc

    def read(self) -> bytes:
        """Read the rest of the body."""
        try:
            return self._response.read(decode_content=True)
        except _FAILURES as exc:
            raise map_urllib3_error(exc, self._method, self._url) from exc

    def close(self) -> None:
        """Close the connection, interrupting a read blocked in another thread."""
        shutdown = getattr(self._response, "shutdown", None)  # urllib3 >= 2.3
        if shutdown is not None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                shutdown()
        self._response.close()


class _Pools:
    """One process's pool managers, by (proxy, for streams), and the lock that guards them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.managers: dict[tuple[str | None, bool], urllib3.PoolManager] = {}


class Urllib3Transport:
    """Send requests through urllib3 connection pools (safe to share across threads).

    Event streams get pools of their own, so that a long-lived stream never takes (and,
    when it is cut, never destroys) a keep-alive connection of the ordinary requests.
    Proxies (``HTTPS_PROXY``, ``NO_PROXY``, ...) and the CA bundle
    (``REQUESTS_CA_BUNDLE``, else certifi's, as requests does) are read from the
    environment once per origin; no cookies or ``~/.netrc`` credentials are ever used.
    After ``os.fork()`` a child builds pools of its own on first use.
    """

    def __init__(self, *, pool_maxsize: int = 64) -> None:
        self._pool_maxsize = pool_maxsize
        self._ca_certs = _ca_bundle()
        # Pools are per process: a child of os.fork() must never write to a connection its
        # parent pooled (the two would read each other's responses), nor wait on a lock a
        # parent's thread held at the fork.
        self._pools: PerProcess[_Pools] = PerProcess(_Pools)
        self._proxies: dict[str, str | None] = {}

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            proxies = urllib.request.getproxies()
            proxy = proxies.get(parts.scheme) or proxies.get("all")
            if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
                proxy = None
            self._proxies[origin] = proxy or None
        return self._proxies[origin]

    def _manager(self, url: str, *, stream: bool) -> urllib3.PoolManager:
        key = (self._proxy(url), stream)
        pools = self._pools.get()
        with pools.lock:
            manager = pools.managers.get(key)
            if manager is None:
                options: dict[str, Any] = {"num_pools": 4, "maxsize": self._pool_maxsize}
                if self._ca_certs is not None:
                    options["ca_certs"] = self._ca_certs
                if key[0] is not None:
                    manager = urllib3.ProxyManager(key[0], **options)
                else:
                    manager = urllib3.PoolManager(**options)
                pools.managers[key] = manager
            return manager

    def _urlopen(self, request: HTTPRequest, *, stream: bool) -> urllib3.BaseHTTPResponse:
        try:
            manager = self._manager(request.url, stream=stream)
            return manager.request(
                request.method,
                request.url,
                body=request.content,
                headers=dict(request.headers),
                timeout=_timeout(request),
                retries=False,
                redirect=False,
                preload_content=not stream,
                decode_content=True,
            )
        except _FAILURES as exc:
            raise map_urllib3_error(exc, request.method, request.url) from exc

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        response = self._urlopen(request, stream=False)
        return HTTPResponse(response.status, response.headers, response.data)

    def stream(self, request: HTTPRequest) -> _Urllib3Stream:
        """Send ``request`` on the streams' pools; the body is left unread."""
        response = self._urlopen(request, stream=True)
        return _Urllib3Stream(response, request.method, request.url)

    def close(self) -> None:
        """Close every pooled connection (in a forked child: only the child's own)."""
        pools = self._pools.take()
        if pools is None:
            return
        with pools.lock:
            managers = list(pools.managers.values())
            pools.managers.clear()
        for manager in managers:
            manager.clear()
