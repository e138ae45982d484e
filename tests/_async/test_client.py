"""Client behaviour through the public surface, with a mock transport and a fake clock."""

from __future__ import annotations

import inspect
import json
import socket
from typing import Any

import attrs
import pytest

from render_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncClient,
    AuthenticationError,
    AwaitableTaskRun,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    InvalidInputError,
    InvalidTaskIdentifierError,
    NotFoundError,
    PermissionDeniedError,
    PollSchedule,
    RateLimitError,
    RenderWarning,
    RetryPolicy,
    TaskRunCanceledError,
    TaskRunFailedError,
    TaskRunStatus,
    Timeout,
    UnprocessableEntityError,
    WaitOptions,
    WaitTimeoutError,
)
from render_sdk._async.options import CONNECTION_OPTIONS  # the same set in both twins
from render_sdk._sentinel import NOT_GIVEN
from render_sdk._transport.base import HTTPResponse
from render_sdk.testing import AsyncFakeClock, AsyncMockTransport, json_response
from tests.fakeapi import FakeAPI, details_json, run_json, task_json

RUN_PATH = "/v1/task-runs/trn-1"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def make_client(
    api: FakeAPI, **options: Any
) -> tuple[AsyncClient, AsyncMockTransport, AsyncFakeClock]:
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


# --- starting runs ---------------------------------------------------------------------------


async def test_start_task_sends_slug_input_and_idempotency_key() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    client, transport, _ = make_client(api)

    run = await client.workflows.start_task("my-workflow/calculate_square", [5])

    assert (run.id, run.status) == ("trn-1", TaskRunStatus.PENDING)
    [sent] = transport.requests
    assert (sent.method, sent.path, sent.query) == ("POST", "/v1/task-runs", [])
    body = sent.json()
    assert body["task"] == "my-workflow/calculate_square"
    assert body["input"] == [5]
    assert len(body["idempotencyKey"]) >= 32
    assert sent.headers["Authorization"] == "Bearer rnd_secret"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["User-Agent"].startswith("render-workflows-sdk/")


@pytest.mark.parametrize(
    ("identifier", "input_data", "expected_input"),
    [
        ("tsk-abc123", [], []),
        ("wf/task:v3", {"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2]}),
        ("wf/task", (1, (2, 3)), [1, [2, 3]]),
    ],
)
async def test_start_task_accepts_ids_versions_dicts_and_tuples(
    identifier: str, input_data: Any, expected_input: Any
) -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    client, transport, _ = make_client(api)

    await client.workflows.start_task(identifier, input_data)

    assert transport.requests[0].json()["task"] == identifier
    assert transport.requests[0].json()["input"] == expected_input


async def test_callers_idempotency_key_wins() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    client, transport, _ = make_client(api)

    await client.workflows.start_task("wf/task", [], idempotency_key="order-42")

    assert transport.requests[0].json()["idempotencyKey"] == "order-42"


async def test_each_start_gets_a_fresh_idempotency_key() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    client, transport, _ = make_client(api)

    await client.workflows.start_task("wf/task", [])
    await client.workflows.start_task("wf/task", [])

    keys = {recorded.json()["idempotencyKey"] for recorded in transport.requests}
    assert len(keys) == 2


async def test_retried_start_reuses_its_idempotency_key() -> None:
    api = FakeAPI().on(
        "POST",
        "/v1/task-runs",
        json_response(503, {"message": "busy"}),
        APIConnectionError("reset", request_sent=True),
        json_response(202, run_json()),
    )
    client, transport, clock = make_client(api)

    run = await client.workflows.start_task("wf/task", [1])

    assert run.id == "trn-1"
    keys = [recorded.json()["idempotencyKey"] for recorded in transport.requests]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("", "empty"),
        ("wf", "separated by '/'"),
        ("wf/", "task name"),
        ("wf/a b", "whitespace"),
        ("trn-abc", "task-run ID"),
        ("tsk-", "tsk-"),
        ("wf/task:", "version"),
        ("wf/t\u0430sk", "non-ASCII"),
        (None, "must be a string"),
    ],
)
async def test_bad_identifier_is_rejected_before_any_request(identifier: Any, message: str) -> None:
    client, transport, _ = make_client(FakeAPI())

    with pytest.raises(InvalidTaskIdentifierError, match="workflow-slug/task-name") as info:
        await client.workflows.start_task(identifier, [])

    assert message in str(info.value)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("input_data", "path"),
    [
        (5, "input_data"),
        ("abc", "input_data"),
        (None, "input_data"),
        ({1, 2}, "input_data"),
        ([1, float("nan")], "input_data[1]"),
        ([{"when": object()}], "input_data[0]['when']"),
        ({"a": {1: "x"}}, "input_data['a']"),
        ([b"bytes"], "input_data[0]"),
    ],
)
async def test_bad_input_is_rejected_before_any_request(input_data: Any, path: str) -> None:
    client, transport, _ = make_client(FakeAPI())

    with pytest.raises(InvalidInputError) as info:
        await client.workflows.start_task("wf/task", input_data)

    assert info.value.path == path
    assert str(info.value).startswith(path) or "input_data must be a list" in str(info.value)
    assert transport.requests == []


