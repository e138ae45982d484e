"""Command line: regenerate the generated folders, or check them (``--check``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .check import find_problems, table_problems
from .formatting import FormattingError, format_python
from .rewrite import HEADER_PREFIX
from .tree import DEFAULT_RULES, Formatter, GeneratedFile, Rules, build, orphan_files, read_text

REPO_ROOT = Path(__file__).resolve().parent.parent


def _write_if_changed(root: Path, generated: GeneratedFile) -> bool:
    path = root / generated.target
    if path.is_file() and read_text(path) == generated.text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generated.text.encode("utf-8"))
    return True


def _remove_orphans(root: Path, rules: Rules) -> None:
    # Only files codegen itself wrote are deleted; anything else is left for a human.
    for orphan in orphan_files(root, rules):
        path = root / orphan
        if path.suffix == ".py" and read_text(path).startswith(HEADER_PREFIX):
            path.unlink()
            print(f"removed {orphan} (its source is gone)")
        else:
            print(f"warning: kept {orphan}: no source generates it", file=sys.stderr)


def regenerate(root: Path, rules: Rules, formatter: Formatter = format_python) -> int:
    """Write every generated file, remove stale generated files, and warn about the table."""
    generated = build(root, rules, formatter)
    written = [item.target for item in generated if _write_if_changed(root, item)]
    for target in written:
        print(f"wrote {target}")
    _remove_orphans(root, rules)
    for problem in table_problems(root, rules):
        print(f"warning: {problem}", file=sys.stderr)
    print(f"codegen: {len(generated)} file(s), {len(written)} updated")
    return 0


def check(root: Path, rules: Rules, formatter: Formatter = format_python) -> int:
    """Print every problem and return 1, or return 0 when the committed twin is current."""
    problems = find_problems(root, rules, formatter)
    if not problems:
        print("codegen --check: generated files are up to date")
        return 0
    for problem in problems:
        print(f"codegen --check: {problem}", file=sys.stderr)
    print(
        f"codegen --check: {len(problems)} problem(s); run `python -m codegen` to regenerate"
        " files, edit codegen/rules.py for replacement keys",
        file=sys.stderr,
    )
    return 1


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Generate the blocking twin of render_sdk from its async source.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail on drift, missing or orphan files, or unused replacements",
    )
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="repository root (default: %(default)s)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, rules: Rules = DEFAULT_RULES) -> int:
    """Run codegen from the command line and return the exit status."""
    args = _parse_args(argv)
    root: Path = args.root.resolve()
    try:
        return check(root, rules) if args.check else regenerate(root, rules)
    except FormattingError as error:
        print(f"codegen: {error}", file=sys.stderr)
        return 2
