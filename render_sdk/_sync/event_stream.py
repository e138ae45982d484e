# This file is generated from render_sdk/_async/event_stream.py by codegen — do not edit.
"""The iterator returned by ``task_run_events``: run updates until every run has finished."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import TracebackType

from .._waitstate import ReportFinal, ReportUpdate
from ..models import TaskRunDetails

__all__ = ["TaskRunEventStream"]


class TaskRunEventStream:
    """Run updates (TaskRunDetails) of one or many runs, over as few connections as fit.

    Non-terminal updates come straight from the events stream; a terminal one is
    confirmed by reading the run first. Iteration ends once every run has finished.
    Leaving the loop early, or closing the stream, closes its connections.
    ``finished`` tells which of the updates so far were a run's final details.
    """

    def __init__(self, updates: Generator[ReportUpdate | ReportFinal, None]) -> None:
        self._updates = updates
        self._finished: dict[str, TaskRunDetails] = {}

    @property
    def finished(self) -> Mapping[str, TaskRunDetails]:
        """The final details of each run reported finished so far, by run ID, in the order
        they finished (each confirmed by a read; a run appears here exactly once)."""
        return self._finished

    def __iter__(self) -> TaskRunEventStream:
        return self

    def __next__(self) -> TaskRunDetails:
        report = self._updates.__next__()
        if isinstance(report, ReportFinal):
            self._finished[report.details.id] = report.details
        return report.details

    def close(self) -> None:
        """Stop following the runs and close the connections."""
        self._updates.close()

    def __enter__(self) -> TaskRunEventStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
