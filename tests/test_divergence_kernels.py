"""Tests for skxent._kernels.divergence: parallel kernels against their serial
reference (``kernel.py_func``, where ``prange`` is plain ``range``) and against
scipy, in float32 and float64."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special

from skxent._kernels import divergence as kernels

KINDS = {
    "entropy": kernels.ENTROPY,
    "cross_entropy": kernels.CROSS_ENTROPY,
    "kl_divergence": kernels.KL_DIVERGENCE,
    "js_divergence": kernels.JS_DIVERGENCE,
}
DTYPES = [np.float32, np.float64]
EPS64 = float(np.finfo(np.float64).eps)


def probability_rows(rng, n_samples, n_classes, dtype):
    """Dirichlet rows with some exact zeros, so every branch of the pointwise
    terms (``0 log 0``, clipping of ``q``) is taken."""
    rows = rng.dirichlet(np.full(n_classes, 0.5), size=n_samples)
    rows[rng.uniform(size=rows.shape) < 0.15] = 0.0
    rows[:, 0] += 1e-3  # keep every row's sum positive
    rows /= rows.sum(axis=1, keepdims=True)
    return rows.astype(dtype)


def reference_rows(P, Q, kind):
    """Float64 scipy reference for one row kernel (``q`` clipped as documented)."""
    P = P.astype(np.float64)
    eps = np.finfo(Q.dtype).eps
    Q = Q.astype(np.float64)
    clipped = np.clip(Q, eps, 1 - eps)
    if kind == kernels.ENTROPY:
        return -special.xlogy(P, P).sum(axis=1)
    if kind == kernels.CROSS_ENTROPY:
        return -special.xlogy(P, clipped).sum(axis=1)
    if kind == kernels.KL_DIVERGENCE:
        return np.maximum(special.rel_entr(P, clipped).sum(axis=1), 0.0)
    M = (P + Q) / 2
    return (special.rel_entr(P, M) + special.rel_entr(Q, M)).sum(axis=1) / 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_soft_target_rows_parallel_matches_serial_and_scipy(kind, dtype):
    rng = np.random.default_rng(kind)
    P = probability_rows(rng, 37, 5, dtype)
    Q = probability_rows(rng, 37, 5, dtype)
    eps = float(np.finfo(dtype).eps)

    parallel = kernels.soft_target_rows(P, Q, kind, eps)
    serial = kernels.soft_target_rows.py_func(P, Q, kind, eps)
    assert parallel.dtype == np.float64
    assert parallel.shape == (37,)
    assert_allclose(parallel, serial, rtol=1e-13, atol=1e-15)
    assert_allclose(parallel, reference_rows(P, Q, kind), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("label_dtype", [np.intp, np.int32])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_label_target_rows_parallel_matches_serial_and_one_hot(
    kind, dtype, label_dtype
):
    rng = np.random.default_rng(10 + kind)
    y = rng.integers(0, 4, size=29).astype(label_dtype)
    Q = probability_rows(rng, 29, 4, dtype)
    eps = float(np.finfo(dtype).eps)

    parallel = kernels.label_target_rows(y, Q, kind, eps)
    serial = kernels.label_target_rows.py_func(y, Q, kind, eps)
    assert parallel.dtype == np.float64
    assert_allclose(parallel, serial, rtol=1e-13, atol=1e-15)
    one_hot = np.eye(4, dtype=dtype)[y]
    assert_allclose(
        parallel, kernels.soft_target_rows(one_hot, Q, kind, eps), rtol=1e-15
    )


@pytest.mark.parametrize(
    ("p_dtype", "q_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_mixed_dtypes_use_the_eps_passed_in(p_dtype, q_dtype):
    rng = np.random.default_rng(3)
    P = probability_rows(rng, 20, 3, p_dtype)
    Q = probability_rows(rng, 20, 3, q_dtype)
    eps = float(np.finfo(q_dtype).eps)
    for kind in KINDS.values():
        assert_allclose(
            kernels.soft_target_rows(P, Q, kind, eps),
            reference_rows(P, Q, kind),
            rtol=1e-12,
            atol=1e-15,
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_clipping_and_zero_log_zero(dtype):
    eps = float(np.finfo(dtype).eps)
    P = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=dtype)
    Q = np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.5]], dtype=dtype)

    ce = kernels.soft_target_rows(P, Q, kernels.CROSS_ENTROPY, eps)
    # q = 1 is clipped to 1 - eps and q = 0 to eps; p = 0 contributes nothing.
    assert_allclose(ce, [-np.log1p(-eps), -np.log(eps), np.log(2)], rtol=1e-12)
    kl = kernels.soft_target_rows(P, Q, kernels.KL_DIVERGENCE, eps)
    assert_allclose(kl, [-np.log1p(-eps), -np.log(eps), 0.0], rtol=1e-12, atol=0)
    js = kernels.soft_target_rows(P, Q, kernels.JS_DIVERGENCE, eps)
    assert_allclose(js, [0.0, np.log(2), 0.0], rtol=1e-12, atol=0)
    assert_array_equal(kernels.soft_target_rows(P, P, kernels.ENTROPY, 0.0)[:2], 0.0)


def test_kl_is_clamped_at_zero_but_cross_entropy_is_not():
    # q sums to 1 + 2e-10: the exact KL sum is slightly negative.
    P = np.array([[0.5, 0.5]])
    Q = P + 1e-10
    assert special.rel_entr(P, Q).sum() < 0
    for kernel in (kernels.soft_target_rows, kernels.soft_target_rows.py_func):
        assert kernel(P, Q, kernels.KL_DIVERGENCE, EPS64)[0] == 0.0
        # Every Jensen-Shannon term is non-negative on its own.
        assert kernel(P, Q, kernels.JS_DIVERGENCE, EPS64)[0] >= 0.0
    ce = kernels.soft_target_rows(P, Q, kernels.CROSS_ENTROPY, EPS64)
    assert ce[0] == pytest.approx(-np.log(0.5 + 1e-10), rel=1e-15)


def test_empty_input_gives_empty_rows():
    empty = np.empty((0, 3))
    assert kernels.soft_target_rows(empty, empty, kernels.KL_DIVERGENCE, 0.0).size == 0
    labels = np.empty(0, dtype=np.intp)
    assert (
        kernels.label_target_rows(labels, empty, kernels.KL_DIVERGENCE, 0.0).size == 0
    )
    assert kernels.probability_row_status(empty, 1e-8).size == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_probability_row_status_codes(dtype):
    tol = float(np.sqrt(np.finfo(dtype).eps))
    rows = np.array(
        [
            [0.25, 0.25, 0.5],  # valid
            [1.0, 0.0, 0.0],  # valid, with zeros
            [0.2, np.nan, 0.8],
            [np.inf, 0.0, 0.0],
            [0.5, -np.inf, 0.5],
            [0.6, -0.1, 0.5],  # negative, although the row sums to 1
            [0.3, 0.3, 0.3],  # sums to 0.9
            [2.0, 3.0, 5.0],  # counts, not probabilities
            [-0.5, np.nan, 1.5],  # the first problem in the row decides
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 2 * tol],  # off by twice the tolerance
            [0.5, 0.5, tol / 4],  # within tolerance
        ],
        dtype=dtype,
    )
    expected = [
        kernels.ROW_OK,
        kernels.ROW_OK,
        kernels.ROW_NOT_FINITE,
        kernels.ROW_NOT_FINITE,
        kernels.ROW_NOT_FINITE,
        kernels.ROW_NEGATIVE,
        kernels.ROW_SUM_NOT_ONE,
        kernels.ROW_SUM_NOT_ONE,
        kernels.ROW_NEGATIVE,
        kernels.ROW_SUM_NOT_ONE,
        kernels.ROW_SUM_NOT_ONE,
        kernels.ROW_OK,
    ]
    status = kernels.probability_row_status(rows, tol)
    assert status.dtype == np.int8
    assert_array_equal(status, expected)
    assert_array_equal(kernels.probability_row_status.py_func(rows, tol), expected)
    assert len({kernels.ROW_OK, *expected}) == 4  # the four codes are distinct


@pytest.mark.parametrize("dtype", DTYPES)
def test_probability_row_status_parallel_matches_serial_on_random_rows(dtype):
    rng = np.random.default_rng(4)
    rows = rng.dirichlet(np.ones(6), size=200)
    rows[rng.uniform(size=rows.shape) < 0.01] = np.nan
    rows[rng.uniform(size=rows.shape) < 0.01] *= -1
    rows[rng.uniform(size=200) < 0.05] *= 1.01
    rows = rows.astype(dtype)
    tol = float(np.sqrt(np.finfo(dtype).eps))

    status = kernels.probability_row_status(rows, tol)
    assert_array_equal(status, kernels.probability_row_status.py_func(rows, tol))
    assert set(np.unique(status)) == {0, 1, 2, 3}


def test_kernels_accept_non_contiguous_and_read_only_arrays():
    rng = np.random.default_rng(5)
    P = np.asfortranarray(probability_rows(rng, 30, 4, np.float64))
    Q = probability_rows(rng, 60, 4, np.float64)[::2]
    for array in (P, Q):
        array.flags.writeable = False
    expected = reference_rows(np.ascontiguousarray(P), np.ascontiguousarray(Q), 2)
    kl = kernels.soft_target_rows(P, Q, kernels.KL_DIVERGENCE, EPS64)
    assert_allclose(kl, expected, rtol=1e-12, atol=1e-15)
    assert_array_equal(kernels.probability_row_status(Q, 1e-8), 0)