async def test_input_over_the_size_limit_is_rejected_before_any_request() -> None:
    client, transport, _ = make_client(FakeAPI(), max_input_bytes=1000)

    with pytest.raises(InvalidInputError, match="over the limit of 1000"):
        await client.workflows.start_task("wf/task", ["x" * 2000])

    assert transport.requests == []


# --- retries ------------------------------------------------------------------------------------


async def test_429_waits_at_least_retry_after() -> None:
    api = FakeAPI().on(
        "GET",
        RUN_PATH,
        json_response(429, {"message": "slow down"}, {"Retry-After": "7"}),
        json_response(200, details_json()),
    )
    client, transport, clock = make_client(api)

    details = await client.workflows.get_task_run("trn-1")

    assert details.status is TaskRunStatus.SUCCEEDED
    assert len(transport.requests) == 2
    assert clock.sleeps[0] >= 7


async def test_retry_after_beyond_the_cap_surfaces_at_once() -> None:
    api = FakeAPI().on(
        "GET", RUN_PATH, json_response(429, {"message": "later"}, {"Retry-After": "3600"})
    )
    client, transport, clock = make_client(api)

    with pytest.raises(RateLimitError) as info:
        await client.workflows.get_task_run("trn-1")

    assert info.value.retry_after == 3600
    assert len(transport.requests) == 1
    assert clock.sleeps == []


async def test_gives_up_after_max_retries_with_backoff() -> None:
    api = FakeAPI().on(
        "GET", RUN_PATH, json_response(503, {"message": "down", "code": "unavailable"})
    )
    client, transport, clock = make_client(api, max_retries=3)

    with pytest.raises(InternalServerError) as info:
        await client.workflows.get_task_run("trn-1")

    assert info.value.status_code == 503
    assert info.value.code == "unavailable"
    assert len(transport.requests) == 4
    assert len(clock.sleeps) == 3
    assert all(0 < delay <= 8 for delay in clock.sleeps)


async def test_max_retries_zero_disables_retrying() -> None:
    api = FakeAPI().on("GET", RUN_PATH, json_response(502, {}))
    client, transport, _ = make_client(api, max_retries=0)

    with pytest.raises(InternalServerError):
        await client.workflows.get_task_run("trn-1")

    assert len(transport.requests) == 1


async def test_with_options_changes_retries_for_one_call() -> None:
    api = FakeAPI().on("GET", RUN_PATH, json_response(500, {}))
    client, transport, _ = make_client(api, max_retries=4)

    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=1).workflows.get_task_run("trn-1")

    assert len(transport.requests) == 2
    assert client.max_retries == 4


async def test_connection_failures_are_retried() -> None:
    api = FakeAPI().on(
        "GET",
        RUN_PATH,
        APIConnectionError("refused", request_sent=False),
        json_response(200, details_json()),
    )
    client, transport, _ = make_client(api)

    details = await client.workflows.get_task_run("trn-1")

    assert details.id == "trn-1"
    assert len(transport.requests) == 2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
    ],
)
async def test_client_errors_map_to_classes_and_are_not_retried(
    status: int, error_type: type[Exception]
) -> None:
    body = {"id": "err-9", "message": "nope", "code": "some_code"}
    api = FakeAPI().on("GET", RUN_PATH, json_response(status, body, {"X-Request-Id": "req-7"}))
    client, transport, _ = make_client(api)

    with pytest.raises(error_type) as info:
        await client.workflows.get_task_run("trn-1")

    error: Any = info.value
    assert (error.status_code, error.code, error.error_id) == (status, "some_code", "err-9")
    assert error.request_id == "req-7"
    assert "nope" in str(error)
    assert json.loads(error.body) == body
    assert len(transport.requests) == 1


