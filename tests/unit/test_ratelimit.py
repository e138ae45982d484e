"""Pacing decisions by the API's rate-limit headers (render_sdk._ratelimit), driven directly."""

from __future__ import annotations

import heapq
import math
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk._ratelimit import (
    Admit,
    Hold,
    RateLimitHeaders,
    RateLimitPacing,
    endpoint_group,
    parse_rate_limit_headers,
)

GROUP = "POST /task-runs"
NOW = 1000.0
WALL = 1_800_000_000.0


def headers(remaining: int, reset: float, limit: int | None = 10) -> RateLimitHeaders:
    return RateLimitHeaders(limit=limit, remaining=remaining, reset_after=reset)


def known(remaining: int, reset: float = 1.0, limit: int | None = 10) -> RateLimitPacing:
    """Pacing that has seen one answer of GROUP at NOW, nothing in flight."""
    pacing = RateLimitPacing()
    assert pacing.admit(GROUP, NOW) == Admit()
    pacing.settle(GROUP, NOW, headers(remaining, reset, limit), answered=True)
    return pacing


# --- groups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/task-runs/trn-abc123", "GET /task-runs/{id}"),
        ("get", "/task-runs/trn-other", "GET /task-runs/{id}"),
        ("DELETE", "/task-runs/trn-abc123", "DELETE /task-runs/{id}"),
        ("POST", "/task-runs", "POST /task-runs"),
        ("GET", "/task-runs", "GET /task-runs"),
        ("GET", "/task-runs/events", "GET /task-runs/events"),
        ("GET", "/tasks/tsk-1", "GET /tasks/{id}"),
        ("GET", "/task-runs?cursor=x", "GET /task-runs"),
    ],
)
def test_endpoint_groups_are_method_and_path_with_ids_as_placeholders(
    method: str, path: str, group: str
) -> None:
    assert endpoint_group(method, path) == group


# --- headers -------------------------------------------------------------------------------


def test_headers_give_limit_remaining_and_seconds_to_reset() -> None:
    parsed = parse_rate_limit_headers(
        {"RateLimit-Limit": "100", "RateLimit-Remaining": "7", "RateLimit-Reset": "12"}, WALL
    )
    assert parsed == RateLimitHeaders(limit=100, remaining=7, reset_after=12.0)


def test_lower_case_header_names_and_fractional_reset_are_read() -> None:
    parsed = parse_rate_limit_headers(
        {"ratelimit-limit": "5", "ratelimit-remaining": "0", "ratelimit-reset": "0.347"}, WALL
    )
    assert parsed == RateLimitHeaders(limit=5, remaining=0, reset_after=0.347)


def test_a_reset_above_ten_to_the_ninth_is_a_unix_time() -> None:
    parsed = parse_rate_limit_headers(
        {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(WALL) + 30)}, WALL
    )
    assert parsed is not None
    assert parsed.reset_after == pytest.approx(30.0)
    past = parse_rate_limit_headers(
        {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(WALL) - 5)}, WALL
    )
    assert past is not None
    assert past.reset_after == 0.0


def test_list_valued_headers_use_their_first_item() -> None:
    parsed = parse_rate_limit_headers(
        {"RateLimit-Limit": "100, 1000;w=3600", "RateLimit-Remaining": "3", "RateLimit-Reset": "9"},
        WALL,
    )
    assert parsed is not None
    assert parsed.limit == 100


@pytest.mark.parametrize(
    "given_headers",
    [
        {},
        {"RateLimit-Limit": "10"},
        {"RateLimit-Remaining": "3"},
        {"RateLimit-Reset": "3"},
        {"RateLimit-Remaining": "many", "RateLimit-Reset": "3"},
        {"RateLimit-Remaining": "3", "RateLimit-Reset": "soon"},
        {"RateLimit-Remaining": "-1", "RateLimit-Reset": "3"},
        {"RateLimit-Remaining": "3", "RateLimit-Reset": "nan"},
        {"RateLimit-Remaining": "3", "RateLimit-Reset": "inf"},
    ],
)
def test_missing_or_unreadable_headers_mean_no_reading(given_headers: dict[str, str]) -> None:
    assert parse_rate_limit_headers(given_headers, WALL) is None


def test_an_unreadable_or_zero_limit_is_unknown_but_the_window_is_kept() -> None:
    for value in ("zero", "0"):
        parsed = parse_rate_limit_headers(
            {"RateLimit-Limit": value, "RateLimit-Remaining": "3", "RateLimit-Reset": "1"}, WALL
        )
        assert parsed == RateLimitHeaders(limit=None, remaining=3, reset_after=1.0)


@given(
    st.dictionaries(
        st.sampled_from(["RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Limit"]),
        st.text(max_size=12),
    )
)
def test_any_header_values_parse_or_give_none_never_raise(given_headers: dict[str, str]) -> None:
    parsed = parse_rate_limit_headers(given_headers, WALL)
    if parsed is not None:
        assert parsed.remaining >= 0
        assert parsed.reset_after >= 0
        assert parsed.limit is None or parsed.limit >= 1


# --- decisions -----------------------------------------------------------------------------


