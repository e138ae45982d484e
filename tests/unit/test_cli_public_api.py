"""The ``render-sdk`` command is built on the public API of render_sdk only.

Read from the source with ``ast`` (nothing is imported): every import of render_sdk
outside the CLI package names public modules only, and no CLI module changes
``os.environ`` to configure the client.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI_DIR = Path(__file__).resolve().parents[2] / "render_sdk" / "cli"
CLI_FILES = sorted(CLI_DIR.glob("*.py"))


def imported_modules(tree: ast.Module) -> list[str]:
    """Absolute names of the modules a file imports (relative imports stay in the CLI)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
        ):
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) else ast.unparse(first)
            names.append(str(text).strip("f'\""))
    return names


def private_sdk_imports(source: str) -> list[str]:
    """The render_sdk modules or names imported that are private (a part starting with _)."""
    found = []
    for name in imported_modules(ast.parse(source)):
        parts = name.split(".")
        if parts[0] != "render_sdk" or parts[:2] == ["render_sdk", "cli"]:
            continue
        if any(part.startswith("_") and part != "__version__" for part in parts[1:]):
            found.append(name)
    return found


def environ_writes(source: str) -> list[int]:
    """Lines that assign to, delete from or update ``os.environ`` (or call putenv)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and "environ" in ast.unparse(target.value):
                lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if ("environ" in owner and node.func.attr in {"update", "setdefault", "pop"}) or (
                node.func.attr in {"putenv", "unsetenv"}
            ):
                lines.append(node.lineno)
    return lines


def test_the_cli_package_has_modules_to_check() -> None:
    assert len(CLI_FILES) >= 8


@pytest.mark.parametrize("path", CLI_FILES, ids=lambda p: p.name)
def test_cli_modules_import_only_public_render_sdk_modules(path: Path) -> None:
    assert private_sdk_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", CLI_FILES, ids=lambda p: p.name)
def test_cli_modules_never_write_os_environ(path: Path) -> None:
    assert environ_writes(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from render_sdk._sync.client import Client",
        "import render_sdk._serde",
        "from render_sdk import _logging",
        "from render_sdk._identifiers import validate_task_id",
        "importlib.import_module('render_sdk._config')",
    ],
)
def test_the_checker_catches_private_imports(source: str) -> None:
    assert private_sdk_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from render_sdk import Client, __version__",
        "from render_sdk.errors import APIError",
        "from render_sdk.cli._state import invoke",
        "from ._common import run_json",
        "importlib.import_module(f'render_sdk.cli.{module}')",
    ],
)
def test_the_checker_lets_public_imports_through(source: str) -> None:
    assert private_sdk_imports(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "os.environ['RENDER_USE_LOCAL_DEV'] = 'true'",
        "os.environ.update(RENDER_USE_LOCAL_DEV='true')",
        "os.environ.setdefault('X', '1')",
        "del os.environ['X']",
        "os.putenv('X', '1')",
    ],
)
def test_the_checker_catches_environment_writes(source: str) -> None:
    assert environ_writes(source) != []
