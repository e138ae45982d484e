"""Parse and validate task identifiers (slugs and IDs) and task-run IDs; pure."""

from __future__ import annotations

import re
from typing import Literal

import attrs

from .errors import InvalidArgumentError, InvalidTaskIdentifierError

__all__ = ["TaskIdentifier", "parse_task_identifier", "validate_task_id", "validate_task_run_id"]

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
_TASK_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_SLUG = re.compile(rf"(?P<workflow>{_NAME})/(?P<task>{_TASK_NAME})(?::(?P<version>{_NAME}))?")
_TASK_ID = re.compile(r"tsk-[A-Za-z0-9]+")
_TASK_RUN_ID = re.compile(r"trn-[A-Za-z0-9]+")

ACCEPTED_FORMS = (
    "a task slug 'workflow-slug/task-name', a versioned slug "
    "'workflow-slug/task-name:version', or a task ID 'tsk-...'"
)


@attrs.frozen
class TaskIdentifier:
    """A validated task identifier: a slug (optionally versioned) or a task ID."""

    value: str
    """The identifier exactly as the API receives it."""
    kind: Literal["slug", "id"]
    workflow_slug: str | None = None
    task_name: str | None = None
    version: str | None = None


def _describe_problem(text: str) -> str:
    if not text:
        return "it is empty"
    if text != text.strip():
        return "it has leading or trailing whitespace"
    if any(ch.isspace() for ch in text):
        return "it contains whitespace"
    if not text.isascii():
        return "it contains non-ASCII characters (look-alike letters are not accepted)"
    if text.startswith("trn-"):
        return "that is a task-run ID, not a task"
    if text.startswith("tsk-"):
        return "a task ID is 'tsk-' followed by letters and digits"
    if "/" not in text:
        return "a slug needs a workflow and a task name separated by '/'"
    workflow, _, rest = text.partition("/")
    if not workflow:
        return "the workflow slug before '/' is missing"
    if not rest or rest.startswith(":"):
        return "the task name after '/' is missing"
    if "/" in rest:
        return "it has more than one '/'"
    if rest.endswith(":"):
        return "the version after ':' is missing"
    return "it contains characters that are not allowed"


def parse_task_identifier(value: object) -> TaskIdentifier:
    """Validate ``value`` as a task slug or task ID; raise InvalidTaskIdentifierError if not."""
    if not isinstance(value, str):
        raise InvalidTaskIdentifierError(
            f"task_identifier must be a string ({ACCEPTED_FORMS}), got {type(value).__name__}"
        )
    if _TASK_ID.fullmatch(value):
        return TaskIdentifier(value=value, kind="id")
    match = _SLUG.fullmatch(value)
    if match is not None:
        return TaskIdentifier(
            value=value,
            kind="slug",
            workflow_slug=match["workflow"],
            task_name=match["task"],
            version=match["version"],
        )
    raise InvalidTaskIdentifierError(
        f"invalid task identifier {value!r}: {_describe_problem(value)}; expected {ACCEPTED_FORMS}"
    )


def _validate_prefixed_id(value: object, pattern: re.Pattern[str], what: str, form: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(
            f"{what} must be a string like {form}, got {type(value).__name__}"
        )
    if not pattern.fullmatch(value):
        raise InvalidArgumentError(f"invalid {what} {value!r}: expected {form}")
    return value


def validate_task_id(value: object) -> str:
    """Check that ``value`` is a task ID (``tsk-...``) and return it."""
    return _validate_prefixed_id(
        value, _TASK_ID, "task ID", "'tsk-' followed by letters and digits"
    )


def validate_task_run_id(value: object) -> str:
    """Check that ``value`` is a task-run ID (``trn-...``) and return it."""
    return _validate_prefixed_id(
        value, _TASK_RUN_ID, "task run ID", "'trn-' followed by letters and digits"
    )
