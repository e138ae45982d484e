"""A run's logs and its run tree on the run page, against the real local server.

The tasks print lines (captured by the server as the run's logs) and start subtasks with
``wf.run(...)``; the page reads them through the public API only.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from render_sdk.local import LocalServer
from tests.browser import browser_tasks
from tests.browser.conftest import Dashboard, start, wait_for_status

#: The run tree as the page shows it: [{id, status, task, current, children: [...]}].
READ_TREE = """() => {
  const read = (li) => {
    const item = li.querySelector(':scope > .tree-item');
    const label = item.querySelector('a, [aria-current=page]');
    return {
      id: label.textContent,
      status: item.querySelector('[data-status]').textContent,
      task: item.querySelector('.muted').textContent.trim(),
      current: label.getAttribute('aria-current') === 'page',
      children: [...li.querySelectorAll(':scope > ul > li')].map(read),
    };
  };
  const list = document.querySelector('ul.tree[aria-label="Run tree"]');
  return list ? [...list.querySelectorAll(':scope > li')].map(read) : [];
}"""


def start_tree(server: LocalServer, *, leaves_may_end: bool) -> tuple[str, str]:
    """Start ``fan_out`` with two branches; returns (root run id, gate key)."""
    key = f"tree-{uuid.uuid4().hex}"
    if leaves_may_end:
        browser_tasks.gate(key).release(2)
    return start(server, "browser-demo/fan_out", [key, 2]), key


def tree_runs(server: LocalServer, root_id: str) -> list[dict[str, Any]]:
    """The runs of a tree, oldest first, from the server's records."""
    return [run for run in reversed(server.runs()) if run["rootTaskRunId"] == root_id]


def wait_for_tree(server: LocalServer, root_id: str, size: int, status: str) -> None:
    """Wait until the tree has ``size`` runs and its leaves have ``status``."""
    deadline = time.monotonic() + 10
    while True:
        runs = tree_runs(server, root_id)
        leaves = [run for run in runs if run["taskId"] == leaf_task_id(server)]
        if len(runs) == size and leaves and all(run["status"] == status for run in leaves):
            return
        assert time.monotonic() < deadline, f"the tree of {root_id} never got there: {runs}"
        time.sleep(0.02)


def leaf_task_id(server: LocalServer) -> str:
    return server.state.registry.resolve("browser-demo/hold").id


def expected_tree(server: LocalServer, root_id: str, current: str) -> list[dict[str, Any]]:
    """The tree the page should show, built from the server's parent links."""
    runs = tree_runs(server, root_id)
    names = {task.id: task.name for task in server.state.registry.tasks}

    def node(run: dict[str, Any]) -> dict[str, Any]:
        kids = [child for child in runs if child["parentTaskRunId"] == run["id"]]
        return {
            "id": run["id"],
            "status": run["status"],
            "task": names[run["taskId"]],
            "current": run["id"] == current,
            "children": [node(child) for child in kids],
        }

    return [node(run) for run in runs if run["id"] == root_id]


