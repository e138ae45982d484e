"""The interface every transport implements, and the plain request/response values it uses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Protocol

import attrs

__all__ = [
    "AsyncHTTPTransport",
    "AsyncStreamResponse",
    "HTTPRequest",
    "HTTPResponse",
    "HTTPTransport",
    "StreamResponse",
    "Timeout",
]


@attrs.frozen
class Timeout:
    """Seconds allowed to connect, and to wait for each read of the response."""

    connect: float = 5.0
    read: float = 30.0

    def __attrs_post_init__(self) -> None:
        for name in ("connect", "read"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"timeout {name} must be a positive number, got {value!r}")

    @classmethod
    def of(cls, value: Timeout | float | tuple[float, float]) -> Timeout:
        """Accept a Timeout, one number for both phases, or a (connect, read) pair."""
        if isinstance(value, Timeout):
            return value
        if isinstance(value, tuple):
            return cls(connect=value[0], read=value[1])
        return cls(connect=value, read=value)

    def capped(self, seconds: float) -> Timeout:
        """This timeout, with neither phase longer than ``seconds`` (for deadlines)."""
        seconds = max(seconds, 0.001)
        return Timeout(connect=min(self.connect, seconds), read=min(self.read, seconds))


_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _redacted_headers(headers: Mapping[str, str]) -> str:
    # A request's repr reaches logs, tracebacks and failing test output: never the key.
    shown = {
        name: "<redacted>" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }
    return repr(shown)


@attrs.frozen
class HTTPRequest:
    """One request, fully formed: the URL already carries its query string.

    Its repr shows ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` as
    ``<redacted>``.
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(repr=_redacted_headers)
    content: bytes | None = attrs.field(repr=False)
    timeout: Timeout = attrs.field()


@attrs.frozen
class HTTPResponse:
    """A complete response. ``headers`` is case-insensitive."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


class HTTPTransport(Protocol):
    """Sends requests for the blocking client; must be safe to share across threads."""

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response.

        Failures raise APIConnectionError / APITimeoutError with ``request_sent`` set.
        """
        ...

    def stream(self, request: HTTPRequest) -> StreamResponse:
        """Send ``request`` and return the response with its body still unread."""
        ...

    def close(self) -> None:
        """Release pooled connections."""
        ...


class StreamResponse(Protocol):
    """A response whose body is read incrementally (for event streams)."""

    status_code: int
    headers: Mapping[str, str]

    def iter_bytes(self) -> Iterator[bytes]:
        """Yield body chunks as they arrive."""
        ...

    def read(self) -> bytes:
        """Read the rest of the body."""
        ...

    def close(self) -> None:
        """Close the connection (also when the body was not read to the end)."""
        ...


class AsyncHTTPTransport(Protocol):
    """Sends requests for the asyncio client."""

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and read the whole response.

        Failures raise APIConnectionError / APITimeoutError with ``request_sent`` set.
        """
        ...

    async def stream(self, request: HTTPRequest) -> AsyncStreamResponse:
        """Send ``request`` and return the response with its body still unread."""
        ...

    async def aclose(self) -> None:
        """Release pooled connections."""
        ...


class AsyncStreamResponse(Protocol):
    """A response whose body is read incrementally (for event streams)."""

    status_code: int
    headers: Mapping[str, str]

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield body chunks as they arrive."""
        ...

    async def read(self) -> bytes:
        """Read the rest of the body."""
        ...

    async def aclose(self) -> None:
        """Close the connection (also when the body was not read to the end)."""
        ...
