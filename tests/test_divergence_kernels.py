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


# --------------------------------------------------------------------------
# Kernels reading log q: log-probabilities, or logits normalized in the row.
# --------------------------------------------------------------------------

LOG_KINDS = {name: kind for name, kind in KINDS.items() if kind != kernels.ENTROPY}


def log_reference_rows(P, log_q, kind):
    """Float64 scipy reference from ``log q`` (no clipping)."""
    P = P.astype(np.float64)
    log_q = log_q.astype(np.float64)
    Q = np.exp(log_q)
    # np.where picks 0 where p = 0, after 0 * (-inf) has made a NaN there.
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == kernels.CROSS_ENTROPY:
            return -np.where(P > 0, P * log_q, 0.0).sum(axis=1)
        if kind == kernels.KL_DIVERGENCE:
            terms = np.where(P > 0, P * (np.log(P) - log_q), 0.0)
            return np.maximum(terms.sum(axis=1), 0.0)
    M = (P + Q) / 2
    return (special.rel_entr(P, M) + special.rel_entr(Q, M)).sum(axis=1) / 2


def logit_rows(rng, n_samples, n_classes, dtype):
    """Logits with a spread of scales, some -inf (probability 0)."""
    Z = rng.standard_normal((n_samples, n_classes)) * rng.uniform(
        0.1, 30, (n_samples, 1)
    )
    Z[rng.uniform(size=Z.shape) < 0.1] = -np.inf
    Z[:, 0] = np.maximum(Z[:, 0], 0.0)  # every row keeps a finite logit
    return Z.astype(dtype)


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", LOG_KINDS.values(), ids=LOG_KINDS.keys())
def test_log_soft_target_rows_parallel_matches_serial_and_scipy(kind, dtype, logits):
    rng = np.random.default_rng(20 + kind)
    P = probability_rows(rng, 41, 5, dtype)
    Z = logit_rows(rng, 41, 5, np.float64)
    log_q = special.log_softmax(Z, axis=1)
    Z = (Z if logits else log_q).astype(dtype)
    expected_log_q = special.log_softmax(Z.astype(np.float64), axis=1)
    # Target mass where q = 0 would be infinite; keep it finite here.
    P = np.where(np.isneginf(expected_log_q), 0.0, P).astype(dtype)

    parallel = kernels.log_soft_target_rows(P, Z, kind, logits)
    serial = kernels.log_soft_target_rows.py_func(P, Z, kind, logits)
    assert parallel.dtype == np.float64
    assert_allclose(parallel, serial, rtol=1e-13, atol=1e-15)
    reference_log_q = expected_log_q if logits else Z
    assert_allclose(
        parallel, log_reference_rows(P, reference_log_q, kind), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("label_dtype", [np.intp, np.int32])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", LOG_KINDS.values(), ids=LOG_KINDS.keys())
def test_log_label_target_rows_match_serial_and_one_hot(
    kind, dtype, label_dtype, logits
):
    rng = np.random.default_rng(30 + kind)
    Z = logit_rows(rng, 33, 4, dtype)
    y = np.argmax(Z, axis=1).astype(label_dtype)  # a finite log q
    y[::3] = (y[::3] + 1) % 4
    y[np.isneginf(Z[np.arange(33), y])] = 0
    if not logits:
        Z = special.log_softmax(Z.astype(np.float64), axis=1).astype(dtype)

    parallel = kernels.log_label_target_rows(y, Z, kind, logits)
    serial = kernels.log_label_target_rows.py_func(y, Z, kind, logits)
    assert_allclose(parallel, serial, rtol=1e-13, atol=1e-15)
    one_hot = np.eye(4, dtype=dtype)[y]
    assert_allclose(
        parallel, kernels.log_soft_target_rows(one_hot, Z, kind, logits), rtol=1e-15
    )


def test_logits_keep_precision_where_the_top_class_is_near_one():
    # log q_0 = -log1p(exp(-40)) = -4.2e-18: the shift m + log(sum) rounds
    # to m, and log(sum) = log(1 + 4.2e-18) to 0.
    Z = np.array([[1e6, 1e6 - 40.0], [30.0, 0.0]])
    y = np.array([0, 0])
    expected = [np.log1p(np.exp(-40.0)), np.log1p(np.exp(-30.0))]
    for kernel in (
        kernels.log_label_target_rows,
        kernels.log_label_target_rows.py_func,
    ):
        ce = kernel(y, Z, kernels.CROSS_ENTROPY, True)
        assert_allclose(ce, expected, rtol=1e-15)


def test_log_probabilities_are_read_as_they_are():
    # A row whose logsumexp is 1e-9 (accepted by the callers' tolerance) is
    # not renormalized; as logits it is.
    log_q = np.log([[0.25, 0.75]]) + 1e-9
    P = np.array([[0.5, 0.5]])
    expected = -(0.5 * log_q[0]).sum()
    ce = kernels.log_soft_target_rows(P, log_q, kernels.CROSS_ENTROPY, False)
    assert ce[0] == pytest.approx(expected, rel=1e-15)
    ce = kernels.log_soft_target_rows(P, log_q, kernels.CROSS_ENTROPY, True)
    assert ce[0] == pytest.approx(expected + 1e-9, rel=1e-15)


def test_minus_infinity_log_probabilities():
    log_q = np.array([[0.0, -np.inf], [-np.inf, 0.0], [-np.inf, 0.0]])
    P = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    for kind, expected in [
        (kernels.CROSS_ENTROPY, [0.0, np.inf, 0.0]),
        (kernels.KL_DIVERGENCE, [0.0, np.inf, 0.0]),
        (
            kernels.JS_DIVERGENCE,
            reference_rows(P, np.exp(log_q), kernels.JS_DIVERGENCE),
        ),
    ]:
        for logits in (False, True):
            rows = kernels.log_soft_target_rows(P, log_q, kind, logits)
            assert_allclose(rows, expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_logsumexp(dtype):
    rng = np.random.default_rng(6)
    Z = logit_rows(rng, 50, 6, dtype)
    special_rows = np.array(
        [
            [0.0, np.nan, 1.0],
            [np.inf, 0.0, 0.0],
            [-np.inf, -np.inf, -np.inf],
            [np.nan, np.inf, 0.0],
            [700.0, 700.0, -np.inf],
        ],
        dtype=dtype,
    )
    for kernel in (kernels.row_logsumexp, kernels.row_logsumexp.py_func):
        values = kernel(Z)
        assert values.dtype == np.float64
        assert_allclose(
            values, special.logsumexp(Z.astype(np.float64), axis=1), rtol=1e-14
        )
        odd = kernel(special_rows)
        assert np.isnan(odd[0]) and np.isnan(odd[3])
        assert odd[1] == np.inf and odd[2] == -np.inf
        assert odd[4] == pytest.approx(700 + np.log(2), rel=1e-15)
    assert kernels.row_logsumexp(np.empty((0, 3))).size == 0
