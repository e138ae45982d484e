"""The adaptive polling schedule (render_sdk._polling)."""

from __future__ import annotations

import itertools

import pytest

from render_sdk._polling import PollSchedule


def first(schedule: PollSchedule, n: int) -> list[float]:
    return list(itertools.islice(schedule.intervals(), n))


def test_default_schedule_starts_small_grows_and_is_capped() -> None:
    gaps = first(PollSchedule(), 30)
    assert gaps[0] == 0.1
    assert gaps[1] == pytest.approx(0.15)
    assert all(b >= a for a, b in itertools.pairwise(gaps))
    assert max(gaps) == 2.0
    assert gaps[-1] == 2.0


def test_schedule_grows_by_its_factor_until_the_cap() -> None:
    assert first(PollSchedule(initial_interval=1, factor=2, max_interval=5), 5) == [1, 2, 4, 5, 5]


def test_factor_one_keeps_a_constant_interval() -> None:
    assert first(PollSchedule(initial_interval=0.3, factor=1, max_interval=1), 4) == [0.3] * 4


def test_initial_interval_above_the_cap_is_capped() -> None:
    assert first(PollSchedule(initial_interval=10, max_interval=2), 2) == [2, 2]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_interval": 0},
        {"initial_interval": -1},
        {"max_interval": 0},
        {"factor": 0.5},
        {"initial_interval": float("nan")},
        {"max_interval": float("nan")},
        {"max_interval": float("inf")},
        {"factor": float("nan")},
        {"factor": float("inf")},
        {"initial_interval": "1"},
    ],
)
def test_invalid_parameters_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PollSchedule(**kwargs)
