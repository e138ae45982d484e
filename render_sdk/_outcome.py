"""Turn a finished run into its outcome: the details, or the matching TaskRunError; pure."""

from __future__ import annotations

from .errors import TaskRunCanceledError, TaskRunFailedError
from .models import TaskRunDetails, TaskRunStatus

__all__ = ["check_outcome"]


def check_outcome(details: TaskRunDetails) -> TaskRunDetails:
    """Return ``details`` of a successful run; raise for a failed or canceled one."""
    if details.status is TaskRunStatus.FAILED:
        reason = f": {details.error}" if details.error else ""
        raise TaskRunFailedError(f"task run {details.id} failed{reason}", details)
    if details.status is TaskRunStatus.CANCELED:
        raise TaskRunCanceledError(f"task run {details.id} was canceled", details)
    return details
