"""Tests for the softmax kernels (skxent._kernels.softmax), the objectives that
feed them (skxent._objectives) and the linear loss layer (skxent._linear_loss).

Values are checked against an independent NumPy/SciPy evaluation of the
objective, gradients and Hessian-vector products against central finite
differences, the data layouts (C-ordered, F-ordered and strided dense, CSR)
against each other, and the parallel kernels
against their serial reference ``kernel.py_func`` (``prange`` is ``range``).
"""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import entr, log_softmax, rel_entr

from skxent._kernels import softmax as kernels
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES
from skxent._targets import check_probability_rows

KINDS = {"forward": kernels.FORWARD, "reverse_kl": kernels.REVERSE_KL}
LAYOUTS = ("C", "F", "csr")
EXPECTED_PATH = {"C": "dense", "F": "dense", "csr": "csr"}


def make_problem(seed, n_samples=60, n_features=5, n_classes=3, dtype=np.float64):
    """Sparse-ish features, strictly positive soft targets and sample weights
    (a few of them zero)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    P = rng.dirichlet(np.full(n_classes, 0.8), size=n_samples)
    P = 0.95 * P + 0.05 / n_classes
    weights = rng.uniform(0.2, 2.0, size=n_samples)
    weights[rng.uniform(size=n_samples) < 0.1] = 0.0
    return X.astype(dtype), P, weights


def with_layout(X, layout):
    if layout == "C":
        return np.ascontiguousarray(X)
    if layout == "F":
        return np.asfortranarray(X)
    return sp.csr_matrix(X)


def kernel_targets(P, kind, dtype):
    """What the kernels read: probabilities (forward) or their logs (reverse);
    hard labels (1-D) as they are."""
    if P.ndim == 1:
        return P
    return (P if kind == kernels.FORWARD else np.log(P)).astype(dtype)


def make_loss(X, P, weights, *, kind, n_params, fit_intercept, C=2.0, n_threads=2):
    return LinearSoftmaxLoss(
        X,
        kernel_targets(P, kind, X.dtype),
        weights,
        kind=kind,
        constant=0.0,
        n_params=n_params,
        fit_intercept=fit_intercept,
        l2_reg_strength=1.0 / (C * weights.sum()),
        n_threads=n_threads,
    )


def random_params(loss, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(loss.initial_params().shape)


def reference_objective(X, P, weights, kind, n_params, params, fit_intercept, C):
    """``F`` of skxent._linear_loss evaluated with NumPy and SciPy only."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    n_features = X.shape[1]
    coef = params[: n_params * n_features].reshape(n_params, n_features)
    intercept = params[n_params * n_features :] if fit_intercept else 0.0
    logits = X @ coef.T + intercept
    if n_params == 1:  # binary: class 0 is the reference with logit 0
        logits = np.column_stack([np.zeros(X.shape[0]), logits])
    log_q = log_softmax(logits, axis=1)
    if kind == kernels.FORWARD:
        rows = -(P * log_q).sum(axis=1)
    else:
        rows = rel_entr(np.exp(log_q), P).sum(axis=1)
    penalty = (coef**2).sum() / (2 * C * weights.sum())
    return weights @ rows / weights.sum() + penalty


def central_gradient(function, x, step=1e-6):
    grad = np.empty_like(x)
    for j in range(x.size):
        shift = np.zeros_like(x)
        shift[j] = step
        grad[j] = (function(x + shift) - function(x - shift)) / (2 * step)
    return grad


CASES = [
    pytest.param(
        kind,
        n_classes,
        fit_intercept,
        id=f"{name}-{n_classes}classes-{'intercept' if fit_intercept else 'origin'}",
    )
    for name, kind in KINDS.items()
    for n_classes in (2, 4)
    for fit_intercept in (True, False)
]


def n_params_for(n_classes):
    return 1 if n_classes == 2 else n_classes


# --- values, gradients and Hessian-vector products ---------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("kind", "n_classes", "fit_intercept"), CASES)
def test_value_matches_numpy_scipy_reference(kind, n_classes, fit_intercept, layout):
    X, P, weights = make_problem(1, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    loss = make_loss(
        with_layout(X, layout),
        P,
        weights,
        kind=kind,
        n_params=n_params,
        fit_intercept=fit_intercept,
    )
    assert loss._layout == EXPECTED_PATH[layout]
    params = random_params(loss, 2)
    value, grad = loss.loss_gradient(params)
    expected = reference_objective(
        X, P, weights, kind, n_params, params, fit_intercept, C=2.0
    )
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12)
    assert grad.dtype == np.float64
    assert grad.shape == params.shape


