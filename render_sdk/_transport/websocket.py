"""WebSocket clients for following logs: one blocking, one asyncio, over ``websockets``.

The ``websockets`` library comes with the ``websocket`` extra; without it, opening a
socket raises :class:`WebSocketUnavailable` and followers poll instead. These are the only
modules that import ``websockets``. Failures are mapped to the SDK's APIConnectionError.
Headers (the API key among them) go in the handshake, never in the URL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ..errors import APIConnectionError, RenderError

__all__ = [
    "AsyncWebSocket",
    "WebSocket",
    "WebSocketUnavailable",
    "open_async_websocket",
    "open_websocket",
]

#: A log message is one line and its labels; anything this large is not one.
_MAX_MESSAGE = 4 * 1024 * 1024


class WebSocketUnavailable(RenderError):
    """The ``websockets`` library is missing: ``pip install 'render-workflows-sdk[websocket]'``."""


def _library() -> Any:
    try:
        import websockets.exceptions
    except ImportError as exc:
        raise WebSocketUnavailable(
            "following logs over a WebSocket needs the 'websockets' library: "
            "pip install 'render-workflows-sdk[websocket]'"
        ) from exc
    return websockets.exceptions


def _connection_error(exc: BaseException, url: str, opening: bool) -> APIConnectionError:
    phase = "opening" if opening else "reading"
    # The URL carries filters only; the key travels in a header and never appears here.
    return APIConnectionError(
        f"{phase} the log stream {url} failed: {type(exc).__name__}: {exc}",
        method="GET",
        url=url,
        request_sent=not opening,
    )


def _text(message: str | bytes) -> str:
    return message if isinstance(message, str) else message.decode("utf-8", errors="replace")


class WebSocket:
    """A blocking WebSocket connection that yields text messages."""

    def __init__(self, connection: Any, url: str) -> None:
        self._connection = connection
        self._url = url
        self._closed_errors: tuple[type[BaseException], ...] = (
            _library().ConnectionClosed,
            OSError,
        )

    def recv(self, timeout: float) -> str | None:
        """The next message, or None if none came within ``timeout`` seconds."""
        try:
            return _text(self._connection.recv(timeout=max(0.0, timeout)))
        except TimeoutError:
            return None
        except self._closed_errors as exc:
            raise _connection_error(exc, self._url, opening=False) from exc

    def close(self) -> None:
        """Close the connection (quietly, whatever its state)."""
        with contextlib.suppress(Exception):  # closing never raises into the caller's loop
            self._connection.close()


def open_websocket(url: str, headers: Mapping[str, str], timeout: float) -> WebSocket:
    """Open a blocking WebSocket to ``url`` with ``headers`` in the handshake."""
    errors = _library()
    from websockets.sync.client import connect

    try:
        connection = connect(
            url,
            additional_headers=dict(headers),
            open_timeout=timeout,
            max_size=_MAX_MESSAGE,
            user_agent_header=None,
        )
    except (errors.WebSocketException, OSError, TimeoutError) as exc:
        raise _connection_error(exc, url, opening=True) from exc
    # Entering the connection marks it as managed (websockets >= 17.1 warns otherwise);
    # WebSocket.close is its exit.
    return WebSocket(connection.__enter__(), url)


class AsyncWebSocket:
    """An asyncio WebSocket connection that yields text messages."""

    def __init__(self, connection: Any, url: str) -> None:
        self._connection = connection
        self._url = url
        self._closed_errors: tuple[type[BaseException], ...] = (
            _library().ConnectionClosed,
            OSError,
        )

    async def recv(self, timeout: float) -> str | None:
        """The next message, or None if none came within ``timeout`` seconds."""
        import asyncio

        try:
            # Canceling websockets' recv() on timeout loses no message.
            message = await asyncio.wait_for(self._connection.recv(), max(0.0, timeout))
        except asyncio.TimeoutError:
            return None
        except self._closed_errors as exc:
            raise _connection_error(exc, self._url, opening=False) from exc
        return _text(message)

    async def aclose(self) -> None:
        """Close the connection (quietly, whatever its state)."""
        with contextlib.suppress(Exception):  # closing never raises into the caller's loop
            await self._connection.close()


async def open_async_websocket(
    url: str, headers: Mapping[str, str], timeout: float
) -> AsyncWebSocket:
    """Open an asyncio WebSocket to ``url`` with ``headers`` in the handshake."""
    errors = _library()
    from websockets.asyncio.client import connect

    try:
        connection = await connect(
            url,
            additional_headers=dict(headers),
            open_timeout=timeout,
            max_size=_MAX_MESSAGE,
            user_agent_header=None,
        )
    except (errors.WebSocketException, OSError, TimeoutError) as exc:
        raise _connection_error(exc, url, opening=True) from exc
    return AsyncWebSocket(connection, url)
