"""Reading dotenv-style files (``KEY=VALUE`` lines) for the worker's environment.

Accepted: blank lines, ``# comments``, an optional ``export`` prefix, values bare
(trailing `` # comment`` dropped), in single quotes (taken literally) or in double
quotes (``\\n``, ``\\t``, ``\\"`` and ``\\\\`` escapes). No variable expansion.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["EnvFileError", "load_env_file", "parse_env"]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class EnvFileError(ValueError):
    """A line of an env file that is not ``KEY=VALUE``; the message names file and line.

    It names the variable when it can, never the line's text or a value: an env file
    holds secrets, and the message goes to a terminal or a CI log.
    """


def _unquote(value: str, where: str) -> str:
    if value[:1] == "'":
        end = value.find("'", 1)
        if end < 0:
            raise EnvFileError(f"{where}: unterminated single quote (close it with ')")
        _rest_is_comment(value[end + 1 :], where)
        return value[1:end]
    if value[:1] == '"':
        out: list[str] = []
        index = 1
        while index < len(value):
            char = value[index]
            if char == "\\" and index + 1 < len(value):
                nxt = value[index + 1]
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                index += 2
                continue
            if char == '"':
                _rest_is_comment(value[index + 1 :], where)
                return "".join(out)
            out.append(char)
            index += 1
        raise EnvFileError(f'{where}: unterminated double quote (close it with ")')
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


def _rest_is_comment(rest: str, where: str) -> None:
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise EnvFileError(
            f"{where}: unexpected text after the closing quote (only a # comment may follow)"
        )


def parse_env(text: str, source: str = "<env>") -> dict[str, str]:
    """The variables of a dotenv text; later lines win over earlier ones."""
    result: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        if line.startswith(("export ", "export\t")):
            line = line[len("export") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        # The line's text is never echoed: it may be a secret pasted without a name.
        if not sep:
            raise EnvFileError(f"{where}: expected KEY=VALUE (the line has no '=')")
        if not _KEY.match(key):
            raise EnvFileError(
                f"{where}: invalid variable name before '=' "
                "(letters, digits and underscores; not starting with a digit)"
            )
        result[key] = _unquote(value.strip(), f"{where}: value of {key}")
    return result


def load_env_file(path: str | Path) -> dict[str, str]:
    """Read and parse one env file; a missing or unreadable file is an :class:`EnvFileError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EnvFileError(f"{path}: no such env file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"{path}: cannot read env file: {exc}") from None
    return parse_env(text, str(path))
