"""Pure text transforms: async source text in, generated sync text out.

Nothing here touches the file system or runs a process, so each step can be
tested on a string.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, cast

import tokenize_rt  # type: ignore[import-untyped]
import unasync

HEADER_PREFIX = "# This file is generated from "
HEADER_TEMPLATE = HEADER_PREFIX + "{source} by codegen — do not edit.\n"

# unasync drops these keywords together with the token right after them.
_DROPPED_KEYWORDS = frozenset({"async", "await"})


class _Token(Protocol):
    """The two fields of a ``tokenize_rt.Token`` that matching looks at."""

    @property
    def name(self) -> str: ...

    @property
    def src(self) -> str: ...


def header_for(source_path: str) -> str:
    """Return the "do not edit" comment line for a file generated from ``source_path``."""
    return HEADER_TEMPLATE.format(source=source_path)


def unasync_source(source: str, replacements: Mapping[str, str]) -> str:
    """Rewrite async Python source into its blocking twin with unasync.

    ``replacements`` are unasync's ``additional_replacements``. The folder
    arguments of the rule do not matter here: only its token rewriting is used.
    """
    rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=dict(replacements))
    # unasync 0.6.0 only exposes whole-file rewriting; its token pass is the
    # pure part we need (pinned in the dev dependencies).
    tokens = rule._unasync_tokens(tokenize_rt.src_to_tokens(source))
    return cast(str, tokenize_rt.tokens_to_src(tokens))


#: Token kinds whose text is prose: docstrings and other string literals, comments
#: (and the literal parts of f-strings, which Python 3.12+ tokenizes on their own).
_PROSE_TOKENS = frozenset({"STRING", "COMMENT", "FSTRING_MIDDLE"})


def rewrite_prose(source: str, phrases: Sequence[tuple[str, str]]) -> str:
    """Replace each phrase in the source's strings and comments (never in code).

    unasync rewrites names only; the words of docstrings and comments are rewritten
    here from the reviewed phrase table, in its order.
    """
    if not phrases:
        return source
    tokens = tokenize_rt.src_to_tokens(source)
    for index, token in enumerate(tokens):
        if token.name in _PROSE_TOKENS:
            text = token.src
            for old, new in phrases:
                text = text.replace(old, new)
            if text != token.src:
                tokens[index] = token._replace(src=text)
    return cast(str, tokenize_rt.tokens_to_src(tokens))


def used_phrases(source: str, phrases: Sequence[tuple[str, str]]) -> set[str]:
    """Return the phrases (left-hand sides) found in the strings and comments of ``source``."""
    prose = [token.src for token in _tokens(source) if token.name in _PROSE_TOKENS]
    return {old for old, _ in phrases if any(old in text for text in prose)}


def generate(
    source: str,
    source_path: str,
    replacements: Mapping[str, str],
    phrases: Sequence[tuple[str, str]] = (),
) -> str:
    """Return the unformatted generated file: the header, then the rewritten source."""
    return header_for(source_path) + rewrite_prose(unasync_source(source, replacements), phrases)


def _tokens(source: str) -> list[_Token]:
    return cast("list[_Token]", tokenize_rt.src_to_tokens(source))


def _matched_text(token: _Token) -> str | None:
    """Return the text unasync compares with the table for this token, if any.

    A NAME token is compared as is; a STRING token by everything between its
    first and last character (so only a string that is exactly one name, with
    no prefix, can match).
    """
    if token.name == "NAME":
        return token.src
    if token.name == "STRING":
        return token.src[1:-1]
    return None


def matched_texts(source: str) -> Iterable[str]:
    """Yield every text unasync would look up in its replacement table.

    This mirrors ``unasync.Rule._unasync_tokens``: it walks the same
    ``tokenize_rt`` token stream, and the token right after ``async`` or
    ``await`` (normally a space) is skipped, as unasync skips it.
    """
    skip_next = False
    for token in _tokens(source):
        if skip_next:
            skip_next = False
            continue
        if token.src in _DROPPED_KEYWORDS:
            skip_next = True
            continue
        text = _matched_text(token)
        if text is not None:
            yield text


def used_keys(source: str, replacements: Mapping[str, str]) -> set[str]:
    """Return the replacement keys that match at least one token of ``source``."""
    return {text for text in matched_texts(source) if text in replacements}


def invalid_keys(replacements: Mapping[str, str]) -> list[str]:
    """Return the keys that can never match a name token (dotted names, keywords...)."""
    return sorted(key for key in replacements if not key.isidentifier() or keyword.iskeyword(key))
