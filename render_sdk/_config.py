"""Resolve the API key, base URL and local-development mode from arguments and environment."""

from __future__ import annotations

import ipaddress
import os
import platform
import sys
import warnings
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

from ._version import __version__
from .errors import ConfigurationError, MissingAPIKeyError, RenderWarning

__all__ = [
    "DEFAULT_BASE_URL",
    "LOCAL_DEV_FALSE",
    "LOCAL_DEV_TRUE",
    "LOCAL_DEV_URL",
    "LocalDevSetting",
    "ResolvedConfig",
    "is_loopback_host",
    "local_dev_setting",
    "local_server_hint",
    "resolve_config",
    "user_agent",
]

DEFAULT_BASE_URL = "https://api.render.com"
LOCAL_DEV_URL = "http://localhost:8120"
#: The spellings of ``RENDER_USE_LOCAL_DEV`` that Render's tools read as true and false
#: (Go's ``strconv.ParseBool``); any other non-empty value is warned about and is false.
LOCAL_DEV_TRUE = ("1", "t", "T", "true", "TRUE", "True")
LOCAL_DEV_FALSE = ("0", "f", "F", "false", "FALSE", "False")


@attrs.frozen
class LocalDevSetting:
    """What the environment says about local development."""

    url: str | None
    """The local server's origin, or None when local mode is off."""
    source: str | None = None
    """The variable that decided the URL (for error messages)."""
    warning: str | None = None
    """Why a ``RENDER_USE_LOCAL_DEV`` value was ignored, when it was."""


def local_dev_setting(environ: Mapping[str, str]) -> LocalDevSetting:
    """Render's rule: a non-empty ``RENDER_LOCAL_DEV_URL`` alone turns local mode on.

    Otherwise ``RENDER_USE_LOCAL_DEV`` set to a true value (``1``, ``t``, ``T``,
    ``true``, ``TRUE``, ``True``) selects ``http://localhost:8120``; an empty or false
    value leaves local mode off, and any other value does too, with a warning.
    """
    url = environ.get("RENDER_LOCAL_DEV_URL", "")
    if url:
        return LocalDevSetting(url, "RENDER_LOCAL_DEV_URL")
    flag = environ.get("RENDER_USE_LOCAL_DEV", "")
    if flag in LOCAL_DEV_TRUE:
        return LocalDevSetting(LOCAL_DEV_URL, "RENDER_USE_LOCAL_DEV")
    if flag == "" or flag in LOCAL_DEV_FALSE:
        return LocalDevSetting(None)
    return LocalDevSetting(
        None,
        warning=(
            f"RENDER_USE_LOCAL_DEV={flag!r} is not a recognized value, so local development "
            f"mode stays off; use one of {', '.join(LOCAL_DEV_TRUE)} to turn it on, or one "
            f"of {', '.join(LOCAL_DEV_FALSE)} (or unset it) to turn it off"
        ),
    )


def local_server_hint(api_url: str) -> str:
    """What to say when the local development server at ``api_url`` refuses connections."""
    origin = api_url[: -len("/v1")] if api_url.endswith("/v1") else api_url
    return (
        f"is the local development server running at {origin}? Start one with "
        "`render-sdk dev my_tasks.py` (or Render's `render workflows dev`)"
    )


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
    local: bool | None = None,
    allow_insecure_http: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ResolvedConfig:
    """Combine constructor arguments with ``RENDER_*`` environment variables.

    ``local=None`` follows the environment (see :func:`local_dev_setting`, which warns
    about unrecognized values); ``local=True`` turns local mode on whatever the
    environment says (at ``RENDER_LOCAL_DEV_URL`` if set, else ``http://localhost:8120``);
    ``local=False`` turns it off. In local mode the key is optional. An explicit
    ``base_url`` always wins.
    """
    env = os.environ if environ is None else environ
    if local is not None and not isinstance(local, bool):
        raise ConfigurationError(f"local must be True, False or None, got {local!r}")
    if local is False:
        setting = LocalDevSetting(None)
    else:
        setting = local_dev_setting(env)
        if setting.warning is not None and local is None:
            # stacklevel 3: the line that built the client (resolve_config <- __init__).
            warnings.warn(setting.warning, RenderWarning, stacklevel=3)
        if local and setting.url is None:
            setting = LocalDevSetting(LOCAL_DEV_URL, "local=True")
    is_local = setting.url is not None
    if base_url is None:
        if setting.url is not None and setting.source == "RENDER_LOCAL_DEV_URL":
            try:
                api_url = _api_url(setting.url)
            except ConfigurationError as exc:
                raise ConfigurationError(f"RENDER_LOCAL_DEV_URL: {exc}") from None
        else:
            api_url = _api_url(setting.url or DEFAULT_BASE_URL)
    else:
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
    if api_key is None and not is_local:
        raise MissingAPIKeyError(
            "no API key: pass Client(api_key=...) or set RENDER_API_KEY; for a local "
            "development server pass Client(local=True) or set RENDER_USE_LOCAL_DEV=true "
            "(or RENDER_LOCAL_DEV_URL), where no key is needed"
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
    return ResolvedConfig(api_url=api_url, api_key=api_key, local=is_local)


def user_agent() -> str:
    """``render-workflows-sdk/<version> (render_sdk; Python <x.y.z>; <system> <machine>)``."""
    python = ".".join(str(part) for part in sys.version_info[:3])
    return (
        f"render-workflows-sdk/{__version__} (render_sdk; Python {python}; "
        f"{platform.system() or sys.platform} {platform.machine()})"
    )