async def test_html_error_page_from_a_proxy_becomes_a_status_error() -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    api = FakeAPI().on("GET", RUN_PATH, HTTPResponse(502, {"content-type": "text/html"}, page))
    client, _, _ = make_client(api, max_retries=0)

    with pytest.raises(InternalServerError, match="502 Bad Gateway") as info:
        await client.workflows.get_task_run("trn-1")

    assert info.value.status_code == 502
    assert info.value.code is None


# --- reading, listing, cancelling ----------------------------------------------------------------


async def test_get_task_run_tolerates_new_fields_and_statuses() -> None:
    body = details_json(
        status="archived", brandNewField={"x": 1}, completedAt="2026-03-04T05:06:07.123456789Z"
    )
    api = FakeAPI().on("GET", RUN_PATH, json_response(200, body))
    client, transport, _ = make_client(api)

    details = await client.workflows.get_task_run("trn-1")

    assert details.status.value == "archived"
    assert not details.status.is_known
    assert not details.is_terminal
    assert details.completed_at is not None
    assert details.completed_at.microsecond == 123456
    assert details.result == 25
    assert transport.requests[0].path == RUN_PATH


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"id": "trn-1"}', b"[1, 2]", b'{"id": 5, "taskId": "t", "status": "x"}', b""],
)
async def test_unreadable_bodies_raise_response_validation_error(body: bytes) -> None:
    api = FakeAPI().on("GET", RUN_PATH, HTTPResponse(200, {}, body))
    client, _, _ = make_client(api)

    with pytest.raises(APIResponseValidationError) as info:
        await client.workflows.get_task_run("trn-1")

    assert info.value.status_code == 200


@pytest.mark.parametrize("bad_id", ["", "tsk-1", "trn-", "trn-1/../x", 5, None])
async def test_bad_run_ids_are_rejected_before_any_request(bad_id: Any) -> None:
    client, transport, _ = make_client(FakeAPI())

    with pytest.raises(InvalidArgumentError, match="trn-"):
        await client.workflows.get_task_run(bad_id)

    assert transport.requests == []


async def test_cancel_sends_delete_and_reports_conflict() -> None:
    api = FakeAPI().on(
        "DELETE", RUN_PATH, json_response(204), json_response(409, {"message": "already finished"})
    )
    client, transport, _ = make_client(api)

    await client.workflows.cancel_task_run("trn-1")
    with pytest.raises(ConflictError, match="already finished"):
        await client.workflows.cancel_task_run("trn-1")

    assert [r.method for r in transport.requests] == ["DELETE", "DELETE"]


async def test_list_task_runs_follows_cursors_across_pages() -> None:
    def page(start: int, count: int) -> list[dict[str, Any]]:
        return [
            {"taskRun": run_json(f"trn-{i}"), "cursor": f"c{i}"}
            for i in range(start, start + count)
        ]

    api = FakeAPI().on(
        "GET",
        "/v1/task-runs",
        json_response(200, page(0, 2)),
        json_response(200, page(2, 2)),
        json_response(200, page(4, 1)),
    )
    client, transport, _ = make_client(api)

    runs = [
        run
        async for run in client.workflows.list_task_runs(
            task=["wf/a", "wf/b"], owner_id=["own-1", "own-2"], root_task_run_id="trn-9", limit=2
        )
    ]

    assert [run.id for run in runs] == ["trn-0", "trn-1", "trn-2", "trn-3", "trn-4"]
    queries = [recorded.query for recorded in transport.requests]
    assert queries[0] == [
        ("limit", "2"),
        ("taskSlug", "wf/a"),
        ("taskSlug", "wf/b"),
        ("rootTaskRunId", "trn-9"),
        ("ownerId", "own-1,own-2"),
    ]
    assert queries[1][-1] == ("cursor", "c1")
    assert queries[2][-1] == ("cursor", "c3")
    assert len(transport.requests) == 3


async def test_list_task_runs_is_lazy_and_stops_at_max_items() -> None:
    rows = [{"taskRun": run_json(f"trn-{i}"), "cursor": f"c{i}"} for i in range(3)]
    api = FakeAPI().on("GET", "/v1/task-runs", json_response(200, rows))
    client, transport, _ = make_client(api)

    iterator = client.workflows.list_task_runs(limit=3, max_items=3)
    assert transport.requests == []
    runs = [run async for run in iterator]

    assert len(runs) == 3
    assert len(transport.requests) == 1


