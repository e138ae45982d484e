"""System checks of the Render settings: ``render_sdk.E001`` and deploy-time ``W001``-``W003``.

Nothing here builds a client or sends a request: the checks read settings and the
environment only, so ``manage.py check`` passes on a machine with no API key.
"""

from __future__ import annotations

import os
from typing import Any

from django.core import checks

from ..._config import local_dev_setting, resolve_config
from ...errors import ConfigurationError
from . import SETTING, settings_options

__all__ = ["check_deployment", "check_settings"]

_HINT = (
    "Set settings.RENDER_SDK['API_KEY'] (for example from os.environ) or the "
    "RENDER_API_KEY environment variable. For local development set "
    "RENDER_USE_LOCAL_DEV=true, where no key is needed."
)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``render_sdk.E001``: ``settings.RENDER_SDK`` is not a valid dict of settings."""
    try:
        settings_options()
    except ConfigurationError as exc:
        return [
            checks.Error(
                str(exc),
                hint="See docs/django.md for the accepted settings.",
                id="render_sdk.E001",
            )
        ]
    return []


def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --deploy``: a key is configured and a client can be built.

    ``W001``: no API key and no local-development mode; ``W002``: the client would
    refuse the settings (e.g. the key would be sent over plain http); ``W003``:
    local-development mode is on, so requests go to a local server.
    """
    try:
        options = settings_options()
    except ConfigurationError:
        return []  # E001 already says what is wrong
    local = local_dev_setting(os.environ)
    if options.get("local") is True or (options.get("local") is None and local.url):
        source = f"settings.{SETTING}['LOCAL']" if options.get("local") else local.source
        return [
            checks.Warning(
                f"{source} is set: task runs go to a local development server",
                hint=f"Unset {source} in production.",
                id="render_sdk.W003",
            )
        ]
    if options.get("api_key") is None and not os.environ.get("RENDER_API_KEY"):
        return [
            checks.Warning(
                "no Render API key is configured: starting task runs will fail",
                hint=_HINT,
                id="render_sdk.W001",
            )
        ]
    try:
        resolve_config(
            options.get("api_key"),
            options.get("base_url"),
            allow_insecure_http=options.get("allow_insecure_http", False),
        )
    except ConfigurationError as exc:
        return [checks.Warning(str(exc), id="render_sdk.W002")]
    return []
