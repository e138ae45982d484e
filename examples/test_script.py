"""examples/script.py, run as a user would run it, against a local Render server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from render_sdk.local import LocalServer, serve

SCRIPT = Path(__file__).with_name("script.py")


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with serve("render_sdk.local.examples.demo") as local:
        yield local


def run_script(server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RENDER_API_KEY", "RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")
    }
    env.update(RENDER_USE_LOCAL_DEV="true", RENDER_LOCAL_DEV_URL=server.base_url)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_script_prints_each_square(server: LocalServer) -> None:
    done = run_script(server, "3", "4")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" (run ")[0] for line in lines] == [
        "3.0 squared is 9.0",
        "4.0 squared is 16.0",
    ]


def test_bad_arguments_exit_2_with_usage(server: LocalServer) -> None:
    done = run_script(server, "three")
    assert done.returncode == 2
    assert "usage:" in done.stderr
