"""The ``runs`` app: square numbers with a Render Workflows task."""

from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"