def test_first_request_of_a_group_probes_alone() -> None:
    pacing = RateLimitPacing()
    assert pacing.admit(GROUP, NOW) == Admit()
    assert pacing.admit(GROUP, NOW) == Hold(until=math.inf, on_answer=True)
    assert pacing.admit("GET /task-runs/{id}", NOW) == Admit()  # other groups are separate


def test_a_group_whose_answers_carry_no_headers_is_never_held() -> None:
    pacing = RateLimitPacing()
    pacing.admit(GROUP, NOW)
    pacing.settle(GROUP, NOW, None, answered=True)
    assert all(pacing.admit(GROUP, NOW) == Admit() for _ in range(1000))
    assert pacing.in_flight(GROUP) == 1000


def test_a_probe_that_got_no_answer_lets_the_next_request_probe() -> None:
    pacing = RateLimitPacing()
    pacing.admit(GROUP, NOW)
    pacing.settle(GROUP, NOW, None, answered=False)  # connection error: nothing learnt
    assert pacing.admit(GROUP, NOW) == Admit()
    assert pacing.admit(GROUP, NOW) == Hold(until=math.inf, on_answer=True)


def test_requests_go_while_in_flight_is_below_remaining() -> None:
    pacing = known(remaining=3, reset=2.0)
    assert [pacing.admit(GROUP, NOW) for _ in range(3)] == [Admit()] * 3
    assert pacing.admit(GROUP, NOW) == Hold(until=NOW + 2.0, on_answer=True)


def test_a_spent_window_holds_until_its_reset_then_assumes_it_full() -> None:
    pacing = known(remaining=0, reset=2.0, limit=4)
    assert pacing.admit(GROUP, NOW + 1.0) == Hold(until=NOW + 2.0, on_answer=False)
    assert [pacing.admit(GROUP, NOW + 2.0) for _ in range(4)] == [Admit()] * 4
    # The fresh window is full of our own requests: wait for one of them to be answered.
    assert pacing.admit(GROUP, NOW + 2.0) == Hold(until=math.inf, on_answer=True)


def test_after_a_reset_of_unknown_size_one_request_probes() -> None:
    pacing = known(remaining=0, reset=1.0, limit=None)
    assert pacing.admit(GROUP, NOW + 1.0) == Admit()
    assert pacing.admit(GROUP, NOW + 1.0) == Hold(until=math.inf, on_answer=True)


def test_answers_of_one_window_keep_the_lowest_remaining() -> None:
    pacing = known(remaining=5, reset=1.0)
    for _ in range(2):
        pacing.admit(GROUP, NOW)
    pacing.settle(GROUP, NOW + 0.01, headers(1, 0.99), answered=True)
    pacing.settle(GROUP, NOW + 0.02, headers(3, 0.98), answered=True)  # overtaken answer
    assert pacing.admit(GROUP, NOW + 0.03) == Admit()
    assert pacing.admit(GROUP, NOW + 0.03) == Hold(until=NOW + 1.0, on_answer=True)


def test_an_answer_about_a_newer_window_replaces_the_old_one() -> None:
    pacing = known(remaining=0, reset=1.0)
    pacing.admit(GROUP, NOW + 1.0)
    pacing.settle(GROUP, NOW + 1.05, headers(9, 0.95), answered=True)
    assert pacing.admit(GROUP, NOW + 1.06) == Admit()


def test_a_late_answer_about_an_older_window_is_ignored() -> None:
    pacing = known(remaining=8, reset=1.0)
    pacing.admit(GROUP, NOW)
    pacing.admit(GROUP, NOW + 1.0)
    pacing.settle(GROUP, NOW + 1.1, headers(8, 0.9), answered=True)  # the new window
    pacing.settle(GROUP, NOW + 1.2, headers(0, 0.0), answered=True)  # late, old window
    assert pacing.admit(GROUP, NOW + 1.2) == Admit()


def test_a_hold_longer_than_max_hold_is_not_waited_for() -> None:
    pacing = RateLimitPacing(max_hold=60.0)
    pacing.admit(GROUP, NOW)
    pacing.settle(GROUP, NOW, headers(0, 3600.0), answered=True)
    assert pacing.admit(GROUP, NOW) == Admit()  # the 429 it earns goes to the retry policy


def test_a_hold_never_outlasts_the_requests_deadline() -> None:
    pacing = known(remaining=0, reset=5.0)
    assert pacing.admit(GROUP, NOW, deadline=NOW + 1.0) == Hold(until=NOW + 1.0, on_answer=False)
    assert pacing.admit(GROUP, NOW + 1.0, deadline=NOW + 1.0) == Admit()


def test_a_probe_waits_for_its_answer_no_longer_than_the_deadline() -> None:
    pacing = RateLimitPacing()
    pacing.admit(GROUP, NOW)
    assert pacing.admit(GROUP, NOW, deadline=NOW + 2) == Hold(until=NOW + 2, on_answer=True)


def test_reset_forgets_every_group() -> None:
    pacing = known(remaining=0, reset=5.0)
    pacing.admit("GET /tasks", NOW)
    pacing.reset()
    assert pacing.in_flight("GET /tasks") == 0
    assert pacing.admit(GROUP, NOW) == Admit()


