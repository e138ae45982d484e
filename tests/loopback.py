"""A raw TCP server on loopback that misbehaves on purpose (stalls, drops), for transport tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def misbehaving_server(mode: str) -> Iterator[str]:
    """Serve one behaviour at http://127.0.0.1:<port>.

    ``stall``: accept, read the request, never answer. ``close``: read, then close with no
    answer. ``stall-body``: send headers promising a body, then stall.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    port = listener.getsockname()[1]
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conns.append(conn)
            conn.settimeout(1)
            with suppress(OSError):
                conn.recv(65536)
            if mode == "close":
                conn.close()
            elif mode == "stall-body":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 100\r\n\r\n{"id":'
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in conns:
            conn.close()
