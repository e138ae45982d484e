"""Task identifier parsing and ID validation (render_sdk._identifiers)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk._identifiers import (
    ACCEPTED_FORMS,
    TaskIdentifier,
    parse_task_identifier,
    validate_task_id,
    validate_task_run_id,
)
from render_sdk.errors import InvalidArgumentError, InvalidTaskIdentifierError, RenderError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("wf/task", TaskIdentifier("wf/task", "slug", "wf", "task", None)),
        (
            "my-workflow/calculate_square",
            TaskIdentifier(
                "my-workflow/calculate_square", "slug", "my-workflow", "calculate_square"
            ),
        ),
        ("wf/task:v2", TaskIdentifier("wf/task:v2", "slug", "wf", "task", "v2")),
        ("wf.v/_private", TaskIdentifier("wf.v/_private", "slug", "wf.v", "_private")),
        ("tsk-abc123", TaskIdentifier("tsk-abc123", "id")),
    ],
)
def test_valid_identifiers_parse_into_their_parts(value: str, expected: TaskIdentifier) -> None:
    assert parse_task_identifier(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("wf task", "whitespace"),
        ("wf/my task", "whitespace"),
        (" wf/task", "leading or trailing whitespace"),
        ("wf/task ", "leading or trailing whitespace"),
        ("wf/task\n", "leading or trailing whitespace"),
        ("wf/\ttask", "whitespace"),
        ("wf/", "task name after '/' is missing"),
        ("wf/:v1", "task name after '/' is missing"),
        ("/task", "workflow slug before '/' is missing"),
        ("wf/a/b", "more than one '/'"),
        ("justaname", "separated by '/'"),
        ("tsk-", "'tsk-' followed by letters and digits"),
        ("tsk-abc!", "'tsk-' followed by letters and digits"),
        ("trn-abc123", "task-run ID"),
        ("wf/t\u0430sk", "non-ASCII"),  # Cyrillic small a, U+0430
        ("w\u0192/task", "non-ASCII"),
        ("wf/task:", "version after ':' is missing"),
        ("wf/9task", "not allowed"),
        ("-wf/task", "not allowed"),
        ("wf/task:v1:v2", "not allowed"),
    ],
)
def test_invalid_strings_raise_naming_the_problem_and_the_accepted_forms(
    value: str, problem: str
) -> None:
    with pytest.raises(InvalidTaskIdentifierError) as info:
        parse_task_identifier(value)
    message = str(info.value)
    assert problem in message
    assert ACCEPTED_FORMS in message
    assert repr(value) in message


@pytest.mark.parametrize("value", [None, 42, b"wf/task", ["wf/task"], 3.5])
def test_non_strings_raise_naming_the_type_and_the_accepted_forms(value: object) -> None:
    with pytest.raises(InvalidTaskIdentifierError) as info:
        parse_task_identifier(value)
    assert "must be a string" in str(info.value)
    assert type(value).__name__ in str(info.value)
    assert ACCEPTED_FORMS in str(info.value)


def test_identifier_error_is_a_value_error_and_a_render_error() -> None:
    with pytest.raises(InvalidTaskIdentifierError) as info:
        parse_task_identifier("")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, RenderError)
    assert isinstance(info.value, InvalidArgumentError)


def test_validate_task_id_accepts_task_ids_only() -> None:
    assert validate_task_id("tsk-abc123") == "tsk-abc123"
    for bad in ["tsk-", "trn-abc", "wf/task", "", " tsk-a", None, 1]:
        with pytest.raises(InvalidArgumentError, match="tsk-"):
            validate_task_id(bad)


def test_validate_task_run_id_accepts_task_run_ids_only() -> None:
    assert validate_task_run_id("trn-XYZ09") == "trn-XYZ09"
    for bad in ["trn-", "tsk-abc", "trn-a/b", "trn-a\n", "", None, 7]:
        with pytest.raises(InvalidArgumentError, match="trn-"):
            validate_task_run_id(bad)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_the_identifier_error(text: str) -> None:
    try:
        parsed = parse_task_identifier(text)
    except InvalidTaskIdentifierError as exc:
        message = str(exc)
    else:
        assert parsed.value == text
        return
    assert ACCEPTED_FORMS in message


_name = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,10}[A-Za-z0-9_])?", fullmatch=True)
_task = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,10}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(_name, _task, st.none() | _name)
def test_every_well_formed_slug_round_trips(workflow: str, task: str, version: str | None) -> None:
    value = f"{workflow}/{task}" + (f":{version}" if version is not None else "")
    parsed = parse_task_identifier(value)
    assert parsed.value == value
    assert (parsed.kind, parsed.workflow_slug, parsed.task_name, parsed.version) == (
        "slug",
        workflow,
        task,
        version,
    )


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"tsk-[A-Za-z0-9]{1,20}", fullmatch=True))
def test_every_well_formed_task_id_round_trips(value: str) -> None:
    assert parse_task_identifier(value) == TaskIdentifier(value, "id")
    assert validate_task_id(value) == value
