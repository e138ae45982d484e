"""In-process subtasks: ``wf.run`` / ``wf.run_sync`` build the same trees as ``ctx.run``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import requests

from render_sdk.local import LocalServer, SubtaskError, Workflow, run_subtask, serve

from .conftest import Api
from .procs import eventually

tree = Workflow("tree")


@tree.task
def square(a: int) -> int:
    return a * a


@tree.task
async def total(n: int) -> int:
    parts = await asyncio.gather(*(tree.run(square, i) for i in range(n)))
    return sum(parts)


@tree.task
async def nested(numbers: list[int]) -> int:
    sums = await asyncio.gather(*(tree.run("total", n) for n in numbers))
    return sum(sums)


@tree.task
def total_sync(n: int) -> int:
    return sum(tree.run_sync(square, a=i) for i in range(n))


@tree.task
def boom() -> None:
    raise ValueError("boom")


@tree.task
async def calls_boom() -> str:
    try:
        await tree.run(boom)
    except SubtaskError as exc:
        return f"caught {exc.status}: {exc}"
    return "not raised"


@tree.task
async def same_key_twice() -> list[str]:
    await tree.run(square, 3, idempotency_key="only-once")
    await tree.run(square, 4, idempotency_key="only-once")
    return ["done"]


@tree.task
async def wait_forever() -> None:
    await asyncio.sleep(3600)


@tree.task
async def parent_of_waiter() -> None:
    await tree.run(wait_forever)


@tree.task
async def nap(seconds: float) -> float:
    await asyncio.sleep(seconds)
    return seconds


@tree.task
async def parent_of_nap() -> float:
    return float(await tree.run(nap, 0.5))


@pytest.fixture(scope="module")
def tree_server() -> Iterator[LocalServer]:
    with serve(tree) as server:
        yield server


@pytest.fixture
def tapi(tree_server: LocalServer) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(session, tree_server.base_url)


def runs_under(api: Api, root: str) -> list[dict[str, object]]:
    items = api.http.get(f"{api.base}/task-runs", params={"rootTaskRunId": root}).json()
    return [item["taskRun"] for item in items]


def test_subtasks_are_runs_with_parent_and_root_ids(tapi: Api) -> None:
    run = tapi.run("tree/total", [3])
    assert run["results"] == [0 + 1 + 4]
    runs = runs_under(tapi, run["id"])
    subtasks = [r for r in runs if r["id"] != run["id"]]
    assert len(subtasks) == 3
    assert all(r["parentTaskRunId"] == run["id"] for r in subtasks)
    assert all(r["rootTaskRunId"] == run["id"] for r in subtasks)
    assert sorted(tapi.get(str(r["id"]))["results"][0] for r in subtasks) == [0, 1, 4]


def test_grandchildren_keep_the_root_of_the_tree(tapi: Api) -> None:
    run = tapi.run("tree/nested", [[1, 2]])
    assert run["results"] == [0 + (0 + 1)]
    runs = runs_under(tapi, run["id"])
    assert len(runs) == 1 + 2 + 3
    middle = {r["id"] for r in runs if r["parentTaskRunId"] == run["id"]}
    assert len([r for r in runs if r["parentTaskRunId"] in middle]) == 3


def test_sync_tasks_run_subtasks_with_keyword_input(tapi: Api) -> None:
    run = tapi.run("tree/total_sync", [3])
    assert run["results"] == [5]
    inputs = [tapi.get(str(r["id"]))["input"] for r in runs_under(tapi, run["id"])[:-1]]
    assert sorted(i["a"] for i in inputs) == [0, 1, 2]


def test_a_failed_subtask_raises_in_its_parent(tapi: Api) -> None:
    run = tapi.run("tree/calls_boom", [])
    (message,) = run["results"]
    assert message.startswith("caught failed: subtask tree/boom")
    assert "ValueError: boom" in message


def test_an_idempotency_key_starts_one_subtask(tapi: Api) -> None:
    run = tapi.run("tree/same_key_twice", [])
    subtasks = [r for r in runs_under(tapi, run["id"]) if r["id"] != run["id"]]
    assert len(subtasks) == 1


def test_canceling_a_run_cancels_its_unfinished_subtasks(
    tapi: Api, tree_server: LocalServer
) -> None:
    run = tapi.start("tree/parent_of_waiter", [])

    def child_started() -> bool:
        return any(r["parentTaskRunId"] == run["id"] for r in tree_server.runs())

    eventually(child_started, what="the subtask")
    assert tapi.http.delete(f"{tapi.base}/task-runs/{run['id']}").status_code == 204
    (child,) = [r for r in tree_server.runs() if r["parentTaskRunId"] == run["id"]]
    assert child["status"] == "canceled"
    assert tapi.get(run["id"])["status"] == "canceled"


def test_run_subtask_outside_a_task_says_where_it_belongs() -> None:
    with pytest.raises(RuntimeError, match="from inside a task function"):
        asyncio.run(run_subtask("square", 1))


def test_mixing_positional_and_keyword_input_is_refused(tapi: Api) -> None:
    mixed = Workflow("mixed")

    @mixed.task
    async def bad() -> None:
        await mixed.run(square, 1, a=2)

    with serve([tree, mixed]) as server, requests.Session() as session:
        run = Api(session, server.base_url).run("mixed/bad", [])
    assert run["status"] == "failed"
    assert "not both" in run["error"]


def test_a_subtask_has_its_own_events_stream(tapi: Api, tree_server: LocalServer) -> None:
    run = tapi.start("tree/parent_of_nap", [])

    def child() -> list[dict[str, object]]:
        return [r for r in tree_server.runs() if r["parentTaskRunId"] == run["id"]]

    eventually(lambda: bool(child()), what="the subtask")
    child_id = str(child()[0]["id"])
    stream = tapi.http.get(
        f"{tapi.base}/task-runs/events", params={"taskRunIds": child_id}, stream=True, timeout=10
    )
    with stream:
        assert stream.status_code == 200
        event = None
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event == "task.completed":
                data = json.loads(line[len("data: ") :])
                break
    assert data["id"] == child_id
    assert data["status"] == "succeeded"
    assert (data["parentTaskRunId"], data["rootTaskRunId"]) == (run["id"], run["id"])
    assert tapi.wait(run["id"])["results"] == [0.5]
