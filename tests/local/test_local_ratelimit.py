"""The local server's rate limit: windows per endpoint group, RateLimit-* headers, 429s."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from render_sdk.local import LocalServer, serve
from render_sdk.local.command import build_parser
from render_sdk.local.examples import demo
from render_sdk.local.ratelimit import RateLimiter, Verdict, endpoint_group

GROUP = "GET /v1/task-runs/{id}"


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/v1/task-runs/trn-abc", "GET /v1/task-runs/{id}"),
        ("DELETE", "/v1/task-runs/trn-abc", "DELETE /v1/task-runs/{id}"),
        ("POST", "/v1/task-runs", "POST /v1/task-runs"),
        ("GET", "/v1/task-runs/events", "GET /v1/task-runs/events"),
        ("GET", "/v1/tasks/tsk-1", "GET /v1/tasks/{id}"),
        ("GET", "/v1/tasks", "GET /v1/tasks"),
        ("GET", "/nowhere/at/all", "GET (other)"),
        ("GET", "/v1/tasksXYZ", "GET (other)"),
    ],
)
def test_requests_are_grouped_by_method_and_route(method: str, path: str, group: str) -> None:
    assert endpoint_group(method, path) == group


def test_a_window_allows_the_limit_then_refuses_until_it_resets() -> None:
    clock = Ticker()
    limiter = RateLimiter(3, clock=clock)
    verdicts = [limiter.take(GROUP) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert all(v.limit == 3 for v in verdicts)
    clock.now += 0.6
    refused = limiter.take(GROUP)
    assert not refused.allowed
    assert refused.reset == pytest.approx(0.4)
    assert limiter.refused == 2
    clock.now += 0.4
    assert limiter.take(GROUP) == Verdict(True, 3, 2, 1.0)


def test_groups_have_windows_of_their_own() -> None:
    limiter = RateLimiter(1, clock=Ticker())
    assert limiter.take("POST /v1/task-runs").allowed
    assert limiter.take(GROUP).allowed
    assert not limiter.take("POST /v1/task-runs").allowed


def test_refused_requests_do_not_spend_the_next_window() -> None:
    clock = Ticker()
    limiter = RateLimiter(2, clock=clock)
    for _ in range(10):
        limiter.take(GROUP)
    clock.now += 1.0
    assert [limiter.take(GROUP).remaining for _ in range(2)] == [1, 0]


def test_verdict_headers_carry_millisecond_reset_and_whole_second_retry_after() -> None:
    allowed = dict(Verdict(True, 10, 4, 0.25).headers())
    assert allowed == {
        b"ratelimit-limit": b"10",
        b"ratelimit-remaining": b"4",
        b"ratelimit-reset": b"0.250",
    }
    refused = dict(Verdict(False, 10, 0, 0.25).headers())
    assert refused[b"retry-after"] == b"1"
    assert dict(Verdict(False, 10, 0, 1.5).headers())[b"retry-after"] == b"2"


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_a_limit_must_be_a_whole_number_of_at_least_one(limit: object) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter(limit)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def limited() -> Iterator[LocalServer]:
    # A high limit per window, so the test's own requests decide when it is spent: the
    # test spends it on purpose with a burst.
    with serve(demo.demo, rate_limit=5) as server:
        yield server


def test_a_limited_server_adds_headers_and_answers_429_over_the_limit(
    limited: LocalServer,
) -> None:
    api = limited.base_url + "/v1"
    with requests.Session() as http:
        run = http.post(f"{api}/task-runs", json={"task": "demo/square", "input": [2]})
        assert run.status_code == 202
        assert run.headers["RateLimit-Limit"] == "5"
        before = limited.runs_created
        answers = [
            http.post(f"{api}/task-runs", json={"task": "demo/square", "input": [2]})
            for _ in range(12)
        ]
        statuses = [a.status_code for a in answers]
        refused = [a for a in answers if a.status_code == 429]
        other_group = http.get(f"{api}/tasks")
    # However the burst straddles a window boundary, at most 5 per window got through.
    assert statuses.count(202) == limited.runs_created - before
    assert 1 <= statuses.count(202) <= 10
    assert refused, statuses
    for answer in refused:
        assert answer.headers["RateLimit-Remaining"] == "0"
        assert int(answer.headers["Retry-After"]) >= 1
        assert 0 < float(answer.headers["RateLimit-Reset"]) <= 1.0
        assert answer.json()["code"] == "rate_limited"
        assert "POST /v1/task-runs" in answer.json()["message"]
    assert limited.rate_limited >= len(refused)
    assert other_group.status_code == 200
    assert int(other_group.headers["RateLimit-Remaining"]) < 5


def test_the_command_line_takes_a_rate_limit() -> None:
    assert build_parser().parse_args(["tasks", "--rate-limit", "200"]).rate_limit == 200
    assert build_parser().parse_args(["tasks"]).rate_limit is None
    bad = subprocess.run(
        [sys.executable, "-m", "render_sdk.local", "x", "--rate-limit", "0"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "--rate-limit" in bad.stderr
    assert ">= 1" in bad.stderr


def test_the_command_line_announces_its_rate_limit() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "render_sdk.local",
            "render_sdk.local.examples.demo",
            "--port",
            "0",
            "--rate-limit",
            "7",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        banner = [process.stdout.readline() for _ in range(3)]
        assert any("Rate limit: 7 requests per second per endpoint group" in b for b in banner)
        base_url = first.split("listening on ")[1].split()[0]
        assert requests.get(f"{base_url}/v1/tasks", timeout=10).headers["RateLimit-Limit"] == "7"
    finally:
        process.terminate()
        process.communicate(timeout=10)
