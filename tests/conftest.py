"""Shared fixtures: local Render Workflows API servers on free loopback ports.

The fixtures are plain (sync) fixtures, so the async client tests and their generated
blocking twin use them the same way. Servers run the bundled ``demo`` workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from render_sdk.local import LocalServer, serve
from render_sdk.local.examples import demo

# tests/plugin runs small pytest sessions of its own, as users of the render_sdk plugin do.
pytest_plugins = ["pytester"]

#: The bearer key the ``auth_server`` fixture requires.
AUTH_KEY = "rnd_integration_secret_key"

#: Seconds between heartbeat comments on event streams (short, so streams stay lively).
HEARTBEAT = 0.05

_RENDER_ENV = ("RENDER_API_KEY", "RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """One local server for the whole session: the demo tasks, no auth, no faults."""
    with serve(demo.demo, port=0, heartbeat=HEARTBEAT) as server:
        yield server


@pytest.fixture
def server(local_server: LocalServer) -> Iterator[LocalServer]:
    """The shared local server with no fault rules before and after the test."""
    local_server.faults.clear()
    yield local_server
    local_server.faults.clear()


@pytest.fixture(scope="session")
def auth_server() -> Iterator[LocalServer]:
    """A local server that requires ``Authorization: Bearer AUTH_KEY``."""
    with serve(demo.demo, port=0, heartbeat=HEARTBEAT, api_key=AUTH_KEY) as server:
        yield server


@pytest.fixture
def clean_render_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ``RENDER_*`` variables from the outer environment leak into the test."""
    for name in _RENDER_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture(scope="session")
def auth_key() -> str:
    """The key ``auth_server`` accepts."""
    return AUTH_KEY


_BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect the browser tests (they need Chromium) only when a path inside them is given.

    ``pytest tests/browser`` (the ``browser`` nox session) runs them; ``pytest`` alone,
    as the ``tests`` sessions on every Python run it, leaves them out.
    """
    if collection_path != _BROWSER_TESTS:
        return None
    for arg in config.args:
        given = Path(arg.split("::", 1)[0]).resolve()
        if given == _BROWSER_TESTS or _BROWSER_TESTS in given.parents:
            return None
    return True
