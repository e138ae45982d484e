"""The fault specification grammar and decisions (pure, no server)."""

from __future__ import annotations

import pytest

from render_sdk.local.faults import Fault, FaultPlan, FaultSpecError, parse_spec, parse_step


def test_script_is_consumed_one_step_per_matching_request() -> None:
    plan = FaultPlan.from_spec("POST /v1/task-runs=503,ok,drop-after")
    assert plan.decide("POST", "/v1/task-runs") == Fault(status=503)
    assert plan.decide("GET", "/v1/task-runs") == Fault()  # method does not match
    assert plan.decide("POST", "/v1/task-runs").is_noop
    assert plan.decide("POST", "/v1/task-runs") == Fault(drop_after=True)
    assert plan.decide("POST", "/v1/task-runs").is_noop  # spent
    assert plan.pending == 0


def test_path_patterns_use_star_and_method_defaults_to_any() -> None:
    plan = FaultPlan.from_spec("/v1/task-runs/*=500*3")
    assert plan.decide("GET", "/v1/task-runs/trn-1").status == 500
    assert plan.decide("DELETE", "/v1/task-runs/trn-1").status == 500
    assert plan.decide("GET", "/v1/task-runs").is_noop
    assert plan.decide("GET", "/v1/task-runs/events").status == 500
    assert plan.decide("GET", "/v1/task-runs/x").is_noop


def test_429_carries_retry_after_default_and_explicit() -> None:
    assert parse_step("429") == [Fault(status=429, retry_after=1.0)]
    assert parse_step("429:2.5") == [Fault(status=429, retry_after=2.5)]
    assert parse_step("503:3") == [Fault(status=503, retry_after=3.0)]


def test_items_combine_with_plus_and_repeat_with_star() -> None:
    assert parse_step("latency:0.2+502*2") == [Fault(status=502, latency=0.2)] * 2
    assert parse_step("drop-events:3+drop-time:1.5") == [
        Fault(events_drop_after=3, events_drop_time=1.5)
    ]
    assert parse_step("silent") == [Fault(events_silent=True)]
    assert parse_step("mute") == [Fault(events_mute=True)]
    assert parse_step("stall") == [Fault(stall=True)]
    assert parse_step("drop") == [Fault(drop=True)]


def test_rate_rules_follow_their_probability() -> None:
    always = FaultPlan.from_spec("GET /v1/task-runs/*=rate:1:503")
    assert all(always.decide("GET", "/v1/task-runs/a").status == 503 for _ in range(20))
    never = FaultPlan.from_spec("GET /v1/task-runs/*=rate:0:503")
    assert all(never.decide("GET", "/v1/task-runs/a").is_noop for _ in range(20))
    some = FaultPlan.from_spec("*=rate:0.5:drop", seed=1)
    drops = sum(some.decide("GET", "/x").drop for _ in range(1000))
    assert 350 < drops < 650


def test_several_rules_first_fault_wins_and_specs_join_with_semicolons() -> None:
    plan = FaultPlan.from_spec(["GET /a=ok,500", "GET /a=502;GET /b=latency:0.1"])
    assert plan.decide("GET", "/a").status == 502  # rule 1 said ok: rule 2 decides
    assert plan.decide("GET", "/a").status == 500
    assert plan.decide("GET", "/a").is_noop
    assert plan.decide("GET", "/b").latency == 0.1


def test_python_api_script_rate_add_clear() -> None:
    plan = FaultPlan()
    plan.script("POST", "/v1/task-runs", ["503", "ok"])
    plan.rate("GET", "/v1/tasks", 1.0, "429:5")
    plan.add("DELETE /v1/task-runs/*=drop")
    assert plan.decide("POST", "/v1/task-runs").status == 503
    assert plan.decide("GET", "/v1/tasks").retry_after == 5
    assert plan.decide("DELETE", "/v1/task-runs/x").drop
    assert len(plan.rules) == 3
    plan.clear()
    assert plan.rules == []
    assert plan.decide("GET", "/v1/tasks").is_noop


@pytest.mark.parametrize(
    "spec",
    [
        "POST /v1/task-runs",
        "POST /v1/task-runs=",
        "FETCH /v1/x=503",
        "v1/x=503",
        "/x=200",
        "/x=teapot",
        "/x=503+drop",
        "/x=drop-after+stall",
        "/x=latency:-1",
        "/x=latency:abc",
        "/x=drop-events:1.5",
        "/x=rate:2:503",
        "/x=rate:0.1",
        "/x=503*x",
        "/x=503,,ok",
        "/x=ok:3",
        "GET POST /x=503",
    ],
)
def test_malformed_specs_are_rejected_with_a_message(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_spec(spec)


def test_blank_spec_means_no_rules() -> None:
    assert parse_spec("") == []
    assert parse_spec(" ; ") == []
    assert FaultPlan.from_spec(None).rules == []
