"""The run page against exact documented answers of the logs API, given by the browser.

The tests against the real server (``test_run_logs_and_tree.py``) show a run's lines;
these pin what the local server does not produce on demand: Render's paging of
``GET /v1/logs`` (``hasMore`` with ``nextStartTime`` / ``nextEndTime`` sent back as the
next query's bounds), levels, and a server without the logs API (404). Playwright answers
the logs requests; everything else goes to the local server.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Route, expect

from render_sdk.local import LocalServer
from tests.browser.conftest import Dashboard, start


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


def test_a_server_without_the_logs_api_gets_a_quiet_notice_and_no_polling(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    dashboard.allow_console_error(r"status of 404 .*/v1/logs\?")
    run_id = start(tasks_server, "browser-demo/slow", [2.0])
    reads: list[str] = []

    def not_served(route: Route) -> None:
        reads.append(route.request.url)
        body = {"message": "not found", "code": "not_found"}
        route.fulfill(status=404, content_type="application/json", body=json.dumps(body))

    dashboard.page.route("**/v1/logs?*", not_served)
    page = dashboard.open(f"/runs/{run_id}")
    expect(page.locator("#logs-state")).to_have_text(
        "No logs available: this server does not serve run logs."
    )
    expect(page.locator("#logs-list li")).to_have_count(0)
    expect(page.locator("#run-status [data-status]")).to_have_text("succeeded", timeout=8000)
    assert len(reads) == 1  # not asked again, neither while running nor at the end