# --- a simulated server: paced clients are never refused ----------------------------------


def simulate(
    limit: int, workers: int, total: int, latencies: list[tuple[float, float]]
) -> tuple[int, float]:
    """Workers send ``total`` requests through one pacing against a windowed server.

    Each request reaches the server ``up`` seconds after it is sent and its answer comes
    back ``down`` seconds later (taken in turn from ``latencies``). The server allows
    ``limit`` requests per one-second window, opened by the first request after the last
    one ended, like the local server. Returns (requests refused, seconds taken).
    """
    pacing = RateLimitPacing()
    events: list[tuple[float, int, str, int]] = []  # (time, order, kind, worker)
    order = count()
    window_start, used, refused, done = -math.inf, 0, 0, 0
    pending = total
    answer_waiters: set[int] = set()
    replies: dict[int, RateLimitHeaders] = {}
    busy: set[int] = set()
    latency = iter(latencies * (total * 4 // max(1, len(latencies)) + 1))
    now = 0.0

    def push(at: float, kind: str, worker: int) -> None:
        heapq.heappush(events, (at, next(order), kind, worker))

    for worker in range(workers):
        push(0.0, "try", worker)
    while events:
        now, _, kind, worker = heapq.heappop(events)
        if kind == "try":
            if pending == 0 or worker in busy:
                continue  # a worker can be woken both by an answer and by its timer
            decision = pacing.admit(GROUP, now)
            if isinstance(decision, Admit):
                busy.add(worker)
                pending -= 1
                up, down = next(latency)
                push(now + up, "arrive", worker)
                replies[worker] = RateLimitHeaders(limit, 0, down)  # down kept until arrival
                continue
            if decision.on_answer:
                answer_waiters.add(worker)
            if not math.isinf(decision.until):
                push(decision.until, "try", worker)
        elif kind == "arrive":
            down = replies[worker].reset_after
            if now >= window_start + 1.0:
                window_start, used = now, 0
            reset = window_start + 1.0 - now
            if used >= limit:
                refused += 1
                replies[worker] = RateLimitHeaders(limit, 0, reset)
                push(now + down, "refused", worker)
            else:
                used += 1
                replies[worker] = RateLimitHeaders(limit, limit - used, reset)
                push(now + down, "answer", worker)
        else:  # an answer: refused requests go back to the pile
            reading = replies[worker]
            # The header says "seconds from when the server wrote it"; the client reads
            # it on receipt, so its reset moment is later than the server's (cautious).
            pacing.settle(GROUP, now, reading, answered=True)
            busy.discard(worker)
            if kind == "refused":
                pending += 1
            else:
                done += 1
            push(now, "try", worker)
            for waiter in answer_waiters:
                push(now, "try", waiter)
            answer_waiters.clear()
    assert done == total, (done, total)
    assert pacing.in_flight(GROUP) == 0
    return refused, now


latency_pairs = st.lists(
    st.tuples(st.floats(0.0005, 0.2), st.floats(0.0005, 0.2)), min_size=1, max_size=20
)


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(1, 30),
    workers=st.integers(1, 60),
    total=st.integers(1, 150),
    latencies=latency_pairs,
)
def test_paced_requests_are_never_refused_and_all_finish(
    limit: int, workers: int, total: int, latencies: list[tuple[float, float]]
) -> None:
    refused, _ = simulate(limit, workers, total, latencies)
    assert refused == 0


@settings(max_examples=60, deadline=None)
@given(limit=st.integers(5, 30), windows=st.integers(2, 6))
def test_pacing_uses_nearly_every_window_when_latency_is_small(limit: int, windows: int) -> None:
    total = limit * windows
    _, seconds = simulate(limit, workers=limit * 2, total=total, latencies=[(0.001, 0.001)])
    # Ideal: the last window opens after windows - 1 full ones; a little slack per window
    # (the answer's trip back and the next request's trip out).
    assert seconds <= (windows - 1) * 1.0 + windows * 0.01


def test_available_counts_the_requests_that_may_go_now() -> None:
    pacing = RateLimitPacing()
    assert pacing.available(GROUP, NOW) == math.inf  # never seen
    pacing.admit(GROUP, NOW)
    assert pacing.available(GROUP, NOW) == 0  # the probe is out
    pacing.settle(GROUP, NOW, headers(remaining=3, reset=1.0, limit=5), answered=True)
    assert pacing.available(GROUP, NOW) == 3
    pacing.admit(GROUP, NOW)
    assert pacing.available(GROUP, NOW) == 2
    assert pacing.available(GROUP, NOW + 1.0) == 4  # reset: the limit, less one in flight
    unlimited = RateLimitPacing()
    unlimited.admit(GROUP, NOW)
    unlimited.settle(GROUP, NOW, None, answered=True)
    assert unlimited.available(GROUP, NOW) == math.inf
    far = known(remaining=0, reset=3600.0)
    assert far.available(GROUP, NOW) == math.inf  # not held at all (see max_hold)
