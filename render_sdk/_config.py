"""Resolve the API key, base URL and local-development mode from arguments and environment."""

from __future__ import annotations

import ipaddress
import os
import platform
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

from ._version import __version__
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "LOCAL_DEV_URL",
    "ResolvedConfig",
    "is_loopback_host",
    "resolve_config",
    "user_agent",
]

DEFAULT_BASE_URL = "https://api.render.com"
LOCAL_DEV_URL = "http://localhost:8120"
_TRUTHY = frozenset({"1", "t", "T", "true", "TRUE", "True"})


@attrs.frozen
class ResolvedConfig:
    """Where to send requests and with which key."""

    api_url: str
    """The API root including ``/v1``, without a trailing slash."""
    api_key: str | None = attrs.field(repr=False)
    local: bool


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_url(origin: object) -> str:
    if not isinstance(origin, str):
        raise ConfigurationError(
            f"base_url must be a string such as {DEFAULT_BASE_URL!r}, got {type(origin).__name__}"
        )
    url = origin.strip().rstrip("/")
    bad = ConfigurationError(
        f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {origin!r}"
    )
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise bad
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number 0-65535
    except ValueError:
        raise bad from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad
    if parts.query or parts.fragment:
        raise ConfigurationError(f"base_url must not have a query or fragment, got {origin!r}")
    return url if url.endswith("/v1") else url + "/v1"


def resolve_config(
    api_key: str | None,
    base_url: str | None,
    *,
    allow_insecure_http: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ResolvedConfig:
    """Combine constructor arguments with ``RENDER_*`` environment variables.

    ``RENDER_USE_LOCAL_DEV`` (truthy) selects ``http://localhost:8120`` or a non-empty
    ``RENDER_LOCAL_DEV_URL``; there the key is optional. An explicit ``base_url`` wins.
    """
    env = os.environ if environ is None else environ
    local = env.get("RENDER_USE_LOCAL_DEV", "") in _TRUTHY
    if base_url is None:
        base_url = (env.get("RENDER_LOCAL_DEV_URL") or LOCAL_DEV_URL) if local else DEFAULT_BASE_URL
    api_url = _api_url(base_url)
    if api_key is None:
        api_key = env.get("RENDER_API_KEY") or None
    if api_key is not None and (not isinstance(api_key, str) or not api_key.strip()):
        raise ConfigurationError("api_key must be a non-empty string")
    if api_key is not None and not all("!" <= ch <= "~" for ch in api_key):
        # Never echo the key: it would end up in logs and tracebacks.
        raise ConfigurationError(
            "api_key contains whitespace, control or non-ASCII characters "
            "(check for a stray newline or space where it was copied from)"
        )
    if api_key is None and not local:
        raise ConfigurationError(
            "no API key: pass Client(api_key=...) or set RENDER_API_KEY; for the local "
            "development server set RENDER_USE_LOCAL_DEV=true, where no key is needed"
        )
    parts = urlsplit(api_url)
    if (
        api_key is not None
        and parts.scheme == "http"
        and not is_loopback_host(parts.hostname or "")
        and not allow_insecure_http
    ):
        raise ConfigurationError(
            f"refusing to send the API key in clear text to {parts.hostname!r} over http://; "
            "use https://, a loopback address, or pass allow_insecure_http=True"
        )
    return ResolvedConfig(api_url=api_url, api_key=api_key, local=local)


def user_agent() -> str:
    """``render-workflows-sdk/<version> (render_sdk; Python <x.y.z>; <system> <machine>)``."""
    python = ".".join(str(part) for part in sys.version_info[:3])
    return (
        f"render-workflows-sdk/{__version__} (render_sdk; Python {python}; "
        f"{platform.system() or sys.platform} {platform.machine()})"
    )