@pytest.mark.parametrize(("kind", "n_classes", "fit_intercept"), CASES)
def test_gradient_matches_central_differences(kind, n_classes, fit_intercept):
    X, P, weights = make_problem(3, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    loss = make_loss(
        X, P, weights, kind=kind, n_params=n_params, fit_intercept=fit_intercept
    )
    params = random_params(loss, 4)

    numeric = central_gradient(lambda p: loss.loss_gradient(p)[0], params)
    assert_allclose(loss.loss_gradient(params)[1], numeric, rtol=1e-6, atol=1e-8)
    # Independently of the kernels: the reference value has the same gradient.
    reference = central_gradient(
        lambda p: reference_objective(
            X, P, weights, kind, n_params, p, fit_intercept, C=2.0
        ),
        params,
    )
    assert_allclose(loss.loss_gradient(params)[1], reference, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("kind", "n_classes", "fit_intercept"), CASES)
def test_hessp_matches_central_differences_of_gradient(kind, n_classes, fit_intercept):
    X, P, weights = make_problem(5, n_classes=n_classes)
    loss = make_loss(
        X,
        P,
        weights,
        kind=kind,
        n_params=n_params_for(n_classes),
        fit_intercept=fit_intercept,
    )
    params = random_params(loss, 6)
    rng = np.random.default_rng(7)
    step = 1e-5
    for _ in range(3):
        direction = rng.standard_normal(params.shape)
        numeric = (
            loss.loss_gradient(params + step * direction)[1]
            - loss.loss_gradient(params - step * direction)[1]
        ) / (2 * step)
        # hessp must re-evaluate at ``params``: the last gradient was elsewhere.
        assert_allclose(loss.hessp(params, direction), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_hessp_is_symmetric_and_forward_hessian_is_positive_semidefinite(kind):
    X, P, weights = make_problem(8, n_classes=3)
    loss = make_loss(X, P, weights, kind=kind, n_params=3, fit_intercept=True)
    params = random_params(loss, 9)
    n = params.size
    hessian = np.column_stack([loss.hessp(params, e) for e in np.eye(n)])
    assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-12)
    if kind == kernels.FORWARD:
        assert np.linalg.eigvalsh(hessian).min() > -1e-12


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_penalty_leaves_the_intercept_alone(kind):
    X, P, weights = make_problem(10)
    unpenalized = make_loss(
        X, P, weights, kind=kind, n_params=3, fit_intercept=True, C=np.inf
    )
    penalized = make_loss(
        X, P, weights, kind=kind, n_params=3, fit_intercept=True, C=0.5
    )
    params = random_params(penalized, 11)
    n_coef = penalized.n_coef
    strength = 1.0 / (0.5 * weights.sum())
    value0, grad0 = unpenalized.loss_gradient(params)
    value1, grad1 = penalized.loss_gradient(params)
    coef = params[:n_coef]
    assert value1 - value0 == pytest.approx(0.5 * strength * coef @ coef, rel=1e-10)
    assert_allclose(grad1[:n_coef] - grad0[:n_coef], strength * coef, rtol=1e-10)
    assert_allclose(grad1[n_coef:], grad0[n_coef:], rtol=1e-13, atol=1e-15)


def test_zero_weight_rows_count_for_nothing():
    X, P, weights = make_problem(12)
    weights[::3] = 0.0
    kept = weights > 0
    for kind in KINDS.values():
        full = make_loss(X, P, weights, kind=kind, n_params=3, fit_intercept=True)
        dropped = make_loss(
            X[kept], P[kept], weights[kept], kind=kind, n_params=3, fit_intercept=True
        )
        params = random_params(full, 13)
        direction = random_params(full, 14)
        assert_allclose(
            full.loss_gradient(params)[1], dropped.loss_gradient(params)[1], rtol=1e-12
        )
        assert full.loss_gradient(params)[0] == pytest.approx(
            dropped.loss_gradient(params)[0], rel=1e-12
        )
        assert_allclose(
            full.hessp(params, direction), dropped.hessp(params, direction), rtol=1e-12
        )


# Validation accepts probability rows whose mass sum_k p_ik is 1 only within
# sqrt(eps) of their dtype. The objective is that of the rows as given, so its
# gradient and Hessian must carry the mass: for the forward objective
# m q - p and m (diag q - q q^T), not q - p (off by 3e-4 in float32, more
# than the default tol).
MASS_EDGES = [
    pytest.param(np.float32, 3e-4, 2e-2, 1e-5, id="float32-3e-4"),
    pytest.param(np.float64, 1.4e-8, 1e-3, 1e-10, id="float64-1.4e-8"),
]


def off_mass_rows(P, excess, dtype):
    """``P`` in ``dtype`` with row masses ``1 + excess`` (every third row
    ``1 - excess``): rows validation still accepts, barely."""
    sign = np.where(np.arange(P.shape[0]) % 3 == 2, -1.0, 1.0)
    rows = (P * (1.0 + excess * sign)[:, None]).astype(dtype)
    check_probability_rows(rows, name="rows")
    mass = rows.sum(axis=1, dtype=np.float64)
    assert np.abs(mass - 1).min() > 0.9 * excess
    return rows


def derivative(function, step):
    """``function'(0)`` by the fourth-order central difference."""
    return (
        8 * (function(step) - function(-step))
        - (function(2 * step) - function(-2 * step))
    ) / (12 * step)


@pytest.mark.parametrize("layout", ["C", "csr"])
@pytest.mark.parametrize(("dtype", "excess", "step", "atol"), MASS_EDGES)
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_rows_off_unit_mass_keep_gradient_and_hessp_exact(
    kind, n_classes, dtype, excess, step, atol, layout
):
    X, P, weights = make_problem(40, n_samples=200, n_classes=n_classes)
    P = off_mass_rows(P, excess, dtype)
    n_params = n_params_for(n_classes)
    loss = make_loss(
        with_layout(X.astype(dtype), layout),
        P,
        weights,
        kind=kind,
        n_params=n_params,
        fit_intercept=True,
    )
    params = random_params(loss, 41)
    direction = np.random.default_rng(42).standard_normal(params.shape)
    value, grad = loss.loss_gradient(params)
    # The value is the objective of the rows as given, never renormalized.
    expected = reference_objective(
        X.astype(dtype), P, weights, kind, n_params, params, True, C=2.0
    )
    assert value == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-12)
    along = derivative(lambda t: loss.loss_gradient(params + t * direction)[0], step)
    assert abs(grad @ direction - along) <= atol
    # hessp is the derivative of the gradient, itself the value's (above).
    numeric = derivative(lambda t: loss.loss_gradient(params + t * direction)[1], step)
    assert_allclose(loss.hessp(params, direction), numeric, rtol=0, atol=atol)


