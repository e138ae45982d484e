"""The bundled demo workflow ``demo``: small tasks that show every outcome of a run.

Serve it with ``render-sdk dev render_sdk.local.examples.demo`` (or
``python -m render_sdk.local render_sdk.local.examples.demo``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from render_sdk.local import Workflow

demo = Workflow("demo")

_flaky_failures: dict[str, int] = {}
_flaky_lock = threading.Lock()


@demo.task
def square(a: float) -> float:
    """``a * a``."""
    return a * a


@demo.task
def add(a: float, b: float) -> float:
    """``a + b``."""
    return a + b


@demo.task
def greet(name: str, punctuation: str = "!") -> str:
    """``Hello, <name><punctuation>``."""
    return f"Hello, {name}{punctuation}"


@demo.task
def fail(message: str) -> None:
    """Always fails with ``ValueError: <message>``."""
    raise ValueError(message)


@demo.task
async def slow(seconds: float) -> float:
    """Sleeps ``seconds`` (async, so canceling it stops it at once), then returns them."""
    await asyncio.sleep(seconds)
    return seconds


@demo.task(max_retries=3, backoff=0.05)
def flaky(key: str, fail_times: int) -> str:
    """Fails the first ``fail_times`` attempts for ``key`` (in this process), then succeeds."""
    with _flaky_lock:
        failures = _flaky_failures.get(key, 0)
        if failures < fail_times:
            _flaky_failures[key] = failures + 1
            raise RuntimeError(f"flaky failure {failures + 1} of {fail_times} for {key!r}")
    return f"{key} succeeded after {fail_times} failure(s)"


@demo.task
def echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Returns its arguments: ``{"args": [...], "kwargs": {...}}``."""
    return {"args": list(args), "kwargs": kwargs}