@pytest.mark.parametrize("limit", [0, -1, 101, 2.5, True, "10"])
async def test_bad_limit_is_rejected_before_any_request(limit: Any) -> None:
    client, transport, _ = make_client(FakeAPI())

    with pytest.raises(InvalidArgumentError, match="limit"):
        client.workflows.list_task_runs(limit=limit)

    assert transport.requests == []


async def test_listed_runs_can_be_waited_on() -> None:
    rows = [{"taskRun": run_json("trn-1", "running"), "cursor": "c1"}]
    api = FakeAPI().on("GET", "/v1/task-runs", json_response(200, rows))
    api.on("GET", RUN_PATH, json_response(200, details_json()))
    client, _, _ = make_client(api, wait_strategy="poll")

    [run] = [run async for run in client.workflows.list_task_runs()]
    details = await run.wait()

    assert details.result == 25


async def test_list_tasks_and_get_task() -> None:
    api = FakeAPI().on(
        "GET", "/v1/tasks", json_response(200, [{"task": task_json(), "cursor": "c"}])
    )
    api.on("GET", "/v1/tasks/tsk-abc", json_response(200, task_json()))
    client, transport, _ = make_client(api)

    tasks = [task async for task in client.workflows.list_tasks(workflow_id="wf-1")]
    task = await client.workflows.get_task("tsk-abc")

    assert [t.name for t in tasks] == ["square"]
    assert task.created_at.year == 2026
    assert transport.requests[0].query == [("limit", "20"), ("workflowId", "wf-1")]


# --- waiting ------------------------------------------------------------------------------------


async def test_wait_polls_through_pending_and_running_to_succeeded() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    api.on(
        "GET",
        RUN_PATH,
        json_response(200, details_json(status="pending", results=[])),
        json_response(200, details_json(status="running", results=[])),
        json_response(200, details_json(status="succeeded", results=[25])),
    )
    client, transport, clock = make_client(api, wait_strategy="poll")

    run = await client.workflows.start_task("wf/square", [5])
    details = await run.wait(timeout=30)

    assert details.succeeded
    assert details.result == 25
    assert len(transport.requests) == 4
    assert len(clock.waits) == 2
    assert clock.waits == sorted(clock.waits)
    assert clock.waits[0] <= 0.2


async def test_wait_raises_for_failed_and_canceled_runs() -> None:
    api = FakeAPI().on(
        "GET", RUN_PATH, json_response(200, details_json(status="failed", error="ValueError: boom"))
    )
    api.on(
        "GET", "/v1/task-runs/trn-2", json_response(200, details_json("trn-2", status="canceled"))
    )
    client, _, _ = make_client(api, wait_strategy="poll")

    with pytest.raises(TaskRunFailedError, match="boom") as failed:
        await client.workflows.wait_for_task_run("trn-1")
    with pytest.raises(TaskRunCanceledError) as canceled:
        await client.workflows.wait_for_task_run("trn-2")
    quiet = await client.workflows.wait_for_task_run("trn-1", raise_on_failure=False)

    assert failed.value.details.error == "ValueError: boom"
    assert canceled.value.task_run_id == "trn-2"
    assert quiet.failed


async def test_wait_gives_up_at_the_deadline_and_leaves_the_run_alone() -> None:
    api = FakeAPI().on(
        "GET", RUN_PATH, json_response(200, details_json(status="running", results=[]))
    )
    client, transport, clock = make_client(api, wait_strategy="poll")
    start = clock.now()

    with pytest.raises(WaitTimeoutError) as info:
        await client.workflows.wait_for_task_run("trn-1", timeout=10)

    assert info.value.task_run_id == "trn-1"
    assert info.value.last_status is TaskRunStatus.RUNNING
    assert clock.now() - start == pytest.approx(10)
    assert {recorded.method for recorded in transport.requests} == {"GET"}
    assert max(clock.waits) <= 2.0


async def test_run_task_starts_and_waits() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    api.on("GET", RUN_PATH, json_response(200, details_json(results=[{"sum": 3}])))
    client, _, _ = make_client(api, wait_strategy="poll")

    details = await client.workflows.run_task("wf/add", {"a": 1, "b": 2}, timeout=5)

    assert details.result == {"sum": 3}


