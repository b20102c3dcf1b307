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
    out = np.full(lanes.lane_count(array), np.nan, dtype=array.dtype)
    lanes.store(out, 0, out.shape[0], lanes.zeros(array))
    return out


def lane_count(dtype):
    return lanes.REGISTER_BYTES // np.dtype(dtype).itemsize


@pytest.mark.parametrize("dtype", DTYPES)
def test_lane_count_fills_one_register(dtype):
    n = lane_count(dtype)
    assert _zeros(np.zeros(1, dtype)).shape == (n,)
    assert_array_equal(_zeros(np.ones(3, dtype)), np.zeros(n, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_load_reads_count_lanes_and_zeros_the_rest(dtype):
    n = lane_count(dtype)
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
    n = lane_count(dtype)
    array = np.arange(1, 4, dtype=dtype)
    assert_array_equal(_load(array, 3, 0), np.zeros(n, dtype))
    assert_array_equal(_load(array, 1_000_000, -4), np.zeros(n, dtype))
    assert_array_equal(_load(array, 1, 2), np.r_[array[1:], np.zeros(n - 2, dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_store_writes_count_lanes_only(dtype):
    n = lane_count(dtype)
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
    n = lane_count(dtype)
    rng = np.random.default_rng(0)
    accumulator = rng.standard_normal(n).astype(dtype)
    value = rng.standard_normal(n).astype(dtype)
    value[:3] = [np.inf, np.nan, -0.0]
    scale = dtype(0.1)
    # A product rounded, then a sum rounded: no fused multiply-add.
    expected = accumulator + scale * value
    assert_array_equal(_multiply_add(accumulator, scale, value), expected)


def test_only_c_contiguous_float_arrays_are_accepted():
    with pytest.raises(TypingError, match="C-contiguous float array"):
        _zeros(np.zeros((4, 4))[:, ::2])
    with pytest.raises(TypingError, match="C-contiguous float array"):
        _zeros(np.zeros(4, dtype=np.int64))
