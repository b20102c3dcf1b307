"""The SIMD register intrinsics of skxent._kernels.lanes against NumPy."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError
from numpy.testing import assert_array_equal

from skxent._kernels import lanes

DTYPES = [np.float32, np.float64]


@njit
def _load(array, offset, count):
    """The register ``load`` returns, written out whole."""
    out = np.full(lanes.lane_count(array), np.nan, dtype=array.dtype)
    lanes.store(out, 0, out.shape[0], lanes.load(array, offset, count))
    return out


@njit
def _store(source, array, offset, count):
    """Store a full register of ``source`` with ``count`` lanes."""
    lanes.store(array, offset, count, lanes.load(source, 0, source.shape[0]))


@njit
def _multiply_add(accumulator, scale, value):
    """``accumulator + scale * value`` through full registers."""
    out = np.empty_like(accumulator)
    total = lanes.multiply_add(
        lanes.load(accumulator, 0, accumulator.shape[0]),
        scale,
        lanes.load(value, 0, value.shape[0]),
    )
    lanes.store(out, 0, out.shape[0], total)
    return out


@njit
def _zeros(array):
    """The register ``zeros`` returns, written out whole."""
    out = np.full(lanes.lane_count(array), np.nan, dtype=array.dtype)
    lanes.store(out, 0, out.shape[0], lanes.zeros(array))
    return out


def expected_lane_count(dtype):
    return lanes.REGISTER_BYTES // np.dtype(dtype).itemsize


@pytest.mark.parametrize("dtype", DTYPES)
def test_lane_count_fills_one_register(dtype):
    n = expected_lane_count(dtype)
    assert _zeros(np.zeros(1, dtype)).shape == (n,)
    assert_array_equal(_zeros(np.ones(3, dtype)), np.zeros(n, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_load_reads_count_lanes_and_zeros_the_rest(dtype):
    n = expected_lane_count(dtype)
    array = np.arange(1, 3 * n + 1, dtype=dtype)
    for offset in (0, 1, n, 2 * n - 1):
        for count in (-5, 0, 1, n - 1, n, n + 7):
            read = min(max(count, 0), n)
            expected = np.zeros(n, dtype)
            expected[:read] = array[offset : offset + read]
            assert_array_equal(_load(array, offset, count), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_lanes_are_not_read_even_past_the_end(dtype):
    # The kernels rely on it: a register whose count is zero or less may
    # start past the end of its array.
    n = expected_lane_count(dtype)
    array = np.arange(1, 4, dtype=dtype)
    assert_array_equal(_load(array, 3, 0), np.zeros(n, dtype))
    assert_array_equal(_load(array, 1_000_000, -4), np.zeros(n, dtype))
    assert_array_equal(_load(array, 1, 2), np.r_[array[1:], np.zeros(n - 2, dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_store_writes_count_lanes_only(dtype):
    n = expected_lane_count(dtype)
    source = np.arange(1, n + 1, dtype=dtype)
    for offset, count in [(0, n), (0, 3), (5, 1), (2, n + 4), (0, 0), (4, -1)]:
        written = min(max(count, 0), n)
        # The array ends where the stored lanes do: nothing beyond is touched.
        array = np.full(offset + written, -1.0, dtype)
        expected = array.copy()
        expected[offset:] = source[:written]
        _store(source, array, offset, count)
        assert_array_equal(array, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multiply_add_rounds_like_numpy(dtype):
    n = expected_lane_count(dtype)
    rng = np.random.default_rng(0)
    accumulator = rng.standard_normal(n).astype(dtype)
    value = rng.standard_normal(n).astype(dtype)
    value[:3] = [np.inf, np.nan, -0.0]
    scale = dtype(0.1)
    # A product rounded, then a sum rounded: no fused multiply-add.
    expected = accumulator + scale * value
    assert_array_equal(_multiply_add(accumulator, scale, value), expected)


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((4, 4))[:, ::2],
        np.zeros(4, dtype=np.int64),
        np.zeros(4, dtype=np.float16),
    ],
    ids=["strided", "int64", "float16"],
)
def test_only_c_contiguous_float32_and_float64_arrays_are_accepted(array):
    with pytest.raises(TypingError, match="C-contiguous float32 or float64"):
        _zeros(array)


def test_read_only_arrays_are_loaded_but_never_stored_into():
    source = np.arange(8.0)
    source.flags.writeable = False
    assert_array_equal(_load(source, 0, 8), source)
    with pytest.raises(TypingError, match="read-only"):
        _store(np.ones(8), source, 0, 8)


def test_offsets_counts_and_scales_must_be_numbers():
    array = np.arange(16.0)
    with pytest.raises(TypingError, match="offset must be an integer"):
        _load(array, 2.5, 8)
    with pytest.raises(TypingError, match="count must be an integer"):
        _load(array, 0, 8.0)
    with pytest.raises(TypingError, match="scale must be a number"):
        _multiply_add(array[:8], np.ones(2), array[8:])


@njit
def _prefetch_everywhere(array):
    """Prefetch every element of ``array``, then one past its end."""
    for offset in range(array.size + 1):
        lanes.prefetch(array, offset)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_prefetch_changes_nothing(dtype, order):
    array = np.arange(40, dtype=dtype).reshape((4, 10), order=order)
    before = array.copy()
    _prefetch_everywhere(array)
    assert_array_equal(array, before)


def test_prefetch_refuses_non_integer_offsets_and_strided_arrays():
    with pytest.raises(TypingError, match="offset must be an integer"):
        njit(lambda a: lanes.prefetch(a, 1.5))(np.zeros(3))
    with pytest.raises(TypingError, match="C-contiguous float32 or float64"):
        njit(lambda a: lanes.prefetch(a, 0))(np.zeros((4, 4))[:, ::2])
