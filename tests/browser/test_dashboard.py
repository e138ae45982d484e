"""The dashboard in headless Chromium: starting, watching and canceling runs from pages."""

from __future__ import annotations

import json

import requests
from playwright.sync_api import Browser, Request, Route, expect

from render_sdk.local import LocalServer, serve
from tests.browser import browser_tasks
from tests.browser.conftest import Dashboard, open_dashboard, start, wait_for_status


def test_manual_run_flow_from_home_to_a_live_row_at_the_top(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    page = dashboard.open("/")
    page.locator("table.tasks").get_by_role("link", name="slow", exact=True).click()
    page.wait_for_url("**/tasks/browser-demo/slow")
    page.wait_for_selector("html[data-ready]")
    page.evaluate("window.samePage = true")  # proves the row changes without a reload

    page.get_by_role("button", name="Run task").click()
    field = page.get_by_label("Input (JSON)")
    expect(field).to_be_focused()
    field.fill("[0.8]")
    page.get_by_role("button", name="Format and validate").click()
    expect(field).to_have_value("[\n  0.8\n]")
    expect(page.locator("#input-message")).to_have_text("Valid: 1 positional argument(s).")
    page.get_by_role("button", name="Start task").click()

    expect(page.get_by_role("dialog")).to_be_hidden()
    newest = tasks_server.runs()[0]
    assert newest["input"] == [0.8]
    first_row = page.locator("table.runs tbody tr").first
    expect(first_row).to_have_attribute("data-run-id", newest["id"])
    expect(first_row.locator("[data-status]")).to_have_text("succeeded", timeout=8000)
    assert page.evaluate("window.samePage") is True
    assert tasks_server.get_run(newest["id"])["status"] == "succeeded"


def test_invalid_input_is_refused_with_a_message_and_no_request(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    page = dashboard.open("/tasks/browser-demo/square")
    posts: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", record)
    before = tasks_server.runs_created
    page.get_by_role("button", name="Run task").click()
    field = page.get_by_label("Input (JSON)")
    message = page.locator("#input-message")
    cases = {
        "[1,": "Input is not valid JSON",
        "5": "not a number",
        '"five"': "not a string",
        "null": "not null",
        "true": "not a boolean",
        "   ": "Input is empty",
    }
    for text, expected in cases.items():
        field.fill(text)
        page.get_by_role("button", name="Format and validate").click()
        expect(message).to_contain_text(expected)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_value(text)  # left as typed, to be corrected
        page.get_by_role("button", name="Start task").click()
        expect(message).to_contain_text(expected)
        expect(page.get_by_role("dialog")).to_be_visible()
    field.fill("5")
    page.get_by_role("button", name="Start task").click()
    expect(message).to_have_text(
        "Input must be a JSON array (positional arguments) or a JSON object (named arguments),"
        " not a number. For one argument, wrap it: [5]."
    )
    page.wait_for_timeout(200)
    assert posts == []
    assert tasks_server.runs_created == before


def test_named_input_starts_a_run_whose_page_shows_the_results(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    page = dashboard.open("/tasks/browser-demo/greet")
    page.get_by_role("button", name="Run task").click()
    page.get_by_label("Input (JSON)").fill('{"name": "Ada"}')
    page.get_by_role("button", name="Start task").click()
    row = page.locator("table.runs tbody tr").first
    expect(row.locator("[data-status]")).to_have_text("succeeded")
    row.get_by_role("link").click()
    page.wait_for_selector("html[data-ready]")
    run_id = tasks_server.runs()[0]["id"]
    assert page.url.endswith(f"/runs/{run_id}")
    results = page.get_by_role("region", name="Results")
    assert json.loads(results.locator("pre").inner_text()) == ["Hello, Ada!"]
    inputs = page.get_by_role("region", name="Input")
    assert json.loads(inputs.locator("pre").inner_text()) == {"name": "Ada"}
    expect(page.get_by_role("button", name="Cancel run")).to_be_hidden()


def test_run_page_follows_status_and_duration_live(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/slow", [3.0])
    wait_for_status(tasks_server, run_id, "running")
    page = dashboard.open(f"/runs/{run_id}")
    status = page.locator("#run-status [data-status]")
    expect(status).to_have_text("running")
    expect(page.locator("html")).to_have_attribute("data-live-mode", "stream")
    duration = page.locator("#run-summary .duration")
    first = duration.inner_text()
    expect(duration).not_to_have_text(first, timeout=3000)  # ticks while running
    started = page.locator("#run-summary time").first  # relative, exact on hover
    assert started.inner_text().endswith("ago") or started.inner_text() == "just now"
    assert started.get_attribute("title").endswith(f"({started.get_attribute('datetime')})")
    expect(status).to_have_text("succeeded", timeout=8000)
    results = page.get_by_role("region", name="Results")
    assert json.loads(results.locator("pre").inner_text()) == ["done"]
    expect(page.get_by_role("button", name="Cancel run")).to_be_hidden()
    settled = duration.inner_text()
    page.wait_for_timeout(1200)
    assert duration.inner_text() == settled  # a finished run's duration stays put


def test_cancel_from_the_run_page_asks_first_then_cancels(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/slow", [60])
    page = dashboard.open(f"/runs/{run_id}")
    page.get_by_role("button", name="Cancel run").click()
    dialog = page.get_by_role("dialog", name="Cancel this run?")
    expect(dialog).to_be_visible()
    keep = dialog.get_by_role("button", name="Keep running")
    expect(keep).to_be_focused()  # the safe choice has the focus
    keep.click()
    expect(dialog).to_be_hidden()
    assert tasks_server.get_run(run_id)["status"] in ("pending", "running")

    page.get_by_role("button", name="Cancel run").click()
    page.keyboard.press("Escape")  # Escape closes without canceling
    expect(dialog).to_be_hidden()
    assert tasks_server.get_run(run_id)["status"] in ("pending", "running")

    page.get_by_role("button", name="Cancel run").click()
    dialog.get_by_role("button", name="Cancel run").click()
    expect(page.locator("#run-status [data-status]")).to_have_text("canceled")
    expect(page.get_by_role("button", name="Cancel run")).to_be_hidden()
    assert tasks_server.get_run(run_id)["status"] == "canceled"


def test_failed_run_page_shows_the_error_and_the_lines_printed_before_it(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/fail", ["boom"])
    wait_for_status(tasks_server, run_id, "failed")
    page = dashboard.open(f"/runs/{run_id}")
    expect(page.locator("#run-status [data-status]")).to_have_text("failed")
    expect(page.get_by_role("region", name="Error")).to_contain_text("ValueError: boom")
    expect(page.locator("table.attempts")).to_contain_text("ValueError: boom")
    lines = page.get_by_role("log", name="Log lines").locator("li .log-message")
    expect(lines.first).to_have_text("checking the input: boom")
    expect(lines.nth(1)).to_have_text("the input is out of range")
    expect(page.locator("#logs-state")).to_be_hidden()


def test_run_tree_and_root_link_of_a_root_run(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/square", [3])
    wait_for_status(tasks_server, run_id, "succeeded")
    page = dashboard.open(f"/runs/{run_id}")
    tree = page.get_by_role("list", name="Run tree")
    expect(tree.locator("[aria-current=page]")).to_have_text(run_id)
    expect(page.locator("#run-summary")).to_contain_text("none (a root run)")


def test_deep_links_survive_a_reload(dashboard: Dashboard, tasks_server: LocalServer) -> None:
    run_id = start(tasks_server, "browser-demo/square", [4])
    wait_for_status(tasks_server, run_id, "succeeded")
    for path, heading in [
        (f"/runs/{run_id}", f"Run {run_id}"),
        ("/tasks/browser-demo/square", "square"),
        ("/", "Workflows and tasks"),
    ]:
        page = dashboard.open(path)
        page.reload()
        page.wait_for_selector("html[data-ready]")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_unknown_run_and_task_say_so(dashboard: Dashboard) -> None:
    dashboard.allow_console_error(r"status of 404 .*/v1/task-runs/trn-nope")
    page = dashboard.open("/runs/trn-nope")
    expect(page.get_by_role("heading", level=1)).to_have_text("Run not found")
    page = dashboard.open("/tasks/browser-demo/nope")
    expect(page.locator("main")).to_contain_text("This server has no task browser-demo/nope.")


def test_runs_started_elsewhere_appear_on_the_home_page(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    page = dashboard.open("/")
    run_id = start(tasks_server, "browser-demo/slow", [0.3])
    row = page.locator(f"table.runs tr[data-run-id='{run_id}']")
    expect(row).to_be_visible(timeout=8000)
    expect(row.locator("[data-status]")).to_have_text("succeeded", timeout=8000)


def test_polling_takes_over_when_the_events_stream_fails(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    dashboard.allow_console_error(r"status of 503 .*/v1/task-runs/events")
    run_id = start(tasks_server, "browser-demo/slow", [3.0])
    tasks_server.faults.add("GET /v1/task-runs/events=rate:1:503")
    try:
        page = dashboard.open(f"/runs/{run_id}")
        expect(page.locator("html")).to_have_attribute("data-live-mode", "polling")
        expect(page.locator("#run-status [data-status]")).to_have_text("succeeded", timeout=8000)
    finally:
        tasks_server.faults.clear()


def test_api_key_is_asked_for_and_kept_in_session_storage_only(browser: Browser) -> None:
    with serve(browser_tasks.wf, api_key="browser-secret") as server:
        board = open_dashboard(browser, server.base_url)
        board.allow_console_error(r"status of 401")
        page = board.page
        page.goto(server.base_url + "/")
        dialog = page.get_by_role("dialog", name="API key required")
        expect(dialog).to_be_visible()
        key = page.get_by_label("API key", exact=True)
        expect(key).to_be_focused()
        key.fill("wrong-key")
        key.press("Enter")
        expect(page.locator("#key-message")).to_have_text(
            "The server did not accept that key. Try again."
        )
        key.fill("browser-secret")
        dialog.get_by_role("button", name="Use this key").click()
        expect(
            page.locator("table.tasks").get_by_role("link", name="square", exact=True)
        ).to_be_visible()
        assert page.evaluate("Object.values(sessionStorage)") == ["browser-secret"]
        assert page.evaluate("localStorage.length") == 0
        page.reload()
        page.wait_for_selector("html[data-ready]")
        expect(dialog).to_be_hidden()
        # Starting a run sends the key too.
        page.goto(server.base_url + "/tasks/browser-demo/square")
        page.get_by_role("button", name="Run task").click()
        page.get_by_label("Input (JSON)").fill("[6]")
        page.get_by_role("button", name="Start task").click()
        row = page.locator("table.runs tbody tr").first
        expect(row.locator("[data-status]")).to_have_text("succeeded")
        assert server.runs()[0]["results"] == [36]
        page.context.close()
        assert not board.problems, board.problems


def test_server_stopped_banner_appears_and_clears_when_it_is_back(browser: Browser) -> None:
    server = serve(browser_tasks.wf, heartbeat=0.5)
    first = server.__enter__()
    port = first.port
    board = open_dashboard(browser, first.base_url)
    board.allow_console_error(r"ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE")
    board.allow_console_error(r"status of 404")  # the new server does not know the old run
    try:
        run_id = start(first, "browser-demo/slow", [60])
        page = board.open(f"/runs/{run_id}")
        banner = page.locator("#banner")
        expect(banner).to_be_hidden()
        server.__exit__(None, None, None)
        expect(banner).to_be_visible(timeout=8000)
        expect(banner).to_contain_text("The local server stopped answering")
        with serve(browser_tasks.wf, port=port):
            expect(banner).to_be_hidden(timeout=8000)
        page.context.close()
    finally:
        server.__exit__(None, None, None)
    assert not board.problems, board.problems


def test_controls_have_accessible_names_and_work_from_the_keyboard(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    run_id = start(tasks_server, "browser-demo/slow", [60])
    try:
        for path in ("/", "/tasks/browser-demo/square", f"/runs/{run_id}"):
            page = dashboard.open(path)
            unnamed = page.evaluate(
                """() => [...document.querySelectorAll('a, button, input, textarea, select')]
                    .filter((el) => !(el.labels && el.labels.length) &&
                        !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') &&
                        !el.textContent.trim())
                    .map((el) => el.outerHTML)"""
            )
            assert unnamed == [], path
        page = dashboard.open("/tasks/browser-demo/square")
        run_button = page.get_by_role("button", name="Run task")
        for _ in range(30):
            page.keyboard.press("Tab")
            if run_button.evaluate("el => el === document.activeElement"):
                break
        expect(run_button).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_label("Input (JSON)")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        expect(run_button).to_be_focused()  # focus returns to the opener
    finally:
        requests.delete(f"{tasks_server.base_url}/v1/task-runs/{run_id}", timeout=10)


def test_light_and_dark_mode_follow_the_system(browser: Browser, tasks_server: LocalServer) -> None:
    colors = {}
    for scheme in ("light", "dark"):
        board = open_dashboard(browser, tasks_server.base_url, color_scheme=scheme)
        page = board.open("/")
        colors[scheme] = page.evaluate(
            "[getComputedStyle(document.documentElement).backgroundColor,"
            " getComputedStyle(document.body).color]"
        )
        page.context.close()
        assert not board.problems, board.problems
    assert colors["light"] != colors["dark"]
    assert colors["dark"][0] == "rgb(17, 19, 24)"


def test_a_start_whose_answer_was_lost_is_repeated_with_the_same_idempotency_key(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    dashboard.allow_console_error(r"ERR_FAILED")
    page = dashboard.open("/tasks/browser-demo/square")
    bodies: list[dict[str, object]] = []

    def lose_first_answer(route: Route) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.fetch()  # the server starts the run…
            route.abort()  # …but the page never hears back
        else:
            route.continue_()

    page.route("**/v1/task-runs", lose_first_answer)
    before = tasks_server.runs_created
    page.get_by_role("button", name="Run task").click()
    page.get_by_label("Input (JSON)").fill("[11]")
    page.get_by_role("button", name="Start task").click()
    expect(page.locator("#input-message")).to_have_text("The local server is not answering.")
    page.get_by_role("button", name="Start task").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert len(bodies) == 2
    assert bodies[0]["idempotencyKey"] == bodies[1]["idempotencyKey"]
    assert str(bodies[0]["idempotencyKey"]).startswith("dashboard-")
    assert tasks_server.runs_created == before + 1  # started once
    run_id = tasks_server.runs()[0]["id"]
    row = page.locator("table.runs tbody tr").first
    expect(row).to_have_attribute("data-run-id", run_id)
    expect(row.locator("[data-status]")).to_have_text("succeeded")
    expect(page.locator(f"table.runs tr[data-run-id='{run_id}']")).to_have_count(1)


def test_a_rate_limited_request_is_repeated_after_retry_after(
    dashboard: Dashboard, tasks_server: LocalServer
) -> None:
    dashboard.allow_console_error(r"status of 429 .*/v1/tasks\?")
    tasks_server.faults.add("GET /v1/tasks=429:0.3")
    try:
        page = dashboard.open("/")
        expect(
            page.locator("table.tasks").get_by_role("link", name="square", exact=True)
        ).to_be_visible()
    finally:
        tasks_server.faults.clear()
    assert tasks_server.requests[("GET", "/v1/tasks")] >= 2
