"""The ``render-sdk`` command (a click group; subcommands import their code lazily)."""

from __future__ import annotations

import click

__all__ = ["cli", "main"]


@click.group()
@click.version_option(package_name="render-workflows-sdk", message="%(version)s")
def cli() -> None:
    """Tools for Render Workflows: a local API server, and more."""


def _register() -> None:
    from render_sdk.cli.dev import dev

    cli.add_command(dev)


def main() -> None:
    """Entry point of the ``render-sdk`` script."""
    _register()
    cli()
