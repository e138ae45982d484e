"""Mock transports: hand every request to a function of yours instead of the network."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from .._transport.base import HTTPRequest, HTTPResponse

__all__ = ["AsyncMockTransport", "MockTransport", "Recorded", "json_response"]

Handler = Callable[[HTTPRequest], "HTTPResponse | BaseException"]


class _Headers(dict[str, str]):
    """A small case-insensitive header map (keys stored lower-case)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__({k.lower(): v for k, v in (items or {}).items()})

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


def json_response(
    status_code: int, body: Any = None, headers: Mapping[str, str] | None = None
) -> HTTPResponse:
    """A response with a JSON body (or an empty one when ``body`` is None)."""
    content = b"" if body is None else json.dumps(body).encode()
    merged = {"Content-Type": "application/json", **(headers or {})}
    return HTTPResponse(status_code, _Headers(merged), content)


@attrs.frozen
class Recorded:
    """A request as the mock transport saw it, with its parts unpacked for assertions.

    Its ``repr`` hides the ``Authorization`` header (and cookies), as the request's does.
    """

    request: HTTPRequest

    @property
    def method(self) -> str:
        """The HTTP method."""
        return self.request.method

    @property
    def path(self) -> str:
        """The URL path, e.g. ``/v1/task-runs``."""
        return urlsplit(self.request.url).path

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query parameters in order, repeated keys kept."""
        return parse_qsl(urlsplit(self.request.url).query, keep_blank_values=True)

    @property
    def headers(self) -> Mapping[str, str]:
        """The request headers."""
        return self.request.headers

    def json(self) -> Any:
        """The request body decoded as JSON."""
        return None if self.request.content is None else json.loads(self.request.content)


class _MockBase:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self.closed = False

    def _respond(self, request: HTTPRequest) -> HTTPResponse:
        self.requests.append(Recorded(request))
        outcome = self.handler(request)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class _MockStream:
    def __init__(self, response: HTTPResponse, chunks: list[bytes]) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self._chunks = chunks
        self.closed = False

    def iter_bytes(self) -> Iterator[bytes]:
        yield from self._chunks

    def read(self) -> bytes:
        return b"".join(self._chunks)

    def close(self) -> None:
        self.closed = True


class _AsyncMockStream(_MockStream):
    async def iter_bytes(self) -> AsyncIterator[bytes]:  # type: ignore[override]
        for chunk in self._chunks:
            yield chunk

    async def read(self) -> bytes:  # type: ignore[override]
        return b"".join(self._chunks)

    async def aclose(self) -> None:
        self.closed = True


class MockTransport(_MockBase):
    """A transport for ``Client(transport=...)`` that calls ``handler(request)``.

    The handler returns an HTTPResponse (see ``json_response``) or an exception to
    raise, such as ``APIConnectionError(request_sent=False)``. Requests are recorded in
    ``requests``.
    """

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Record the request and answer it with the handler."""
        return self._respond(request)

    def stream(self, request: HTTPRequest) -> _MockStream:
        """Answer with the handler; the body is served as one chunk."""
        response = self._respond(request)
        return _MockStream(response, [response.content])

    def close(self) -> None:
        """Mark the transport closed."""
        self.closed = True


class AsyncMockTransport(_MockBase):
    """A transport for ``AsyncClient(transport=...)`` that calls ``handler(request)``."""

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Record the request and answer it with the handler."""
        return self._respond(request)

    async def stream(self, request: HTTPRequest) -> _AsyncMockStream:
        """Answer with the handler; the body is served as one chunk."""
        response = self._respond(request)
        return _AsyncMockStream(response, [response.content])

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True
