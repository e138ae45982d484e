"""Drive both client twins (blocking ``Client`` and ``AsyncClient``) from one plain test.

Reliability tests state each guarantee once and check it on both twins: ``Twin.call``
runs a public method of either client to its result (an ``asyncio`` event loop is made
for each call of the async twin), so a parametrized test reads like blocking code.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import pytest

from render_sdk import AsyncClient, Client
from render_sdk.testing import AsyncFakeClock, AsyncMockTransport, FakeClock, MockTransport

KEY = "rnd_reliability_secret_0123456789"
BASE_URL = "https://api.example.test"


def count_threads() -> int:
    """Threads of this process other than the embedded local server's."""
    return sum(1 for t in threading.enumerate() if not t.name.startswith("render-sdk-local"))


def open_sockets() -> int:
    """Sockets this process has open right now."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed while listing
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


async def _finish(value: Any) -> Any:
    if isinstance(value, AsyncIterator):
        return [item async for item in value]
    if inspect.isawaitable(value):
        value = await value
        if isinstance(value, AsyncIterator):
            return [item async for item in value]
    return value


class Twin:
    """One of the two clients, with helpers that hide sync/async differences."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_async = name == "async"
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop every call of the async twin runs on (one per Twin)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def shutdown(self) -> None:
        """Close the event loop, if one was made."""
        if self._loop is not None:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()
            self._loop = None

    def __repr__(self) -> str:
        return self.name

    def client(self, **options: Any) -> Any:
        """A real client of either kind (options as the constructors take them)."""
        cls = AsyncClient if self.is_async else Client
        return cls(**options)

    def mocked(self, handler: Callable[..., Any], **options: Any) -> tuple[Any, Any, FakeClock]:
        """A client over a mock transport and a fake clock: (client, transport, clock)."""
        transport: Any = (AsyncMockTransport if self.is_async else MockTransport)(handler)
        clock: FakeClock = AsyncFakeClock() if self.is_async else FakeClock()
        options.setdefault("api_key", KEY)
        options.setdefault("base_url", BASE_URL)
        return self.client(transport=transport, clock=clock, **options), transport, clock

    def call(self, value: Any) -> Any:
        """Finish what a public method returned: a value, an awaitable or an iterator."""
        if self.is_async:
            return self.loop.run_until_complete(_finish(value))
        if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict | list):
            return list(value)
        return value

    def close(self, client: Any) -> None:
        """Close a client of either kind."""
        if self.is_async:
            self.loop.run_until_complete(client.aclose())
        else:
            client.close()


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> Iterator[Twin]:
    """Each test runs once with the blocking client and once with the asyncio one."""
    instance = Twin(request.param)
    yield instance
    instance.shutdown()
