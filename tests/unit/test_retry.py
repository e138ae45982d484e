"""Retry policy and Retry-After parsing (render_sdk._retry)."""

from __future__ import annotations

import math
from email.utils import formatdate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk._retry import (
    RETRYABLE_STATUS_CODES,
    RetryDecision,
    RetryPolicy,
    parse_retry_after,
)

NOW = 1_700_000_000.0


def zero() -> float:
    return 0.0


def almost_one() -> float:
    return 0.999999


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": formatdate(NOW - 3600, usegmt=True)}, 0.0),
        ({"Retry-After": "garbage"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "Mon, 99 Foo 2024 99:99:99 GMT"}, None),
        ({}, None),
        ({"Content-Type": "text/plain"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, NOW) == expected


def test_http_date_without_zone_is_taken_as_gmt() -> None:
    header = formatdate(NOW + 60, usegmt=True).replace("GMT", "-0000")
    assert parse_retry_after({"Retry-After": header}, NOW) == 60.0


def test_backoff_doubles_from_half_a_second_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(max_retries=10, initial_backoff=0.5, max_backoff=8.0)
    schedule = [policy.backoff(n, rand=zero) for n in range(1, 9)]
    assert schedule == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("retry_number", [1, 2, 3, 4, 5, 10])
def test_jitter_takes_off_at_most_its_fraction(retry_number: int) -> None:
    policy = RetryPolicy(jitter=0.25)
    base = policy.backoff(retry_number, rand=zero)
    low = policy.backoff(retry_number, rand=almost_one)
    assert base * 0.75 <= low <= base
    assert low == pytest.approx(base * (1 - 0.25 * 0.999999))


def test_backoff_of_a_huge_retry_number_is_the_cap_not_an_overflow() -> None:
    policy = RetryPolicy(max_retries=10_000)
    assert policy.backoff(5_000, rand=zero) == policy.max_backoff
    assert policy.after_status(4_000, 503, None, rand=zero) == RetryDecision(True, 8.0)


@pytest.mark.parametrize("status", range(400, 600))
def test_after_status_retries_exactly_the_retryable_codes(status: int) -> None:
    decision = RetryPolicy(max_retries=3).after_status(0, status, None, rand=zero)
    assert decision.retry is (status in {408, 429, 500, 502, 503, 504})
    assert {408, 429, 500, 502, 503, 504} == RETRYABLE_STATUS_CODES


def test_after_status_stops_at_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.after_status(0, 503, None, rand=zero) == RetryDecision(True, 0.5)
    assert policy.after_status(1, 503, None, rand=zero) == RetryDecision(True, 1.0)
    assert policy.after_status(2, 503, None, rand=zero).retry is False
    assert RetryPolicy(max_retries=0).after_status(0, 503, None).retry is False


@pytest.mark.parametrize("retry_after", [0.0, 0.1, 3.0, 59.9, 60.0])
def test_retry_after_is_honoured_never_sooner(retry_after: float) -> None:
    decision = RetryPolicy().after_status(0, 429, retry_after, rand=zero)
    assert decision.retry
    assert decision.delay >= retry_after
    assert decision.delay == max(retry_after, 0.5)


def test_retry_after_above_the_cap_ends_the_retries() -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    assert policy.after_status(0, 429, 60.01, rand=zero).retry is False
    assert policy.after_status(0, 503, 3600.0, rand=zero).retry is False


def test_connection_errors_before_sending_are_always_retried() -> None:
    policy = RetryPolicy(max_retries=2)
    decision = policy.after_connection_error(0, request_sent=False, replay_safe=False, rand=zero)
    assert decision == RetryDecision(True, 0.5)
    assert policy.after_connection_error(2, request_sent=False, replay_safe=True).retry is False


def test_connection_errors_after_sending_are_retried_only_when_replay_is_safe() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.after_connection_error(0, request_sent=True, replay_safe=True, rand=zero).retry
    assert (
        policy.after_connection_error(0, request_sent=True, replay_safe=False, rand=zero).retry
        is False
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"initial_backoff": -0.1},
        {"max_backoff": -1},
        {"max_retry_after": -1},
        {"jitter": -0.01},
        {"jitter": 1.01},
        {"initial_backoff": math.nan},
        {"max_backoff": math.inf},
        {"jitter": math.nan},
        {"max_retry_after": math.nan},
        {"initial_backoff": "1"},
    ],
)
def test_invalid_policy_parameters_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def _total_delay(
    policy: RetryPolicy, statuses: list[int], retry_afters: list[float | None], rand: float
) -> tuple[int, float]:
    """Run the policy as the client's loop does; return (attempts, seconds slept)."""
    attempts, slept = 0, 0.0
    for status, retry_after in zip(statuses, retry_afters, strict=True):
        attempts += 1
        decision = policy.after_status(attempts - 1, status, retry_after, rand=lambda: rand)
        if not decision.retry:
            break
        slept += decision.delay
    return attempts, slept


@settings(max_examples=200, deadline=None)
@given(
    max_retries=st.integers(0, 8),
    statuses=st.lists(
        st.sampled_from([408, 429, 500, 502, 503, 504, 400, 404]), min_size=20, max_size=20
    ),
    retry_afters=st.lists(st.none() | st.floats(0, 120), min_size=20, max_size=20),
    rand=st.floats(0, 0.999999),
)
def test_attempts_and_total_time_are_bounded(
    max_retries: int,
    statuses: list[int],
    retry_afters: list[float | None],
    rand: float,
) -> None:
    policy = RetryPolicy(max_retries=max_retries)
    attempts, slept = _total_delay(policy, statuses, retry_afters, rand)
    assert attempts <= max_retries + 1
    assert slept <= max_retries * max(policy.max_backoff, policy.max_retry_after)
    assert slept >= 0
