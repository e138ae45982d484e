"""Format generated files with ruff, exactly as the repository's lint sees them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


class FormattingError(RuntimeError):
    """ruff could not format a generated file (usually: the rewrite is not valid Python)."""


def ruff_command() -> list[str]:
    """Return the command that runs the ruff installed next to the running Python."""
    sibling = Path(sys.executable).with_name("ruff")
    if sibling.is_file():
        return [str(sibling)]
    return [sys.executable, "-m", "ruff"]


def _run_ruff(args: Sequence[str], text: str, path: str, root: Path) -> str:
    # --stdin-filename makes ruff resolve configuration (line length, first
    # party packages) for the file's real place in the tree, from ``root``.
    command = [*ruff_command(), *args, "--stdin-filename", path, "-"]
    result = subprocess.run(
        command, input=text, capture_output=True, text=True, encoding="utf-8", cwd=root
    )
    if result.returncode != 0:
        raise FormattingError(f"ruff {args[0]} failed on {path}:\n{result.stderr.strip()}")
    return result.stdout


def format_python(text: str, path: str, root: Path) -> str:
    """Sort imports, then format, as ``ruff check --fix --select I`` and ``ruff format`` would.

    ``path`` is the file's path relative to ``root`` (it need not exist).
    """
    sorted_imports = _run_ruff(
        ["check", "--fix-only", "--exit-zero", "--quiet", "--select", "I"], text, path, root
    )
    return _run_ruff(["format", "--quiet"], sorted_imports, path, root)
