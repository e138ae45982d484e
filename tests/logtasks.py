"""Tasks that write log lines, for the logs tests (served in-process by the local server)."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time

from render_sdk.local import Workflow

logtasks = Workflow("logtasks")
logger = logging.getLogger("logtasks")

#: Gates that hold a ``gated`` run between its lines: the test opens them one by one.
GATES: dict[str, list[threading.Event]] = {}
_gates_lock = threading.Lock()


def gates(token: str, count: int) -> list[threading.Event]:
    """The gates of the ``gated`` run started with ``token`` (made on first use)."""
    with _gates_lock:
        return GATES.setdefault(token, [threading.Event() for _ in range(count)])


@logtasks.task
def chatty(token: str, lines: int, pause: float) -> int:
    """Prints ``token i`` for each line, pausing between them (sync: runs in a thread)."""
    for i in range(lines):
        print(f"{token} {i}")
        if pause:
            time.sleep(pause)
    return lines


@logtasks.task
async def async_chatty(token: str, lines: int) -> int:
    """Prints ``token i`` for each line, yielding to the loop between them."""
    for i in range(lines):
        print(f"{token} {i}")
        await asyncio.sleep(0)
    return lines


@logtasks.task
def mixed(token: str) -> str:
    """One line on stdout, one on stderr, a logged warning, and a line without a newline."""
    print(f"{token} out")
    print(f"{token} err", file=sys.stderr)
    logger.warning("%s warned", token)
    sys.stdout.write(f"{token} unterminated")
    return token


@logtasks.task
def gated(token: str, lines: int) -> int:
    """Prints ``token i``, then waits for gate i before the next line (up to 10 s each)."""
    for i, gate in enumerate(gates(token, lines)):
        print(f"{token} {i}")
        gate.wait(10)
    return lines


@logtasks.task
async def quiet(seconds: float) -> float:
    """Writes nothing for ``seconds``."""
    await asyncio.sleep(seconds)
    return seconds
