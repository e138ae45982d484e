"""The pacing gates of _concurrency: shared by threads or tasks, safe across os.fork()."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from render_sdk._clock import AsyncSystemClock, SystemClock
from render_sdk._concurrency import AsyncRateLimitGate, SyncRateLimitGate
from render_sdk.testing import FakeClock

GROUP = "POST /task-runs"
SPENT = {"RateLimit-Limit": "2", "RateLimit-Remaining": "0", "RateLimit-Reset": "0.2"}


def test_sync_requests_wait_for_the_probe_then_go_when_the_group_is_unlimited() -> None:
    gate = SyncRateLimitGate(SystemClock())
    gate.acquire(GROUP)  # the probe
    through = threading.Event()

    def second() -> None:
        gate.acquire(GROUP)
        through.set()

    waiter = threading.Thread(target=second)
    waiter.start()
    assert not through.wait(0.1)  # held until the probe is answered
    gate.settle(GROUP, {})  # answered, without rate-limit headers: unlimited
    assert through.wait(5)
    waiter.join()


def test_sync_gate_holds_on_the_clock_until_the_window_resets() -> None:
    clock = FakeClock()
    gate = SyncRateLimitGate(clock)
    gate.acquire(GROUP)
    gate.settle(GROUP, SPENT)
    gate.acquire(GROUP)
    assert clock.sleeps == [pytest.approx(0.2)]


def test_a_lost_answer_frees_the_slot_without_teaching_anything() -> None:
    gate = SyncRateLimitGate(SystemClock())
    gate.acquire(GROUP)
    gate.settle(GROUP, None)  # a connection error
    gate.acquire(GROUP)  # the next probe goes at once


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_waits_on_its_parents_lock_or_requests() -> None:
    gate = SyncRateLimitGate(SystemClock())
    gate.acquire(GROUP)  # a probe in flight in the parent: others would wait for it
    with gate._state.get().lock:  # and a parent thread holds the lock at the moment of the fork
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                gate.acquire(GROUP)  # the child's own probe: goes at once
                gate.settle(GROUP, {})
                gate.acquire(GROUP)
                code = 0
            finally:
                os._exit(code)
    started = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > 10:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on the gate")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(status) == 0


async def test_async_requests_wait_for_the_probe_then_share_the_window() -> None:
    gate = AsyncRateLimitGate(AsyncSystemClock())
    await gate.acquire(GROUP)
    second = asyncio.ensure_future(gate.acquire(GROUP))
    await asyncio.sleep(0.05)
    assert not second.done()
    gate.settle(GROUP, {"RateLimit-Limit": "5", "RateLimit-Remaining": "4", "RateLimit-Reset": "1"})
    await asyncio.wait_for(second, 5)
    third = asyncio.ensure_future(gate.acquire(GROUP))
    await asyncio.wait_for(third, 5)  # 2 in flight < 4 remaining


async def test_async_hold_on_a_spent_window_ends_at_the_reset() -> None:
    gate = AsyncRateLimitGate(AsyncSystemClock())
    await gate.acquire(GROUP)
    gate.settle(GROUP, SPENT)
    began = time.monotonic()
    await gate.acquire(GROUP)
    assert 0.15 <= time.monotonic() - began < 2.0


async def test_an_async_waiter_that_is_cancelled_leaves_nothing_behind() -> None:
    gate = AsyncRateLimitGate(AsyncSystemClock())
    await gate.acquire(GROUP)
    waiter = asyncio.ensure_future(gate.acquire(GROUP))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not any(gate._state.get().waiters[GROUP])
    gate.settle(GROUP, {})
    await asyncio.wait_for(gate.acquire(GROUP), 1)
