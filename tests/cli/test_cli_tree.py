"""``render-sdk runs tree``: a subtask tree from the public API, plain, JSON and on a terminal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from render_sdk import Client
from render_sdk.local import LocalServer, SubtaskError, Workflow, serve

from .conftest import base_env, run_cli, run_cli_tty

family = Workflow("family")


@family.task
def leaf(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n


@family.task
async def branch(n: int) -> int:
    return sum(await asyncio.gather(*(family.run(leaf, i) for i in range(n))))


@family.task
async def trunk() -> int:
    with contextlib.suppress(SubtaskError):
        await family.run(leaf, -1)
    return sum(await asyncio.gather(family.run(branch, 2), family.run(branch, 1)))


@family.task
async def nap(seconds: float) -> float:
    await asyncio.sleep(seconds)
    return seconds


@family.task
async def napping_parent() -> list[float]:
    return list(await asyncio.gather(family.run(nap, 0.3), family.run(nap, 0.4)))


@pytest.fixture(scope="module")
def family_server() -> Iterator[LocalServer]:
    with serve(family) as server:
        yield server


@pytest.fixture(scope="module")
def root_id(family_server: LocalServer) -> str:
    with Client(api_key="unused", base_url=family_server.base_url) as client:
        return client.workflows.run_task("family/trunk", [], timeout=10).id


def test_tree_prints_every_run_under_its_parent(family_server: LocalServer, root_id: str) -> None:
    result = run_cli("runs", "tree", root_id, env=base_env(family_server))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["trunk", root_id, "succeeded"]
    assert len(lines) == 1 + 3 + 3  # trunk; leaf(-1), branch(2), branch(1); their leaves
    failed = [line for line in lines if "failed" in line]
    assert len(failed) == 1
    assert "ValueError: negative" in failed[0]
    assert failed[0].startswith("├── leaf")
    nested = [line for line in lines if line.startswith(("│   ", "    "))]
    assert len(nested) == 3
    assert all("leaf" in line for line in nested)


def test_tree_json_nests_children_with_the_run_fields(
    family_server: LocalServer, root_id: str
) -> None:
    result = run_cli("runs", "tree", root_id, "--json", env=base_env(family_server))
    assert result.code == 0, result.err
    tree: Any = result.json()
    assert (tree["id"], tree["task"], tree["status"]) == (root_id, "trunk", "succeeded")
    tasks = sorted(child["task"] for child in tree["children"])
    assert tasks == ["branch", "branch", "leaf"]
    for child in tree["children"]:
        assert child["parentTaskRunId"] == root_id
        assert child["rootTaskRunId"] == root_id
    branch_sizes = sorted(len(c["children"]) for c in tree["children"] if c["task"] == "branch")
    assert branch_sizes == [1, 2]


def test_tree_of_a_subtask_shows_the_tree_below_it(
    family_server: LocalServer, root_id: str
) -> None:
    env = base_env(family_server)
    tree: Any = run_cli("runs", "tree", root_id, "--json", env=env).json()
    big = next(c for c in tree["children"] if c["task"] == "branch" and len(c["children"]) == 2)
    sub: Any = run_cli("runs", "tree", big["id"], "--json", "--follow", env=env).json()
    assert sub["id"] == big["id"]
    assert sorted(c["id"] for c in sub["children"]) == sorted(c["id"] for c in big["children"])


def test_tree_on_a_terminal_shows_the_same_runs(family_server: LocalServer, root_id: str) -> None:
    result = run_cli_tty("runs", "tree", root_id, env=base_env(family_server))
    assert result.code == 0, result.err
    assert root_id in result.out
    assert result.out.count("leaf") == 4
    assert "ValueError: negative" in result.out


def test_tree_rejects_a_malformed_run_id(family_server: LocalServer) -> None:
    result = run_cli("runs", "tree", "nope", env=base_env(family_server))
    assert result.code == 2
    assert "trn-" in result.err


def test_follow_waits_until_every_run_of_the_tree_finished(family_server: LocalServer) -> None:
    with Client(api_key="unused", base_url=family_server.base_url) as client:
        run = client.workflows.start_task("family/napping_parent", [])
    result = run_cli("runs", "tree", run.id, "--follow", "--json", env=base_env(family_server))
    assert result.code == 0, result.err
    tree: Any = result.json()
    assert tree["status"] == "succeeded"
    assert [c["status"] for c in tree["children"]] == ["succeeded", "succeeded"]
