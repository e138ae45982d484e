"""Help, version, start-up imports, configuration, usage and network errors, --verbose."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from render_sdk._version import __version__
from render_sdk.local import LocalServer

from .conftest import CLI, base_env, run_cli

HEAVY = (
    "render_sdk._sync.client",
    "render_sdk._async.client",
    "httpx",
    "rich",
    "starlette",
    "uvicorn",
    "requests",
)

COMMANDS = [
    (),
    ("tasks",),
    ("tasks", "list"),
    ("tasks", "get"),
    ("tasks", "run"),
    ("runs",),
    ("runs", "list"),
    ("runs", "get"),
    ("runs", "cancel"),
    ("runs", "wait"),
    ("runs", "watch"),
]


def test_every_command_has_help_with_an_example() -> None:
    # One interpreter renders every help page (each as its own click invocation); the
    # top-level page is also checked in a subprocess of its own below.
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from render_sdk.cli import _register, cli\n"
        "_register()\n"
        f"for args in {COMMANDS!r}:\n"
        "    result = CliRunner().invoke(cli, [*args, '--help'], prog_name='render-sdk')\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "    assert 'Example' in result.output, (args, result.output)\n"
        "    assert 'render-sdk ' in result.output, (args, result.output)\n"
        "print('ok', len(" + repr(COMMANDS) + "))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=base_env(), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ok {len(COMMANDS)}"


def test_top_level_help_lists_commands_and_exit_codes_without_heavy_imports() -> None:
    script = (
        "import sys\n"
        "sys.argv = ['render-sdk', '--help']\n"
        "from render_sdk.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=base_env(), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("HEAVY [] 0")
    for word in ("tasks", "runs", "dev", "--api-key", "--base-url", "--local", "--verbose"):
        assert word in proc.stdout
    assert "3  run canceled" in proc.stdout
    assert "5  API or network error" in proc.stdout


def test_version_and_dev_still_there() -> None:
    env = base_env()
    version = run_cli("--version", env=env)
    assert (version.code, version.out.strip()) == (0, __version__)
    dev = run_cli("dev", "--help", env=env)
    assert dev.code == 0, dev.err
    assert dev.out.startswith("usage: render-sdk dev")
    assert "--faults" in dev.out


def test_usage_errors_exit_2(cli: CLI) -> None:
    unknown = cli("runs", "frobnicate")
    assert unknown.code == 2
    assert "No such command" in unknown.err
    missing = cli("runs", "wait")
    assert missing.code == 2
    assert "Missing argument" in missing.err
    bad_timeout = cli("runs", "wait", "trn-abc", "--timeout", "-1")
    assert bad_timeout.code == 2


def test_no_api_key_outside_local_mode_is_exit_2_with_the_cli_options_to_use() -> None:
    result = run_cli("runs", "list", env=base_env())
    assert result.code == 2
    assert result.err.startswith("error: no API key")
    for advice in ("--api-key", "RENDER_API_KEY", "--local"):
        assert advice in result.err
    assert "Client(" not in result.err  # Python advice is for Python callers
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_local_flag_turns_local_mode_on_without_any_environment() -> None:
    # No RENDER_* variable at all: --local alone selects http://localhost:8120 (the
    # verbose line is printed before any request, whatever listens there).
    result = run_cli("-v", "--local", "runs", "list", env=base_env())
    assert "render-sdk: API http://localhost:8120/v1 (API key not set)" in result.err
    assert "no API key" not in result.err


def test_local_flag_and_base_url_option(local_server: LocalServer) -> None:
    # --local reads RENDER_LOCAL_DEV_URL (which alone turns local mode on, too) ...
    env = base_env(RENDER_LOCAL_DEV_URL=local_server.base_url)
    assert run_cli("--local", "tasks", "list", env=env).code == 0
    # ... and --base-url points anywhere (a key is then needed; the server ignores it).
    by_url = run_cli(
        "--base-url",
        local_server.base_url,
        "--api-key",
        "k",
        "tasks",
        "get",
        "demo/add",
        env=base_env(),
    )
    assert by_url.code == 0, by_url.err
    assert "add" in by_url.out


def test_network_error_is_exit_5_with_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = base_env(RENDER_USE_LOCAL_DEV="true", RENDER_LOCAL_DEV_URL=f"http://127.0.0.1:{port}")
    result = run_cli("runs", "list", env=env)
    assert result.code == 5
    assert result.err.startswith("error: ")
    assert f"http://127.0.0.1:{port}" in result.err
    assert "is the local development server running" in result.err
    assert "render-sdk dev" in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_verbose_logs_requests_without_the_key(auth_server: LocalServer, auth_key: str) -> None:
    env = base_env(auth_server, RENDER_API_KEY=auth_key)
    result = run_cli("-v", "tasks", "run", "demo/square", "[4]", env=env)
    assert result.code == 0, result.err
    assert "POST /task-runs -> 202" in result.err
    assert "GET /task-runs/trn-" in result.err
    assert "API key set" in result.err
    assert auth_key not in result.err
    assert auth_key not in result.out
    # The key passed as an option is not printed either.
    flag = run_cli(
        "--verbose",
        "--api-key",
        auth_key,
        "tasks",
        "list",
        env=base_env(auth_server),
    )
    assert flag.code == 0, flag.err
    assert "GET /tasks -> 200" in flag.err
    assert auth_key not in flag.err + flag.out


def test_wrong_key_is_exit_5_and_verbose_adds_the_traceback(auth_server: LocalServer) -> None:
    env = base_env(auth_server, RENDER_API_KEY="rnd_wrong_key")
    quiet = run_cli("tasks", "list", env=env)
    assert quiet.code == 5
    assert "401" in quiet.err
    assert "error id=" in quiet.err
    assert quiet.err.count("\n") == 1
    loud = run_cli("-v", "tasks", "list", env=env)
    assert loud.code == 5
    assert "Traceback" in loud.err
    assert "rnd_wrong_key" not in loud.err


@pytest.mark.parametrize("args", [("tasks", "get", "not a task"), ("runs", "get", "run-123")])
def test_bad_identifiers_are_exit_2(cli: CLI, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == 2
    assert result.err.startswith("error: invalid")
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--base-url", "ftp://example.com"), "error: --base-url must be an http(s) URL"),
        (
            ("--base-url", "http://example.com", "--api-key", "rnd_k"),
            "use an https:// --base-url or a loopback address",
        ),
    ],
)
def test_configuration_errors_name_the_cli_options(args: tuple[str, ...], expected: str) -> None:
    result = run_cli(*args, "runs", "list", env=base_env())
    assert result.code == 2
    assert expected in result.err
    assert "base_url" not in result.err
    assert "allow_insecure_http" not in result.err


def test_an_unrecognized_local_dev_value_is_one_warning_line(local_server: LocalServer) -> None:
    env = base_env(RENDER_USE_LOCAL_DEV="yes")
    args = ("--base-url", local_server.base_url, "--api-key", "k", "tasks", "list")
    result = run_cli(*args, env=env)
    assert result.code == 0, result.err
    assert result.err.startswith("warning: RENDER_USE_LOCAL_DEV='yes' is not a recognized value")
    assert "1, t, T, true, TRUE, True" in result.err
    assert result.err.count("\n") == 1
