"""Task input validation and JSON encoding (render_sdk._inputs)."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk._inputs import MAX_INPUT_DEPTH, encode_json, validate_input
from render_sdk.errors import InvalidInputError, RenderError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([], []),
        ({}, {}),
        ((), []),
        ([1, "a", None, True, 2.5], [1, "a", None, True, 2.5]),
        ((1, (2, (3,))), [1, [2, [3]]]),
        ({"a": (1, {"b": (2,)})}, {"a": [1, {"b": [2]}]}),
        ([{"x": []}], [{"x": []}]),
    ],
)
def test_lists_tuples_and_dicts_are_accepted_and_tuples_become_lists(
    value: Any, expected: Any
) -> None:
    result = validate_input(value)
    assert result == expected
    assert json.dumps(result) == json.dumps(expected)


def _gen() -> Any:
    yield 1


class _Thing:
    pass


@pytest.mark.parametrize(
    ("value", "path", "words"),
    [
        ([float("nan")], "input_data[0]", "NaN"),
        ([1, float("inf")], "input_data[1]", "not valid JSON"),
        ({"a": -math.inf}, "input_data['a']", "not valid JSON"),
        ({1: "x"}, "input_data", "dict keys must be strings"),
        ({"outer": {2: "x"}}, "input_data['outer']", "key 2 of type int"),
        ([{1, 2}], "input_data[0]", "convert sets to lists"),
        ([frozenset()], "input_data[0]", "convert sets to lists"),
        ([b"raw"], "input_data[0]", "decode bytes"),
        ([1, [bytearray(b"x")]], "input_data[1][0]", "decode bytes"),
        ([0, 1, {"when": dt.datetime(2024, 1, 1)}], "input_data[2]['when']", "isoformat"),
        ({"d": dt.date(2024, 1, 1)}, "input_data['d']", "isoformat"),
        ([_Thing()], "input_data[0]", "_Thing is not JSON-serializable"),
        ([_gen()], "input_data[0]", "generator is not JSON-serializable"),
        ([Decimal("1.5")], "input_data[0]", "Decimal is not JSON-serializable"),
        ({"c": 1j}, "input_data['c']", "complex is not JSON-serializable"),
    ],
)
def test_non_json_values_are_rejected_with_their_exact_path(
    value: Any, path: str, words: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_input(value)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert words in str(info.value)


@pytest.mark.parametrize(
    "value", [None, 5, "text", b"bytes", {1, 2}, _gen(), 2.5, _Thing(), iter([1])]
)
def test_top_level_values_other_than_list_or_dict_are_rejected(value: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_input(value)
    assert info.value.path == "input_data"
    assert "list or tuple" in str(info.value)
    assert "use [] for no arguments" in str(info.value)
    assert type(value).__name__ in str(info.value)


def test_input_error_is_value_error_type_error_and_render_error() -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_input(None)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, RenderError)


def test_a_list_that_contains_itself_is_rejected_not_a_recursion_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(InvalidInputError, match="circular reference") as info:
        validate_input([loop])
    assert info.value.path == "input_data[0][0]"
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(InvalidInputError, match="circular reference"):
        validate_input(cyclic)


def test_the_same_object_twice_side_by_side_is_not_a_cycle() -> None:
    shared = [1, 2]
    assert validate_input([shared, shared, {"a": shared}]) == [[1, 2], [1, 2], {"a": [1, 2]}]


def test_nesting_deeper_than_the_limit_is_rejected_not_a_recursion_error() -> None:
    ok: list[Any] = []
    for _ in range(MAX_INPUT_DEPTH - 1):
        ok = [ok]
    assert validate_input(ok) == ok
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InvalidInputError, match=f"more than {MAX_INPUT_DEPTH} levels"):
        validate_input(deep)


def test_an_int_too_long_to_encode_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="too many digits") as info:
        validate_input({"n": 10**5000})
    assert info.value.path == "input_data['n']"
    assert validate_input([2**64]) == [2**64]


def test_encode_json_is_compact_utf8_and_keeps_non_ascii() -> None:
    encoded = encode_json({"name": "café ☕", "n": [1, 2.5, None, True]})
    assert encoded == '{"name":"café ☕","n":[1,2.5,null,true]}'.encode()
    assert isinstance(encoded, bytes)


def test_encode_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        encode_json([float("nan")])


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_json, max_size=4) | st.dictionaries(st.text(max_size=8), _json, max_size=4))
def test_any_json_value_is_accepted_and_round_trips_through_encode_json(value: Any) -> None:
    assert json.loads(encode_json(validate_input(value))) == value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(), st.text()), max_size=4))
def test_tuples_round_trip_as_lists(value: list[tuple[int, str]]) -> None:
    assert json.loads(encode_json(validate_input(tuple(value)))) == [list(t) for t in value]


_anything = st.recursive(
    st.none()
    | st.integers()
    | st.floats()
    | st.text()
    | st.binary()
    | st.complex_numbers()
    | st.datetimes()
    | st.decimals()
    | st.builds(object),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.frozensets(st.integers(), max_size=2)
        | st.dictionaries(st.none() | st.integers() | st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(_anything)
def test_arbitrary_python_objects_raise_only_invalid_input_error(value: object) -> None:
    try:
        checked = validate_input(value)
    except InvalidInputError as exc:
        path = exc.path
    else:
        json.loads(encode_json(checked))
        return
    assert path is not None
    assert path.startswith("input_data")
