"""Check task identifiers and task-run IDs the way the client does, before any request.

Useful to validate user input early (a form field, a command-line argument): each
function raises ``InvalidArgumentError`` (``InvalidTaskIdentifierError`` for tasks) with
a message that shows the accepted forms.
"""

from __future__ import annotations

from ._identifiers import (
    TaskIdentifier,
    parse_task_identifier,
    validate_task_id,
    validate_task_run_id,
)

__all__ = ["TaskIdentifier", "parse_task_identifier", "validate_task_id", "validate_task_run_id"]
