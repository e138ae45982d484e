"""Pacing by the API's ``RateLimit-*`` headers: when may the next request go? Pure.

The API reports, on responses of rate-limited endpoints, how many requests its current
window allows (``RateLimit-Limit``), how many are left (``RateLimit-Remaining``) and
when the window resets (``RateLimit-Reset``: seconds from now, or a Unix time when the
value is above 10^9). This module keeps that picture per *endpoint group* and decides,
from it and from the requests already in flight, whether one more request may go now or
how long it should be held. It does no I/O and reads no clock: callers pass the time.

Endpoint groups: the method and the path with every ID segment replaced by ``{id}``
(``GET /task-runs/{id}``, ``POST /task-runs``, ``GET /task-runs/events``). An ID segment
is a prefix of three lower-case letters, a dash and the rest (``trn-…``, ``tsk-…``), the
form of every Render resource ID. Requests of one group count against one window.

The rule, per group:

- Nothing known yet (no response of the group has carried the headers): one request
  goes alone, as a probe; the others wait for its answer. If that answer carries no
  rate-limit headers, the group is unlimited and nothing is ever held.
- Within a known window: a request may go while the requests in flight are fewer than
  ``remaining`` (every request in flight is assumed to spend one unit of it: cautious,
  since some may already have been counted by the server).
- Once the window has reset (by the client's clock): the window is assumed full again
  (``limit``), less the requests in flight, until a response describes the new window.
- A window that cannot free up sooner than ``max_hold`` seconds is not waited for: the
  request goes, and the 429 it earns is handled by the retry policy as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = [
    "UNIX_TIME_THRESHOLD",
    "Admit",
    "Hold",
    "RateLimitHeaders",
    "RateLimitPacing",
    "endpoint_group",
    "parse_rate_limit_headers",
]

UNIX_TIME_THRESHOLD: Final = 1e9
"""A ``RateLimit-Reset`` above this is a Unix time, not a number of seconds."""

_ID_SEGMENT = re.compile(r"^[a-z]{3}-[^/]+$")

_SAME_WINDOW_SLACK: Final = 0.25
"""Seconds by which two readings of one window's reset may differ (network delays,
rounding of the header): readings further apart describe different windows."""


def endpoint_group(method: str, path: str) -> str:
    """The group a request counts against: ``"GET /task-runs/{id}"`` for a run read."""
    path = path.split("?", 1)[0]
    segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/")]
    return f"{method.upper()} {'/'.join(segments)}"


@attrs.frozen
class RateLimitHeaders:
    """What one response said about its window; ``reset_after`` is seconds from receipt."""

    limit: int | None
    remaining: int
    reset_after: float


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    # Some servers send a list ("100, 100;w=60"): the first item is the current window.
    first = text.split(",", 1)[0].split(";", 1)[0].strip()
    try:
        value = float(first)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def parse_rate_limit_headers(
    headers: Mapping[str, str], wall_now: float
) -> RateLimitHeaders | None:
    """Read ``RateLimit-Limit/Remaining/Reset``; None unless Remaining and Reset are usable.

    ``wall_now`` (a Unix time) turns a Reset given as a Unix time into seconds from now.
    Non-numeric or negative values count as absent. ``headers`` must be case-insensitive
    or use the canonical or lower-case spellings.
    """
    remaining = _number(_header(headers, "RateLimit-Remaining"))
    reset = _number(_header(headers, "RateLimit-Reset"))
    if remaining is None or reset is None:
        return None
    if reset > UNIX_TIME_THRESHOLD:
        reset = max(0.0, reset - wall_now)
    limit = _number(_header(headers, "RateLimit-Limit"))
    return RateLimitHeaders(
        limit=int(limit) if limit is not None and limit >= 1 else None,
        remaining=int(remaining),
        reset_after=reset,
    )


@attrs.frozen
class Admit:
    """The request may go now (it is counted as in flight)."""


@attrs.frozen
class Hold:
    """The request must wait.

    ``until`` is the moment (on the caller's clock) the window resets; when
    ``on_answer`` is true, an answer to a request in flight may free a slot sooner,
    so the caller should also wake when one arrives.
    """

    until: float
    on_answer: bool


ADMIT: Final = Admit()


@attrs.define
class _Window:
    limit: int | None = None
    remaining: int = 0
    reset_at: float = 0.0
    known: bool = False
    unlimited: bool = False
    in_flight: int = 0


@attrs.define
class RateLimitPacing:
    """The pacing state of one client: a window and a count of requests in flight per group.

    Call :meth:`admit` before sending (it counts the request as in flight when it says
    go) and :meth:`settle` once the request ends, with the response's headers if any.
    Not thread-safe by itself: the client's gate serialises calls.
    """

    max_hold: float = 60.0
    _groups: dict[str, _Window] = attrs.field(factory=dict, init=False)

    def in_flight(self, group: str) -> int:
        """How many requests of ``group`` are in flight."""
        window = self._groups.get(group)
        return 0 if window is None else window.in_flight

    def available(self, group: str, now: float) -> float:
        """How many requests of ``group`` could go at ``now`` (``math.inf``: no limit).

        Lets a gate wake only as many waiters as can go, instead of all of them.
        """
        window = self._groups.get(group)
        if window is None or window.unlimited:
            return math.inf
        if not window.known or (now >= window.reset_at and window.limit is None):
            return 1.0 if window.in_flight == 0 else 0.0
        budget = window.limit if now >= window.reset_at else window.remaining
        assert budget is not None
        if window.in_flight < budget:
            return float(budget - window.in_flight)
        if now < window.reset_at and window.reset_at - now > self.max_hold:
            return math.inf  # not held at all (see admit)
        return 0.0

    def admit(self, group: str, now: float, deadline: float | None = None) -> Admit | Hold:
        """May one more request of ``group`` go at ``now``? Counts it in flight if so.

        A request with a ``deadline`` is never held past it: at the deadline it goes
        (and a 429 it earns ends in the retry policy's hands), so holds end by then.
        """
        window = self._groups.setdefault(group, _Window())
        decision = self._decide(window, now)
        if isinstance(decision, Hold) and deadline is not None:
            if now >= deadline:
                decision = ADMIT
            elif decision.until > deadline:
                decision = Hold(until=deadline, on_answer=decision.on_answer)
        if isinstance(decision, Admit):
            window.in_flight += 1
        return decision

    def reset(self) -> None:
        """Forget everything (a forked child starts with no requests in flight)."""
        self._groups.clear()

    def _decide(self, window: _Window, now: float) -> Admit | Hold:
        if window.unlimited:
            return ADMIT
        if not window.known:
            # The first request of a group goes alone and tells us the group's limit.
            if window.in_flight == 0:
                return ADMIT
            return Hold(until=math.inf, on_answer=True)
        budget = window.remaining
        if now >= window.reset_at:
            if window.limit is None:
                # A new window of unknown size: probe it with one request at a time.
                return ADMIT if window.in_flight == 0 else Hold(math.inf, on_answer=True)
            budget = window.limit
        if window.in_flight < budget:
            return ADMIT
        if now >= window.reset_at:
            # A fresh window is full of our own requests: wait for one to be answered.
            return Hold(until=math.inf, on_answer=True)
        if window.reset_at - now > self.max_hold:
            return ADMIT  # not worth holding: let the server answer 429
        return Hold(until=window.reset_at, on_answer=window.in_flight > 0)

    def settle(
        self, group: str, now: float, headers: RateLimitHeaders | None, *, answered: bool
    ) -> None:
        """A request of ``group`` ended at ``now``.

        ``headers`` are its response's rate-limit headers (None when absent);
        ``answered`` is false when no response came (a connection error, a cancel):
        then nothing is learnt about the window.
        """
        window = self._groups.setdefault(group, _Window())
        window.in_flight = max(0, window.in_flight - 1)
        if not answered:
            return
        if headers is None:
            if not window.known:
                window.unlimited = True
            return
        window.unlimited = False
        reset_at = now + headers.reset_after
        same_window = window.known and abs(reset_at - window.reset_at) <= _SAME_WINDOW_SLACK
        if same_window:
            # Answers overtake each other: the lowest count of a window is the latest.
            window.remaining = min(window.remaining, headers.remaining)
            window.reset_at = min(window.reset_at, reset_at)
        elif not window.known or reset_at > window.reset_at:
            window.remaining = headers.remaining
            window.reset_at = reset_at
        # else: a late answer about an older window; it tells nothing about this one.
        if headers.limit is not None:
            window.limit = headers.limit
        window.known = True
