"""Rate limits of the local server: N requests per second per endpoint group, as windows.

With a limit set, every answer carries ``RateLimit-Limit`` (requests per window),
``RateLimit-Remaining`` (left in the current window) and ``RateLimit-Reset`` (seconds
until the window resets, with millisecond precision, because a one-second window needs
it), and a request over the limit is answered 429 with ``Retry-After`` (whole seconds,
rounded up, as HTTP writes it). Requests answered 429 do not spend the window.

Endpoint groups are the method and the route: ``GET /v1/task-runs/{id}``,
``POST /v1/task-runs``, ``GET /v1/task-runs/events`` and so on; any path outside the
API's routes shares one group per method.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable

import attrs

__all__ = ["RateLimiter", "Verdict", "endpoint_group"]

_RESOURCE_ID = re.compile(r"^[a-z]{3}-[^/]+$")
_API_ROOTS = ("/v1/tasks", "/v1/task-runs")


def endpoint_group(method: str, path: str) -> str:
    """The window a request counts against, e.g. ``GET /v1/task-runs/{id}``."""
    if not any(path == root or path.startswith(root + "/") for root in _API_ROOTS):
        return f"{method} (other)"
    return (
        method
        + " "
        + "/".join("{id}" if _RESOURCE_ID.match(part) else part for part in path.split("/"))
    )


@attrs.frozen
class Verdict:
    """Whether a request may be served, and the rate-limit headers of its answer."""

    allowed: bool
    limit: int
    remaining: int
    reset: float
    """Seconds until the window resets."""

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The ``RateLimit-*`` headers (and ``Retry-After`` when refused), lower-case."""
        reset = f"{max(self.reset, 0.001):.3f}"
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", reset.encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(max(1, math.ceil(self.reset))).encode()))
        return headers


@attrs.define
class _Window:
    start: float
    used: int = 0


class RateLimiter:
    """Fixed windows of ``window`` seconds allowing ``limit`` requests each, per group.

    A group's window opens with its first request and lasts ``window`` seconds; the next
    request after that opens a new one. Safe to call from any thread.
    """

    def __init__(
        self, limit: int, *, window: float = 1.0, clock: Callable[[], float] | None = None
    ) -> None:
        """``limit`` requests per ``window`` seconds; ``clock`` is monotonic seconds."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"rate limit must be a whole number of requests >= 1, got {limit!r}")
        if not window > 0:
            raise ValueError(f"rate-limit window must be > 0 seconds, got {window!r}")
        import time

        self.limit = limit
        self.window = window
        self._clock = clock if clock is not None else time.monotonic
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.refused = 0
        """How many requests were answered 429 by the limit (all groups)."""

    def take(self, group: str) -> Verdict:
        """Count one request of ``group`` if the window allows it; the verdict either way."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(group)
            if window is None or now >= window.start + self.window:
                window = self._windows[group] = _Window(start=now)
            reset = window.start + self.window - now
            if window.used >= self.limit:
                self.refused += 1
                return Verdict(False, self.limit, 0, reset)
            window.used += 1
            return Verdict(True, self.limit, self.limit - window.used, reset)
