"""Every endpoint of the local server over real loopback HTTP, with the documented shapes."""

from __future__ import annotations

import re
import uuid

import requests

from render_sdk.local import LocalServer, serve
from render_sdk.local.examples import demo

from .conftest import Api

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def assert_error(response: requests.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body: dict[str, str] = response.json()
    assert set(body) == {"id", "message", "code"}
    assert body["message"]
    assert body["code"]
    return body


def unique() -> str:
    return uuid.uuid4().hex[:8]


# -- tasks -----------------------------------------------------------------------------


def test_list_tasks_returns_task_and_cursor_items(api: Api) -> None:
    items = api.http.get(f"{api.base}/tasks").json()
    names = {item["task"]["name"] for item in items}
    assert {"square", "add", "greet", "fail", "slow", "flaky", "echo", "pair"} <= names
    for item in items:
        assert set(item) == {"task", "cursor"}
        task = item["task"]
        assert task["id"].startswith("tsk-")
        assert RFC3339_Z.match(task["createdAt"])
        assert task["workflowId"].startswith("wfl-")
        assert task["workflowVersionId"].startswith("wfv-")


def test_list_tasks_paginates_with_cursors(api: Api) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.http.get(f"{api.base}/tasks", params=params).json()
        pages += 1
        seen += [item["task"]["id"] for item in page]
        if len(page) < 3:
            break
        cursor = page[-1]["cursor"]
    all_ids = [item["task"]["id"] for item in api.http.get(f"{api.base}/tasks").json()]
    assert pages >= 4
    assert seen == all_ids


def test_list_tasks_filters(api: Api, server: LocalServer) -> None:
    square = api.http.get(f"{api.base}/tasks", params={"taskSlug": "demo/square"}).json()
    assert [i["task"]["name"] for i in square] == ["square"]
    both = api.http.get(
        f"{api.base}/tasks", params=[("taskSlug", "demo/square"), ("taskSlug", "demo/add")]
    ).json()
    assert {i["task"]["name"] for i in both} == {"square", "add"}
    workflow_id = square[0]["task"]["workflowId"]
    demo_tasks = api.http.get(f"{api.base}/tasks", params={"workflowId": workflow_id}).json()
    assert len(demo_tasks) == 7
    version_id = square[0]["task"]["workflowVersionId"]
    by_version = api.http.get(f"{api.base}/tasks", params={"workflowVersionId[]": version_id})
    assert len(by_version.json()) == 7
    owner = api.http.get(f"{api.base}/tasks", params={"ownerId": "tea-nobody,tea-other"}).json()
    assert owner == []


def test_get_task_by_id_and_unknown_task(api: Api, server: LocalServer) -> None:
    task_id = server.task_id("demo/square")
    task = api.http.get(f"{api.base}/tasks/{task_id}").json()
    assert task["id"] == task_id
    assert task["name"] == "square"
    assert_error(api.http.get(f"{api.base}/tasks/tsk-unknown"), 404)


def test_limit_out_of_range_is_a_bad_request(api: Api) -> None:
    for path in ("tasks", "task-runs"):
        for limit in ("0", "101", "x"):
            assert_error(api.http.get(f"{api.base}/{path}", params={"limit": limit}), 400)
    assert_error(api.http.get(f"{api.base}/task-runs", params={"cursor": "!!"}), 400)


# -- starting runs -----------------------------------------------------------------------


def test_start_returns_202_with_a_pending_task_run(api: Api, server: LocalServer) -> None:
    response = api.http.post(f"{api.base}/task-runs", json={"task": "demo/square", "input": [5]})
    assert response.status_code == 202
    run = response.json()
    assert run["id"].startswith("trn-")
    assert run["taskId"] == server.task_id("demo/square")
    assert run["status"] in ("pending", "running")
    assert run["parentTaskRunId"] == ""
    assert run["rootTaskRunId"] == run["id"]
    assert run["retries"] == 0
    assert run["attempts"][0]["attempt"] == 0
    assert "results" not in run
    assert "input" not in run
    assert "completedAt" not in run


def test_run_by_slug_version_and_id_with_list_and_dict_input(api: Api, server: LocalServer) -> None:
    assert api.run("demo/square", [5])["results"] == [25]
    assert api.run("demo/add", {"a": 2, "b": 3})["results"] == [5]
    assert api.run("demo/square:v1", [3])["results"] == [9]
    assert api.run(server.task_id("demo/add"), [1, 1])["results"] == [2]
    assert api.run("demo/greet", ["Ada"])["results"] == ["Hello, Ada!"]
    assert api.run("custom-flow/renamed:v7", [4])["results"] == [8]


def test_succeeded_details_shape(api: Api) -> None:
    details = api.run("demo/echo", {"x": 1})
    assert details["status"] == "succeeded"
    assert details["input"] == {"x": 1}
    assert details["results"] == [{"args": [], "kwargs": {"x": 1}}]
    assert "error" not in details
    assert RFC3339_Z.match(details["startedAt"])
    assert RFC3339_Z.match(details["completedAt"])
    [attempt] = details["attempts"]
    assert attempt["status"] == "succeeded"
    assert attempt["taskRunId"] == details["id"]
    assert attempt["results"] == details["results"]
    for key in ("startedAt", "enqueuedAt", "completedAt"):
        assert RFC3339_Z.match(attempt[key])


def test_list_return_value_is_wrapped_once(api: Api) -> None:
    assert api.run("custom-flow/pair", [1])["results"] == [[1, 1]]


def test_unknown_task_version_and_malformed_starts(api: Api) -> None:
    url = f"{api.base}/task-runs"
    assert_error(api.http.post(url, json={"task": "demo/nope", "input": []}), 404)
    assert_error(api.http.post(url, json={"task": "nope/square", "input": []}), 404)
    assert_error(api.http.post(url, json={"task": "demo/square:v9", "input": [1]}), 404)
    assert_error(api.http.post(url, json={"task": "tsk-nope", "input": []}), 404)
    assert_error(api.http.post(url, json={"task": "square", "input": []}), 400)
    assert_error(api.http.post(url, json={"input": []}), 400)
    assert_error(api.http.post(url, json={"task": "demo/square", "input": "5"}), 400)
    assert_error(api.http.post(url, json={"task": "demo/square", "input": 5}), 400)
    assert_error(api.http.post(url, json=[1]), 400)
    assert_error(
        api.http.post(url, data=b"{nope", headers={"Content-Type": "application/json"}), 400
    )
    assert_error(api.http.post(url, json={"task": "demo/square", "idempotencyKey": 5}), 400)


# -- outcomes ----------------------------------------------------------------------------


def test_exception_fails_the_run_with_its_text(api: Api) -> None:
    details = api.run("demo/fail", ["boom"])
    assert details["status"] == "failed"
    assert details["error"] == "ValueError: boom"
    assert details["results"] == []
    assert details["attempts"][0]["error"] == "ValueError: boom"


def test_wrong_arity_fails_the_run_at_once_not_the_server(api: Api) -> None:
    details = api.run("demo/flaky", ["k"])  # flaky has retries: still a single attempt
    assert details["status"] == "failed"
    assert details["error"].startswith("TypeError: flaky()")
    assert "fail_times" in details["error"]
    assert len(details["attempts"]) == 1
    assert api.run("demo/square", {"b": 1})["status"] == "failed"
    assert api.run("demo/square", [1])["status"] == "succeeded"


def test_flaky_task_retries_with_real_attempts(api: Api) -> None:
    details = api.run("demo/flaky", [unique(), 2])
    assert details["status"] == "succeeded"
    assert details["retries"] == 2
    statuses = [a["status"] for a in details["attempts"]]
    assert statuses == ["failed", "failed", "succeeded"]
    assert [a["attempt"] for a in details["attempts"]] == [0, 1, 2]
    assert "flaky failure 1 of 2" in details["attempts"][0]["error"]


def test_retries_exhausted_fail_the_run_after_the_last_attempt(api: Api) -> None:
    details = api.run("demo/flaky", [unique(), 10])
    assert details["status"] == "failed"
    assert len(details["attempts"]) == 4  # max_retries=3
    assert details["error"] == details["attempts"][-1]["error"]


def test_run_goes_back_to_pending_between_attempts(api: Api, server: LocalServer) -> None:
    run = api.start("demo/flaky", [unique(), 3])
    seen = set()
    while True:
        status = api.get(run["id"])["status"]
        seen.add(status)
        if status == "succeeded":
            break
    assert "pending" in seen or "running" in seen


def test_per_task_timeout_fails_the_attempt(api: Api) -> None:
    details = api.run("custom-flow/too_slow", [])
    assert details["status"] == "failed"
    assert details["error"].startswith("TimeoutError:")
    assert "0.05" in details["error"]
    assert api.run("custom-flow/too_slow_sync", [])["error"].startswith("TimeoutError:")


def test_non_json_result_fails_the_run(api: Api) -> None:
    assert "JSON" in api.run("custom-flow/not_json", [])["error"]


# -- idempotency -------------------------------------------------------------------------


def test_idempotency_key_returns_the_first_run(api: Api, server: LocalServer) -> None:
    key = unique()
    before = server.runs_created
    first = api.start("demo/square", [2], idempotencyKey=key)
    again = api.start("demo/square", [999], idempotencyKey=key)
    assert again["id"] == first["id"]
    assert server.runs_created == before + 1
    assert api.wait(first["id"])["input"] == [2]
    other_workflow = api.start("custom-flow/pair", [1], idempotencyKey=key)
    assert other_workflow["id"] != first["id"]
    assert api.start("demo/square", [2])["id"] != first["id"]


# -- listing runs --------------------------------------------------------------------------


def test_list_runs_newest_first_paginated_and_filtered(api: Api) -> None:
    ids = [api.start("demo/echo", [i])["id"] for i in range(5)]
    params = [("rootTaskRunId", run_id) for run_id in ids]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page_params = [*params, ("limit", "2"), *([("cursor", cursor)] if cursor else [])]
        page = api.http.get(f"{api.base}/task-runs", params=page_params).json()
        pages += 1
        for item in page:
            assert set(item) == {"taskRun", "cursor"}
            assert "results" not in item["taskRun"]
        seen += [item["taskRun"]["id"] for item in page]
        if len(page) < 2:
            break
        cursor = page[-1]["cursor"]
    assert pages == 3
    assert seen == list(reversed(ids))
    joined = api.http.get(f"{api.base}/task-runs", params={"rootTaskRunId": ",".join(ids)})
    assert [i["taskRun"]["id"] for i in joined.json()] == list(reversed(ids))


def test_list_runs_default_limit_and_task_slug_filter(api: Api, server: LocalServer) -> None:
    for _ in range(21):
        api.start("demo/echo", [])
    assert len(api.http.get(f"{api.base}/task-runs").json()) == 20
    echo = api.http.get(f"{api.base}/task-runs", params={"taskSlug": "demo/echo", "limit": 100})
    assert {i["taskRun"]["taskId"] for i in echo.json()} == {server.task_id("demo/echo")}


def test_list_runs_workflow_owner_and_version_filters(api: Api) -> None:
    pair_run = api.start("custom-flow/pair", [7])
    task = api.http.get(f"{api.base}/tasks/{pair_run['taskId']}").json()
    for name, value in (
        ("workflowId", task["workflowId"]),
        ("workflowVersionId", task["workflowVersionId"]),
    ):
        items = api.http.get(f"{api.base}/task-runs", params={name: value, "limit": 100}).json()
        assert items
        assert {i["taskRun"]["taskId"] for i in items} <= {
            t["task"]["id"]
            for t in api.http.get(
                f"{api.base}/tasks", params={"workflowId": task["workflowId"]}
            ).json()
        }
        assert pair_run["id"] in {i["taskRun"]["id"] for i in items}
    nobody = api.http.get(f"{api.base}/task-runs", params={"ownerId": "tea-x,tea-y"}).json()
    assert nobody == []


# -- get and cancel ------------------------------------------------------------------------


def test_unknown_run_is_404(api: Api) -> None:
    assert_error(api.http.get(f"{api.base}/task-runs/trn-nope"), 404)
    assert_error(api.http.delete(f"{api.base}/task-runs/trn-nope"), 404)


def test_cancel_stops_a_run_at_once(api: Api) -> None:
    run = api.start("demo/slow", [30])
    response = api.http.delete(f"{api.base}/task-runs/{run['id']}")
    assert response.status_code == 204
    assert response.content == b""
    details = api.get(run["id"])
    assert details["status"] == "canceled"
    assert details["results"] == []
    assert "completedAt" in details
    assert details["attempts"][-1]["status"] == "canceled"
    again = assert_error(api.http.delete(f"{api.base}/task-runs/{run['id']}"), 409)
    assert "canceled" in again["message"]


def test_cancel_of_a_finished_run_is_a_conflict(api: Api) -> None:
    details = api.run("demo/square", [1])
    body = assert_error(api.http.delete(f"{api.base}/task-runs/{details['id']}"), 409)
    assert "succeeded" in body["message"]
    assert api.get(details["id"])["status"] == "succeeded"


# -- headers and plumbing ------------------------------------------------------------------


def test_every_response_carries_a_request_id_and_no_rate_limit_by_default(api: Api) -> None:
    run = api.start("demo/square", [1])
    responses = [
        api.http.get(f"{api.base}/tasks"),
        api.http.get(f"{api.base}/task-runs/{run['id']}"),
        api.http.delete(f"{api.base}/task-runs/{run['id']}"),
        api.http.get(f"{api.base}/task-runs/trn-nope"),
        api.http.get(f"{api.base}/nowhere"),
        api.http.put(f"{api.base}/task-runs"),
    ]
    ids = set()
    for response in responses:
        ids.add(response.headers["X-Request-Id"])
        for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
            assert name not in response.headers  # unlimited unless --rate-limit is given
    assert len(ids) == len(responses)
    assert_error(responses[4], 404)
    assert_error(responses[5], 405)
    assert responses[3].json()["id"] == responses[3].headers["X-Request-Id"]


def test_connections_are_counted_by_client_address() -> None:
    # A server of its own: on a shared one, an ephemeral port that an earlier test's
    # connection used may come back, and that address would not count again.
    with serve(demo.demo) as server, requests.Session() as session:
        for _ in range(3):
            session.get(f"{server.base_url}/v1/tasks")
        assert server.connections == 1
        for _ in range(2):
            with requests.Session() as other:
                other.get(f"{server.base_url}/v1/tasks")
        assert server.connections == 3
        assert server.requests[("GET", "/v1/tasks")] == 5


def test_server_side_run_lookup(api: Api, server: LocalServer) -> None:
    details = api.run("demo/square", [4])
    assert server.get_run(details["id"]) == details
    assert server.get_run("trn-nope") is None
    assert server.runs()[0]["id"] == details["id"]
