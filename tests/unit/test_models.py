"""Models: the open status enum and the run helpers (render_sdk.models)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from render_sdk.models import TERMINAL_STATUSES, TaskRun, TaskRunDetails
from render_sdk.models import TaskRunStatus as S


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        (S.PENDING, False, False),
        (S.RUNNING, False, False),
        (S.PAUSED, False, False),
        (S.SUCCEEDED, True, True),
        (S.COMPLETED, True, True),
        (S.FAILED, True, False),
        (S.CANCELED, True, False),
        (S("archived"), False, False),
    ],
)
def test_status_properties(status: S, terminal: bool, success: bool) -> None:
    assert status.is_terminal is terminal
    assert status.is_success is success
    assert (status in TERMINAL_STATUSES) is terminal


def test_unknown_status_is_kept_as_an_open_member() -> None:
    new = S("paused-new")
    assert new.value == "paused-new"
    assert str(new) == "paused-new"
    assert new == "paused-new"
    assert new.is_known is False
    assert S("running") is S.RUNNING
    assert S.RUNNING.is_known is True
    assert S("FAILED").is_terminal is False  # statuses are case-sensitive


def test_non_string_status_is_rejected() -> None:
    with pytest.raises(ValueError):
        S(3)  # type: ignore[arg-type]


def run(status: S, **kwargs: Any) -> TaskRun:
    return TaskRun(id="trn-a", task_id="tsk-b", status=status, **kwargs)


def test_run_helpers_follow_the_status() -> None:
    assert run(S.SUCCEEDED).succeeded
    assert run(S.COMPLETED).succeeded
    assert run(S.FAILED).failed
    assert not run(S.FAILED).succeeded
    assert run(S.CANCELED).canceled
    assert run(S.CANCELED).is_terminal
    assert not run(S.RUNNING).is_terminal


def test_is_root() -> None:
    assert run(S.RUNNING).is_root
    assert run(S.RUNNING, parent_task_run_id="", root_task_run_id="trn-a").is_root
    assert not run(S.RUNNING, parent_task_run_id="trn-p", root_task_run_id="trn-r").is_root


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], None),
        ([25], 25),
        ([None], None),
        ([[1, 2]], [1, 2]),
        ([1, 2], [1, 2]),
        ([{"a": 1}], {"a": 1}),
    ],
)
def test_details_result_unwraps_exactly_one_level(results: list[Any], expected: Any) -> None:
    details = TaskRunDetails(id="trn-a", task_id="tsk-b", status=S.SUCCEEDED, results=results)
    assert details.result == expected


def test_models_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        run(S.RUNNING).status = S.FAILED  # type: ignore[misc]
