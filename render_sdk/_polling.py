"""The adaptive polling schedule used while waiting for a run; pure."""

from __future__ import annotations

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
        if self.initial_interval <= 0 or self.max_interval <= 0:
            raise ValueError("poll intervals must be positive")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")

    def intervals(self) -> Iterator[float]:
        """Yield the gaps between successive checks, forever."""
        interval = min(self.initial_interval, self.max_interval)
        while True:
            yield interval
            interval = min(self.max_interval, interval * self.factor)
