"""Helpers for testing code that uses render_sdk: mock transports and fake clocks."""

from __future__ import annotations

from .clock import AsyncFakeClock, FakeClock
from .transport import AsyncMockTransport, MockTransport, Recorded, json_response

__all__ = [
    "AsyncFakeClock",
    "AsyncMockTransport",
    "FakeClock",
    "MockTransport",
    "Recorded",
    "json_response",
]
