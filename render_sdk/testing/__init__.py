"""Helpers for testing code that uses render_sdk: a mock API router, mock transports, fake
clocks, and (as the ``render_sdk`` pytest plugin) fixtures built on them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import AsyncFakeClock, FakeClock
    from .router import MockRouter, MockRun
    from .transport import AsyncMockTransport, MockTransport, Recorded, json_response

# Loaded on first use: pytest imports this package for its plugin in every test session of
# every project that has render_sdk installed, and must not pay for what a test never uses.
_EXPORTS = {
    "AsyncFakeClock": ".clock",
    "FakeClock": ".clock",
    "MockRouter": ".router",
    "MockRun": ".router",
    "AsyncMockTransport": ".transport",
    "MockTransport": ".transport",
    "Recorded": ".transport",
    "json_response": ".transport",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'render_sdk.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AsyncFakeClock",
    "AsyncMockTransport",
    "FakeClock",
    "MockRouter",
    "MockRun",
    "MockTransport",
    "Recorded",
    "json_response",
]
