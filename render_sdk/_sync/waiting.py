# This file is generated from render_sdk/_async/waiting.py by codegen — do not edit.
"""Waiting for a run to reach a terminal status, by polling on an adaptive schedule."""

from __future__ import annotations

from .. import _api
from .._polling import PollSchedule
from ..errors import APITimeoutError, WaitTimeoutError
from ..models import TaskRunDetails, TaskRunStatus
from ._base import APIClient

__all__ = ["poll_until_terminal"]


def _timeout_error(run_id: str, timeout: float, last: TaskRunStatus | None) -> WaitTimeoutError:
    seen = f"last status {last.value}" if last is not None else "status never read"
    return WaitTimeoutError(
        f"gave up waiting for task run {run_id} after {timeout:g}s ({seen}); the run was "
        "left running",
        task_run_id=run_id,
        last_status=last,
    )


def read_run(api: APIClient, run_id: str, deadline: float | None) -> TaskRunDetails:
    """GET the run's details (retrying as the client's policy allows)."""
    path = "/task-runs/" + _api.path_segment(run_id)
    response, url = api.request("GET", path, deadline=deadline)
    return _api.decode_model(response, TaskRunDetails, "GET", url)


def poll_until_terminal(
    api: APIClient, run_id: str, *, timeout: float | None, schedule: PollSchedule
) -> TaskRunDetails:
    """Read the run until its status is terminal, sleeping between reads.

    The first read happens at once. ``timeout`` (seconds, None for no limit) bounds the
    whole wait, requests included; running out raises WaitTimeoutError.
    """
    clock = api.clock
    deadline = None if timeout is None else clock.now() + timeout
    last: TaskRunStatus | None = None
    intervals = schedule.intervals()
    while True:
        if deadline is not None and clock.now() >= deadline:
            raise _timeout_error(run_id, timeout or 0.0, last)
        try:
            details = read_run(api, run_id, deadline)
        except APITimeoutError:
            if deadline is not None and clock.now() >= deadline:
                raise _timeout_error(run_id, timeout or 0.0, last) from None
            raise
        last = details.status
        if details.is_terminal:
            return details
        delay = next(intervals)
        if deadline is not None:
            delay = min(delay, deadline - clock.now())
        clock.sleep(delay)
