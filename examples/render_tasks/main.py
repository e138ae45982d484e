"""Tasks written only against Render's SDK (``pip install render``): run them locally with

    render-sdk dev -- python main.py

then start runs with any client, e.g. ``render-sdk tasks run render-tasks/sum_squares 5``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from render import Retry, TaskContext, Workflows

app = Workflows()


@app.task
def square(ctx: TaskContext, a: int) -> int:
    """One number squared."""
    return a * a


@app.task
async def sum_squares(ctx: TaskContext, n: int) -> int:
    """Fan out: one ``square`` subtask per number below ``n``, run side by side."""
    squares = await asyncio.gather(*(ctx.run(square, i) for i in range(n)))
    return sum(squares)


@app.task(retry=Retry(max_retries=2, wait_duration_ms=100, backoff_scaling=2.0))
def flaky(ctx: TaskContext, counter_file: str, failures: int) -> int:
    """Fails its first ``failures`` attempts, then returns the attempt count.

    Attempts run in separate processes, so the count lives in ``counter_file``.
    """
    path = Path(counter_file)
    attempt = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempt))
    print(f"flaky: attempt {attempt}")
    if attempt <= failures:
        raise RuntimeError(f"attempt {attempt} failed on purpose")
    return attempt


@app.task
def fail(ctx: TaskContext, message: str) -> None:
    """Always fails with ``message``."""
    raise ValueError(message)


@app.task(timeout_seconds=1)
def slow(ctx: TaskContext, seconds: float) -> float:
    """Sleeps; anything over its one-second timeout is ended by the host."""
    time.sleep(seconds)
    return seconds


@app.task
async def pipeline(ctx: TaskContext, numbers: list[int]) -> dict[str, int]:
    """A subtask tree two levels deep: sums of squares for each number, then their total."""
    sums = await asyncio.gather(*(ctx.run(sum_squares, n) for n in numbers))
    return {"total": sum(sums), "parts": len(sums)}


if __name__ == "__main__":
    app.start()
