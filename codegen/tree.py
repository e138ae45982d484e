"""Map the repository's source folders to the files codegen must produce."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import rules as default_table
from .formatting import format_python
from .rewrite import generate, used_keys, used_phrases

#: (text, path relative to root, root) -> formatted text
Formatter = Callable[[str, str, Path], str]


@dataclass(frozen=True)
class Rules:
    """Folder pairs (relative to the repository root) and the replacement table."""

    directories: Sequence[tuple[str, str]]
    replacements: Mapping[str, str] = field(default_factory=dict)
    phrases: Sequence[tuple[str, str]] = ()
    """(async wording, blocking wording) pairs applied to strings and comments."""


DEFAULT_RULES = Rules(default_table.DIRECTORIES, default_table.REPLACEMENTS, default_table.PHRASES)


@dataclass(frozen=True)
class GeneratedFile:
    """One file codegen produces: where it comes from, where it goes, and its text."""

    source: str
    target: str
    text: str


def _is_cache(path: Path) -> bool:
    return "__pycache__" in path.parts


def _files_under(folder: Path, pattern: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and not _is_cache(p))


def source_pairs(root: Path, rules: Rules) -> list[tuple[str, str]]:
    """Return (source, target) paths, relative to ``root`` in POSIX form, for every source file.

    A source folder that does not exist counts as empty.
    """
    pairs = []
    for source_dir, target_dir in rules.directories:
        for path in _files_under(root / source_dir, "*.py"):
            relative = path.relative_to(root / source_dir).as_posix()
            pairs.append((f"{source_dir}/{relative}", f"{target_dir}/{relative}"))
    return pairs


def read_text(path: Path) -> str:
    """Read a file as UTF-8 without translating line endings (so CRLF counts as drift)."""
    return path.read_bytes().decode("utf-8")


def build(root: Path, rules: Rules, formatter: Formatter = format_python) -> list[GeneratedFile]:
    """Return every file codegen should produce, rewritten and formatted, in memory."""
    generated = []
    for source, target in source_pairs(root, rules):
        raw = generate(read_text(root / source), source, rules.replacements, rules.phrases)
        generated.append(GeneratedFile(source, target, formatter(raw, target, root)))
    return generated


def orphan_files(root: Path, rules: Rules) -> list[str]:
    """Return files in a generated folder (outside ``__pycache__``) that have no source."""
    expected = {target for _, target in source_pairs(root, rules)}
    orphans = []
    for _, target_dir in rules.directories:
        for path in _files_under(root / target_dir, "*"):
            relative = path.relative_to(root).as_posix()
            if relative not in expected:
                orphans.append(relative)
    return orphans


def unused_keys(root: Path, rules: Rules) -> list[str]:
    """Return the replacement keys that match no token in any source file."""
    used: set[str] = set()
    for source, _ in source_pairs(root, rules):
        used |= used_keys(read_text(root / source), rules.replacements)
    return sorted(set(rules.replacements) - used)


def unused_phrases(root: Path, rules: Rules) -> list[str]:
    """Return the phrases of the table found in no string or comment of any source file."""
    used: set[str] = set()
    for source, _ in source_pairs(root, rules):
        used |= used_phrases(read_text(root / source), rules.phrases)
    return [old for old, _ in rules.phrases if old not in used]
