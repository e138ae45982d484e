"""A handle on one task run: its data when started or listed, plus wait, refresh, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .. import models
from .._awaitable import AsyncResultMixin

if TYPE_CHECKING:
    from .workflows import AsyncWorkflowsService

__all__ = ["AwaitableTaskRun"]


@attrs.frozen(kw_only=True)
class AwaitableTaskRun(AsyncResultMixin, models.TaskRun):
    """A task run as it was when started or listed, bound to the client that can follow it.

    ``id`` and ``status`` are there at once; ``wait()`` (or ``await run``) follows the
    run to its end. The fields are a snapshot: ``refresh()`` returns the current details.
    """

    _workflows: AsyncWorkflowsService = attrs.field(repr=False, eq=False, alias="workflows")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> models.TaskRun:  # type: ignore[override]
        """Plain ``TaskRun`` data: a handle is made by a client (``workflows.start_task``)."""
        return models.TaskRun.from_dict(data)

    async def wait(
        self, *, timeout: float | None = None, raise_on_failure: bool = True
    ) -> models.TaskRunDetails:
        """Wait until the run has succeeded, failed or been canceled, and return its details.

        Raises TaskRunFailedError / TaskRunCanceledError (unless ``raise_on_failure`` is
        False) and WaitTimeoutError after ``timeout`` seconds, leaving the run alone.
        """
        return await self._workflows.wait_for_task_run(
            self.id, timeout=timeout, raise_on_failure=raise_on_failure
        )

    async def refresh(self) -> models.TaskRunDetails:
        """Read the run's current details."""
        return await self._workflows.get_task_run(self.id)

    async def cancel(self) -> None:
        """Cancel the run (ConflictError if it has already finished)."""
        await self._workflows.cancel_task_run(self.id)
