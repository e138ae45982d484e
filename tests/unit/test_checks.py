"""Plain-argument checks (render_sdk._checks)."""

from __future__ import annotations

import math

import pytest

from render_sdk._checks import check_int, check_seconds
from render_sdk.errors import InvalidArgumentError


@pytest.mark.parametrize(
    ("value", "minimum", "maximum"), [(0, 0, None), (5, 1, 5), (10**9, 1, None)]
)
def test_check_int_accepts_ints_in_bounds(value: int, minimum: int, maximum: int | None) -> None:
    assert check_int("n", value, minimum=minimum, maximum=maximum) == value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "n must be from 1 to 5, got 0"),
        (6, "n must be from 1 to 5, got 6"),
        (True, "n must be an int from 1 to 5, got True"),
        (2.0, "n must be an int from 1 to 5, got 2.0"),
        ("3", "n must be an int from 1 to 5, got '3'"),
        (None, "n must be an int from 1 to 5, got None"),
    ],
)
def test_check_int_rejects_naming_the_argument_and_bounds(value: object, words: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        check_int("n", value, minimum=1, maximum=5)
    assert str(info.value) == words


def test_check_int_without_maximum_says_or_more() -> None:
    with pytest.raises(InvalidArgumentError, match="n must be of 1 or more, got -3"):
        check_int("n", -3, minimum=1)


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0.0), (1, 1.0), (2.5, 2.5)])
def test_check_seconds_accepts_none_and_non_negative_numbers(
    value: object, expected: float | None
) -> None:
    result = check_seconds("timeout", value)
    assert result == expected
    assert result is None or type(result) is float


@pytest.mark.parametrize("value", [-1, -0.001, math.nan, math.inf, True, "5", [1]])
def test_check_seconds_rejects_the_rest(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="timeout must be None or a finite number"):
        check_seconds("timeout", value)
