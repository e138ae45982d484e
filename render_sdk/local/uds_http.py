"""A small JSON-over-HTTP/1.1 server on a Unix socket, for one worker attempt.

Render's SDK sends one request per connection (``Connection: close``); keep-alive
is served too. Parsing is h11's (a sans-I/O HTTP/1.1 state machine, already
installed with uvicorn). Every attempt gets a socket of its own, so start and
stop costs count: measured side by side (median of 40), this server starts in
0.4 ms and stops in 0.1 ms, where uvicorn+starlette on a Unix socket took 1.2 ms
to start and ~200 ms to stop (its main loop ticks every 0.1 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import h11

__all__ = ["Handler", "UnixJSONServer"]

# (method, target, body) -> (status, JSON body or None)
Handler = Callable[[str, str, bytes], Awaitable[tuple[int, Any]]]

_MAX_BODY = 64 * 1024 * 1024


class UnixJSONServer:
    """Serves ``handler`` on the Unix socket ``path`` until :meth:`close`."""

    def __init__(self, path: str, handler: Handler) -> None:
        """Nothing listens until :meth:`start`."""
        self.path = path
        self._handler = handler
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Bind the socket (replacing a stale file) and accept connections."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._server = await asyncio.start_unix_server(self._connection, path=self.path)

    async def close(self) -> None:
        """Stop accepting, end open connections and remove the socket file."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            pass  # the worker went away or spoke something that is not HTTP
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        while True:
            request: h11.Request | None = None
            body = bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    conn.receive_data(data)
                    if not data and conn.their_state is not h11.DONE:
                        return
                    continue
                if isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > _MAX_BODY:
                        await self._send(conn, writer, 413, {"message": "body too large"})
                        return
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
            assert request is not None
            try:
                status, payload = await self._handler(
                    request.method.decode(), request.target.decode(), bytes(body)
                )
            except Exception as exc:  # a bug in a handler must not take the server down
                status, payload = 500, {"message": f"{type(exc).__name__}: {exc}"}
            await self._send(conn, writer, status, payload)
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    @staticmethod
    async def _send(
        conn: h11.Connection, writer: asyncio.StreamWriter, status: int, payload: Any
    ) -> None:
        data = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
        out = conn.send(h11.Response(status_code=status, headers=headers))
        out += conn.send(h11.Data(data=data)) if data else b""
        out += conn.send(h11.EndOfMessage())
        writer.write(out)
        await writer.drain()
