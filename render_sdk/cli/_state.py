"""What every command shares: global options, the client, exit codes and error reporting.

This module imports only the standard library and click, so that ``render-sdk --help``
stays fast; the SDK client, its errors and rich are imported when a command runs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from render_sdk import Client

__all__ = [
    "EXIT_API",
    "EXIT_CANCELED",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "CliError",
    "CliState",
    "invoke",
]

EXIT_OK = 0
"""The command did what was asked; a waited-for run succeeded."""
EXIT_FAILED = 1
"""A run the command waited for failed."""
EXIT_USAGE = 2
"""Bad usage or input: unknown option, invalid JSON, malformed identifier, no API key."""
EXIT_CANCELED = 3
"""A run the command waited for was canceled."""
EXIT_TIMEOUT = 4
"""Waiting gave up at ``--timeout``; the runs were left alone."""
EXIT_API = 5
"""The API answered with an error, or could not be reached."""
EXIT_INTERNAL = 70
"""A bug in render-sdk (EX_SOFTWARE); rerun with --verbose for the traceback."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C."""


class CliError(Exception):
    """An error the command reports as one line on stderr, exiting with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CliState:
    """The global options, and the client built from them on first use."""

    api_key: str | None = field(default=None, repr=False)  # never shown in a traceback
    base_url: str | None = None
    local: bool = False
    verbose: bool = False
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        """The blocking SDK client configured by the global options (built once)."""
        if self._client is None:
            from render_sdk import Client, ConfigurationError, MissingAPIKeyError

            try:
                # --local turns local mode on; without it the environment decides.
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    self._client = Client(
                        api_key=self.api_key,
                        base_url=self.base_url,
                        local=True if self.local else None,
                    )
                for warning in caught:  # one line each, like errors (no source location)
                    click.echo(f"warning: {warning.message}", err=True)
            except MissingAPIKeyError:
                raise CliError(
                    "no API key: pass --api-key KEY or set RENDER_API_KEY; for a local "
                    "development server pass --local (or set RENDER_USE_LOCAL_DEV=true or "
                    "RENDER_LOCAL_DEV_URL), where no key is needed",
                    EXIT_USAGE,
                ) from None
            except ConfigurationError as exc:
                raise CliError(_in_cli_words(str(exc)), EXIT_USAGE) from None
            if self.verbose:
                import logging

                logging.getLogger("render_sdk").debug(
                    "API %s (API key %s)",
                    self._client.base_url,
                    "set" if self.api_key or os.environ.get("RENDER_API_KEY") else "not set",
                )
        return self._client

    def close(self) -> None:
        """Close the client's connections, if a client was built."""
        if self._client is not None:
            self._client.close()
            self._client = None


#: The SDK's configuration errors name constructor arguments; the CLI names its options.
_CLI_WORDS = (
    (
        "use https://, a loopback address, or pass allow_insecure_http=True",
        "use an https:// --base-url or a loopback address",
    ),
    ("base_url", "--base-url"),
    ("api_key", "the API key (--api-key or RENDER_API_KEY)"),
)


def _in_cli_words(message: str) -> str:
    for python, cli in _CLI_WORDS:
        message = message.replace(python, cli)
    return message


def setup_verbose_logging(api_key: str | None) -> None:
    """Log the SDK's requests (``render_sdk`` logger, DEBUG) to stderr, keys redacted."""
    import logging  # only with --verbose: keeps --help fast

    secrets = [key for key in (api_key, os.environ.get("RENDER_API_KEY")) if key]

    def redact(record: logging.LogRecord) -> bool:
        # The SDK never logs the key; this keeps it out even of a message that would.
        message = record.getMessage()
        redacted = message
        for secret in secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("render-sdk: %(message)s"))
    handler.addFilter(redact)
    logger = logging.getLogger("render_sdk")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def invoke(module: str, function: str, **kwargs: Any) -> NoReturn:
    """Run ``render_sdk.cli.<module>.<function>(state, **kwargs)`` and exit with its code.

    The implementation is imported only now (lazy imports keep ``--help`` fast). Errors
    become one line on stderr and an exit code (see the ``EXIT_*`` constants); with
    ``--verbose`` the traceback is printed too.
    """
    ctx = click.get_current_context()
    state = ctx.find_object(CliState) or CliState()
    try:
        impl: Callable[..., int] = getattr(
            importlib.import_module(f"render_sdk.cli.{module}"), function
        )
        code = impl(state, **kwargs)
    except KeyboardInterrupt:
        click.echo("render-sdk: interrupted", err=True)
        code = EXIT_INTERRUPTED
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:
        code = report_error(exc, verbose=state.verbose)
    finally:
        with contextlib.suppress(Exception):  # closing never decides the exit code
            state.close()
    ctx.exit(code)


def exit_code_for(exc: BaseException) -> int:
    """The exit code an exception maps to."""
    if isinstance(exc, CliError):
        return exc.exit_code
    errors = importlib.import_module("render_sdk.errors")
    if isinstance(exc, errors.TaskRunFailedError):
        return EXIT_FAILED
    if isinstance(exc, errors.TaskRunCanceledError):
        return EXIT_CANCELED
    if isinstance(exc, errors.WaitTimeoutError):
        return EXIT_TIMEOUT
    if isinstance(exc, errors.InvalidArgumentError | errors.ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, errors.RenderError):
        return EXIT_API
    return EXIT_INTERNAL


def error_line(exc: BaseException) -> str:
    """One line describing ``exc`` (the SDK's API errors already name the error id)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if exit_code_for(exc) == EXIT_INTERNAL:
        return f"internal error: {type(exc).__name__}: {text} (rerun with --verbose for details)"
    return text


def report_error(exc: BaseException, *, verbose: bool) -> int:
    """Print ``exc`` as one line on stderr (and its traceback when verbose); return the code."""
    if verbose:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    click.echo(f"error: {error_line(exc)}", err=True)
    return exit_code_for(exc)
