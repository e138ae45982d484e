# This file is generated from tests/_async/test_fan_out_local.py by codegen — do not edit.
"""start_many and pacing against the real local server, with and without a rate limit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from render_sdk import Client, RetryPolicy, StartManyError
from render_sdk.local import LocalServer, serve
from render_sdk.local.examples import demo

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_render_env")]

FAST_RETRY = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05)
LIMIT = 20


def make_client(server: LocalServer, **options: Any) -> Client:
    options.setdefault("retry_policy", FAST_RETRY)
    return Client(api_key="rnd_unused", base_url=server.base_url, **options)


def post_count(server: LocalServer) -> int:
    return server.requests[("POST", "/v1/task-runs")]


@pytest.fixture(scope="module")
def limited_server() -> Iterator[LocalServer]:
    with serve(demo.demo, rate_limit=LIMIT) as server:
        yield server


def test_repeating_start_many_with_the_same_prefix_starts_nothing_twice(
    server: LocalServer,
) -> None:
    prefix = f"batch-{uuid.uuid4().hex}"
    inputs = [[n] for n in range(12)]
    with make_client(server) as client:
        first = client.workflows.start_many(
            "demo/square", inputs, max_in_flight=4, idempotency_key_prefix=prefix
        )
        created = server.runs_created
        again = client.workflows.start_many(
            "demo/square", inputs, max_in_flight=4, idempotency_key_prefix=prefix
        )
        finished = client.workflows.wait_all(first, timeout=10)

    assert server.runs_created == created
    assert [run.id for run in again] == [run.id for run in first]
    assert len({run.id for run in first}) == 12
    assert [details.results for details in finished] == [[n * n] for n in range(12)]


def test_after_a_partial_failure_the_same_call_starts_only_the_missing_runs(
    server: LocalServer,
) -> None:
    prefix = f"batch-{uuid.uuid4().hex}"
    # One at a time, so the script meets the inputs in order: input 1 fails three times.
    server.faults.script("POST", "/v1/task-runs", ["ok", "503", "503", "503", "ok"])
    before = server.runs_created
    with make_client(server) as client:
        with pytest.raises(StartManyError) as caught:
            client.workflows.start_many(
                "demo/square", [[1], [2], [3]], max_in_flight=1, idempotency_key_prefix=prefix
            )
        assert list(caught.value.errors) == [1]
        assert server.runs_created - before == 2
        runs = client.workflows.start_many(
            "demo/square", [[1], [2], [3]], max_in_flight=1, idempotency_key_prefix=prefix
        )

    assert server.runs_created - before == 3
    started = caught.value.runs
    assert runs[0].id == started[0].id
    assert runs[2].id == started[2].id
    assert runs[1].id not in (started[0].id, started[2].id)


def test_paced_starts_against_a_rate_limit_are_not_refused(
    limited_server: LocalServer,
) -> None:
    refused_before = limited_server.rate_limited
    posts_before = post_count(limited_server)
    began = time.monotonic()
    with make_client(limited_server) as client:
        runs = client.workflows.start_many(
            "demo/square", [[n] for n in range(2 * LIMIT)], max_in_flight=2 * LIMIT
        )
    elapsed = time.monotonic() - began

    assert len({run.id for run in runs}) == 2 * LIMIT
    assert limited_server.rate_limited == refused_before
    assert post_count(limited_server) - posts_before == 2 * LIMIT
    assert elapsed >= 0.9  # two windows of one second: the second waited for its reset


def test_without_pacing_the_same_burst_meets_429s_and_retries() -> None:
    with serve(demo.demo, rate_limit=LIMIT) as fresh:  # a window nobody has spent yet
        with make_client(fresh, rate_limit_pacing=False) as client:
            runs = client.workflows.start_many(
                "demo/square", [[n] for n in range(LIMIT + 5)], max_in_flight=LIMIT + 5
            )
        assert len({run.id for run in runs}) == LIMIT + 5
        assert fresh.rate_limited > 0
        assert fresh.runs_created == LIMIT + 5
