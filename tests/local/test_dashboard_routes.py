"""The dashboard's files as the local server serves them (the pages themselves: tests/browser)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from render_sdk.local import LocalServer, serve
from render_sdk.local.dashboard import is_dashboard_path, load_assets
from render_sdk.local.examples import demo

PAGES = ["/", "/tasks/demo/square", "/tasks/demo/square/", "/runs/trn-abc", "/runs/trn-abc/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_path_answers_the_page_shell(server: LocalServer, path: str) -> None:
    response = requests.get(server.base_url + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/dashboard/main.js"></script>' in response.text
    assert "<style>" in response.text  # the stylesheet comes inline, for a quick first paint


def test_assets_have_their_content_types_and_revalidate_by_etag(server: LocalServer) -> None:
    for name, kind in [("main.js", "text/javascript"), ("app.css", "text/css")]:
        response = requests.get(f"{server.base_url}/dashboard/{name}", timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(kind)
        assert response.headers["cache-control"] == "no-cache"
        again = requests.get(
            f"{server.base_url}/dashboard/{name}",
            headers={"If-None-Match": response.headers["etag"]},
            timeout=10,
        )
        assert again.status_code == 304
        assert again.content == b""


def test_the_policy_allows_this_origin_only_and_the_inline_style_by_hash(
    server: LocalServer,
) -> None:
    policy = requests.get(server.base_url + "/", timeout=10).headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy)
    assert "script-src" not in policy  # scripts fall back to 'self': no inline script


def test_unknown_assets_and_traversal_are_not_found(server: LocalServer) -> None:
    for path in [
        "/dashboard/nope.js",
        "/dashboard/../app.py",
        "/dashboard/%2e%2e/app.py",
        "/dashboard/",
        "/dashboard/index.html",
        "/runs/a/b",
    ]:
        response = requests.get(server.base_url + path, timeout=10)
        assert response.status_code == 404, path


def test_only_get_and_head_are_answered(server: LocalServer) -> None:
    head = requests.head(server.base_url + "/", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    post = requests.post(server.base_url + "/", timeout=10)
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


def test_api_paths_are_never_taken_by_the_dashboard(server: LocalServer) -> None:
    for path in ["/v1/tasks", "/v1/task-runs", "/v1/task-runs/events", "/v1/logs", "/v1"]:
        assert not is_dashboard_path(path)
    response = requests.get(server.base_url + "/v1/tasks", timeout=10)
    assert response.headers["content-type"] == "application/json"
    missing = requests.get(server.base_url + "/v1/task-runs/trn-missing", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_pages_load_without_the_key_while_the_api_requires_it() -> None:
    with serve(demo.demo, api_key="dashboard-key") as server:
        assert requests.get(server.base_url + "/", timeout=10).status_code == 200
        assert requests.get(server.base_url + "/dashboard/api.js", timeout=10).status_code == 200
        assert requests.get(server.base_url + "/v1/tasks", timeout=10).status_code == 401


def test_every_shipped_file_is_served() -> None:
    names = set(load_assets())
    assert {"index.html", "app.css", "main.js", "api.js", "sse.js", "live.js"} <= names
    assert {"home.js", "task.js", "run.js", "logs.js", "runs-table.js", "favicon.svg"} <= names


def test_the_command_line_prints_the_dashboard_url_it_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "render_sdk.local", "render_sdk.local.examples.demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        dashboard = next(line for line in lines if line.startswith("Dashboard: "))
        url = dashboard.split()[1]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        page = requests.get(url, timeout=10)
        assert page.status_code == 200
        assert "<title>Render Workflows · local dashboard</title>" in page.text
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
