"""Fixtures for the dashboard's browser tests: Debian's Chromium driven by Playwright.

Chromium comes from the system (``apt-get install chromium``), never from
``playwright install``; ``RENDER_SDK_CHROMIUM`` points elsewhere if needed. Every page
opened through the ``dashboard`` fixture fails its test on a JavaScript error or a
console error, except the resource errors a test declares it expects.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from playwright.sync_api import Request as PlaywrightRequest

from render_sdk.local import LocalServer, serve
from render_sdk.local.dashboard import is_dashboard_path
from render_sdk.local.store import AttemptRecord
from tests.browser import browser_tasks

CHROMIUM = os.environ.get("RENDER_SDK_CHROMIUM", "/usr/bin/chromium")

#: The public API the pages may call: the same endpoints as any client, nothing private.
PUBLIC_API = re.compile(r"^/v1/(tasks(/[^/]+)?|task-runs(/events|/[^/]+)?|logs)$")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (Python API)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium from the system package."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium) or set RENDER_SDK_CHROMIUM"
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def tasks_server() -> Iterator[LocalServer]:
    """A local server with the browser tasks, shared by the tests that only add runs."""
    with serve(browser_tasks.wf, heartbeat=0.5) as server:
        yield server


@dataclass
class Dashboard:
    """A browser page on a server's dashboard that records JavaScript and console errors."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow_console_error(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (searched in "text url")."""
        self.allowed.append(re.compile(pattern))

    def open(self, path: str) -> Page:
        """Load a dashboard page and wait until it has rendered its data."""
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("html[data-ready]")
        return self.page

    def on_request(self, request: PlaywrightRequest) -> None:
        url = urlsplit(request.url)
        if url.scheme == "data":
            return
        base = urlsplit(self.base_url)
        if (url.scheme, url.netloc) != (base.scheme, base.netloc):
            self.problems.append(f"request to another origin: {request.url}")
        elif not (is_dashboard_path(url.path) or PUBLIC_API.match(url.path)):
            self.problems.append(f"request outside the pages and the public API: {request.url}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        where = message.location.get("url", "")
        text = f"{message.text} {where}"
        if not any(pattern.search(text) for pattern in self.allowed):
            self.problems.append(f"console {message.type}: {text}")


def open_dashboard(
    browser: Browser, base_url: str, *, check_requests: bool = True, **context_options: object
) -> Dashboard:
    """A fresh browser context (own session storage) on ``base_url``, errors recorded.

    With ``check_requests``, any request to another origin, or to a path that is neither
    a dashboard page or asset nor a public API endpoint, counts as an error.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    dashboard = Dashboard(page=page, base_url=base_url)
    page.on("pageerror", lambda exc: dashboard.problems.append(f"page error: {exc}"))
    page.on("console", dashboard.on_console)
    if check_requests:
        page.on("request", dashboard.on_request)
    return dashboard


@pytest.fixture
def dashboard(browser: Browser, tasks_server: LocalServer) -> Iterator[Dashboard]:
    """The shared server's dashboard in a fresh tab; fails the test on any page error."""
    board = open_dashboard(browser, tasks_server.base_url)
    yield board
    board.page.context.close()
    assert not board.problems, "JavaScript or console errors:\n" + "\n".join(board.problems)


def seed_finished_runs(server: LocalServer, slug: str, count: int) -> None:
    """Store ``count`` succeeded runs of ``slug`` directly (fast: no execution, no HTTP)."""
    task = server.state.registry.resolve(slug)
    store = server.state.store
    base = datetime.now(timezone.utc) - timedelta(seconds=count)
    for number in range(count):
        run, _ = store.create(task, [number], None)
        started = base + timedelta(seconds=number)
        ended = started + timedelta(milliseconds=5 + number % 50)
        with store.lock:
            run.status = "succeeded"
            run.started_at, run.completed_at = started, ended
            run.results = [number * number]
            run.attempts.append(
                AttemptRecord(
                    0,
                    status="succeeded",
                    enqueued_at=started,
                    started_at=started,
                    completed_at=ended,
                    results=[number * number],
                )
            )


def start(server: LocalServer, slug: str, input_data: object) -> str:
    """Start a run through the API (as another client would); returns its id."""
    response = requests.post(
        f"{server.base_url}/v1/task-runs", json={"task": slug, "input": input_data}, timeout=10
    )
    response.raise_for_status()
    return str(response.json()["id"])


def wait_for_status(server: LocalServer, run_id: str, status: str, timeout: float = 10) -> None:
    """Wait (reading the server's records) until the run has ``status``."""
    deadline = time.monotonic() + timeout
    while (run := server.get_run(run_id)) is None or run["status"] != status:
        assert time.monotonic() < deadline, f"{run_id} never reached {status}: {run}"
        time.sleep(0.02)
