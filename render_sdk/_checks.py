"""Checks of plain arguments (counts, sizes, durations) shared by every public call; pure."""

from __future__ import annotations

import math

from .errors import InvalidArgumentError

__all__ = ["check_int", "check_seconds"]


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` if it is an int (not a bool) within the bounds; else raise."""
    bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"{name} must be an int {bounds}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise InvalidArgumentError(f"{name} must be {bounds}, got {value}")
    return value


def check_seconds(name: str, value: object) -> float | None:
    """Return ``value`` as seconds if it is None or a finite number of 0 or more; else raise."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgumentError(
            f"{name} must be None or a finite number of seconds of 0 or more, got {value!r}"
        )
    return float(value)
