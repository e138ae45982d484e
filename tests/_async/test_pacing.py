"""Pacing by the API's RateLimit-* headers, and start_many, with a mock API and a fake clock."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from render_sdk import (
    AsyncClient,
    BadRequestError,
    InternalServerError,
    InvalidArgumentError,
    InvalidInputError,
    InvalidTaskIdentifierError,
    RenderError,
    StartManyError,
)
from render_sdk._transport.base import HTTPRequest, HTTPResponse
from render_sdk.testing import AsyncFakeClock, AsyncMockTransport, json_response
from tests.fakeapi import FakeAPI, details_json, run_json

RUN_PATH = "/v1/task-runs/trn-1"


def make_client(api: Any, **options: Any) -> tuple[AsyncClient, AsyncMockTransport, AsyncFakeClock]:
    transport = AsyncMockTransport(api)
    clock = AsyncFakeClock()
    client = AsyncClient(
        api_key="rnd_secret",
        base_url="https://api.example.test",
        transport=transport,
        clock=clock,
        **options,
    )
    return client, transport, clock


def limited(body: Any, remaining: int, reset: str, status: int = 200) -> HTTPResponse:
    return json_response(
        status,
        body,
        {"RateLimit-Limit": "10", "RateLimit-Remaining": str(remaining), "RateLimit-Reset": reset},
    )


# --- pacing --------------------------------------------------------------------------------


async def test_a_spent_window_holds_the_next_request_until_it_resets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeAPI().on("GET", RUN_PATH, limited(details_json(), remaining=0, reset="2"))
    client, transport, clock = make_client(api)

    with caplog.at_level(logging.INFO, logger="render_sdk"):
        await client.workflows.get_task_run("trn-1")
        await client.workflows.get_task_run("trn-1")

    assert clock.sleeps == [2.0]
    assert len(transport.requests) == 2
    assert any(
        "Holding GET /task-runs/{id} for 2.000s" in record.getMessage() for record in caplog.records
    )


async def test_a_reset_given_as_a_unix_time_is_read_as_one() -> None:
    reset = str(int(time.time()) + 30)
    api = FakeAPI().on("GET", RUN_PATH, limited(details_json(), remaining=0, reset=reset))
    client, _, clock = make_client(api)

    await client.workflows.get_task_run("trn-1")
    await client.workflows.get_task_run("trn-1")

    [held] = clock.sleeps
    assert 28.0 < held <= 30.0


async def test_a_window_with_requests_left_holds_nothing() -> None:
    api = FakeAPI().on("GET", RUN_PATH, limited(details_json(), remaining=5, reset="2"))
    client, transport, clock = make_client(api)

    for _ in range(3):
        await client.workflows.get_task_run("trn-1")

    assert clock.sleeps == []
    assert len(transport.requests) == 3


async def test_pacing_can_be_turned_off() -> None:
    api = FakeAPI().on("GET", RUN_PATH, limited(details_json(), remaining=0, reset="2"))
    client, transport, clock = make_client(api, rate_limit_pacing=False)

    await client.workflows.get_task_run("trn-1")
    await client.workflows.get_task_run("trn-1")

    assert clock.sleeps == []
    assert len(transport.requests) == 2


def test_rate_limit_pacing_must_be_a_bool() -> None:
    with pytest.raises(InvalidArgumentError, match="rate_limit_pacing must be True or False"):
        AsyncClient(api_key="k", rate_limit_pacing="yes")  # type: ignore[arg-type]


async def test_endpoint_groups_are_paced_separately() -> None:
    api = (
        FakeAPI()
        .on("GET", RUN_PATH, limited(details_json(), remaining=0, reset="5"))
        .on("POST", "/v1/task-runs", json_response(202, run_json()))
    )
    client, _, clock = make_client(api)

    await client.workflows.get_task_run("trn-1")
    await client.workflows.start_task("wf/task", [])

    assert clock.sleeps == []


async def test_a_429_is_retried_and_the_retry_is_not_held_past_the_reset() -> None:
    api = FakeAPI().on(
        "POST",
        "/v1/task-runs",
        json_response(
            429,
            {"message": "slow down"},
            {"Retry-After": "1", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"},
        ),
        json_response(202, run_json()),
    )
    client, transport, clock = make_client(api)

    run = await client.workflows.start_task("wf/task", [])

    assert run.id == "trn-1"
    assert clock.sleeps == [1.0]  # the retry's own wait; the window has reset by then
    assert len(transport.requests) == 2


async def test_a_copy_with_other_options_shares_the_pacing() -> None:
    api = FakeAPI().on("GET", RUN_PATH, limited(details_json(), remaining=0, reset="3"))
    client, _, clock = make_client(api)

    await client.workflows.get_task_run("trn-1")
    await client.with_options(max_retries=0).workflows.get_task_run("trn-1")

    assert clock.sleeps == [3.0]


# --- start_many ----------------------------------------------------------------------------


def echo_start(request: HTTPRequest) -> HTTPResponse:
    """Start a run whose id is made of its first input value."""
    given = json.loads(request.content or b"{}")["input"]
    first = given[0] if isinstance(given, list) else next(iter(given.values()))
    return json_response(202, run_json(f"trn-{first}"))


async def test_start_many_returns_the_runs_in_input_order_with_keyed_starts() -> None:
    client, transport, _ = make_client(FakeAPI().on("POST", "/v1/task-runs", echo_start))

    runs = await client.workflows.start_many(
        "wf/square", [[n] for n in range(20)], max_in_flight=4, idempotency_key_prefix="batch-7"
    )

    assert [run.id for run in runs] == [f"trn-{n}" for n in range(20)]
    sent = {r.json()["idempotencyKey"]: r.json() for r in transport.requests}
    assert set(sent) == {f"batch-7-{n}" for n in range(20)}
    assert all(sent[f"batch-7-{n}"]["input"] == [n] for n in range(20))
    assert {r.json()["task"] for r in transport.requests} == {"wf/square"}


async def test_start_many_takes_dicts_and_makes_a_random_prefix_per_call() -> None:
    client, transport, _ = make_client(FakeAPI().on("POST", "/v1/task-runs", echo_start))

    await client.workflows.start_many("wf/add", [{"a": 1, "b": 2}, [3]])
    await client.workflows.start_many("wf/add", [[4]])

    keys = [r.json()["idempotencyKey"] for r in transport.requests]
    prefixes = {key.rsplit("-", 1)[0] for key in keys}
    assert len(prefixes) == 2
    assert sorted(key.rsplit("-", 1)[1] for key in keys) == ["0", "0", "1"]
    assert transport.requests[0].json()["input"] in ({"a": 1, "b": 2}, [3])


async def test_start_many_of_nothing_sends_nothing() -> None:
    client, transport, _ = make_client(FakeAPI())

    assert await client.workflows.start_many("wf/task", []) == []
    assert transport.requests == []


@pytest.mark.parametrize(
    ("inputs", "path"),
    [
        ([[1], [2], [3], [object()]], "inputs[3][0]"),
        ([[1], {"when": {1, 2}}], "inputs[1]['when']"),
        ([[1], 5], "inputs[1]"),
        ([[1], "abc"], "inputs[1]"),
    ],
)
async def test_start_many_checks_every_input_before_sending_anything(
    inputs: list[Any], path: str
) -> None:
    client, transport, _ = make_client(FakeAPI().on("POST", "/v1/task-runs", echo_start))

    with pytest.raises(InvalidInputError) as caught:
        await client.workflows.start_many("wf/task", inputs)

    assert caught.value.path == path
    assert str(caught.value).startswith(path)
    assert transport.requests == []


async def test_start_many_checks_the_size_of_every_input_before_sending() -> None:
    client, transport, _ = make_client(
        FakeAPI().on("POST", "/v1/task-runs", echo_start), max_input_bytes=100
    )

    with pytest.raises(InvalidInputError, match=r"inputs\[1\] encodes to \d+ bytes"):
        await client.workflows.start_many("wf/task", [[1], ["x" * 200]])

    assert transport.requests == []


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"inputs": "abc"}, InvalidArgumentError, "inputs must be a list"),
        ({"inputs": {"a": 1}}, InvalidArgumentError, "inputs must be a list"),
        ({"inputs": 3}, InvalidArgumentError, "inputs must be a list"),
        ({"max_in_flight": 0}, InvalidArgumentError, "max_in_flight"),
        ({"max_in_flight": 2.5}, InvalidArgumentError, "max_in_flight"),
        ({"idempotency_key_prefix": ""}, InvalidArgumentError, "idempotency_key_prefix"),
        ({"idempotency_key_prefix": 7}, InvalidArgumentError, "idempotency_key_prefix"),
        ({"idempotency_key_prefix": "k" * 254}, InvalidArgumentError, "at most 253"),
        ({"task_identifier": "not a slug"}, InvalidTaskIdentifierError, "not a slug"),
    ],
)
async def test_start_many_rejects_bad_arguments_before_sending(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    client, transport, _ = make_client(FakeAPI().on("POST", "/v1/task-runs", echo_start))
    call: dict[str, Any] = {"task_identifier": "wf/task", "inputs": [[1], [2]], **arguments}

    with pytest.raises(error, match=message):
        await client.workflows.start_many(**call)

    assert transport.requests == []


def fail_some(request: HTTPRequest) -> HTTPResponse:
    """Input 3 is refused (400); input 5 meets a server error on every attempt."""
    value = json.loads(request.content or b"{}")["input"][0]
    if value == 3:
        return json_response(400, {"message": "bad input 3", "code": "invalid_input"})
    if value == 5:
        return json_response(500, {"message": "down"})
    return echo_start(request)


async def test_start_many_reports_partial_failure_with_runs_and_errors_by_index() -> None:
    client, transport, _ = make_client(FakeAPI().on("POST", "/v1/task-runs", fail_some))

    with pytest.raises(StartManyError) as caught:
        await client.workflows.start_many(
            "wf/task", [[n] for n in range(8)], max_in_flight=3, idempotency_key_prefix="p"
        )

    error = caught.value
    assert isinstance(error, RenderError)
    assert sorted(error.errors) == [3, 5]
    assert isinstance(error.errors[3], BadRequestError)
    assert isinstance(error.errors[5], InternalServerError)
    assert [run.id if run else None for run in error.runs] == [
        "trn-0",
        "trn-1",
        "trn-2",
        None,
        "trn-4",
        None,
        "trn-6",
        "trn-7",
    ]
    assert sorted(error.started) == [0, 1, 2, 4, 6, 7]
    assert "2 of 8 starts" in str(error)
    assert "idempotency_key_prefix='p'" in str(error)
    # The server error was retried (3 attempts); the 400 was not.
    attempts = [r.json()["input"][0] for r in transport.requests]
    assert attempts.count(5) == 3
    assert attempts.count(3) == 1
