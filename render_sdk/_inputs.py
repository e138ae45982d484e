"""Validate task input (a list or dict of JSON values) and encode it; pure."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError

__all__ = ["DEFAULT_MAX_INPUT_BYTES", "encode_json", "validate_input"]

DEFAULT_MAX_INPUT_BYTES = 4 * 1024 * 1024
"""Default ceiling on the encoded size of ``input_data`` (configurable per client)."""

_SCALARS = (str, bool, type(None))
MAX_INPUT_DEPTH = 200
"""How deeply lists and dicts may nest inside ``input_data``."""
_BIG_INT_BITS = 10_000
_ACCEPTED = (
    "input_data must be a list or tuple (positional arguments) or a dict with string keys "
    "(keyword arguments); use [] for no arguments"
)


def _path(root: str, parts: list[str | int]) -> str:
    return root + "".join(f"[{part!r}]" for part in parts)


def _reject(message: str, root: str, parts: list[str | int]) -> InvalidInputError:
    path = _path(root, parts)
    return InvalidInputError(f"{path}: {message}", path=path)


def _check_value(
    value: Any, root: str, parts: list[str | int], active: frozenset[int] = frozenset()
) -> Any:
    """Return ``value`` as JSON-ready data (tuples become lists), or raise naming its path.

    ``active`` holds the ids of the containers being checked above ``value``, to catch cycles.
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, int):
        if value.bit_length() > _BIG_INT_BITS:
            try:
                str(value)
            except ValueError:
                raise _reject("int has too many digits to encode as JSON", root, parts) from None
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _reject(f"{value!r} is not valid JSON (NaN and Infinity are not)", root, parts)
        return value
    if isinstance(value, list | tuple | Mapping):
        if id(value) in active:
            raise _reject("contains itself (a circular reference)", root, parts)
        if len(active) >= MAX_INPUT_DEPTH:
            raise _reject(f"nested more than {MAX_INPUT_DEPTH} levels deep", root, parts)
        active = active | {id(value)}
    if isinstance(value, list | tuple):
        return [
            _check_value(item, root, [*parts, index], active) for index, item in enumerate(value)
        ]
    if isinstance(value, Mapping):
        checked: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _reject(
                    f"dict keys must be strings, got key {key!r} of type {type(key).__name__}",
                    root,
                    parts,
                )
            checked[key] = _check_value(item, root, [*parts, key], active)
        return checked
    hint = ""
    if isinstance(value, bytes | bytearray | memoryview):
        hint = " (decode bytes to str, or base64-encode them)"
    elif isinstance(value, set | frozenset):
        hint = " (convert sets to lists)"
    elif hasattr(value, "isoformat"):
        hint = " (pass dates and times as ISO 8601 strings, e.g. value.isoformat())"
    raise _reject(
        f"{type(value).__name__} is not JSON-serializable{hint}; accepted values are str, int, "
        "float, bool, None, lists/tuples and dicts with str keys",
        root,
        parts,
    )


def validate_input(input_data: object, root: str = "input_data") -> list[Any] | dict[str, Any]:
    """Check task input and return it as a JSON-ready list or dict.

    Raises InvalidInputError (a ValueError and a TypeError) naming the offending path,
    for example ``input_data[2]['when']``; ``root`` names the input in that path
    (``inputs[3]`` for one of many).
    """
    if isinstance(input_data, list | tuple):
        return [_check_value(item, root, [i]) for i, item in enumerate(input_data)]
    if isinstance(input_data, Mapping):
        return _check_value(input_data, root, [])  # type: ignore[no-any-return]
    accepted = (
        _ACCEPTED
        if root == "input_data"
        else f"{root}: " + _ACCEPTED.replace("input_data must", "each input must")
    )
    raise InvalidInputError(f"{accepted}; got {type(input_data).__name__}", path=root)


def encode_json(payload: object) -> bytes:
    """Encode already-validated data as compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
