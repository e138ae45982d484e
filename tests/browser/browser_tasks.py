"""The tasks the dashboard's browser tests start: quick, slow, failing and with named input."""

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
    """Always fails with ``message``."""
    raise ValueError(message)


@wf.task
def greet(name: str, punctuation: str = "!") -> str:
    """Named arguments: ``{"name": "Ada"}``."""
    return f"Hello, {name}{punctuation}"
