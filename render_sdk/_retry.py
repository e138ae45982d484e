"""Retry policy: which failures are retried and how long to wait before the next attempt; pure."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

__all__ = [
    "RETRYABLE_STATUS_CODES",
    "RetryDecision",
    "RetryPolicy",
    "parse_retry_after",
]

RETRYABLE_STATUS_CODES: Final = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Read ``Retry-After`` (seconds or an HTTP date) as seconds from ``now`` (a Unix time).

    Returns None when the header is absent or cannot be read; never a negative number.
    ``headers`` must be case-insensitive or use the canonical ``Retry-After`` spelling.
    """
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are always GMT
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


@attrs.frozen
class RetryDecision:
    """Whether to try again, and after how many seconds."""

    retry: bool
    delay: float = 0.0


NO_RETRY: Final = RetryDecision(retry=False)


@attrs.frozen
class RetryPolicy:
    """How often and how patiently failed requests are retried.

    Backoff starts at ``initial_backoff`` seconds and doubles up to ``max_backoff``, with
    up to ``jitter`` (a fraction) taken off at random so that clients spread out. A
    ``Retry-After`` from the server is obeyed when it is at most ``max_retry_after``;
    a longer one ends the retries at once, so the caller sees the RateLimitError.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValueError(f"max_retries must be an int, got {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")
        for name in ("initial_backoff", "max_backoff", "max_retry_after", "jitter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise ValueError(f"{name} must be a number, got {value!r}")
        if not (math.isfinite(self.initial_backoff) and math.isfinite(self.max_backoff)):
            raise ValueError("initial_backoff and max_backoff must be finite")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("backoff and retry-after limits must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        doublings = min(max(0, retry_number - 1), 64)  # 2**64 exceeds any cap; avoids overflow
        base = min(self.max_backoff, self.initial_backoff * 2.0**doublings)
        return base * (1.0 - self.jitter * rand())

    def after_status(
        self,
        retries_done: int,
        status_code: int,
        retry_after: float | None,
        rand: Callable[[], float] = random.random,
    ) -> RetryDecision:
        """Decide what to do after an error status, ``retries_done`` retries in."""
        if status_code not in RETRYABLE_STATUS_CODES or retries_done >= self.max_retries:
            return NO_RETRY
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return NO_RETRY
            # Never retry sooner than the server asked, nor sooner than our own backoff floor.
            return RetryDecision(True, max(retry_after, self.backoff(retries_done + 1, rand)))
        return RetryDecision(True, self.backoff(retries_done + 1, rand))

    def after_connection_error(
        self,
        retries_done: int,
        *,
        request_sent: bool,
        replay_safe: bool,
        rand: Callable[[], float] = random.random,
    ) -> RetryDecision:
        """Decide what to do after a connection failure or timeout.

        A request that never left the client is always safe to send again; one that may
        have reached the server is retried only if replaying it cannot do harm
        (reads, cancels, and starts that carry an idempotency key).
        """
        if retries_done >= self.max_retries or (request_sent and not replay_safe):
            return NO_RETRY
        return RetryDecision(True, self.backoff(retries_done + 1, rand))
