"""The local server's log store: every attempt's output lines, labelled like Render's logs.

This is the one place where the hosts (in-process tasks and worker processes) put the
lines a run writes, and where the logs API reads them from.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime

from render_sdk.local.store import utcnow

__all__ = ["LogRecord", "LogStore"]


@dataclass(frozen=True)
class LogRecord:
    """One log line of one run, with the labels Render's logs API attaches."""

    id: str
    run_id: str
    message: str
    timestamp: datetime
    level: str = "info"
    type: str = "app"
    task: str = ""
    workflow_id: str = ""
    labels: dict[str, str] = field(default_factory=dict)


class LogStore:
    """Thread-safe, append-only record of log lines, in the order they were written."""

    def __init__(self) -> None:
        """An empty store."""
        self._lock = threading.Lock()
        self._records: list[LogRecord] = []
        self._ids = itertools.count(1)

    def append(
        self,
        run_id: str,
        message: str,
        *,
        level: str = "info",
        type: str = "app",
        task: str = "",
        workflow_id: str = "",
        timestamp: datetime | None = None,
    ) -> LogRecord:
        """Record one line written by ``run_id`` (now, unless ``timestamp`` is given)."""
        with self._lock:
            record = LogRecord(
                id=f"log-{next(self._ids):012d}",
                run_id=run_id,
                message=message,
                timestamp=timestamp or utcnow(),
                level=level,
                type=type,
                task=task,
                workflow_id=workflow_id,
            )
            self._records.append(record)
        return record

    def for_run(self, run_id: str) -> list[LogRecord]:
        """Every line of ``run_id``, oldest first."""
        with self._lock:
            return [r for r in self._records if r.run_id == run_id]
