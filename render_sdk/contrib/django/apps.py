"""The Django app config of ``render_sdk.contrib.django``: registers the system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class RenderSDKConfig(AppConfig):
    """``INSTALLED_APPS = [..., "render_sdk.contrib.django"]``."""

    name = "render_sdk.contrib.django"
    label = "render_sdk"
    verbose_name = "Render Workflows"

    def ready(self) -> None:
        """Register the checks (``manage.py check``; the key checks with ``--deploy``)."""
        from . import checks as render_checks

        checks.register(render_checks.check_settings)
        checks.register(render_checks.check_deployment, checks.Tags.security, deploy=True)
