"""The command line of the local server: ``python -m render_sdk.local`` and ``render-sdk dev``.

Two forms: ``TASKS_MODULE`` (tasks registered with ``render_sdk.local.Workflow``,
run in the server) or ``-- COMMAND [ARGS...]`` (a start command written with
Render's SDK, run through Render's worker protocol).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence

from render_sdk.local.envfile import EnvFileError, load_env_file
from render_sdk.local.faults import FaultPlan, FaultSpecError

__all__ = ["build_parser", "main"]


def build_parser(prog: str = "python -m render_sdk.local") -> argparse.ArgumentParser:
    """The argument parser shared by both entry points."""
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=(
            f"{prog} [options] TASKS_MODULE\n"
            f"       {prog} [options] [--env-file PATH]... -- COMMAND [ARGS...]"
        ),
        description=(
            "Serve tasks over the Render Workflows task-run API: the tasks of a Python "
            "module (render_sdk.local.Workflow), or those of a start command written with "
            "Render's SDK (run through Render's worker protocol, one process per attempt)."
        ),
        epilog=(
            "Example: render-sdk dev -- python main.py. "
            "Faults: --faults 'POST /v1/task-runs=503,ok,drop-after' or "
            "'GET /v1/task-runs/*=rate:0.1:503' (see docs/local-server.md)."
        ),
    )
    parser.add_argument("tasks_module", nargs="?", help="dotted module name or path to a .py file")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8120, help="port (default 8120)")
    parser.add_argument(
        "--workflow",
        help="workflow slug (default: from the module name, or the current folder's name)",
    )
    parser.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="PATH",
        help="KEY=VALUE lines added to the worker command's environment; repeatable",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="require 'Authorization: Bearer KEY' (default: no authentication)",
    )
    parser.add_argument(
        "--faults",
        action="append",
        default=[],
        metavar="SPEC",
        help="fault injection rules; repeat the option or separate rules with ';'",
    )
    parser.add_argument(
        "--heartbeat", type=float, default=15.0, help="seconds between event-stream pings"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for rate-based faults")
    parser.add_argument(
        "--rate-limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="allow N requests per second per endpoint group, answer the rest 429, and "
        "send RateLimit-* headers (default: no limit)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    return parser


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """Options before ``--``, and the worker command after it (None without ``--``).

    A single argument with spaces (``-- "python main.py"``, as Render's CLI takes
    it) is split like a shell would.
    """
    args = list(argv)
    if "--" not in args:
        return args, None
    index = args.index("--")
    command = args[index + 1 :]
    if len(command) == 1 and any(ch.isspace() for ch in command[0]):
        command = shlex.split(command[0])
    return args[:index], command


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of requests >= 1, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None, prog: str = "python -m render_sdk.local") -> int:
    """Parse the arguments, print what is served, and serve until Ctrl-C."""
    parser = build_parser(prog)
    options, command = split_command(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(options)
    if command is not None and not command:
        parser.error("nothing after '--': give the command that starts your tasks")
    if command is not None and args.tasks_module:
        parser.error("give a TASKS_MODULE or '-- COMMAND', not both")
    if command is None and not args.tasks_module:
        parser.error("give a TASKS_MODULE, or '-- COMMAND [ARGS...]' for Render SDK tasks")
    if command is None and args.env_file:
        parser.error("--env-file applies to a worker command ('-- COMMAND'), not a tasks module")
    env: dict[str, str] = {}
    try:
        for path in args.env_file:
            env.update(load_env_file(path))
    except EnvFileError as exc:
        print(f"error: --env-file: {exc}", file=sys.stderr)
        return 2
    # Let `python -m render_sdk.local my_tasks` find modules in the current folder.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        faults = FaultPlan.from_spec(args.faults, seed=args.seed)
    except FaultSpecError as exc:
        print(f"error: --faults: {exc}", file=sys.stderr)
        return 2
    from render_sdk.local.server import LocalServer

    try:
        server = LocalServer(
            args.tasks_module,
            host=args.host,
            port=args.port,
            workflow=args.workflow,
            api_key=args.api_key,
            faults=faults,
            heartbeat=args.heartbeat,
            log_level=args.log_level,
            command=command,
            env=env,
            rate_limit=args.rate_limit,
        )
    except (ImportError, OSError, ValueError, TypeError, RuntimeError) as exc:
        where = "" if command is not None else f"cannot load tasks from {args.tasks_module!r}: "
        print(f"error: {where}{exc}", file=sys.stderr)
        return 2
    try:
        server.run(on_ready=lambda: _announce(server, bool(args.api_key), faults))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print("Stopped.", flush=True)
    return 0


def _announce(server: object, auth: bool, faults: FaultPlan) -> None:
    from render_sdk.local.server import LocalServer

    assert isinstance(server, LocalServer)
    lines = [f"Render Workflows local server listening on {server.base_url} (API under /v1)"]
    lines.append(f"Dashboard: {server.base_url}/ (open it in a browser)")
    lines.append("Authentication: " + ("bearer API key required" if auth else "none"))
    if server.worker is not None:
        lines.append(f"Worker command: {server.worker.config.display} (one process per attempt)")
    if faults.rules:
        lines.append(f"Fault injection: {len(faults.rules)} rule(s) active")
    limiter = server.state.rate_limiter
    if limiter is not None:
        lines.append(f"Rate limit: {limiter.limit} requests per second per endpoint group")
    lines.append("Tasks:")
    width = max(len(t.slug) for t in server.tasks)
    lines.extend(f"  {t.slug:<{width}}  {t.id}  (version {t.version})" for t in server.tasks)
    if server.port == 8120 and server.host in ("127.0.0.1", "localhost", "0.0.0.0"):
        lines.append("Clients find it with RENDER_USE_LOCAL_DEV=true.")
    else:
        lines.append(
            f"Clients find it with RENDER_USE_LOCAL_DEV=true RENDER_LOCAL_DEV_URL={server.base_url}"
        )
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
