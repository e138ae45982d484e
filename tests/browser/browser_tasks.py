"""The tasks the dashboard's browser tests start.

Quick, slow, failing and with named input; tasks that print lines (the run's logs),
and ``fan_out``, whose runs start subtasks (a two-level run tree).
"""

from __future__ import annotations

import asyncio

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


@wf.task
async def count(lines: int, pause: float) -> int:
    """Prints ``line 1`` … ``line <lines>``, one every ``pause`` seconds."""
    for number in range(1, lines + 1):
        print(f"line {number} of {lines}")
        await asyncio.sleep(pause)
    return lines


@wf.task
async def pause(seconds: float) -> float:
    """A leaf of the run tree: prints, sleeps ``seconds``, returns them."""
    print(f"pausing {seconds} s")
    await asyncio.sleep(seconds)
    return seconds


@wf.task
async def branch(index: int, seconds: float) -> float:
    """A subtask that starts a subtask of its own (``pause``)."""
    print(f"branch {index} starts its leaf")
    return float(await wf.run(pause, seconds))


@wf.task
async def fan_out(branches: int, seconds: float) -> float:
    """The root of a run tree: ``branches`` subtasks, each with one subtask."""
    print(f"fanning out to {branches} branches")
    results = await asyncio.gather(*(wf.run(branch, i, seconds) for i in range(branches)))
    return float(sum(results))
