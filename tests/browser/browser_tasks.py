"""The tasks the dashboard's browser tests start.

Quick, slow, failing and with named input; tasks that print lines (the run's logs),
and ``fan_out``, whose runs start subtasks (a two-level run tree).
"""

from __future__ import annotations

import asyncio
import threading

from render_sdk.local import Workflow

wf = Workflow("browser-demo")


@wf.task
def square(a: int) -> int:
    """Quick: the square of ``a``."""
    return a * a


@wf.task
async def slow(seconds: float) -> str:
    """Sleeps ``seconds`` (long enough to be watched or canceled from a page)."""
    await asyncio.sleep(seconds)
    return "done"


@wf.task
def fail(message: str) -> None:
    """Prints what it checks, then fails with ``message``."""
    print(f"checking the input: {message}")
    print("the input is out of range")
    raise ValueError(message)


@wf.task
def greet(name: str, punctuation: str = "!") -> str:
    """Named arguments: ``{"name": "Ada"}``."""
    return f"Hello, {name}{punctuation}"


#: Gates a test opens (``release()``) to let a ``paced`` run print its next line.
_gates: dict[str, threading.Semaphore] = {}


def gate(key: str) -> threading.Semaphore:
    """The gate of the ``paced`` run started with ``key`` (made on first use)."""
    return _gates.setdefault(key, threading.Semaphore(0))


@wf.task
async def paced(key: str, lines: int) -> int:
    """Prints ``line 1 of <lines>`` at once, then each next line when ``gate(key)`` opens."""
    for number in range(1, lines + 1):
        if number > 1 and not await asyncio.to_thread(gate(key).acquire, True, 10):
            raise TimeoutError(f"gate {key!r} stayed closed before line {number}")
        print(f"line {number} of {lines}")
    return lines


@wf.task
async def hold(key: str) -> str:
    """A leaf of the run tree: prints, then ends when ``gate(key)`` opens."""
    print(f"holding for {key}")
    if not await asyncio.to_thread(gate(key).acquire, True, 10):
        raise TimeoutError(f"gate {key!r} stayed closed")
    return key


@wf.task
async def branch(key: str, index: int) -> str:
    """A subtask that starts a subtask of its own (``hold``)."""
    print(f"branch {index} starts its leaf")
    return str(await wf.run(hold, key))


@wf.task
async def fan_out(key: str, branches: int) -> list[str]:
    """The root of a run tree: ``branches`` subtasks, each with one subtask.

    Its leaves end one per ``gate(key).release()``.
    """
    print(f"fanning out to {branches} branches")
    return list(await asyncio.gather(*(wf.run(branch, key, i) for i in range(branches))))
