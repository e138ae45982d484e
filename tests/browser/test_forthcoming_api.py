"""The run page against API parts this server does not have yet, answered by the browser.

The logs API (``GET /v1/logs``) and subtasks (runs whose ``parentTaskRunId`` is set) are
documented in Render's API; until the local server has them, Playwright answers those
requests with documented shapes, so the page's reading of them is tested now.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Route, expect

from render_sdk.local import LocalServer
from tests.browser.conftest import Dashboard, start, wait_for_status


def log(number: int, message: str, level: str = "info") -> dict[str, Any]:
    return {
        "id": f"log-{number:04d}",
        "message": message,
        "timestamp": f"2025-01-01T12:00:{number:02d}.000Z",
        "labels": [{"name": "level", "value": level}, {"name": "type", "value": "app"}],
    }


def test_logs_are_read_page_by_page_oldest_first_and_followed_while_running(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/slow", [2.5])
    workflow_id = tasks_server.tasks[0].workflow_id
    queries: list[dict[str, list[str]]] = []
    pages = [
        {"hasMore": True, "nextStartTime": "2025-01-01T12:00:02.000Z",
         "nextEndTime": "2025-01-01T13:00:00.000Z", "logs": [log(1, "starting"), log(2, "step 1")]},
        {"hasMore": False, "nextStartTime": "2025-01-01T12:00:03.000Z",
         "nextEndTime": "2025-01-01T13:00:00.000Z", "logs": [log(3, "step 2", "error")]},
    ]  # fmt: skip
    later = {"hasMore": False, "logs": [log(3, "step 2", "error"), log(4, "almost done")]}

    def answer(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        queries.append(query)
        body = pages[len(queries) - 1] if len(queries) <= len(pages) else later
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    dashboard.page.route("**/v1/logs?*", answer)
    page = dashboard.open(f"/runs/{run_id}")
    lines = page.locator("#logs-list li .log-message")
    expect(lines).to_have_text(["starting", "step 1", "step 2", "almost done"], timeout=5000)
    assert page.locator("#logs-list li.level-error").count() == 1
    first, second = queries[0], queries[1]
    assert first["resource"] == [workflow_id]
    assert first["taskRun"] == [run_id]
    assert first["direction"] == ["forward"]
    assert "startTime" not in first
    assert second["startTime"] == ["2025-01-01T12:00:02.000Z"]  # the page's next cursor
    assert second["endTime"] == ["2025-01-01T13:00:00.000Z"]
    expect(page.locator("#run-status [data-status]")).to_have_text("succeeded", timeout=8000)
    page.wait_for_timeout(500)  # the last read, made when the run ended
    reads = len(queries)
    page.wait_for_timeout(1500)
    assert len(queries) == reads  # a finished run's logs are not polled


def test_the_run_tree_nests_subtasks_under_their_parents(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    root_id = start(tasks_server, "browser-demo/square", [2])
    wait_for_status(tasks_server, root_id, "succeeded")
    root = tasks_server.get_run(root_id)
    assert root is not None

    def child(run_id: str, parent: str, status: str) -> dict[str, Any]:
        return {**root, "id": run_id, "parentTaskRunId": parent, "status": status}

    tree = [  # newest first, as the list endpoint answers
        child("trn-grandchild", "trn-child-b", "running"),
        child("trn-child-b", root_id, "succeeded"),
        child("trn-child-a", root_id, "failed"),
        {**root, "parentTaskRunId": ""},
    ]

    def answer(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        if query.get("rootTaskRunId") != [root_id]:
            route.continue_()
            return
        body = [{"taskRun": run, "cursor": f"c{i}"} for i, run in enumerate(tree)]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    dashboard.page.route("**/v1/task-runs?*", answer)
    page = dashboard.open(f"/runs/{root_id}")
    tree_list = page.get_by_role("list", name="Run tree")
    top = tree_list.locator(":scope > li")
    expect(top.locator(":scope > .tree-item [aria-current=page]")).to_have_text(root_id)
    children = top.locator(":scope > ul > li")
    expect(children.locator(":scope > .tree-item a")).to_have_text(["trn-child-a", "trn-child-b"])
    grandchildren = children.nth(1).locator(":scope > ul > li .tree-item a")
    expect(grandchildren).to_have_text(["trn-grandchild"])
    expect(children.nth(0).locator("[data-status]").first).to_have_text("failed")
    expect(page.get_by_text("This run tree has no subtasks.")).to_have_count(0)
