"""The ``render-sdk`` command: trigger, follow and inspect Render Workflows task runs.

Only click and the standard library are imported to build the command tree; each
command imports the SDK client (and rich, on a terminal) when it runs, so that
``render-sdk --help`` starts fast.

Exit codes (also in ``render-sdk --help``): 0 succeeded, 1 run failed, 2 usage or input
error, 3 run canceled, 4 wait timed out, 5 API or network error.
"""

from __future__ import annotations

import click

from render_sdk import __version__
from render_sdk.cli._state import CliState, setup_verbose_logging

__all__ = ["cli", "main"]

_EPILOG = """\b
Examples:
  render-sdk --local tasks list
  render-sdk tasks run my-workflow/square '[5]'
  render-sdk runs list --task my-workflow/square --limit 5
  render-sdk runs watch trn-abc123 trn-def456

\b
Exit codes:
  0  succeeded            3  run canceled
  1  run failed           4  wait timed out (runs left alone)
  2  usage/input error    5  API or network error
"""


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-key",
    metavar="KEY",
    help="Render API key (default: $RENDER_API_KEY). Never printed.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="API origin, e.g. http://localhost:8120 (default: https://api.render.com).",
)
@click.option(
    "--local",
    is_flag=True,
    help="Use the local development server (same as RENDER_USE_LOCAL_DEV=true).",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Log every request to stderr (API key redacted); tracebacks on errors.",
)
@click.version_option(__version__, "--version", prog_name="render-sdk", message="%(version)s")
@click.pass_context
def cli(
    ctx: click.Context, api_key: str | None, base_url: str | None, local: bool, verbose: bool
) -> None:
    """Trigger, watch and inspect Render Workflows task runs; serve tasks locally."""
    ctx.obj = CliState(api_key=api_key, base_url=base_url, local=local, verbose=verbose)
    if verbose:
        setup_verbose_logging(api_key)


def _register() -> None:
    from render_sdk.cli.dev import dev
    from render_sdk.cli.runs import runs
    from render_sdk.cli.tasks import tasks

    cli.add_command(tasks)
    cli.add_command(runs)
    cli.add_command(dev)


def main() -> None:
    """Entry point of the ``render-sdk`` script."""
    _register()
    cli(prog_name="render-sdk")
