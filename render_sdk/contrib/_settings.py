"""Framework settings -> ``Client`` keyword arguments, checked with clear messages; pure.

Django reads a ``RENDER_SDK`` dict (``API_KEY``, ``TIMEOUT``, ...), Flask reads
``RENDER_*`` keys of ``app.config``; both go through ``client_options``. A value of
``None`` means "not set": the client's own default, or the environment, applies.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._checks import check_int, check_seconds
from .._config import _api_url
from .._polling import PollSchedule
from .._retry import RetryPolicy
from .._transport.base import Timeout
from ..errors import ConfigurationError, InvalidArgumentError

__all__ = ["OPTIONS", "Option", "client_options"]


class _Rejected(Exception):
    """A value that does not fit; the message says what is accepted."""


@attrs.frozen
class Option:
    """One setting: its name without prefix, the ``Client`` argument it feeds, its check."""

    name: str
    argument: str
    accepts: str
    check: Callable[[object], object]


def _api_key(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise _Rejected("a non-empty string")
    return value


def _base_url(value: object) -> object:
    try:
        _api_url(value)
    except ConfigurationError:
        raise _Rejected("an http(s) URL such as 'https://api.render.com'") from None
    return value


def _timeout(value: object) -> object:
    if isinstance(value, list):
        value = tuple(value)  # settings files often spell pairs as lists
    try:
        return Timeout.of(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError):
        raise _Rejected(
            "a positive number of seconds, a (connect, read) pair of them, or a Timeout"
        ) from None


def _count(minimum: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        try:
            return check_int("value", value, minimum=minimum)
        except InvalidArgumentError:
            raise _Rejected(f"an int of {minimum} or more") from None

    return check


def _positive_seconds(value: object) -> object:
    try:
        seconds = check_seconds("value", value)
    except InvalidArgumentError:
        seconds = None
    if not seconds:
        raise _Rejected("a positive number of seconds")
    return seconds


def _instance(cls: type) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, cls):
            raise _Rejected(f"a {cls.__module__.split('.')[0]}.{cls.__name__}")
        return value

    return check


def _wait_strategy(value: object) -> object:
    if value not in ("auto", "events", "poll"):
        raise _Rejected("one of 'auto', 'events', 'poll'")
    return value


def _headers(value: object) -> object:
    if not isinstance(value, Mapping) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise _Rejected("a dict of str header names to str values")
    return dict(value)


def _flag(value: object) -> object:
    if not isinstance(value, bool):
        raise _Rejected("True or False")
    return value


OPTIONS: tuple[Option, ...] = (
    Option("API_KEY", "api_key", "a non-empty string", _api_key),
    Option("BASE_URL", "base_url", "an http(s) URL", _base_url),
    Option("TIMEOUT", "timeout", "seconds, a (connect, read) pair or a Timeout", _timeout),
    Option("MAX_RETRIES", "max_retries", "an int of 0 or more", _count(0)),
    Option("RETRY_POLICY", "retry_policy", "a RetryPolicy", _instance(RetryPolicy)),
    Option("POLL_SCHEDULE", "poll_schedule", "a PollSchedule", _instance(PollSchedule)),
    Option("WAIT_STRATEGY", "wait_strategy", "'auto', 'events' or 'poll'", _wait_strategy),
    Option("EVENT_IDLE_TIMEOUT", "event_idle_timeout", "seconds", _positive_seconds),
    Option("DEFAULT_HEADERS", "default_headers", "a dict of str to str", _headers),
    Option("MAX_INPUT_BYTES", "max_input_bytes", "an int of 1 or more", _count(1)),
    Option("ALLOW_INSECURE_HTTP", "allow_insecure_http", "True or False", _flag),
    Option("LOCAL", "local", "True or False", _flag),
    Option("RATE_LIMIT_PACING", "rate_limit_pacing", "True or False", _flag),
)
"""Every setting a settings file may give, in the order the docs list them."""


def client_options(
    values: Mapping[str, object],
    *,
    prefix: str = "",
    describe: Callable[[str], str],
    reject_unknown: bool,
) -> dict[str, Any]:
    """Check ``values`` and return the ``Client`` keyword arguments they give.

    Keys are the option names with ``prefix`` in front (``"RENDER_"`` for Flask's
    ``app.config``); ``describe(key)`` names a key in messages, e.g.
    ``settings.RENDER_SDK['TIMEOUT']``. With ``reject_unknown``, a key that is no option
    is an error (a typo would otherwise be ignored silently). Raises ConfigurationError
    saying what was wrong and what is accepted; never echoes an API key.
    """
    known = {prefix + option.name: option for option in OPTIONS}
    if reject_unknown:
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigurationError(
                    f"{describe(str(key))} is not a setting of render_sdk{hint}; "
                    f"accepted: {', '.join(known)}"
                )
    options: dict[str, Any] = {}
    for key, option in known.items():
        value = values.get(key)
        if value is None:
            continue
        try:
            options[option.argument] = option.check(value)
        except _Rejected as exc:
            shown = "<hidden>" if option.name == "API_KEY" else repr(value)
            raise ConfigurationError(
                f"{describe(key)} must be {exc}, got {shown}; leave it out or set it to "
                "None to use the default"
                + (" (or RENDER_API_KEY from the environment)" if option.name == "API_KEY" else "")
            ) from None
    return options
