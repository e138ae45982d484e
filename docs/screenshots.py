"""Screenshots of the dashboard for docs/dashboard.md, light and dark, into docs/img/.

Starts the local server with the bundled demo workflow and a small ``reports`` workflow
whose runs print lines and start subtasks, starts a few runs of every outcome through the
public API, and captures each page in headless Chromium (Debian's ``chromium`` package,
driven by Playwright). Run it with ``nox -s screenshots``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

from render_sdk.local import LocalServer, Workflow, serve
from render_sdk.local.examples import demo

OUT = Path(__file__).parent / "img"
CHROMIUM = os.environ.get("RENDER_SDK_CHROMIUM", "/usr/bin/chromium")


reports = Workflow("reports")


@reports.task
async def chart(section: str) -> str:
    """A leaf of the tree: draws one chart."""
    print(f"drawing the {section} chart")
    await asyncio.sleep(0.2)
    return f"{section}.svg"


@reports.task
async def section(name: str, rows: int) -> dict[str, object]:
    """A subtask that summarizes ``rows`` rows, then starts its chart."""
    print(f"summarizing {rows} rows of {name}")
    picture = await reports.run(chart, name)
    print(f"{name} done")
    return {"section": name, "rows": rows, "chart": picture}


@reports.task
async def build(year: int) -> dict[str, object]:
    """The root of a run tree: one subtask per section of the yearly report."""
    print(f"building the {year} report")
    names = {"sales": 1200, "refunds": 85}
    print(f"{len(names)} sections: {', '.join(names)}")
    parts = await asyncio.gather(*(reports.run(section, n, rows) for n, rows in names.items()))
    print(f"writing report-{year}.pdf")
    return {"year": year, "sections": parts}


def start(server: LocalServer, task: str, input_data: object) -> str:
    response = requests.post(
        f"{server.base_url}/v1/task-runs", json={"task": task, "input": input_data}, timeout=10
    )
    response.raise_for_status()
    return str(response.json()["id"])


def settle(server: LocalServer, run_id: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        run = server.get_run(run_id)
        if run is not None and run["status"] in ("succeeded", "failed", "canceled"):
            return
        time.sleep(0.02)
    raise RuntimeError(f"{run_id} did not finish")


def seed(server: LocalServer) -> dict[str, str]:
    """Runs of every outcome; returns the ids the pages show."""
    for number in (3, 4, 12):
        settle(server, start(server, "demo/square", [number]))
    settle(server, start(server, "demo/greet", {"name": "Ada"}))
    settle(server, start(server, "demo/fail", ["the input was out of range"]))
    canceled = start(server, "demo/slow", [120])
    requests.delete(f"{server.base_url}/v1/task-runs/{canceled}", timeout=10)
    flaky = start(server, "demo/flaky", ["report-7", 2])
    settle(server, flaky)
    settle(server, start(server, "demo/square", [7]))
    root = start(server, "reports/build", [2025])
    settle(server, root)
    tree = next(run["id"] for run in server.runs() if run["parentTaskRunId"] == root)
    running = start(server, "demo/slow", [600])
    time.sleep(1.5)  # a visibly ticking duration
    return {"flaky": flaky, "tree": tree, "running": running}


def shoot(page: Page, name: str, scheme: str) -> None:
    path = OUT / f"dashboard-{name}-{scheme}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with serve([demo.demo, reports]) as server, sync_playwright() as playwright:
        runs = seed(server)
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    viewport={"width": 1200, "height": 760}, color_scheme=scheme
                )
                page = context.new_page()

                def visit(path: str, page: Page = page) -> None:
                    page.goto(server.base_url + path)
                    page.wait_for_selector("html[data-ready]")
                    page.wait_for_timeout(300)

                visit("/")
                shoot(page, "home", scheme)
                visit("/tasks/demo/square")
                shoot(page, "task", scheme)
                page.get_by_role("button", name="Run task").click()
                page.get_by_label("Input (JSON)").fill('[5, {"unit": "cm"}]')
                page.get_by_role("button", name="Format and validate").click()
                page.screenshot(path=str(OUT / f"dashboard-run-dialog-{scheme}.png"))
                print(f"wrote docs/img/dashboard-run-dialog-{scheme}.png")
                visit(f"/runs/{runs['flaky']}")
                shoot(page, "run", scheme)
                visit(f"/runs/{runs['tree']}")
                shoot(page, "tree", scheme)
                visit(f"/runs/{runs['running']}")
                page.get_by_role("button", name="Cancel run").click()
                page.screenshot(path=str(OUT / f"dashboard-cancel-{scheme}.png"))
                print(f"wrote docs/img/dashboard-cancel-{scheme}.png")
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
