"""The one cattrs converter: camelCase JSON <-> snake_case models, datetimes, open enums."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import models

if TYPE_CHECKING:
    import cattrs

__all__ = ["ShapeError", "format_datetime", "parse_datetime", "structure", "unstructure"]

T = TypeVar("T")

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<fraction>\d+))?(?P<offset>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


class ShapeError(ValueError):
    """A JSON value does not have the shape of the model it should become."""


def camel_case(name: str) -> str:
    """``task_run_id`` -> ``taskRunId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_datetime(value: str) -> datetime:
    """Parse an RFC 3339 date-time (``Z`` or an offset; any number of fraction digits).

    The result is always timezone-aware; a value without an offset is taken as UTC.
    """
    match = _RFC3339.fullmatch(value.strip())
    if match is None:
        raise ShapeError(f"not an RFC 3339 date-time: {value!r}")
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}")
        offset = match["offset"]
        if offset is None or offset in "Zz":
            return parsed.replace(tzinfo=timezone.utc)
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return parsed.replace(tzinfo=timezone(sign * delta))
    except ValueError as exc:
        raise ShapeError(f"not a valid RFC 3339 date-time {value!r}: {exc}") from None


def format_datetime(value: datetime) -> str:
    """Format a datetime as RFC 3339, with ``Z`` for UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise ShapeError(f"expected an RFC 3339 date-time string, got {type(value).__name__}")
    return parse_datetime(value)


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ShapeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"expected an integer, got {type(value).__name__}")
    return value


def _structure_list(value: Any, _: type) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(f"expected a list, got {type(value).__name__}")
    return value


def _structure_input(value: Any, _: type) -> list[Any] | dict[str, Any]:
    if not isinstance(value, list | dict):
        raise ShapeError(f"expected a list or an object, got {type(value).__name__}")
    return value


def _structure_status(value: Any, _: type) -> models.TaskRunStatus:
    if not isinstance(value, str):
        raise ShapeError(f"expected a status string, got {type(value).__name__}")
    return models.TaskRunStatus(value)


_INPUT_TYPE = list[Any] | dict[str, Any]


@functools.cache
def _converter() -> cattrs.Converter:
    """Build the converter on first use, so importing render_sdk stays cheap."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    conv = cattrs.Converter(detailed_validation=True)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook_func(lambda t: t == list[Any], _structure_list)
    conv.register_structure_hook_func(lambda t: t == _INPUT_TYPE, _structure_input)
    conv.register_structure_hook(models.TaskRunStatus, _structure_status)
    conv.register_unstructure_hook(models.TaskRunStatus, lambda status: status.value)

    def structure_factory(cls: type) -> Any:
        attrs.resolve_types(cls)
        renames = {f.name: override(rename=camel_case(f.name)) for f in attrs.fields(cls)}
        return make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    def unstructure_factory(cls: type) -> Any:
        # A run handle (a subclass bound to a client) unstructures as the model it extends.
        bases = (base for base in cls.__mro__ if base.__module__ == models.__name__)
        cls = next((base for base in bases if attrs.has(base)), cls)
        attrs.resolve_types(cls)
        renames = {f.name: override(rename=camel_case(f.name)) for f in attrs.fields(cls)}
        return make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


def _problems(exc: BaseException, path: str) -> list[str]:
    """Every leaf problem under ``exc``, each with its JSON path (camelCase keys, indexes)."""
    import cattrs

    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without_notes = exc.group_exceptions()
        found = [
            problem
            for inner, note in with_notes
            for problem in _problems(inner, f"{path}.{camel_case(note.name)}")
        ]
        return found + [p for inner in without_notes for p in _problems(inner, path)]
    if isinstance(exc, cattrs.IterableValidationError):
        with_index, without_index = exc.group_exceptions()
        found = [
            problem
            for inner, index_note in with_index
            for problem in _problems(inner, f"{path}[{index_note.index}]")
        ]
        return found + [p for inner in without_index for p in _problems(inner, path)]
    if isinstance(exc, cattrs.BaseValidationError):
        return [p for inner in exc.exceptions for p in _problems(inner, path)]
    if isinstance(exc, KeyError):
        return [f"required field missing @ {path}"]
    if isinstance(exc, ShapeError):
        return [f"{exc} @ {path}"]
    return [f"{type(exc).__name__}: {exc} @ {path}"]


def _describe(exc: BaseException, cls: type) -> str:
    import cattrs

    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(_problems(exc, cls.__name__))
    return f"{cls.__name__}: {exc}"


def structure(data: Any, cls: type[T]) -> T:
    """Turn decoded JSON into a model; raise ShapeError naming every problem found."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
    converter = _converter()
    import cattrs

    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise ShapeError(_describe(exc, cls)) from exc


def unstructure(obj: Any) -> Any:
    """Turn a model (or list of models) back into the API's camelCase JSON shape."""
    return _converter().unstructure(obj)
