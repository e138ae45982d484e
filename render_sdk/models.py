"""The API's resources as frozen attrs classes with Python names (no I/O, no JSON rules).

The JSON rules (camelCase names, RFC 3339 date-times, open statuses) live in ``_serde``;
``to_dict`` and ``from_dict`` only hand the model to it.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

M = TypeVar("M", bound="APIModel")

__all__ = [
    "TERMINAL_STATUSES",
    "LogEntry",
    "Task",
    "TaskAttempt",
    "TaskAttemptDetails",
    "TaskRun",
    "TaskRunDetails",
    "TaskRunStatus",
]


class TaskRunStatus(str, enum.Enum):
    """The status of a task run or attempt.

    The enum is open: a status value this SDK does not know yet is kept as a new
    member (``TaskRunStatus("archived").value == "archived"``) instead of failing.
    """

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    COMPLETED = "completed"
    """Deprecated spelling of ``SUCCEEDED`` that the API may still send."""
    FAILED = "failed"
    CANCELED = "canceled"
    PAUSED = "paused"

    @classmethod
    def _missing_(cls, value: object) -> TaskRunStatus | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        """True for succeeded, completed, failed and canceled: the run will not change again."""
        return self in TERMINAL_STATUSES

    @property
    def is_success(self) -> bool:
        """True for succeeded and its deprecated spelling completed."""
        return self is TaskRunStatus.SUCCEEDED or self is TaskRunStatus.COMPLETED

    @property
    def is_known(self) -> bool:
        """False for a status value this version of the SDK does not know."""
        return self.value in _KNOWN_VALUES


_KNOWN_VALUES = frozenset(member.value for member in TaskRunStatus)

TERMINAL_STATUSES = frozenset(
    {
        TaskRunStatus.SUCCEEDED,
        TaskRunStatus.COMPLETED,
        TaskRunStatus.FAILED,
        TaskRunStatus.CANCELED,
    }
)
"""The statuses after which a run never changes again."""


class APIModel:
    """What every model can do: become the API's JSON shape, and be made from it."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """This model as the API writes it, ready for ``json.dumps``.

        Keys are camelCase (``taskId``, ``startedAt``); date-times are RFC 3339 strings
        (``Z`` for UTC); statuses are their strings (unknown ones kept as received);
        absent optional fields are ``None``; nested attempts are dicts too.
        ``Model.from_dict(model.to_dict()) == model``.
        """
        from ._serde import unstructure

        data: dict[str, Any] = unstructure(self)
        return data

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Make the model from the API's JSON shape (as ``to_dict`` or the API writes it).

        Unknown keys are ignored and unknown statuses kept; a missing required field or a
        value of the wrong type raises InvalidArgumentError naming its path.
        """
        from ._serde import ShapeError, structure
        from .errors import InvalidArgumentError

        try:
            return structure(dict(data) if isinstance(data, Mapping) else data, cls)
        except ShapeError as exc:
            raise InvalidArgumentError(str(exc)) from None


@attrs.frozen(kw_only=True)
class Task(APIModel):
    """A task registered in a workflow."""

    id: str
    name: str
    created_at: datetime
    workflow_id: str | None = None
    workflow_version_id: str | None = None


@attrs.frozen(kw_only=True)
class TaskAttempt(APIModel):
    """One attempt at executing a task run (runs are retried as new attempts)."""

    attempt: int
    """0-based number of this attempt."""
    status: TaskRunStatus
    started_at: datetime | None = None
    task_run_id: str | None = None
    enqueued_at: datetime | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class TaskAttemptDetails(TaskAttempt):
    """An attempt with its outcome: ``error`` when it failed, ``results`` when it returned."""

    error: str | None = None
    results: list[Any] | None = None


@attrs.frozen(kw_only=True)
class TaskRun(APIModel):
    """A run of a task, as listed or as returned when it is started."""

    id: str
    task_id: str
    status: TaskRunStatus
    parent_task_run_id: str = ""
    """Empty for a root run."""
    root_task_run_id: str = ""
    """Equal to ``id`` for a root run."""
    retries: int = 0
    attempts: tuple[TaskAttempt, ...] = ()
    started_at: datetime | None = None
    completed_at: datetime | None = None
    parent_task_attempt: int | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the run has succeeded, failed or been canceled."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        """True if the run succeeded."""
        return self.status.is_success

    @property
    def failed(self) -> bool:
        """True if the run failed after its last attempt."""
        return self.status is TaskRunStatus.FAILED

    @property
    def canceled(self) -> bool:
        """True if the run was canceled."""
        return self.status is TaskRunStatus.CANCELED

    @property
    def is_root(self) -> bool:
        """True for a run started directly rather than by another task."""
        return not self.parent_task_run_id or self.root_task_run_id == self.id


@attrs.frozen(kw_only=True)
class TaskRunDetails(TaskRun):
    """A task run with its input, results and error, as read by ID."""

    attempts: tuple[TaskAttemptDetails, ...] = ()
    results: list[Any] = attrs.field(factory=list)
    """Everything the task returned; see ``result`` for the usual single value."""
    input: list[Any] | dict[str, Any] = attrs.field(factory=list)
    """The arguments the run was started with."""
    error: str | None = None
    """The error text of a failed run."""

    @property
    def result(self) -> Any:
        """The task's return value: the only element of ``results``, else ``results`` itself.

        The API wraps a return value in a list (``[value]``), except that a Python task
        returning a list may arrive unwrapped; ``result`` unwraps exactly one level when
        there is exactly one element, and returns None when there are no results.
        """
        if not self.results:
            return None
        if len(self.results) == 1:
            return self.results[0]
        return self.results


def _read_only(labels: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(labels))


@attrs.frozen(kw_only=True)
class LogEntry(APIModel):
    """One log line, as Render's logs API returns it.

    ``labels`` maps label names (``resource``, ``taskRun``, ``task``, ``level``, ``type``,
    ``instance``, ...) to values; it is read-only. The properties below read the common
    labels and give an empty string when a label is absent.
    """

    id: str
    message: str
    timestamp: datetime
    labels: Mapping[str, str] = attrs.field(
        factory=dict, converter=_read_only, hash=False, repr=False
    )

    @property
    def level(self) -> str:
        """The ``level`` label (``info``, ``warning``, ``error``, ...)."""
        return self.labels.get("level", "")

    @property
    def task_run_id(self) -> str:
        """The ``taskRun`` label: the run that wrote the line."""
        return self.labels.get("taskRun", "")

    @property
    def task(self) -> str:
        """The ``task`` label."""
        return self.labels.get("task", "")

    @property
    def resource(self) -> str:
        """The ``resource`` label: for task runs, the workflow ID (``wfl-...``)."""
        return self.labels.get("resource", "")

    def to_dict(self) -> dict[str, Any]:
        """The API's log object: ``{"id", "message", "timestamp", "labels": [...]}``."""
        from ._logs import log_entry_json

        return log_entry_json(self)

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Make a log entry from the API's log object (as ``to_dict`` writes it)."""
        from ._logs import parse_log_entry
        from ._serde import ShapeError
        from .errors import InvalidArgumentError

        try:
            entry: Any = parse_log_entry(dict(data) if isinstance(data, Mapping) else data)
        except ShapeError as exc:
            raise InvalidArgumentError(str(exc)) from None
        return entry  # type: ignore[no-any-return]
