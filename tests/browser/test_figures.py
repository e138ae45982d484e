"""The dashboard's figures: first paint with 1,000 runs stored, and 10,000 runs paged."""

from __future__ import annotations

import functools
import http.server
import statistics
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from render_sdk.local import LocalServer, serve
from tests.browser import browser_tasks
from tests.browser.conftest import open_dashboard, seed_finished_runs

#: The budget from the requirements; the assertion keeps a margin below it.
FIRST_PAINT_BUDGET_MS = 300
PAGE_SIZE = 50


@pytest.fixture(scope="module")
def big_server() -> Iterator[LocalServer]:
    """10,000 finished runs of ``square`` and 1,000 of ``greet`` (11,000 stored)."""
    with serve(browser_tasks.wf) as server:
        seed_finished_runs(server, "browser-demo/square", 10_000)
        seed_finished_runs(server, "browser-demo/greet", 1_000)
        yield server


@pytest.fixture(scope="module")
def bare_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A one-line static page on a stdlib server: the floor for a first paint right now."""
    folder = tmp_path_factory.mktemp("bare")
    (folder / "index.html").write_text("<!doctype html><title>bare</title><p>Loading…</p>")
    (folder / "favicon.ico").write_bytes(b"")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        httpd.shutdown()
        thread.join()


def first_paint(browser: Browser, url: str) -> dict[str, float]:
    """Load ``url`` in a cold context; the first paint and, on the dashboard, data shown."""
    board = open_dashboard(browser, url, check_requests="/index.html" not in url)
    page = board.page
    page.goto(url)
    page.wait_for_function("performance.getEntriesByType('paint').length > 0")
    if "/index.html" not in url:
        page.wait_for_selector("html[data-ready]")
        expect(page.locator("table.runs tbody tr")).to_have_count(20)
    timing: dict[str, float] = page.evaluate(
        """() => ({
            paint: performance.getEntriesByType('paint')[0].startTime,
            ready: (performance.getEntriesByName('dashboard-ready')[0] || {}).startTime ?? -1,
        })"""
    )
    page.context.close()
    assert not board.problems, board.problems
    return timing


def test_first_paint_of_home_with_1000_runs_stored(browser: Browser, bare_page_url: str) -> None:
    with serve(browser_tasks.wf) as server:
        seed_finished_runs(server, "browser-demo/square", 1_000)
        home, bare = [], []
        for _ in range(5):  # alternated with the bare page: the machine's load hits both
            bare.append(first_paint(browser, bare_page_url)["paint"])
            home.append(first_paint(browser, server.base_url + "/"))
    paints = [t["paint"] for t in home]
    ready = [t["ready"] for t in home]
    print(
        f"\nfirst paint of / with 1,000 runs: median {statistics.median(paints):.0f} ms "
        f"(best {min(paints):.0f}), bare static page median {statistics.median(bare):.0f} ms "
        f"(ratio {statistics.median(paints) / statistics.median(bare):.2f}); "
        f"recent runs shown after {statistics.median(ready):.0f} ms (median); "
        f"all: {[round(p) for p in paints]} vs {[round(b) for b in bare]}"
    )
    # The budget is 300 ms; the best cold load must beat it with a 20% margin.
    assert min(paints) < FIRST_PAINT_BUDGET_MS * 0.8, paints
    assert statistics.median(paints) < FIRST_PAINT_BUDGET_MS, paints


def test_runs_table_with_10000_runs_loads_pages_and_stays_bounded(
    browser: Browser, big_server: LocalServer
) -> None:
    board = open_dashboard(browser, big_server.base_url)
    begin = time.perf_counter()
    page = board.open("/tasks/browser-demo/square")
    rows = page.locator("table.runs tbody tr")
    expect(rows).to_have_count(PAGE_SIZE)
    opened = time.perf_counter() - begin
    assert rows.first.get_attribute("data-run-id") == big_server.runs()[1_000]["id"]
    load_more = page.get_by_role("button", name="Load more runs")
    loads = []
    for pages in range(2, 6):
        load_more.scroll_into_view_if_needed()
        started = time.perf_counter()
        load_more.click()
        expect(rows).to_have_count(PAGE_SIZE * pages)
        loads.append(time.perf_counter() - started)
    # Newest first, no duplicates, no gaps: the inputs count down from 9,999.
    ids = page.eval_on_selector_all("table.runs tbody tr", "rows => rows.map(r => r.dataset.runId)")
    expected = [run["id"] for run in big_server.runs()[1_000 : 1_000 + PAGE_SIZE * 5]]
    assert ids == expected
    dom_rows = page.evaluate("document.querySelectorAll('tr').length")
    page.mouse.wheel(0, 20_000)
    scroll_ms = page.evaluate(
        """() => new Promise((resolve) => {
            const start = performance.now();
            let frames = 0;
            const step = () => {
                window.scrollBy(0, 200);
                if (++frames < 60) requestAnimationFrame(step);
                else resolve((performance.now() - start) / frames);
            };
            requestAnimationFrame(step);
        })"""
    )
    page.context.close()
    assert not board.problems, board.problems
    print(
        f"\ntask with 10,000 runs: page open {opened * 1000:.0f} ms, load more "
        f"{', '.join(f'{s * 1000:.0f}' for s in loads)} ms, {dom_rows} table rows in the DOM "
        f"after 5 pages, {scroll_ms:.1f} ms per scrolled frame"
    )
    assert dom_rows <= PAGE_SIZE * 5 + 10  # only what was asked for: never all 10,000
    assert max(loads) < 2.0
    assert scroll_ms < 50


def test_home_with_11000_runs_shows_only_the_recent_ones(
    browser: Browser, big_server: LocalServer
) -> None:
    board = open_dashboard(browser, big_server.base_url)
    page = board.open("/")
    expect(page.locator("table.runs tbody tr")).to_have_count(20)
    page.context.close()
    assert not board.problems, board.problems
