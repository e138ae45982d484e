"""A loopback HTTP server that answers with whatever raw bytes a test gives it.

For hostile-response tests through the real transports (requests, httpx): HTML pages
from a "proxy", truncated bodies, garbage event streams, huge bodies. ``reply(method,
path)`` returns the raw bytes to send (status line and headers included); the connection
is closed after each answer.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Reply = Callable[[str, str], bytes]


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
def raw_server(reply: Reply) -> Iterator[str]:
    """Serve ``reply`` at http://127.0.0.1:<port> until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    port = listener.getsockname()[1]
    stop = threading.Event()
    handlers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            with suppress(OSError):
                method, path = _read_request(conn)
                conn.sendall(reply(method, path))
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