async def test_run_task_and_run_wait_return_a_failed_run_when_raise_on_failure_is_false() -> None:
    api = FakeAPI().on("POST", "/v1/task-runs", json_response(202, run_json()))
    api.on("GET", RUN_PATH, json_response(200, details_json(status="failed", error="E: x")))
    client, _, _ = make_client(api, wait_strategy="poll")

    with pytest.raises(TaskRunFailedError):
        await client.workflows.run_task("wf/task", [])
    details = await client.workflows.run_task("wf/task", [], raise_on_failure=False)
    run = await client.workflows.start_task("wf/task", [])
    waited = await run.wait(timeout=5, raise_on_failure=False)

    assert (details.failed, details.error) == (True, "E: x")
    assert waited.failed


def test_every_waiting_call_takes_timeout_and_raise_on_failure_as_keywords() -> None:
    workflows = type(make_client(FakeAPI())[0].workflows)
    calls = {
        "run.wait": (AwaitableTaskRun.wait, True),
        "run_task": (workflows.run_task, True),
        "wait_for_task_run": (workflows.wait_for_task_run, True),
        "wait_all": (workflows.wait_all, False),
        "as_completed": (workflows.as_completed, False),
    }
    for name, (call, raises) in calls.items():
        parameters = inspect.signature(call).parameters
        for keyword in ("timeout", "raise_on_failure"):
            assert parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (name, keyword)
        assert parameters["timeout"].default is None, name
        assert parameters["raise_on_failure"].default is raises, name
    events = inspect.signature(workflows.task_run_events).parameters["timeout"]
    assert (events.kind, events.default) == (inspect.Parameter.KEYWORD_ONLY, None)


@pytest.mark.parametrize("timeout", [-1, float("nan"), "5", True])
async def test_bad_wait_timeout_is_rejected_before_any_request(timeout: Any) -> None:
    client, transport, _ = make_client(FakeAPI())

    with pytest.raises(InvalidArgumentError, match="timeout"):
        await client.workflows.run_task("wf/task", [], timeout=timeout)

    assert transport.requests == []


# --- configuration ------------------------------------------------------------------------------


async def test_repr_and_errors_never_show_the_api_key() -> None:
    api = FakeAPI().on("GET", RUN_PATH, json_response(401, {"message": "bad key"}))
    client, _, _ = make_client(api, wait_strategy="poll")
    run = client.workflows

    with pytest.raises(AuthenticationError) as info:
        await client.workflows.get_task_run("trn-1")

    for text in (repr(client), repr(run), str(info.value), repr(info.value)):
        assert "rnd_secret" not in text


async def test_context_manager_closes_its_own_transport_only() -> None:
    transport = AsyncMockTransport(FakeAPI())
    async with AsyncClient(api_key="k", transport=transport) as client:
        assert client.base_url == "https://api.render.com/v1"
    assert not transport.closed


# --- options ---------------------------------------------------------------------------------


async def test_explicit_max_retries_is_applied_over_a_retry_policy() -> None:
    api = FakeAPI().on("GET", RUN_PATH, json_response(500, {}))
    policy = RetryPolicy(max_retries=5, initial_backoff=0.01)
    for given, expected in ((2, 2), (0, 0), (NOT_GIVEN, 5)):
        client, transport, _ = make_client(api, retry_policy=policy, max_retries=given)
        assert client.max_retries == expected
        with pytest.raises(InternalServerError):
            await client.workflows.get_task_run("trn-1")
        assert len(transport.requests) == expected + 1


async def test_with_options_retry_policy_replaces_the_whole_policy() -> None:
    api = FakeAPI()
    client, _, _ = make_client(api, max_retries=7)
    assert client.with_options(retry_policy=RetryPolicy(max_retries=1)).max_retries == 1
    both = client.with_options(retry_policy=RetryPolicy(max_retries=1), max_retries=3)
    assert both.max_retries == 3
    assert client.max_retries == 7


def _every_option() -> dict[str, Any]:
    """A value that is not the default for every constructor option."""
    return {
        "api_key": "rnd_other",
        "base_url": "https://api.example.test",
        "local": False,
        "timeout": Timeout(connect=1.0, read=2.0),
        "max_retries": 4,
        "retry_policy": RetryPolicy(max_retries=9, initial_backoff=0.2),
        "poll_schedule": PollSchedule(initial_interval=0.3, factor=1.5, max_interval=3.0),
        "wait_strategy": "poll",
        "event_idle_timeout": 12.0,
        "default_headers": {"X-Team": "blue"},
        "max_input_bytes": 1234,
        "allow_insecure_http": True,
        "transport": AsyncMockTransport(FakeAPI()),
        "clock": AsyncFakeClock(),
        "rate_limit_pacing": False,
    }


