"""The ``render_sdk`` pytest plugin: fixtures for testing code that uses render_sdk.

Installed with the package (a ``pytest11`` entry point), so the fixtures are there in any
project that has render_sdk and pytest:

- ``render_server``: the local Render Workflows API server, in a background thread, serving
  the tasks named by the ini option ``render_tasks`` (a module name, or a ``.py`` path
  relative to the rootdir) or by ``@pytest.mark.render_tasks(...)`` on a test, class or
  module (a module, module name, path, or ``Workflow``). One server per tasks source serves
  the whole session; its fault rules are cleared around each test.
- ``render_client`` / ``render_async_client``: a ``Client`` / ``AsyncClient`` bound to it.
  The async one opens its connections in the loop of the test that uses it and closes
  them when that loop ends, so it works with pytest-asyncio and anyio alike.
- ``render_mock``: a ``MockRouter`` with canned answers and no server at all.

This module imports no server, web framework or HTTP library: each fixture imports what it
needs when a test asks for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from render_sdk import AsyncClient, Client
    from render_sdk.local import LocalServer

    from .router import MockRouter

__all__ = ["render_async_client", "render_client", "render_mock", "render_server"]

_INI = "render_tasks"
_KEY = "rnd_render_test_server"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``render_tasks`` ini option."""
    parser.addini(
        _INI,
        "Tasks the render_server fixture serves: a module name, or a .py path relative "
        "to the rootdir (a test can override it with @pytest.mark.render_tasks(...)).",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``render_tasks`` marker."""
    config.addinivalue_line(
        "markers",
        "render_tasks(tasks): what render_server serves for this test: a module, a module "
        "name, a .py path relative to the rootdir, or a render_sdk.local Workflow",
    )


class _Servers:
    """Local servers started so far this session, one per tasks source."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._servers: dict[Any, LocalServer] = {}

    def get(self, source: Any) -> LocalServer:
        key = source if isinstance(source, str) else id(source)
        server = self._servers.get(key)
        if server is None:
            from render_sdk.local import serve

            server = self._stack.enter_context(serve(source, port=0))
            self._servers[key] = server
        return server

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def _render_servers() -> Iterator[_Servers]:
    servers = _Servers()
    try:
        yield servers
    finally:
        servers.close()


def _tasks_source(request: pytest.FixtureRequest) -> Any:
    marker = request.node.get_closest_marker(_INI)
    if marker is not None:
        source = marker.args[0] if marker.args else marker.kwargs.get("tasks")
        if source is None:
            raise pytest.UsageError("@pytest.mark.render_tasks(...) needs the tasks to serve")
    else:
        source = request.config.getini(_INI)
        if not source:
            pytest.fail(
                "render_server has no tasks to serve: set `render_tasks = <module or path.py>` "
                "in the pytest configuration, or mark the test "
                "@pytest.mark.render_tasks(<module, module name, path or Workflow>)",
                pytrace=False,
            )
    if isinstance(source, str) and (source.endswith(".py") or "/" in source):
        return str(Path(request.config.rootpath, source))
    return source


@pytest.fixture
def render_server(
    request: pytest.FixtureRequest, _render_servers: _Servers
) -> Iterator[LocalServer]:
    """The local API server serving this test's tasks (see the module docstring)."""
    server = _render_servers.get(_tasks_source(request))
    server.faults.clear()
    try:
        yield server
    finally:
        server.faults.clear()


@pytest.fixture
def render_client(render_server: LocalServer) -> Iterator[Client]:
    """A ``Client`` of ``render_server``, closed after the test."""
    from render_sdk import Client

    with Client(api_key=_KEY, base_url=render_server.base_url) as client:
        yield client


@pytest.fixture
def render_async_client(render_server: LocalServer) -> AsyncClient:
    """An ``AsyncClient`` of ``render_server`` for async tests.

    Its connections belong to the event loop of the test that first uses it, and are
    closed when that loop shuts down.
    """
    from render_sdk import AsyncClient

    return AsyncClient(api_key=_KEY, base_url=render_server.base_url)


@pytest.fixture
def render_mock() -> MockRouter:
    """A ``MockRouter``: canned runs and errors, no server (``render_mock.client()``)."""
    from .router import MockRouter

    return MockRouter()