def shown_tree(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(READ_TREE)
    return result


def statuses(tree: list[dict[str, Any]]) -> list[str]:
    return [s for node in tree for s in [node["status"], *statuses(node["children"])]]


def test_logs_panel_shows_the_lines_in_order_and_new_ones_while_the_run_runs(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    key = f"live-{uuid.uuid4().hex}"
    gate = browser_tasks.gate(key)
    run_id = start(tasks_server, "browser-demo/paced", [key, 3])
    page = dashboard.open(f"/runs/{run_id}")
    page.evaluate("window.samePage = true")
    status = page.locator("#run-status [data-status]")
    lines = page.get_by_role("log", name="Log lines").locator("li .log-message")
    expect(lines).to_have_text(["line 1 of 3"])
    for printed in (2, 3):
        gate.release()  # the run prints its next line now
        expect(lines).to_have_text([f"line {n} of 3" for n in range(1, printed + 1)])
        if printed < 3:
            expect(status).to_have_text("running")
            assert tasks_server.get_run(run_id)["status"] == "running"
    expect(status).to_have_text("succeeded", timeout=8000)
    expect(page.locator("#logs-list li.level-info")).to_have_count(3)
    assert page.evaluate("window.samePage") is True


def test_the_root_run_page_nests_each_subtask_under_its_parent(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    root_id, _ = start_tree(tasks_server, leaves_may_end=True)
    wait_for_status(tasks_server, root_id, "succeeded")
    page = dashboard.open(f"/runs/{root_id}")
    expected = expected_tree(tasks_server, root_id, current=root_id)
    assert [child["task"] for child in expected[0]["children"]] == ["branch", "branch"]
    assert all(len(child["children"]) == 1 for child in expected[0]["children"])
    expect(page.get_by_role("list", name="Run tree").locator("li")).to_have_count(5)
    assert shown_tree(page) == expected
    assert set(statuses(shown_tree(page))) == {"succeeded"}
    expect(page.get_by_text("This run tree has no subtasks.")).to_have_count(0)
    # The root's own lines only: its subtasks' lines are on their pages.
    expect(page.locator("#logs-list .log-message")).to_have_text(["fanning out to 2 branches"])


def test_a_subtask_page_links_to_its_parent_and_root_and_shows_its_place_in_the_tree(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    root_id, key = start_tree(tasks_server, leaves_may_end=True)
    wait_for_status(tasks_server, root_id, "succeeded")
    page = dashboard.open(f"/runs/{root_id}")
    branch = expected_tree(tasks_server, root_id, current="")[0]["children"][1]
    leaf = branch["children"][0]
    page.get_by_role("list", name="Run tree").get_by_role("link", name=leaf["id"]).click()
    page.wait_for_url(f"**/runs/{leaf['id']}")
    page.wait_for_selector("html[data-ready]")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Run {leaf['id']}")
    expect(page.locator("#logs-list .log-message")).to_have_text([f"holding for {key}"])
    assert shown_tree(page) == expected_tree(tasks_server, root_id, current=leaf["id"])
    summary = page.locator("#run-summary")
    expect(summary.get_by_role("link", name=branch["id"])).to_have_count(1)  # the parent
    summary.get_by_role("link", name=root_id).click()  # the root
    page.wait_for_url(f"**/runs/{root_id}")
    page.wait_for_selector("html[data-ready]")
    expect(page.locator("#run-summary")).to_contain_text("none (a root run)")
    page.go_back()
    page.wait_for_selector("html[data-ready]")
    page.locator("#run-summary").get_by_role("link", name=branch["id"]).click()
    page.wait_for_url(f"**/runs/{branch['id']}")
    page.wait_for_selector("html[data-ready]")
    expect(page.locator("#logs-list .log-message")).to_have_text(["branch 1 starts its leaf"])


def test_the_run_tree_follows_status_changes_live(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    root_id, key = start_tree(tasks_server, leaves_may_end=False)
    wait_for_tree(tasks_server, root_id, 5, "running")
    page = dashboard.open(f"/runs/{root_id}")
    page.evaluate("window.samePage = true")
    tree = page.get_by_role("list", name="Run tree")
    expect(tree.locator("[data-status=running]")).to_have_count(5)
    browser_tasks.gate(key).release()  # one leaf ends, then its branch
    expect(tree.locator("[data-status=succeeded]")).to_have_count(2)
    expect(tree.locator("[data-status=running]")).to_have_count(3)
    assert shown_tree(page) == expected_tree(tasks_server, root_id, current=root_id)
    browser_tasks.gate(key).release()  # the other leaf, its branch, then the root
    expect(tree.locator("[data-status=succeeded]")).to_have_count(5)
    assert shown_tree(page) == expected_tree(tasks_server, root_id, current=root_id)
    expect(page.locator("#run-status [data-status]")).to_have_text("succeeded")
    assert page.evaluate("window.samePage") is True
