"""The adaptive polling schedule used while waiting for a run; pure."""

from __future__ import annotations

import math
from collections.abc import Iterator

import attrs

__all__ = ["PollSchedule"]


@attrs.frozen
class PollSchedule:
    """Quick first checks, then longer gaps up to ``max_interval``.

    Most runs of short tasks finish within a second, so the first checks come fast;
    a long run is checked at most every ``max_interval`` seconds.
    """

    initial_interval: float = 0.1
    factor: float = 1.5
    max_interval: float = 2.0

    def __attrs_post_init__(self) -> None:
        for value in (self.initial_interval, self.max_interval, self.factor):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"poll schedule values must be numbers, got {value!r}")
        if not (0 < self.initial_interval < math.inf and 0 < self.max_interval < math.inf):
            raise ValueError("poll intervals must be positive, finite numbers of seconds")
        if not 1 <= self.factor < math.inf:
            raise ValueError(f"factor must be at least 1, got {self.factor}")

    def intervals(self) -> Iterator[float]:
        """Yield the gaps between successive checks, forever."""
        interval = min(self.initial_interval, self.max_interval)
        while True:
            yield interval
            interval = min(self.max_interval, interval * self.factor)
