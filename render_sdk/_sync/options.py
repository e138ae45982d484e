# This file is generated from render_sdk/_async/options.py by codegen — do not edit.
"""Every constructor option of the client as one record.

The client keeps the options it was built with in this record, and ``with_options``
copies the record with changes instead of listing the client's attributes again, so an
option added to the constructor cannot be forgotten by the copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from .._clock import Clock
from .._inputs import DEFAULT_MAX_INPUT_BYTES
from .._polling import PollSchedule
from .._retry import RetryPolicy
from .._sentinel import NOT_GIVEN, NotGiven
from .._transport.base import HTTPTransport, Timeout
from .._waitstate import WaitOptions

__all__ = [
    "CONNECTION_OPTIONS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ClientOptions",
    "retry_policy_of",
]

DEFAULT_TIMEOUT = Timeout(connect=5.0, read=30.0)
DEFAULT_MAX_RETRIES = 2

#: Options that decide where requests go and over which connections: a copy made by
#: ``with_options`` shares them with the client it was made from.
CONNECTION_OPTIONS = frozenset(
    {
        "api_key",
        "base_url",
        "local",
        "allow_insecure_http",
        "transport",
        "clock",
        "rate_limit_pacing",
    }
)


@attrs.frozen(kw_only=True)
class ClientOptions:
    """The arguments a client was built with, exactly as given (``NOT_GIVEN`` if not)."""

    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    local: bool | None = None
    timeout: Timeout | float | tuple[float, float] = DEFAULT_TIMEOUT
    max_retries: int | NotGiven = NOT_GIVEN
    retry_policy: RetryPolicy | None = None
    poll_schedule: PollSchedule | None = None
    wait_strategy: Literal["auto", "events", "poll"] = "auto"
    event_idle_timeout: float = 45.0
    wait_options: WaitOptions | None = None
    default_headers: Mapping[str, str] | None = None
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    allow_insecure_http: bool = False
    transport: HTTPTransport | None = None
    clock: Clock | None = None
    rate_limit_pacing: bool = True


def retry_policy_of(options: ClientOptions) -> RetryPolicy:
    """The retry policy: ``retry_policy`` with an explicit ``max_retries`` applied over it."""
    if options.retry_policy is None:
        retries = DEFAULT_MAX_RETRIES if options.max_retries is NOT_GIVEN else options.max_retries
        return RetryPolicy(max_retries=retries)
    if options.max_retries is NOT_GIVEN:
        return options.retry_policy
    return attrs.evolve(options.retry_policy, max_retries=options.max_retries)
