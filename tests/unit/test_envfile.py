"""Env files for the worker command: KEY=VALUE lines, quotes, comments, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from render_sdk.local.envfile import EnvFileError, load_env_file, parse_env


def test_bare_quoted_and_exported_values() -> None:
    text = (
        "# a comment\n"
        "\n"
        "PLAIN=value # trailing comment\n"
        "export EXPORTED=yes\n"
        "SINGLE='literal $HOME \\n'\n"
        'DOUBLE="line\\nnext \\"quoted\\""\n'
        "EMPTY=\n"
        "SPACED = padded \n"
        "URL=http://x/#anchor\n"
    )
    assert parse_env(text) == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SINGLE": "literal $HOME \\n",
        "DOUBLE": 'line\nnext "quoted"',
        "EMPTY": "",
        "SPACED": "padded",
        "URL": "http://x/#anchor",
    }


def test_later_lines_win() -> None:
    assert parse_env("A=1\nA=2\n") == {"A": "2"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("JUST_A_NAME\n", r"app.env:1: expected KEY=VALUE \(the line has no '='\)"),
        ("OK=1\n1BAD=x\n", r"app.env:2: invalid variable name before '=' \(letters"),
        ("A='open\n", r"app.env:1: value of A: unterminated single quote"),
        ('A="open\n', r"app.env:1: value of A: unterminated double quote"),
        ('A="x" y\n', r"app.env:1: value of A: unexpected text after the closing quote"),
    ],
)
def test_bad_lines_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(EnvFileError, match=message):
        parse_env(text, "app.env")


SECRET = "sk_live_51HdontPrintMe"


@pytest.mark.parametrize(
    "text",
    [
        f"{SECRET}\n",  # a secret pasted without a name
        f"export {SECRET}\n",
        f"{SECRET}:x=1\n",  # a malformed name made of the secret
        f"TOKEN='{SECRET}\n",
        f'TOKEN="{SECRET}\n',
        f'TOKEN="{SECRET}" {SECRET}\n',
        f"TOKEN='x'{SECRET}\n",
    ],
)
def test_errors_never_echo_the_line_or_the_value(text: str) -> None:
    with pytest.raises(EnvFileError) as caught:
        parse_env(text, "app.env")
    message = str(caught.value)
    assert message.startswith("app.env:1: ")
    assert SECRET not in message
    assert "dontPrint" not in message


def test_files_are_read_and_missing_ones_are_reported(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("TOKEN=abc\n")
    assert load_env_file(path) == {"TOKEN": "abc"}
    with pytest.raises(EnvFileError, match="no such env file"):
        load_env_file(tmp_path / "missing.env")
