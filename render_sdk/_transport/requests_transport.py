"""The blocking transport: a pooled, thread-safe requests.Session."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
import requests.adapters
import requests.utils
import urllib3.exceptions

from .._fork import PerProcess
from ..errors import APIConnectionError, APITimeoutError
from .base import HTTPRequest, HTTPResponse

__all__ = ["RequestsTransport"]

_NOT_SENT = (
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.NameResolutionError,
    urllib3.exceptions.SSLError,
    urllib3.exceptions.ProxyError,
)


def _failure_reason(exc: BaseException) -> BaseException:
    """Dig the underlying urllib3 failure out of requests' wrapping."""
    reason: BaseException = exc
    for _ in range(4):
        inner = reason.args[0] if reason.args else None
        if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
            reason = inner.reason
        elif isinstance(inner, BaseException):
            reason = inner
        else:
            break
    return reason


def map_requests_error(exc: requests.RequestException, method: str, url: str) -> Exception:
    """Turn a requests failure into APIConnectionError / APITimeoutError."""
    if isinstance(exc, requests.ConnectTimeout):
        return APITimeoutError(
            f"timed out connecting to {url}", method=method, url=url, request_sent=False
        )
    if isinstance(exc, requests.Timeout):
        return APITimeoutError(
            f"timed out waiting for the response from {url}",
            method=method,
            url=url,
            request_sent=True,
        )
    reason = _failure_reason(exc)
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return APITimeoutError(
            f"timed out reading the response from {url}", method=method, url=url, request_sent=True
        )
    sent = not isinstance(reason, _NOT_SENT) and not isinstance(
        exc,
        requests.exceptions.SSLError
        | requests.exceptions.ProxyError
        | requests.exceptions.InvalidSchema  # a URL that is never sent
        | requests.exceptions.InvalidURL
        | requests.exceptions.MissingSchema,
    )
    return APIConnectionError(
        f"connection to {url} failed: {type(reason).__name__}: {reason}",
        method=method,
        url=url,
        request_sent=sent,
    )


class _RequestsStream:
    """A streaming response read from a requests.Response."""

    def __init__(self, response: requests.Response, method: str, url: str) -> None:
        self._response = response
        self._method = method
        self._url = url
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        """Yield body chunks as they arrive."""
        try:
            yield from self._response.raw.stream(None, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _stream_error(exc, self._method, self._url) from exc
        except (AttributeError, ValueError) as exc:
            # urllib3 raises these when the response is closed from another thread
            # (which is how a waiting loop stops a worker blocked on the stream).
            raise APIConnectionError(
                f"stream from {self._url} was closed", method=self._method, url=self._url
            ) from exc

    def read(self) -> bytes:
        """Read the rest of the body."""
        try:
            return self._response.content
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _stream_error(exc, self._method, self._url) from exc

    def close(self) -> None:
        """Close the connection, interrupting a read blocked in another thread."""
        shutdown = getattr(self._response.raw, "shutdown", None)  # urllib3 >= 2.3
        if shutdown is not None:
            # ValueError / RuntimeError: the connection is already gone or back in the pool.
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                shutdown()
        self._response.close()


def _stream_error(exc: BaseException, method: str, url: str) -> Exception:
    if isinstance(exc, requests.RequestException):
        return map_requests_error(exc, method, url)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return APITimeoutError(f"timed out reading from {url}", method=method, url=url)
    return APIConnectionError(
        f"connection to {url} broke: {type(exc).__name__}: {exc}", method=method, url=url
    )


class RequestsTransport:
    """Send requests through one pooled ``requests.Session`` (safe to share across threads).

    Event streams get a session of their own, so that a long-lived stream never takes (and,
    when it is cut, never destroys) a keep-alive connection of the ordinary requests.
    Proxy and CA-bundle settings are read from the environment (``HTTPS_PROXY``,
    ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ...) once per origin rather than on every request,
    which requests would otherwise do at the cost of a scan of ``os.environ`` per call;
    ``~/.netrc`` is never consulted, so no credential but the API key is ever sent.
    """

    def __init__(self, *, pool_maxsize: int = 64, session: requests.Session | None = None) -> None:
        self._pool_maxsize = pool_maxsize
        self._read_env = session is None
        self._verify: bool | str = True
        if self._read_env:
            self._verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            )
        self._proxies: dict[str, dict[str, str]] = {}
        # Sessions are per process: a child of os.fork() must never write to a connection
        # its parent pooled (the two would read each other's responses).
        if session is None:
            self._session = PerProcess(self._new_session, self._new_session())
            self._stream_session: PerProcess[requests.Session] = PerProcess(self._new_session)
        else:
            self._session = PerProcess(lambda: _without_parent_connections(session), session)
            self._stream_session = self._session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        # Cookies are per-user state; a client shared by many threads must not keep any.
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=self._pool_maxsize, max_retries=0
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _settings(self, url: str) -> dict[str, Any]:
        if not self._read_env:
            return {}
        origin = url[: url.find("/", url.find("://") + 3)] if url.count("/") > 2 else url
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = self._proxies[origin] = requests.utils.get_environ_proxies(origin)
        return {"proxies": proxies, "verify": self._verify}

    def _request(
        self, session: requests.Session, request: HTTPRequest, *, stream: bool
    ) -> requests.Response:
        timeout = (request.timeout.connect, request.timeout.read)
        try:
            if not self._read_env:  # a session of the caller's: let it apply its own settings
                return session.request(
                    request.method,
                    request.url,
                    data=request.content,
                    headers=request.headers,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=stream,
                )
            # Our own session has no cookies, auth, hooks or redirects to apply, so the
            # request goes straight to the connection adapter (a quarter of the CPU of a
            # call is Session.request's merging otherwise).
            prepared = requests.PreparedRequest()
            prepared.prepare(
                method=request.method,
                url=request.url,
                headers=dict(request.headers),
                data=request.content,
            )
            response = session.get_adapter(request.url).send(
                prepared, stream=stream, timeout=timeout, **self._settings(request.url)
            )
            if not stream:
                response.content  # noqa: B018 - read the body inside the error mapping
            return response
        except requests.RequestException as exc:
            raise map_requests_error(exc, request.method, request.url) from exc

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response."""
        response = self._request(self._session.get(), request, stream=False)
        return HTTPResponse(response.status_code, response.headers, response.content)

    def stream(self, request: HTTPRequest) -> _RequestsStream:
        """Send ``request`` on the streams' session; the body is left unread."""
        response = self._request(self._stream_session.get(), request, stream=True)
        return _RequestsStream(response, request.method, request.url)

    def close(self) -> None:
        """Close every pooled connection (of this process: a parent's are left to it)."""
        for slot in (self._session, self._stream_session):
            session = slot.take()
            if session is not None:
                session.close()


def _without_parent_connections(session: requests.Session) -> requests.Session:
    """A caller's session, in a forked child: drop the idle connections copied from the parent.

    Closing a copied socket only releases the child's descriptor (nothing is sent on it);
    the session's adapters open new connections on the next request.
    """
    session.close()
    return session