# --- layouts, threads and dtypes ---------------------------------------------


def evaluate(loss, params, direction):
    value, grad = loss.loss_gradient(params)
    return value, grad, loss.hessp(params, direction)


@pytest.mark.parametrize(("kind", "n_classes", "fit_intercept"), CASES)
def test_dense_c_dense_f_csr_and_strided_layouts_agree(kind, n_classes, fit_intercept):
    # 300 rows: each of the two row shares spans more than one cache block.
    X, P, weights = make_problem(15, n_samples=300, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    assert not (strided.flags.c_contiguous or strided.flags.f_contiguous)
    results = {}
    for name, data in [
        ("C", X),
        ("F", np.asfortranarray(X)),
        ("csr", sp.csr_matrix(X)),
        ("strided", strided),
    ]:
        loss = make_loss(
            data,
            P,
            weights,
            kind=kind,
            n_params=n_params,
            fit_intercept=fit_intercept,
        )
        params = random_params(loss, 16)
        results[name] = evaluate(loss, params, random_params(loss, 17))
    value, grad, hess = results["C"]
    for name in ("F", "csr", "strided"):
        other_value, other_grad, other_hess = results[name]
        assert other_value == pytest.approx(value, rel=1e-12), name
        assert_allclose(other_grad, grad, rtol=1e-10, atol=1e-14, err_msg=name)
        assert_allclose(other_hess, hess, rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize(
    ("kind", "hard_labels"),
    [(kernels.FORWARD, False), (kernels.FORWARD, True), (kernels.REVERSE_KL, False)],
    ids=["forward", "forward-labels", "reverse_kl"],
)
def test_relative_coefficients_match_one_row_per_class(kind, hard_labels):
    # The loss layer hands dense kernels the coefficients relative to the
    # first class's (one row fewer) and rebuilds the first class's part;
    # the kernels given every class's row must agree with it.
    X, P, weights = make_problem(18, n_samples=300, n_classes=4)
    targets = P.argmax(axis=1) if hard_labels else P
    loss = make_loss(X, targets, weights, kind=kind, n_params=4, fit_intercept=True)
    params, direction = random_params(loss, 19), random_params(loss, 20)
    value, grad, hess = evaluate(loss, params, direction)

    shared = (loss._targets_t, loss._labels, weights, kind)
    proba = np.empty((4, X.shape[0]))
    coef, intercept = loss._split(params)
    loss_sum, grad_coef, grad_intercept = kernels.dense_pass(
        X, coef, intercept, *shared, proba, False, 2
    )
    _, hess_coef, hess_intercept = kernels.dense_pass(
        X, *loss._split(direction), *shared, proba, True, 2
    )
    total, strength = weights.sum(), loss.l2_reg_strength
    assert value == pytest.approx(
        loss_sum / total + strength * (coef**2).sum() / 2, rel=1e-12
    )
    for got, part_coef, part_intercept, at in [
        (grad, grad_coef, grad_intercept, params),
        (hess, hess_coef, hess_intercept, direction),
    ]:
        expected = np.concatenate([part_coef.ravel(), part_intercept]) / total
        expected[: coef.size] += strength * at[: coef.size]
        assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


# The sparse row kernels hold classes in registers of 8 (float64) or 16
# (float32) lanes, three registers per walk over a row: these counts fill one,
# two and three registers of either width exactly, spill into the next, and
# need two or more walks.
REGISTER_CLASS_COUNTS = (2, 7, 8, 9, 16, 17, 24, 25, 32, 33, 48, 49, 64, 65, 97)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", REGISTER_CLASS_COUNTS)
def test_csr_matches_dense_for_class_counts_around_register_sizes(n_classes, dtype):
    X, P, weights = make_problem(
        n_classes, n_samples=150, n_features=7, n_classes=n_classes
    )
    # Rows with no stored value and with one.
    X[:10] = 0.0
    X[10:20, 1:] = 0.0
    X = X.astype(dtype)
    n_params = n_params_for(n_classes)
    results = []
    for data in (X, sp.csr_matrix(X)):
        loss = make_loss(
            data, P, weights, kind=kernels.FORWARD, n_params=n_params,
            fit_intercept=True,
        )  # fmt: skip
        params = random_params(loss, 19)
        results.append(evaluate(loss, params, random_params(loss, 20)))
    rtol = 1e-4 if dtype == np.float32 else 1e-11
    (value, grad, hess), (csr_value, csr_grad, csr_hess) = results
    assert csr_value == pytest.approx(value, rel=rtol)
    assert_allclose(csr_grad, grad, rtol=rtol, atol=rtol * np.abs(grad).max())
    assert_allclose(csr_hess, hess, rtol=rtol, atol=rtol * np.abs(hess).max())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_hard_labels_as_classes_equal_one_hot_rows(n_classes, layout):
    X, _, weights = make_problem(32, n_samples=300, n_classes=n_classes)
    labels = np.random.default_rng(33).integers(0, n_classes, size=X.shape[0])
    data = with_layout(X, layout)
    results = []
    for targets in (labels, np.eye(n_classes)[labels]):
        loss = make_loss(
            data,
            targets,
            weights,
            kind=kernels.FORWARD,
            n_params=n_params_for(n_classes),
            fit_intercept=True,
        )
        results.append(evaluate(loss, random_params(loss, 34), random_params(loss, 35)))
    (value, grad, hess), (one_hot_value, one_hot_grad, one_hot_hess) = results
    assert value == pytest.approx(one_hot_value, rel=1e-13)
    assert_allclose(grad, one_hot_grad, rtol=1e-12, atol=1e-16)
    assert_allclose(hess, one_hot_hess, rtol=1e-12, atol=1e-16)


def test_sparse_kernels_read_only_inside_their_arrays(tmp_path):
    # The sparse row kernels index without bounds checks, and their
    # prefetches look ahead of the current stored feature. Compiled with the
    # checks (in a fresh process, with a cache of its own), passes over a CSR
    # matrix whose last rows are short or empty raise nothing. The checks see
    # array indexing (such as the stored feature a prefetch looks up), not
    # the register intrinsics. The pass runs serially (``py_func``): an
    # exception inside ``prange`` can be lost.
    script = """
import numpy as np
import scipy.sparse as sp
from skxent._kernels import softmax as kernels

rng = np.random.default_rng(0)
X = sp.vstack([sp.random(290, 40, density=0.1, random_state=0),
               sp.csr_matrix(np.eye(3, 40)), sp.csr_matrix((2, 40))]).tocsr()
n_samples, n_classes = X.shape[0], 5
coef_t = rng.standard_normal((40, n_classes))
labels = rng.integers(0, n_classes, n_samples)
proba = np.empty((n_classes, n_samples))
for hessian_product in (False, True):
    kernels.csr_pass.py_func(
        X.data, X.indices, X.indptr, coef_t, np.zeros(n_classes),
        np.empty((n_classes, 0)), labels, np.ones(n_samples), kernels.FORWARD,
        proba, hessian_product, 2,
    )
"""
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr


def test_class_codes_are_refused_for_reverse_kl():
    X, _, weights = make_problem(39)
    with pytest.raises(ValueError, match="FORWARD only"):
        make_loss(
            X,
            np.zeros(X.shape[0], dtype=np.intp),
            weights,
            kind=kernels.REVERSE_KL,
            n_params=3,
            fit_intercept=True,
        )


def test_probabilities_are_stored_only_once_hessian_products_need_them():
    X, P, weights = make_problem(36)
    loss = make_loss(
        X, P, weights, kind=kernels.FORWARD, n_params=3, fit_intercept=True
    )
    params, direction = random_params(loss, 37), random_params(loss, 38)
    value, _ = loss.loss_gradient(params)
    assert loss._proba.size == 0  # L-BFGS never pays for writing them
    hess = loss.hessp(params, direction)
    assert loss._proba.shape == (3, X.shape[0])
    assert_allclose(loss._proba.sum(axis=0), 1.0, rtol=1e-14)
    # Evaluations after the first Hessian product keep them up to date.
    assert loss.loss_gradient(params)[0] == value
    assert_allclose(loss.hessp(params, direction), hess, rtol=1e-15)
    moved = params + 0.1
    loss.loss_gradient(moved)
    fresh = make_loss(
        X, P, weights, kind=kernels.FORWARD, n_params=3, fit_intercept=True
    )
    assert_allclose(loss.hessp(moved, direction), fresh.hessp(moved, direction))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_results_do_not_depend_on_the_number_of_threads(kind, layout):
    X, P, weights = make_problem(18, n_samples=301, n_classes=4)
    data = with_layout(X, layout)
    results = []
    for n_threads in (1, 2, 3):
        loss = make_loss(
            data,
            P,
            weights,
            kind=kind,
            n_params=4,
            fit_intercept=True,
            n_threads=n_threads,
        )
        results.append(evaluate(loss, random_params(loss, 19), random_params(loss, 20)))
    for value, grad, hess in results[1:]:
        assert value == pytest.approx(results[0][0], rel=1e-13)
        assert_allclose(grad, results[0][1], rtol=1e-11, atol=1e-15)
        assert_allclose(hess, results[0][2], rtol=1e-11, atol=1e-15)


def assert_parallel_matches_serial(kernel, *args, rtol):
    """Run ``kernel`` and its serial reference ``kernel.py_func`` on copies of
    ``args`` and compare what they return and what they write into their
    array arguments (probability buffers, logits overwritten in place)."""
    runs = []
    for function in (kernel, kernel.py_func):
        # order="K": an F-ordered argument stays F-ordered.
        copies = [a.copy(order="K") if isinstance(a, np.ndarray) else a for a in args]
        outputs = function(*copies)
        if not isinstance(outputs, tuple):  # one value, or None (in place)
            outputs = () if outputs is None else (outputs,)
        runs.append([*outputs, *(a for a in copies if isinstance(a, np.ndarray))])
    for parallel, serial in zip(*runs, strict=True):
        # Sums over rows: absolute error relative to the largest entry.
        atol = rtol * np.max(np.abs(serial), initial=1e-300)
        assert_allclose(parallel, serial, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_parallel_kernels_match_their_serial_reference(kind, n_classes, dtype):
    # 290 rows: shares of more than one cache block, the last one shorter.
    X, P, weights = make_problem(21, n_samples=290, n_classes=n_classes, dtype=dtype)
    n_params = n_params_for(n_classes)
    rng = np.random.default_rng(22)
    coef, direction = rng.standard_normal((2, n_params, X.shape[1])).astype(dtype)
    intercept, direction_intercept = rng.standard_normal((2, n_params))
    # The kernels read targets and probabilities class-major; hard labels
    # come as classes, with an empty target matrix.
    targets = np.ascontiguousarray(kernel_targets(P, kind, dtype).T)
    no_labels = np.empty(0, dtype=np.intp)
    label_sets = [(targets, no_labels)]
    if kind == kernels.FORWARD:
        labels = rng.integers(0, n_classes, size=X.shape[0])
        label_sets.append((np.empty((n_classes, 0), dtype=dtype), labels))
    csr = sp.csr_matrix(X)
    raw = (csr.data, csr.indices, csr.indptr)
    rtol = 1e-4 if dtype == np.float32 else 1e-12
    for (targets, labels), n_threads in itertools.product(label_sets, (1, 3)):
        proba = np.empty((n_classes, X.shape[0]), dtype=dtype)
        gradient = (targets, labels, weights, kind, proba, False, n_threads)
        hessian = (targets, labels, weights, kind, proba, True, n_threads)
        kernels.dense_pass(X, coef, intercept, *gradient)  # fills proba
        for W, b, shared in [
            (coef, intercept, gradient),
            (direction, direction_intercept, hessian),
        ]:
            for data in (X, np.asfortranarray(X), np.repeat(X, 2, axis=1)[:, ::2]):
                assert_parallel_matches_serial(
                    kernels.dense_pass, data, W, b, *shared, rtol=rtol
                )
            assert_parallel_matches_serial(
                kernels.csr_pass, *raw, np.ascontiguousarray(W.T), b, *shared,
                rtol=rtol,
            )  # fmt: skip


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("kind", "n_classes", "fit_intercept"), CASES)
def test_float32_matches_float64_to_float32_precision(
    kind, n_classes, fit_intercept, layout
):
    X, P, weights = make_problem(24, n_samples=200, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    results = {}
    for dtype in (np.float32, np.float64):
        loss = make_loss(
            with_layout(X.astype(dtype), layout),
            P,
            weights,
            kind=kind,
            n_params=n_params,
            fit_intercept=fit_intercept,
        )
        assert loss.loss_gradient(random_params(loss, 0))[1].dtype == np.float64
        results[dtype] = evaluate(
            loss, random_params(loss, 25), random_params(loss, 26)
        )
    value32, grad32, hess32 = results[np.float32]
    value64, grad64, hess64 = results[np.float64]
    assert value32 == pytest.approx(value64, rel=2e-6)
    assert_allclose(grad32, grad64, rtol=1e-4, atol=2e-6 * np.abs(grad64).max())
    assert_allclose(hess32, hess64, rtol=1e-4, atol=2e-6 * np.abs(hess64).max())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_extreme_logits_stay_finite_and_exact(kind, layout):
    # Logits of order 1e4: exp overflows and softmax probabilities underflow
    # unless the kernels subtract the largest logit.
    X, P, weights = make_problem(27, n_classes=3)
    loss = make_loss(
        with_layout(X, layout), P, weights, kind=kind, n_params=3, fit_intercept=True
    )
    params = random_params(loss, 28, scale=3e3)
    value, grad, hess = evaluate(loss, params, random_params(loss, 29))
    assert np.isfinite(value)
    assert np.all(np.isfinite(grad))
    assert np.all(np.isfinite(hess))
    assert np.any(loss._proba == 0.0)  # some probabilities did underflow
    expected = reference_objective(
        X, P, weights, kind, 3, params, fit_intercept=True, C=2.0
    )
    assert value == pytest.approx(expected, rel=1e-10)


# --- objectives ----------------------------------------------------------------


def test_objective_constants_and_kernel_targets():
    _, P, weights = make_problem(30)
    ce = OBJECTIVES["cross_entropy"]()
    kl = OBJECTIVES["kl_divergence"]()
    reverse = OBJECTIVES["reverse_kl_divergence"]()
    assert ce.constant(P, weights) == 0.0
    assert reverse.constant(P, weights) == 0.0
    assert kl.constant(P, weights) == pytest.approx(
        -np.average(stats.entropy(P, axis=1), weights=weights), rel=1e-12
    )
    assert kl.constant(np.eye(3)[[0, 2, 1]], np.ones(3)) == 0.0
    assert ce.kernel_kind == kl.kernel_kind == kernels.FORWARD
    assert reverse.kernel_kind == kernels.REVERSE_KL
    assert ce.kernel_targets(P, np.float64) is P
    assert ce.kernel_targets(P, np.float32).dtype == np.float32
    # Hard labels reach the kernels as classes, with zero entropy.
    labels = np.array([0, 2, 1])
    assert ce.kernel_targets(labels, np.float32) is labels
    assert kl.constant(labels, np.ones(3)) == 0.0
    assert_allclose(reverse.kernel_targets(P, np.float64), np.log(P), rtol=1e-15)
    # Only reverse KL has requirements on its targets.
    classes = np.array(["a", "b", "c"])
    for objective in (ce, kl):
        objective.check_targets(np.eye(3), classes)
        objective.check_targets(labels, classes)
    reverse.check_targets(P, classes)


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        (np.array([0, 2, 1]), "y holds class labels, which stand for one-hot"),
        (
            np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]),
            "3 target probabilities are 0, the first in row 0 for class 'c'",
        ),
    ],
    ids=["labels", "zeros"],
)
def test_reverse_kl_refuses_zero_targets_saying_why_and_what_to_do(targets, match):
    with pytest.raises(ValueError, match=match) as error:
        OBJECTIVES["reverse_kl_divergence"]().check_targets(
            targets, np.array(["a", "b", "c"])
        )
    assert "evaluates log p, so every target probability must be positive" in str(
        error.value
    )
    assert "Set label_smoothing (for example to 0.1)" in str(error.value)


