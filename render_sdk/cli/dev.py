"""``render-sdk dev TASKS_MODULE …``: the local server, as ``python -m render_sdk.local``."""

from __future__ import annotations

import click

__all__ = ["dev"]


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dev(args: tuple[str, ...]) -> None:
    """Serve a tasks module on the local Render Workflows API (try: render-sdk dev --help)."""
    from render_sdk.local.command import main as serve_main

    raise SystemExit(serve_main(list(args), prog="render-sdk dev"))
