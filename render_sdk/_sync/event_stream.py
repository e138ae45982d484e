# This file is generated from render_sdk/_async/event_stream.py by codegen — do not edit.
"""The iterator returned by ``task_run_events``: run updates until every run has finished."""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType

from ..models import TaskRunDetails

__all__ = ["TaskRunEventStream"]


class TaskRunEventStream:
    """Run updates (TaskRunDetails) of one or many runs, over as few connections as fit.

    Non-terminal updates come straight from the events stream; a terminal one is
    confirmed by reading the run first. Iteration ends once every run has finished.
    Leaving the loop early, or closing the stream, closes its connections.
    """

    def __init__(self, updates: Generator[tuple[bool, TaskRunDetails], None]) -> None:
        self._updates = updates

    def __iter__(self) -> TaskRunEventStream:
        return self

    def __next__(self) -> TaskRunDetails:
        _, details = self._updates.__next__()
        return details

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