def test_kl_constant_is_the_entropy_of_the_rows_as_given():
    _, P, weights = make_problem(34)
    # float32 targets at their edge, as a fit on float64 X reads them.
    rows = off_mass_rows(P, 3e-4, np.float32).astype(np.float64)
    # scipy.stats.entropy would renormalize the rows first.
    expected = -np.average(entr(rows).sum(axis=1), weights=weights)
    constant = OBJECTIVES["kl_divergence"]().constant(rows, weights)
    assert constant == pytest.approx(expected, rel=1e-14)
    assert constant != pytest.approx(
        -np.average(stats.entropy(rows, axis=1), weights=weights), rel=1e-6
    )


# --- properties ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 4),
    n_classes=st.integers(2, 5),
    kind=st.sampled_from(list(KINDS.values())),
    fit_intercept=st.booleans(),
    n_threads=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_all_paths_match_the_reference_on_random_problems(
    n_samples, n_features, n_classes, kind, fit_intercept, n_threads, seed
):
    X, P, weights = make_problem(seed, n_samples, n_features, n_classes)
    weights[0] = 1.0  # keep the weight sum positive
    n_params = n_params_for(n_classes)
    results = []
    for layout in LAYOUTS:
        loss = make_loss(
            with_layout(X, layout),
            P,
            weights,
            kind=kind,
            n_params=n_params,
            fit_intercept=fit_intercept,
            n_threads=n_threads,
        )
        params = random_params(loss, seed + 1)
        results.append(evaluate(loss, params, random_params(loss, seed + 2)))
    expected = reference_objective(
        X, P, weights, kind, n_params, params, fit_intercept, C=2.0
    )
    for value, grad, hess in results:
        assert value == pytest.approx(expected, rel=1e-11)
        assert_allclose(grad, results[0][1], rtol=1e-10, atol=1e-13)
        assert_allclose(hess, results[0][2], rtol=1e-10, atol=1e-13)


def test_loss_layer_never_writes_its_inputs():
    # Compared with copies rather than made read-only: read-only arrays are
    # another Numba type, compiled (and tested) through the estimator.
    X, P, weights = make_problem(31)
    for data in (X, np.asfortranarray(X), sp.csr_matrix(X)):
        for kind in KINDS.values():
            targets = kernel_targets(P, kind, np.float64)
            loss = make_loss(
                data, P, weights, kind=kind, n_params=3, fit_intercept=True
            )
            params = random_params(loss, 32)
            direction = random_params(loss, 33)
            # The kernels read the loss's class-major copy of the targets.
            inputs = [loss.X.data if sp.issparse(data) else loss.X, loss._targets_t]
            inputs += [loss.sample_weight, params, direction]
            before = [array.copy() for array in inputs]
            evaluate(loss, params, direction)
            loss.hessp(params + 1.0, direction)
            for array, copy in zip(inputs, before, strict=True):
                assert_array_equal(array, copy)
            assert_array_equal(loss._targets_t, targets.T)
    assert_array_equal(X, make_problem(31)[0])
