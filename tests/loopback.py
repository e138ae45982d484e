"""One raw-socket HTTP server on loopback that answers with whatever a test says, or misbehaves.

For transport, deadline and hostile-response tests through the real HTTP libraries:
``reply(method, path)`` (or one fixed answer for every request) is either the raw bytes
to send (status line and headers included; the connection is then closed), ``STALL``
(read the request, never answer), ``stall_after(prefix)`` (send a start, e.g. headers
promising a body, then nothing more) or ``CLOSE`` (read the request, close without a
word). Stalled connections are held open until the block ends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import attrs


@attrs.frozen
class Stall:
    """Send ``prefix`` (possibly nothing), then hold the connection open, silent."""

    prefix: bytes = b""


@attrs.frozen
class Close:
    """Close the connection without answering."""


STALL = Stall()
CLOSE = Close()

Answer = bytes | Stall | Close
Reply = Callable[[str, str], Answer]


def stall_after(prefix: bytes) -> Stall:
    """Send ``prefix``, then stall (a body promised by its headers that never comes)."""
    return Stall(prefix)


STALLED_BODY = stall_after(
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":'
)
"""Headers promising a 100-byte body, six bytes of it, then silence."""


def http(status: str, body: bytes, content_type: str = "application/json", **extra: str) -> bytes:
    """A complete HTTP/1.1 response that closes the connection."""
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    head.append(f"Content-Length: {len(body)}")
    head += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _read_request(conn: socket.socket) -> tuple[str, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = [*lines[0].split(" "), "", ""][:2]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, path


@contextmanager
def raw_server(reply: Reply | Answer) -> Iterator[str]:
    """Serve ``reply`` at http://127.0.0.1:<port> until the block ends."""
    answer_for: Reply = reply if callable(reply) else (lambda method, path: reply)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    port = listener.getsockname()[1]
    stop = threading.Event()
    handlers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            with suppress(OSError):
                answer = answer_for(*_read_request(conn))
                if isinstance(answer, Stall):
                    conn.sendall(answer.prefix)
                    stop.wait()
                elif isinstance(answer, bytes):
                    conn.sendall(answer)
                    conn.shutdown(socket.SHUT_WR)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            handlers.append(thread)
            thread.start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join()
        listener.close()
        for handler in handlers:
            handler.join(5)