async def test_every_constructor_option_survives_with_options() -> None:
    options = _every_option()
    parameters = inspect.signature(AsyncClient).parameters
    # wait_options cannot be given beside the three older wait arguments: it has a test
    # of its own below. A new option must be added to this test.
    assert set(parameters) == set(options) | {"wait_options"}
    copyable = set(inspect.signature(AsyncClient.with_options).parameters) - {"self"}
    assert copyable == set(parameters) - CONNECTION_OPTIONS
    client = AsyncClient(**options)
    assert {field.name for field in attrs.fields(type(client._options))} == set(parameters)
    for copy in (client.with_options(), client.with_options(max_input_bytes=99)):
        expected = {**options, "wait_options": None}
        if copy._options.max_input_bytes == 99:
            expected["max_input_bytes"] = 99
        assert attrs.asdict(copy._options, recurse=False) == expected
        assert copy.base_url == client.base_url
        assert copy.timeout == client.timeout
        assert copy.max_retries == 4
        assert copy._api.gate is client._api.gate  # copies share the rate-limit windows
    await client.aclose()


async def test_wait_options_survive_with_options_and_a_new_one_replaces_them() -> None:
    first = WaitOptions(strategy="poll", safety_interval=7.0)
    client, _, _ = make_client(FakeAPI(), wait_options=first)
    assert client.with_options(max_retries=0)._options.wait_options == first
    second = WaitOptions(strategy="events")
    assert client.with_options(wait_options=second)._options.wait_options == second
    with pytest.raises(InvalidArgumentError, match="beside wait_options"):
        client.with_options(wait_strategy="auto", event_idle_timeout=5.0)
    older = AsyncClient(
        api_key="rnd_x", transport=AsyncMockTransport(FakeAPI()), wait_strategy="poll"
    )
    # A WaitOptions replaces the older arguments of the client it is copied from.
    assert older.with_options(wait_options=second)._options.wait_strategy == "auto"
    await older.aclose()
    await client.aclose()


async def test_with_options_keeps_the_key_headers_and_transport() -> None:
    api = FakeAPI().on("GET", RUN_PATH, json_response(200, details_json()))
    client, transport, _ = make_client(api, default_headers={"X-Team": "blue"})
    await client.with_options(timeout=3.0).workflows.get_task_run("trn-1")
    (request,) = transport.requests
    assert request.headers["Authorization"] == "Bearer rnd_secret"
    assert request.headers["X-Team"] == "blue"
    assert client.with_options(timeout=3.0).timeout == Timeout(connect=3.0, read=3.0)


async def test_with_options_rejects_bad_values_before_any_request() -> None:
    api = FakeAPI()
    client, transport, _ = make_client(api)
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        client.with_options(max_retries=-1)
    with pytest.raises(InvalidArgumentError, match="timeout"):
        client.with_options(timeout=None)  # type: ignore[arg-type]
    assert transport.requests == []


# --- local development -----------------------------------------------------------------------


async def test_unrecognized_local_dev_value_warns_at_the_line_that_builds_the_client(
    clean_render_env: pytest.MonkeyPatch,
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", "yes")
    with pytest.warns(RenderWarning, match="RENDER_USE_LOCAL_DEV='yes' is not a recognized") as w:
        client = AsyncClient(api_key="rnd_x", transport=AsyncMockTransport(FakeAPI()))
    assert w[0].filename == __file__
    assert client.base_url == "https://api.render.com/v1"


async def test_local_dev_url_alone_turns_local_mode_on(
    clean_render_env: pytest.MonkeyPatch,
) -> None:
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", "http://127.0.0.1:9/")
    api = FakeAPI().on("GET", RUN_PATH, json_response(200, details_json()))
    transport = AsyncMockTransport(api)
    async with AsyncClient(transport=transport) as client:
        assert client.base_url == "http://127.0.0.1:9/v1"
        await client.workflows.get_task_run("trn-1")
    assert "Authorization" not in transport.requests[0].headers


async def test_a_refused_connection_in_local_mode_suggests_starting_the_local_server(
    clean_render_env: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", url)
    client = AsyncClient(max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await client.workflows.get_task_run("trn-1")
    await client.aclose()
    message = str(info.value)
    assert url in message
    assert "is the local development server running" in message
    assert "render-sdk dev" in message


async def test_a_refused_connection_to_the_render_api_has_no_local_hint() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = AsyncClient(api_key="rnd_x", base_url=url, local=False, max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await client.workflows.get_task_run("trn-1")
    await client.aclose()
    assert "render-sdk dev" not in str(info.value)
