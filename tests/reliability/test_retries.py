"""Retries are bounded, patient with 429s, and never applied to 4xx answers; both twins.

Everything runs on a mock transport and an injected fake clock (``render_sdk.testing``),
so attempts are counted exactly and "time spent" is the sum of the sleeps the client
asked for, not wall time. Existing single-case tests of the same rules:
tests/_async/test_client.py::test_429_waits_at_least_retry_after,
::test_retry_after_beyond_the_cap_surfaces_at_once, ::test_gives_up_after_max_retries_with_backoff,
::test_max_retries_zero_disables_retrying (and their generated twins in tests/_sync/).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    WaitTimeoutError,
)
from render_sdk._retry import RETRYABLE_STATUS_CODES
from render_sdk.testing import json_response
from tests.fakeapi import FakeAPI, details_json, run_json
from tests.reliability._twins import Twin

RUN = "/v1/task-runs/trn-1"
ANY_PATH = "/v1/.*"

# One public call per endpoint family: read, start, list, cancel.
CALLS: dict[str, Callable[[Any], Any]] = {
    "get_task_run": lambda c: c.workflows.get_task_run("trn-1"),
    "start_task": lambda c: c.workflows.start_task("wf/task", [1]),
    "list_task_runs": lambda c: c.workflows.list_task_runs(limit=5),
    "cancel_task_run": lambda c: c.workflows.cancel_task_run("trn-1"),
}
METHODS = {"get_task_run": "GET", "start_task": "POST", "list_task_runs": "GET"}
METHODS["cancel_task_run"] = "DELETE"


def always(method: str, reply: Any) -> FakeAPI:
    return FakeAPI().on(method, ANY_PATH, reply)


def backoff_bound(policy: RetryPolicy, retries: int) -> tuple[float, float]:
    """Least and most total sleep of ``retries`` backoffs (jitter only shortens a sleep)."""
    bases = [min(policy.max_backoff, policy.initial_backoff * 2.0**k) for k in range(retries)]
    return sum(bases) * (1 - policy.jitter), sum(bases)


FAILURES: dict[str, Any] = {
    **{str(s): json_response(s, {"message": "busy"}) for s in sorted(RETRYABLE_STATUS_CODES)},
    "connection refused": APIConnectionError("refused", request_sent=False),
    "connection reset": APIConnectionError("reset", request_sent=True),
    "read timeout": APITimeoutError("timed out", request_sent=True),
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("max_retries", [0, 1, 3, 6])
@pytest.mark.parametrize("call", ["get_task_run", "start_task"])
def test_attempts_and_total_time_are_bounded(
    twin: Twin, failure: str, max_retries: int, call: str
) -> None:
    policy = RetryPolicy(max_retries=max_retries, initial_backoff=0.5, max_backoff=2.0)
    api = always(METHODS[call], FAILURES[failure])
    client, transport, clock = twin.mocked(api, retry_policy=policy)
    started = clock.now()
    try:
        with pytest.raises((APIStatusError, APIConnectionError)):
            twin.call(CALLS[call](client))
    finally:
        twin.close(client)

    assert len(transport.requests) == max_retries + 1
    assert len(clock.sleeps) == max_retries
    least, most = backoff_bound(policy, max_retries)
    assert least - 1e-9 <= sum(clock.sleeps) <= most + 1e-9
    assert clock.now() - started == pytest.approx(sum(clock.sleeps))
    if call == "start_task":  # every attempt carries the one idempotency key of the call
        keys = {recorded.json()["idempotencyKey"] for recorded in transport.requests}
        assert len(keys) == 1


@pytest.mark.parametrize("retry_after", ["0", "1", "2.5", "7", "59.9", "60"])
@pytest.mark.parametrize("call", list(CALLS))
def test_429_is_never_retried_sooner_than_retry_after(
    twin: Twin, retry_after: str, call: str
) -> None:
    limited = json_response(429, {"message": "slow down"}, {"Retry-After": retry_after})
    policy = RetryPolicy(max_retries=3, initial_backoff=0.01, max_retry_after=60)
    client, transport, clock = twin.mocked(always(METHODS[call], limited), retry_policy=policy)
    try:
        with pytest.raises(RateLimitError) as info:
            twin.call(CALLS[call](client))
    finally:
        twin.close(client)

    assert len(transport.requests) == 4
    assert len(clock.sleeps) == 3
    assert all(delay >= float(retry_after) for delay in clock.sleeps)
    assert info.value.retry_after == float(retry_after)


def test_429_with_an_http_date_retry_after_is_honoured(twin: Twin) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    api = FakeAPI().on(
        "GET",
        RUN,
        json_response(429, {}, {"Retry-After": when}),
        json_response(200, details_json()),
    )
    client, transport, clock = twin.mocked(api)
    try:
        details = twin.call(client.workflows.get_task_run("trn-1"))
    finally:
        twin.close(client)

    assert details.id == "trn-1"
    assert len(transport.requests) == 2
    assert 28 <= clock.sleeps[0] <= 31


@pytest.mark.parametrize("retry_after", ["60.5", "61", "3600", "86400", "date+600"])
@pytest.mark.parametrize("call", list(CALLS))
def test_retry_after_above_the_cap_raises_rate_limit_error_at_once(
    twin: Twin, retry_after: str, call: str
) -> None:
    header = (
        email.utils.formatdate(time.time() + 600, usegmt=True)
        if retry_after == "date+600"
        else retry_after
    )
    limited = json_response(
        429, {"message": "later", "code": "rate_limited"}, {"Retry-After": header}
    )
    policy = RetryPolicy(max_retries=5, max_retry_after=60)
    client, transport, clock = twin.mocked(always(METHODS[call], limited), retry_policy=policy)
    try:
        with pytest.raises(RateLimitError) as info:
            twin.call(CALLS[call](client))
    finally:
        twin.close(client)

    assert len(transport.requests) == 1
    assert clock.sleeps == []
    assert info.value.status_code == 429
    assert info.value.code == "rate_limited"
    expected = 600.0 if retry_after == "date+600" else float(retry_after)
    assert info.value.retry_after == pytest.approx(expected, abs=2)


NOT_RETRIED_4XX = [s for s in range(400, 500) if s not in (408, 429)]


@pytest.mark.parametrize("call", list(CALLS))
def test_no_4xx_other_than_408_and_429_is_ever_retried(twin: Twin, call: str) -> None:
    policy = RetryPolicy(max_retries=5, initial_backoff=0.01)
    for status in NOT_RETRIED_4XX:
        reply = json_response(status, {"message": f"refused {status}", "code": "nope"})
        client, transport, clock = twin.mocked(always(METHODS[call], reply), retry_policy=policy)
        try:
            with pytest.raises(APIStatusError) as info:
                twin.call(CALLS[call](client))
        finally:
            twin.close(client)
        assert info.value.status_code == status
        assert len(transport.requests) == 1, f"{status} was retried"
        assert clock.sleeps == [], f"{status} slept"
    assert len(NOT_RETRIED_4XX) == 98


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_without_retry_after_are_retried_with_backoff(twin: Twin, status: int) -> None:
    api = FakeAPI().on("GET", RUN, json_response(status, {}), json_response(200, details_json()))
    client, transport, clock = twin.mocked(api)
    try:
        details = twin.call(client.workflows.get_task_run("trn-1"))
    finally:
        twin.close(client)
    assert details.id == "trn-1"
    assert len(transport.requests) == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize("status", [501, 505, 507, 511, 599])
def test_5xx_outside_the_retry_set_are_not_retried(twin: Twin, status: int) -> None:
    client, transport, clock = twin.mocked(always("GET", json_response(status, {})))
    try:
        with pytest.raises(InternalServerError):
            twin.call(client.workflows.get_task_run("trn-1"))
    finally:
        twin.close(client)
    assert len(transport.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("how", ["constructor", "over a policy", "with_options"])
def test_max_retries_zero_disables_every_retry(twin: Twin, failure: str, how: str) -> None:
    api = always("POST", FAILURES[failure])
    if how == "constructor":
        client, transport, clock = twin.mocked(api, max_retries=0)
        caller = client
    elif how == "over a policy":
        client, transport, clock = twin.mocked(
            api, retry_policy=RetryPolicy(max_retries=9), max_retries=0
        )
        caller = client
    else:
        client, transport, clock = twin.mocked(api, max_retries=9)
        caller = client.with_options(max_retries=0)
    try:
        with pytest.raises((APIStatusError, APIConnectionError)):
            twin.call(caller.workflows.start_task("wf/task", []))
    finally:
        twin.close(client)
    assert caller.max_retries == 0
    assert len(transport.requests) == 1
    assert clock.sleeps == []


def test_a_retrying_start_that_succeeds_returns_the_one_run(twin: Twin) -> None:
    api = FakeAPI().on(
        "POST",
        "/v1/task-runs",
        json_response(503, {}),
        APIConnectionError("reset", request_sent=True),
        APITimeoutError("slow", request_sent=True),
        json_response(202, run_json("trn-only")),
    )
    client, transport, clock = twin.mocked(api, max_retries=3)
    try:
        run = twin.call(client.workflows.start_task("wf/task", [1]))
    finally:
        twin.close(client)
    assert run.id == "trn-only"
    assert len(transport.requests) == 4
    assert len({r.json()["idempotencyKey"] for r in transport.requests}) == 1
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize("timeout", [0.0, 0.5, 5.0, 30.0])
def test_waiting_through_endless_503s_ends_at_the_deadline(twin: Twin, timeout: float) -> None:
    """Retries inside a wait never sleep past its deadline; the wait ends in WaitTimeoutError."""
    policy = RetryPolicy(max_retries=10, initial_backoff=1.0, max_backoff=8.0)
    client, transport, clock = twin.mocked(
        always("GET", json_response(503, {})), retry_policy=policy, wait_strategy="poll"
    )
    started = clock.now()
    try:
        with pytest.raises(WaitTimeoutError) as info:
            twin.call(client.workflows.wait_for_task_run("trn-1", timeout=timeout))
    finally:
        twin.close(client)
    assert clock.now() - started <= timeout + 1e-6
    assert info.value.task_run_id == "trn-1"
    assert info.value.last_status is None
    assert len(transport.requests) <= 2 + timeout * 4
