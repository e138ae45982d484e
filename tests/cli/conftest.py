"""Run ``python -m render_sdk.cli`` in real subprocesses against the local server."""

from __future__ import annotations

import errno
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from render_sdk import Client
from render_sdk.local import LocalServer

ROOT = Path(__file__).resolve().parents[2]
_RENDER_ENV = ("RENDER_API_KEY", "RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")


def base_env(server: LocalServer | None = None, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: no outer RENDER_* leaks, local server if given."""
    env = {key: value for key, value in os.environ.items() if key not in _RENDER_ENV}
    env.pop("NO_COLOR", None)
    env["PYTHONPATH"] = str(ROOT)
    if server is not None:
        env["RENDER_USE_LOCAL_DEV"] = "true"
        env["RENDER_LOCAL_DEV_URL"] = server.base_url
    env.update(extra)
    return env


@attrs.frozen
class Result:
    """What a CLI subprocess did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        import json

        return json.loads(self.out)


def run_cli(
    *args: str,
    env: Mapping[str, str],
    stdin: str | None = None,
    timeout: float = 30,
) -> Result:
    """Run ``python -m render_sdk.cli ARGS`` with stdout/stderr piped (not a terminal)."""
    proc = subprocess.run(
        [sys.executable, "-m", "render_sdk.cli", *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_cli_tty(*args: str, env: Mapping[str, str], timeout: float = 30) -> Result:
    """Run the CLI with stdout on a pseudo-terminal (stderr piped); collect what it drew."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "render_sdk.cli", *args],
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30"},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
        err = proc.stderr.read().decode() if proc.stderr else ""
    finally:
        os.close(master)
        if proc.stderr:
            proc.stderr.close()
        if proc.poll() is None:  # pragma: no cover - only on a hung child
            proc.kill()
            proc.wait()
    return Result(code, b"".join(chunks).decode(errors="replace"), err)


CLI = Callable[..., Result]


@pytest.fixture
def cli(local_server: LocalServer) -> CLI:
    """``cli("runs", "list", stdin=None)``: the command against the session's local server."""
    env = base_env(local_server)

    def call(*args: str, stdin: str | None = None, timeout: float = 30) -> Result:
        return run_cli(*args, env=env, stdin=stdin, timeout=timeout)

    return call


@pytest.fixture(scope="session")
def sdk(local_server: LocalServer) -> Iterator[Client]:
    """An in-process client of the session's server, to set up runs quickly."""
    with Client(api_key="unused-by-the-local-server", base_url=local_server.base_url) as client:
        yield client


@pytest.fixture
def start_run(sdk: Client) -> Callable[..., str]:
    """Start a run in-process (faster than a subprocess) and return its ID."""

    def start(task: str, input_data: list[Any] | dict[str, Any] | None = None) -> str:
        return sdk.workflows.start_task(task, [] if input_data is None else input_data).id

    return start


def run_cli_interactive(
    *args: str,
    env: Mapping[str, str],
    answer: Callable[[str], str | None],
    timeout: float = 30,
) -> Result:
    """Run the CLI with stdin, stdout and stderr on one pseudo-terminal, like a person.

    ``answer(screen)`` is called with everything shown so far each time more arrives;
    it returns the next line to type (without the newline), or None to wait for more.
    """
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "render_sdk.cli", *args],
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30"},
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            screen += data
            reply = answer(screen.decode(errors="replace"))
            if reply is not None:
                os.write(master, reply.encode() + b"\r")
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if proc.poll() is None:  # pragma: no cover - only on a hung child
            proc.kill()
            proc.wait()
    return Result(code, screen.decode(errors="replace"), "")
