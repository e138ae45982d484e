"""The iterator returned by ``task_run_events``: run updates until every run has finished."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from types import TracebackType

from .._waitstate import ReportFinal, ReportUpdate
from ..models import TaskRunDetails

__all__ = ["AsyncTaskRunEventStream"]


class AsyncTaskRunEventStream:
    """Run updates (TaskRunDetails) of one or many runs, over as few connections as fit.

    Non-terminal updates come straight from the events stream; a terminal one is
    confirmed by reading the run first. Iteration ends once every run has finished.
    Leaving the loop early, or closing the stream, closes its connections.
    ``finished`` tells which of the updates so far were a run's final details.
    """

    def __init__(self, updates: AsyncGenerator[ReportUpdate | ReportFinal, None]) -> None:
        self._updates = updates
        self._finished: dict[str, TaskRunDetails] = {}

    @property
    def finished(self) -> Mapping[str, TaskRunDetails]:
        """The final details of each run reported finished so far, by run ID, in the order
        they finished (each confirmed by a read; a run appears here exactly once)."""
        return self._finished

    def __aiter__(self) -> AsyncTaskRunEventStream:
        return self

    async def __anext__(self) -> TaskRunDetails:
        report = await self._updates.__anext__()
        if isinstance(report, ReportFinal):
            self._finished[report.details.id] = report.details
        return report.details

    async def aclose(self) -> None:
        """Stop following the runs and close the connections."""
        await self._updates.aclose()

    async def __aenter__(self) -> AsyncTaskRunEventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
