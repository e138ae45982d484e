"""Compare the committed generated folders with what codegen would write."""

from __future__ import annotations

import difflib
from pathlib import Path

from .formatting import format_python
from .rewrite import invalid_keys
from .tree import (
    Formatter,
    GeneratedFile,
    Rules,
    build,
    orphan_files,
    read_text,
    unused_keys,
    unused_phrases,
)


def unified_diff(committed: str, expected: str, path: str) -> str:
    """Return a unified diff from the committed text to the expected text of ``path``."""
    lines = difflib.unified_diff(
        committed.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _file_problem(root: Path, generated: GeneratedFile) -> str | None:
    path = root / generated.target
    if not path.is_file():
        return f"missing generated file {generated.target} (source: {generated.source})"
    committed = read_text(path)
    if committed == generated.text:
        return None
    diff = unified_diff(committed, generated.text, generated.target)
    return f"{generated.target} differs from its source {generated.source}:\n{diff}"


def table_problems(root: Path, rules: Rules) -> list[str]:
    """Report replacement keys that are not single names or match no source token, and
    phrases that appear in no string or comment."""
    problems = [
        f"replacement key {key!r} is not a single Python name; unasync matches one "
        "token at a time, so it can never match (call a shim with a plain name instead)"
        for key in invalid_keys(rules.replacements)
    ]
    sources = ", ".join(source for source, _ in rules.directories)
    problems += [
        f"unused replacement key {key!r} -> {rules.replacements[key]!r}: "
        f"it matches no token in {sources}"
        for key in unused_keys(root, rules)
        if key not in invalid_keys(rules.replacements)
    ]
    problems += [
        f"unused phrase {phrase!r}: it is in no docstring, string or comment of {sources}"
        for phrase in unused_phrases(root, rules)
    ]
    return problems


def find_problems(root: Path, rules: Rules, formatter: Formatter = format_python) -> list[str]:
    """Return every way the committed tree differs from a fresh generation.

    Reports drift (with a diff), missing generated files, orphan files in a
    generated folder, and replacement keys that never match.
    """
    problems = [
        problem
        for generated in build(root, rules, formatter)
        if (problem := _file_problem(root, generated)) is not None
    ]
    problems += [
        f"orphan file {orphan}: no source file generates it (delete it, or add its source)"
        for orphan in orphan_files(root, rules)
    ]
    return problems + table_problems(root, rules)
