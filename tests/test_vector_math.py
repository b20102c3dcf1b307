"""Tests for the vectorized ``exp`` and ``log`` (skxent._kernels.vector_math):
within 1 ulp of the exactly rounded value over each function's whole domain,
and the documented edge cases."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skxent._kernels import vector_math

DTYPES = [np.float32, np.float64]


def apply(function, x):
    """``function`` of :mod:`skxent._kernels.vector_math` on ``x``, into a new
    array."""
    out = np.empty_like(x)
    function(x, out, np.empty(x.shape, dtype=vector_math.bits_dtype(x)))
    return out


def ulps_from(values, expected):
    """Distance of ``values`` from ``expected`` in units of the last place of
    ``expected``'s dtype."""
    spacing = np.spacing(np.abs(expected)).astype(np.float64)
    return np.abs(values.astype(np.float64) - expected.astype(np.float64)) / spacing


# Arguments whose exp is the smallest normal number, per dtype.
SMALLEST = {np.float64: -708.39, np.float32: -87.33}


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_nonpositive_is_within_one_ulp_of_numpy(dtype):
    rng = np.random.default_rng(40)
    # Whole range of normal results, and small arguments where exp ~ 1 + x.
    x = np.concatenate(
        [-rng.uniform(0, -SMALLEST[dtype], 200_000), -rng.uniform(0, 1e-3, 10_000)]
    ).astype(dtype)
    # The exact exp of the rounded argument, rounded once to the dtype.
    expected = np.exp(x.astype(np.longdouble)).astype(dtype)
    assert np.max(ulps_from(apply(vector_math.exp_nonpositive, x), expected)) <= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_nonpositive_edge_cases(dtype):
    smallest = SMALLEST[dtype]
    x = np.array(
        [0.0, -0.0, -np.finfo(dtype).smallest_subnormal, -np.log(2) / 2,
         smallest, smallest - 0.01, -1e4, -np.inf],
        dtype=dtype,
    )  # fmt: skip
    out = apply(vector_math.exp_nonpositive, x)
    assert out.dtype == dtype
    eps = float(np.finfo(dtype).eps)
    assert_array_equal(out[:3], 1.0)
    assert out[3] == pytest.approx(np.sqrt(0.5), rel=eps)
    assert 0 < out[4] == pytest.approx(np.exp(np.float64(x[4])), rel=eps)
    # Results below the normal range (np.exp gives subnormals) are flushed.
    assert_array_equal(out[5:], 0.0)
    # NaN propagates, also through the vectorized body of the loop.
    x = np.linspace(-30.0, 0.0, 67).astype(dtype)
    x[[5, 40]] = np.nan
    out = apply(vector_math.exp_nonpositive, x)
    assert_array_equal(np.isnan(out), np.isnan(x))
    finite = x[~np.isnan(x)].astype(np.float64)
    assert_allclose(out[~np.isnan(x)], np.exp(finite), rtol=eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_positive_is_within_one_ulp_of_numpy(dtype):
    rng = np.random.default_rng(41)
    tiny, largest = float(np.finfo(dtype).tiny), float(np.finfo(dtype).max)
    # The whole range of positive normal numbers, log-uniformly; [0.5, 2],
    # where log(m) cancels against -ln 2 or is small; around 1, where
    # log x ~ x - 1; and [1, 100], a softmax's row sums.
    x = np.concatenate(
        [
            np.exp(rng.uniform(np.log(tiny), np.log(largest), 200_000)),
            rng.uniform(0.5, 2.0, 100_000),
            1.0 + rng.uniform(-1e-3, 1e-3, 10_000),
            rng.uniform(1.0, 100.0, 10_000),
        ]
    ).astype(dtype)
    x = x[np.isfinite(x) & (x >= tiny)]
    # Extended precision (where the platform has it), rounded once.
    expected = np.log(x.astype(np.longdouble)).astype(dtype)
    ulps = ulps_from(apply(vector_math.log_positive, x), expected)
    assert np.max(ulps[expected != 0]) <= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_positive_edge_cases(dtype):
    info = np.finfo(dtype)
    x = np.array([1.0, 2.0, np.sqrt(2.0), info.tiny, info.max, np.inf], dtype=dtype)
    out = apply(vector_math.log_positive, x)
    assert out.dtype == dtype
    eps = float(info.eps)
    assert out[0] == 0.0
    assert_allclose(out[1:5], np.log(x[1:5].astype(np.float64)), rtol=eps)
    assert out[5] == np.inf
    # NaN propagates, also through the vectorized body of the loop.
    x = np.linspace(1.0, 30.0, 67).astype(dtype)
    x[[5, 40]] = np.nan
    out = apply(vector_math.log_positive, x)
    assert_array_equal(np.isnan(out), np.isnan(x))
    finite = x[~np.isnan(x)].astype(np.float64)
    assert_allclose(out[~np.isnan(x)], np.log(finite), rtol=eps)
