"""Models back to the API's JSON: camelCase keys, RFC 3339 times, statuses as strings."""

from __future__ import annotations

from typing import Any

import attrs

from . import models
from ._logs import log_entry_json
from ._serde import unstructure

__all__ = ["to_api_json"]


def to_api_json(value: Any) -> Any:
    """``value`` (a model, or a list of models) as the API would send it, ready for ``json``.

    A run handle (``TaskRun`` / ``AwaitableTaskRun``) is written as the plain run it
    carries; its client is left out. A ``LogEntry`` has its labels as the API's list of
    ``{"name", "value"}`` pairs.
    """
    if isinstance(value, list | tuple):
        return [to_api_json(item) for item in value]
    if isinstance(value, models.LogEntry):
        return log_entry_json(value)
    is_handle = isinstance(value, models.TaskRun) and not isinstance(value, models.TaskRunDetails)
    if is_handle and type(value) is not models.TaskRun:
        fields = attrs.fields(models.TaskRun)
        value = models.TaskRun(**{field.name: getattr(value, field.name) for field in fields})
    return unstructure(value)
