"""Loading task modules, the command line, and import hygiene."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from render_sdk.local import Workflow, serve
from render_sdk.local.registry import collect_workflows

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

BARE_TASKS = textwrap.dedent(
    """
    from render_sdk.local import task

    @task
    def double(x):
        return 2 * x

    @task(name="triple", max_retries=1)
    async def times_three(x):
        return 3 * x
    """
)


def test_bare_task_functions_form_a_workflow_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my_tasks_file.py"
    path.write_text(BARE_TASKS)
    [workflow] = collect_workflows(str(path))
    assert workflow.slug == "my-tasks-file"
    assert set(workflow.tasks) == {"double", "triple"}
    assert workflow.tasks["triple"].options.max_retries == 1


def test_workflow_slug_override_and_default_from_module_name() -> None:
    wf = Workflow()
    wf.task(lambda: 1, name="one")
    assert wf.slug == "test-local-loading-cli"
    [renamed] = collect_workflows(wf, "other")
    assert renamed.slug == "other"
    with pytest.raises(ValueError, match="no tasks"):
        collect_workflows(Workflow("empty"))
    with pytest.raises(ValueError, match="slug"):
        Workflow("Bad Slug")


def test_serving_a_path_with_a_workflow_override(tmp_path: Path) -> None:
    path = tmp_path / "tasks_override.py"
    path.write_text(BARE_TASKS)
    with serve(str(path), workflow="math") as server, requests.Session() as http:
        response = http.post(
            f"{server.base_url}/v1/task-runs", json={"task": "math/triple", "input": [2]}
        )
        assert response.status_code == 202


def test_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "cli_tasks.py"
    path.write_text(BARE_TASKS)
    process = subprocess.Popen(
        [sys.executable, "-m", "render_sdk.local", str(path), "--port", "0", "--heartbeat", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        base_url = first.split("listening on ")[1].split()[0]
        banner = [process.stdout.readline() for _ in range(4)]
        assert any("cli-tasks/double" in line and "tsk-" in line for line in banner)
        with requests.Session() as http:
            assert http.get(f"{base_url}/v1/tasks").status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Stopped." in out
    assert "Traceback" not in err


def test_command_line_rejects_bad_faults_and_modules() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "render_sdk.local", "x", "--faults", "/x=teapot"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert bad.returncode == 2
    assert "--faults" in bad.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "render_sdk.local", "no_such_module_here"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert missing.returncode == 2
    assert "cannot load tasks" in missing.stderr


def test_render_sdk_dev_delegates_to_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from render_sdk.cli import main; main()", "dev", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: render-sdk dev" in result.stdout
    assert "--faults" in result.stdout


# The demo is a client program that ships beside the server, not part of the server.
CLIENT_PROGRAMS = {"demo.py"}


def test_server_code_imports_nothing_of_the_client() -> None:
    for path in (ROOT / "render_sdk" / "local").rglob("*.py"):
        if path.name in CLIENT_PROGRAMS and path.parent.name == "local":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                names = [node.module or ""]
            for name in names:
                if name == "render_sdk" or name.startswith("render_sdk."):
                    assert name.startswith("render_sdk.local"), f"{path} imports {name}"


def test_importing_the_server_adds_only_server_modules() -> None:
    code = textwrap.dedent(
        """
        import sys
        import render_sdk
        assert "starlette" not in sys.modules and "uvicorn" not in sys.modules
        before = {m for m in sys.modules if m.startswith("render_sdk")}
        import render_sdk.local
        assert "uvicorn" not in sys.modules
        import render_sdk.local.server
        added = {m for m in sys.modules if m.startswith("render_sdk")} - before
        assert all(m.startswith("render_sdk.local") for m in added), added
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr
