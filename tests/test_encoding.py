"""Tests for skxent._encoding: category codes and unique values, whose integer
fast paths (lookup table, histogram) must agree with plain Python."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skxent._encoding import _SMALL_SPAN, category_codes, unique_values

INTEGER_DTYPES = [np.int8, np.uint8, np.int32, np.int64, np.uint64]


def reference_codes(values, categories):
    """First position of each value among the categories, -1 if absent."""
    first = {}
    for position, category in enumerate(categories.tolist()):
        first.setdefault(category, position)
    return np.array([first.get(value, -1) for value in values.tolist()])


def integers(dtype, low, high):
    info = np.iinfo(dtype)
    return st.integers(max(low, int(info.min)), min(high, int(info.max)))


@st.composite
def integer_problems(draw):
    dtype = draw(st.sampled_from(INTEGER_DTYPES))
    # A narrow window (lookup table) or values far apart (sorting).
    spread = draw(st.sampled_from([20, 10 * _SMALL_SPAN, 2**62]))
    center = draw(integers(dtype, -(2**62), 2**62))
    element = integers(dtype, center - spread, center + spread)
    values = draw(st.lists(element, min_size=0, max_size=60))
    categories = draw(st.lists(element, min_size=1, max_size=12))
    # Some values are categories, some not; categories may repeat.
    values += draw(st.lists(st.sampled_from(categories), max_size=20))
    return np.array(values, dtype=dtype), np.array(categories, dtype=dtype)


@settings(max_examples=200, deadline=None)
@given(problem=integer_problems())
def test_integer_codes_and_unique_values_match_python(problem):
    values, categories = problem
    codes = category_codes(values, categories)
    assert_array_equal(codes, reference_codes(values, categories))
    unique = unique_values(values)
    assert unique.dtype == values.dtype
    assert_array_equal(
        unique, np.array(sorted(set(values.tolist())), dtype=values.dtype)
    )


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_both_integer_paths_give_the_same_codes(dtype):
    rng = np.random.default_rng(0)
    values = rng.integers(0, 50, size=1000).astype(dtype)
    categories = np.array([7, 3, 49, 3, 0, 60], dtype=dtype)
    table_codes = category_codes(values, categories)  # range 50: lookup table
    # One far value makes the range too wide for a table: sorting instead.
    far = np.append(values, np.iinfo(dtype).max)
    assert_array_equal(category_codes(far, categories)[:-1], table_codes)
    assert_array_equal(table_codes, reference_codes(values, categories))
    assert_array_equal(unique_values(far)[:-1], unique_values(values))


def test_mixed_kinds_and_empty_values():
    # Float categories against integer values, and the reverse, compare by
    # value; empty inputs give empty outputs.
    assert_array_equal(
        category_codes(np.array([1, 2, 5]), np.array([2.0, 1.0])), [1, 0, -1]
    )
    assert_array_equal(category_codes(np.array([1.0, 2.5]), np.array([1, 2])), [0, -1])
    assert category_codes(np.array([], dtype=np.int64), np.array([1, 2])).size == 0
    assert unique_values(np.array([], dtype=np.int64)).size == 0
    assert_array_equal(unique_values(np.array([True, False, True])), [False, True])


def test_signed_against_unsigned_64_bit_integers_are_exact():
    # NumPy would compare these in float64, where 2**62 + 1 == 2**62 + 2.
    big = 2**62
    values = np.array([big + 1, big + 2, -1], dtype=np.int64)
    categories = np.array([big + 1, big + 2], dtype=np.uint64)
    assert_array_equal(category_codes(values, categories), [0, 1, -1])
    assert_array_equal(category_codes(categories, values), [0, 1])


def test_repeated_categories_give_the_first_position_on_every_path():
    repeated = [5, 7, 5]
    for values, categories in [
        (np.array([5, 7]), np.array(repeated)),  # lookup table
        (np.array([5.0, 7.0]), np.array(repeated, dtype=float)),  # sorting
        (np.array([5, 7], dtype=object), np.array(repeated, dtype=object)),
    ]:
        assert_array_equal(category_codes(values, categories), [0, 1])
