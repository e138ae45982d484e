"""The iterator returned by ``task_run_events``: run updates until every run has finished."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from types import TracebackType

from ..models import TaskRunDetails

__all__ = ["AsyncTaskRunEventStream"]


class AsyncTaskRunEventStream:
    """Run updates (TaskRunDetails) of one or many runs, over as few connections as fit.

    Non-terminal updates come straight from the events stream; a terminal one is
    confirmed by reading the run first. Iteration ends once every run has finished.
    Leaving the loop early, or closing the stream, closes its connections.
    """

    def __init__(self, updates: AsyncGenerator[tuple[bool, TaskRunDetails], None]) -> None:
        self._updates = updates

    def __aiter__(self) -> AsyncTaskRunEventStream:
        return self

    async def __anext__(self) -> TaskRunDetails:
        _, details = await self._updates.__anext__()
        return details

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
