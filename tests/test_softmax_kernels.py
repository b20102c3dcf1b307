"""Tests for the softmax pass kernels (skxent._kernels.softmax, with the
objectives' block kernels of skxent._kernels.objective_blocks) and the linear
loss layer (skxent._linear_loss), for every objective of the registry.

Every generic test is parametrized over ``OBJECTIVES`` (and, where the case
allows, the entropy penalty), so that a new objective gets them all: its value
against an independent NumPy/SciPy evaluation (:data:`REFERENCE_LOSSES`, which
must name it), gradients and Hessian-vector products against central finite
differences, the data layouts (C-ordered, F-ordered and strided dense, CSR)
against each other, thread counts against each other and the parallel kernels
against their serial reference ``kernel.py_func`` (``prange`` is ``range``).

Each (objective kernel type, dtype, layout of ``X``) is a compilation of a
parallel kernel of its own, tens of seconds cold, so the full product runs
only where a test is about it: every layout in float64, and float32 with
C-ordered and CSR ``X`` (see :data:`FLOAT32_CASES`). The other tests use
C-ordered (and, for the objective code after a sparse product, CSR) float64.
The registry itself and the seam between it and the kernels are tested in
test_objective_registry.py.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, rel_entr, xlogy

from skxent._kernels import softmax as kernels
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._linear_loss import _read_only as read_only
from skxent._objectives import OBJECTIVES
from skxent._targets import check_probability_rows

OBJECTIVE_NAMES = list(OBJECTIVES)
PENALTIES = (0.0, 0.3)
LAYOUTS = ("C", "F", "strided", "csr")


def _cross_entropy(P, log_q):
    return -(P * log_q).sum(axis=1)


def _kl_divergence(P, log_q):
    return (xlogy(P, P) - P * log_q).sum(axis=1)


def _reverse_kl_divergence(P, log_q):
    return (np.exp(log_q) * (log_q - np.log(P))).sum(axis=1)


def _js_divergence(P, log_q):
    q = np.exp(log_q)
    mixture = (P + q) / 2
    return ((rel_entr(P, mixture) + rel_entr(q, mixture)) / 2).sum(axis=1)


REFERENCE_LOSSES = {
    "cross_entropy": _cross_entropy,
    "kl_divergence": _kl_divergence,
    "reverse_kl_divergence": _reverse_kl_divergence,
    "js_divergence": _js_divergence,
}
"""Per-sample loss ``l(p_i, q_i)`` of each objective from target rows ``P``
(any mass) and ``log q``, written here independently of skxent."""


def takes_labels(name):
    """Whether objective ``name`` accepts hard labels."""
    try:
        OBJECTIVES[name]().check_targets(np.array([0, 1]), np.array([0, 1]))
    except ValueError:
        return False
    return True


LABEL_OBJECTIVES = [name for name in OBJECTIVE_NAMES if takes_labels(name)]
TARGET_CASES = [
    pytest.param(name, hard, id=f"{name}-{'labels' if hard else 'proba'}")
    for name in OBJECTIVE_NAMES
    for hard in (False, True)
    if not hard or name in LABEL_OBJECTIVES
]
"""(objective, hard_labels): probability rows, and labels where taken."""

# float32 crossed with every objective for C-ordered X (BLAS on views of X)
# and CSR X (the sparse row kernels, whose registers hold twice as many
# float32 lanes), but with F-ordered and strided X for one objective only:
# those differ from C-ordered X in how blocks of rows are copied, before any
# objective code runs.
FLOAT32_CASES = [
    *[(name, layout) for name in OBJECTIVE_NAMES for layout in ("C", "csr")],
    ("cross_entropy", "F"),
    ("cross_entropy", "strided"),
]


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
    if layout == "strided":
        # Contiguous after all when X has one row or one column.
        return np.repeat(X, 2, axis=1)[:, ::2]
    return sp.csr_matrix(X)


def make_loss(
    X, targets, weights, objective, *, n_params, fit_intercept=True, C=2.0,
    entropy_penalty=0.0, n_threads=2,
):  # fmt: skip
    """The loss ``SoftmaxClassifier.fit`` builds: probability rows in the
    dtype of ``X``, or class codes."""
    if targets.ndim == 2:
        targets = targets.astype(X.dtype)
    return LinearSoftmaxLoss(
        X,
        targets,
        weights,
        objective=OBJECTIVES[objective](),
        n_params=n_params,
        fit_intercept=fit_intercept,
        l2_reg_strength=1.0 / (C * weights.sum()),
        entropy_penalty=entropy_penalty,
        n_threads=n_threads,
    )


def random_params(loss, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(loss.initial_params().shape)


def reference_objective(
    X, targets, weights, objective, params, *, n_params, fit_intercept=True, C=2.0,
    entropy_penalty=0.0,
):  # fmt: skip
    """``F`` of skxent._linear_loss evaluated with NumPy and SciPy only."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    n_features = X.shape[1]
    coef = params[: n_params * n_features].reshape(n_params, n_features)
    intercept = params[n_params * n_features :] if fit_intercept else 0.0
    logits = X @ coef.T + intercept
    if n_params == 1:  # binary: class 0 is the reference with logit 0
        logits = np.column_stack([np.zeros(X.shape[0]), logits])
    log_q = log_softmax(logits, axis=1)
    P = np.asarray(targets, dtype=np.float64)
    if P.ndim == 1:
        P = np.eye(logits.shape[1])[targets]
    entropy = -(np.exp(log_q) * log_q).sum(axis=1)
    rows = REFERENCE_LOSSES[objective](P, log_q) - entropy_penalty * entropy
    penalty = (coef**2).sum() / (2 * C * weights.sum())
    return weights @ rows / weights.sum() + penalty


def central_gradient(function, x, step=1e-6):
    grad = np.empty_like(x)
    for j in range(x.size):
        shift = np.zeros_like(x)
        shift[j] = step
        grad[j] = (function(x + shift) - function(x - shift)) / (2 * step)
    return grad


def n_params_for(n_classes):
    return 1 if n_classes == 2 else n_classes


def evaluate(loss, params, direction):
    value, grad = loss.loss_gradient(params)
    return value, grad, loss.hessp(params, direction)


def cases(*, penalties=PENALTIES):
    """(objective, n_classes, fit_intercept, entropy_penalty) for every
    objective, binary (one logit row) and multiclass."""
    return [
        pytest.param(
            name,
            n_classes,
            fit_intercept,
            beta,
            id=f"{name}-{n_classes}classes-"
            f"{'intercept' if fit_intercept else 'origin'}-beta{beta}",
        )
        for name in OBJECTIVE_NAMES
        for n_classes in (2, 4)
        for fit_intercept in (True, False)
        for beta in penalties
    ]


CASE_NAMES = ("objective", "n_classes", "fit_intercept", "entropy_penalty")


# --- the references --------------------------------------------------------------


def test_every_registered_objective_has_a_reference():
    missing = set(OBJECTIVES) - set(REFERENCE_LOSSES)
    assert not missing, f"write the NumPy/SciPy loss of {missing} in REFERENCE_LOSSES"
    assert set(REFERENCE_LOSSES) == set(OBJECTIVES)


@pytest.mark.parametrize(("objective", "hard_labels"), TARGET_CASES)
def test_objective_metric_matches_the_reference(objective, hard_labels):
    # The metric is skxent's independent evaluation of the objective (its
    # own kernels, skxent._kernels.divergence); both must agree with the
    # formula written here.
    _, P, weights = make_problem(43, n_classes=4)
    rng = np.random.default_rng(44)
    log_q = log_softmax(rng.standard_normal(P.shape), axis=1)
    targets = P.argmax(axis=1) if hard_labels else P
    rows = np.eye(4)[targets] if hard_labels else P
    expected = np.average(REFERENCE_LOSSES[objective](rows, log_q), weights=weights)
    value = OBJECTIVES[objective]().metric(
        targets, np.exp(log_q), sample_weight=weights
    )
    assert value == pytest.approx(expected, rel=1e-12)


# --- values, gradients and Hessian-vector products ---------------------------


@pytest.mark.parametrize("layout", ["C", "csr"])
@pytest.mark.parametrize(CASE_NAMES, cases())
def test_value_matches_numpy_scipy_reference(
    objective, n_classes, fit_intercept, entropy_penalty, layout
):
    # Dense kernels get the coefficients relative to the first class's (one
    # logit row fewer), sparse ones a row per class: both reach the
    # objective code.
    X, P, weights = make_problem(1, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    loss = make_loss(
        with_layout(X, layout), P, weights, objective, n_params=n_params,
        fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
    )  # fmt: skip
    params = random_params(loss, 2)
    value, grad = loss.loss_gradient(params)
    expected = reference_objective(
        X, P, weights, objective, params, n_params=n_params,
        fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
    )  # fmt: skip
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12)
    assert grad.dtype == np.float64
    assert grad.shape == params.shape


@pytest.mark.parametrize(CASE_NAMES, cases())
def test_gradient_matches_central_differences(
    objective, n_classes, fit_intercept, entropy_penalty
):
    X, P, weights = make_problem(3, n_classes=n_classes)
    n_params = n_params_for(n_classes)
    loss = make_loss(
        X, P, weights, objective, n_params=n_params, fit_intercept=fit_intercept,
        entropy_penalty=entropy_penalty,
    )  # fmt: skip
    params = random_params(loss, 4)
    grad = loss.loss_gradient(params)[1]

    numeric = central_gradient(lambda p: loss.loss_gradient(p)[0], params)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)

    # Independently of the kernels: the reference value has the same gradient.
    def reference(p):
        return reference_objective(
            X, P, weights, objective, p, n_params=n_params,
            fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
        )  # fmt: skip

    reference = central_gradient(reference, params)
    assert_allclose(grad, reference, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(CASE_NAMES, cases())
def test_hessp_matches_central_differences_of_gradient(
    objective, n_classes, fit_intercept, entropy_penalty
):
    X, P, weights = make_problem(5, n_classes=n_classes)
    loss = make_loss(
        X, P, weights, objective, n_params=n_params_for(n_classes),
        fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
    )  # fmt: skip
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


def hessian_matrix(loss, params):
    return np.column_stack([loss.hessp(params, e) for e in np.eye(params.size)])


@pytest.mark.parametrize("entropy_penalty", PENALTIES)
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_hessian_is_symmetric_and_positive_semidefinite_where_convex(
    objective, entropy_penalty
):
    X, P, weights = make_problem(8, n_classes=3)
    loss = make_loss(
        X, P, weights, objective, n_params=3, entropy_penalty=entropy_penalty
    )
    hessian = hessian_matrix(loss, random_params(loss, 9))
    assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-12)
    # The entropy penalty is concave in q: it makes every objective non-convex.
    if OBJECTIVES[objective].convex and entropy_penalty == 0:
        assert np.linalg.eigvalsh(hessian).min() > -1e-12


@pytest.mark.parametrize(
    "objective", [name for name in OBJECTIVE_NAMES if not OBJECTIVES[name].convex]
)
def test_objectives_declared_non_convex_have_negative_curvature(objective):
    # Predictions far from the targets (logits of order 10, without the L2
    # penalty): the region where these objectives flatten out.
    X, P, weights = make_problem(45, n_classes=3)
    loss = make_loss(X, P, weights, objective, n_params=3, C=np.inf)
    hessian = hessian_matrix(loss, random_params(loss, 46, scale=5.0))
    assert np.linalg.eigvalsh(hessian).min() < -1e-3 * np.abs(hessian).max()


@pytest.mark.parametrize("entropy_penalty", PENALTIES)
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_penalty_leaves_the_intercept_alone(objective, entropy_penalty):
    X, P, weights = make_problem(10)
    shared = {"n_params": 3, "entropy_penalty": entropy_penalty}
    unpenalized = make_loss(X, P, weights, objective, C=np.inf, **shared)
    penalized = make_loss(X, P, weights, objective, C=0.5, **shared)
    params = random_params(penalized, 11)
    n_coef = penalized.n_coef
    strength = 1.0 / (0.5 * weights.sum())
    value0, grad0 = unpenalized.loss_gradient(params)
    value1, grad1 = penalized.loss_gradient(params)
    coef = params[:n_coef]
    assert value1 - value0 == pytest.approx(0.5 * strength * coef @ coef, rel=1e-10)
    assert_allclose(grad1[:n_coef] - grad0[:n_coef], strength * coef, rtol=1e-10)
    assert_allclose(grad1[n_coef:], grad0[n_coef:], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("entropy_penalty", PENALTIES)
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_zero_weight_rows_count_for_nothing(objective, entropy_penalty):
    X, P, weights = make_problem(12)
    weights[::3] = 0.0
    kept = weights > 0
    shared = {"n_params": 3, "entropy_penalty": entropy_penalty}
    full = make_loss(X, P, weights, objective, **shared)
    dropped = make_loss(X[kept], P[kept], weights[kept], objective, **shared)
    params = random_params(full, 13)
    direction = random_params(full, 14)
    value, grad, hess = evaluate(full, params, direction)
    dropped_value, dropped_grad, dropped_hess = evaluate(dropped, params, direction)
    assert value == pytest.approx(dropped_value, rel=1e-12)
    assert_allclose(grad, dropped_grad, rtol=1e-12)
    assert_allclose(hess, dropped_hess, rtol=1e-12)


# Validation accepts probability rows whose mass sum_k p_ik is 1 only within
# sqrt(eps) of their dtype. The objective is that of the rows as given, so its
# gradient and Hessian must carry the mass: for cross-entropy m q - p and
# m (diag q - q q^T), not q - p (off by 3e-4 in float32, more than the
# default tol).
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
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_rows_off_unit_mass_keep_gradient_and_hessp_exact(
    objective, n_classes, dtype, excess, step, atol, layout
):
    X, P, weights = make_problem(40, n_samples=200, n_classes=n_classes)
    P = off_mass_rows(P, excess, dtype)
    X = X.astype(dtype)
    n_params = n_params_for(n_classes)
    loss = make_loss(with_layout(X, layout), P, weights, objective, n_params=n_params)
    params = random_params(loss, 41)
    direction = np.random.default_rng(42).standard_normal(params.shape)
    value, grad = loss.loss_gradient(params)
    # The value is the objective of the rows as given, never renormalized.
    expected = reference_objective(X, P, weights, objective, params, n_params=n_params)
    assert value == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-12)
    along = derivative(lambda t: loss.loss_gradient(params + t * direction)[0], step)
    assert abs(grad @ direction - along) <= atol
    # hessp is the derivative of the gradient, itself the value's (above).
    numeric = derivative(lambda t: loss.loss_gradient(params + t * direction)[1], step)
    assert_allclose(loss.hessp(params, direction), numeric, rtol=0, atol=atol)


# --- layouts, threads and dtypes ---------------------------------------------


@pytest.mark.parametrize(CASE_NAMES, cases())
def test_dense_c_dense_f_strided_and_csr_layouts_agree(
    objective, n_classes, fit_intercept, entropy_penalty
):
    # 300 rows: each of the two row shares spans more than one cache block.
    X, P, weights = make_problem(15, n_samples=300, n_classes=n_classes)
    strided = with_layout(X, "strided")
    assert not (strided.flags.c_contiguous or strided.flags.f_contiguous)
    results = {}
    for layout in LAYOUTS:
        loss = make_loss(
            with_layout(X, layout), P, weights, objective,
            n_params=n_params_for(n_classes), fit_intercept=fit_intercept,
            entropy_penalty=entropy_penalty,
        )  # fmt: skip
        results[layout] = evaluate(
            loss, random_params(loss, 16), random_params(loss, 17)
        )
    value, grad, hess = results["C"]
    for layout in LAYOUTS[1:]:
        other_value, other_grad, other_hess = results[layout]
        assert other_value == pytest.approx(value, rel=1e-12), layout
        assert_allclose(other_grad, grad, rtol=1e-10, atol=1e-14, err_msg=layout)
        assert_allclose(other_hess, hess, rtol=1e-10, atol=1e-14, err_msg=layout)


@pytest.mark.parametrize(("objective", "hard_labels"), TARGET_CASES)
def test_relative_coefficients_match_one_row_per_class(objective, hard_labels):
    # The loss layer hands dense kernels the coefficients relative to the
    # first class's (one row fewer) and rebuilds the first class's part;
    # the kernels given every class's row must agree with it.
    X, P, weights = make_problem(18, n_samples=300, n_classes=4)
    targets = P.argmax(axis=1) if hard_labels else P
    loss = make_loss(X, targets, weights, objective, n_params=4, entropy_penalty=0.3)
    params, direction = random_params(loss, 19), random_params(loss, 20)
    value, grad, hess = evaluate(loss, params, direction)

    proba = np.empty((4, X.shape[0]))
    shared = (loss._targets, loss._objective, proba)
    coef, intercept = loss._split(params)
    # The loss's own read-only view of X: the variant the loss compiled.
    loss_sum, grad_coef, grad_intercept = kernels.dense_pass(
        loss._X, kernels.LinearModel(coef, intercept), *shared,
        kernels.PassMode(False, 2),
    )  # fmt: skip
    _, hess_coef, hess_intercept = kernels.dense_pass(
        loss._X, kernels.LinearModel(*loss._split(direction)), *shared,
        kernels.PassMode(True, 2),
    )  # fmt: skip
    total, strength = weights.sum(), loss.l2_reg_strength
    assert value == pytest.approx(
        loss_sum / total + loss.constant + strength * (coef**2).sum() / 2, rel=1e-12
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
# need two or more walks. The objective code is that of the dense kernels.
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
    results = []
    for data in (X, sp.csr_matrix(X)):
        loss = make_loss(
            data, P, weights, "cross_entropy", n_params=n_params_for(n_classes)
        )
        results.append(evaluate(loss, random_params(loss, 19), random_params(loss, 20)))
    rtol = 1e-4 if dtype == np.float32 else 1e-11
    (value, grad, hess), (csr_value, csr_grad, csr_hess) = results
    assert csr_value == pytest.approx(value, rel=rtol)
    assert_allclose(csr_grad, grad, rtol=rtol, atol=rtol * np.abs(grad).max())
    assert_allclose(csr_hess, hess, rtol=rtol, atol=rtol * np.abs(hess).max())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("objective", LABEL_OBJECTIVES)
def test_hard_labels_equal_one_hot_rows(objective, n_classes, layout):
    X, _, weights = make_problem(32, n_samples=300, n_classes=n_classes)
    labels = np.random.default_rng(33).integers(0, n_classes, size=X.shape[0])
    data = with_layout(X, layout)
    results = []
    for targets in (labels, np.eye(n_classes)[labels]):
        loss = make_loss(
            data, targets, weights, objective, n_params=n_params_for(n_classes),
            entropy_penalty=0.3,
        )  # fmt: skip
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
from skxent._kernels import objective_blocks
from skxent._kernels import softmax as kernels

rng = np.random.default_rng(0)
X = sp.vstack([sp.random(290, 40, density=0.1, random_state=0),
               sp.csr_matrix(np.eye(3, 40)), sp.csr_matrix((2, 40))]).tocsr()
n_samples, n_classes = X.shape[0], 5
weights = np.ones(n_samples)
model = kernels.LinearModel(rng.standard_normal((n_classes, 40)), np.zeros(n_classes))
labels = kernels.Targets(
    np.empty((n_classes, 0)), rng.integers(0, n_classes, n_samples), weights
)
soft = kernels.Targets(
    rng.dirichlet(np.ones(n_classes), n_samples).T.copy(), np.empty(0, np.intp),
    weights,
)
proba = np.empty((n_classes, n_samples))
for targets in (labels, soft):
    for hessian_product in (False, True):
        kernels.csr_pass.py_func(
            kernels.CSRMatrix(X.data, X.indices, X.indptr), model, targets,
            objective_blocks.CrossEntropyKernel(0.3), proba,
            kernels.PassMode(hessian_product, 2),
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


@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_probabilities_are_stored_only_once_hessian_products_need_them(objective):
    X, P, weights = make_problem(36)
    loss = make_loss(X, P, weights, objective, n_params=3)
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
    fresh = make_loss(X, P, weights, objective, n_params=3)
    assert_allclose(loss.hessp(moved, direction), fresh.hessp(moved, direction))


@pytest.mark.parametrize("entropy_penalty", PENALTIES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_results_do_not_depend_on_the_number_of_threads(
    objective, layout, entropy_penalty
):
    X, P, weights = make_problem(18, n_samples=301, n_classes=4)
    data = with_layout(X, layout)
    results = []
    for n_threads in (1, 2, 3):
        loss = make_loss(
            data, P, weights, objective, n_params=4, n_threads=n_threads,
            entropy_penalty=entropy_penalty,
        )  # fmt: skip
        results.append(evaluate(loss, random_params(loss, 19), random_params(loss, 20)))
    for value, grad, hess in results[1:]:
        assert value == pytest.approx(results[0][0], rel=1e-13)
        assert_allclose(grad, results[0][1], rtol=1e-11, atol=1e-15)
        assert_allclose(hess, results[0][2], rtol=1e-11, atol=1e-15)


def assert_parallel_matches_serial(kernel, *args, rtol):
    """Run ``kernel`` and its serial reference ``kernel.py_func`` on copies of
    the writable array arguments and compare what they return and what they
    write into them (the probability buffer)."""
    runs = []
    for function in (kernel, kernel.py_func):
        copies = [
            a.copy() if isinstance(a, np.ndarray) and a.flags.writeable else a
            for a in args
        ]
        outputs = function(*copies)
        runs.append([*outputs, *(a for a in copies if isinstance(a, np.ndarray))])
    for parallel, serial in zip(*runs, strict=True):
        # Sums over rows: absolute error relative to the largest entry.
        atol = rtol * np.max(np.abs(serial), initial=1e-300)
        assert_allclose(parallel, serial, rtol=rtol, atol=atol)


def dense_layouts(objective, dtype):
    """The dense layouts of ``X`` that :data:`FLOAT32_CASES` allows."""
    if dtype == np.float64:
        return [layout for layout in LAYOUTS if layout != "csr"]
    return [
        layout
        for name, layout in FLOAT32_CASES
        if name == objective and layout != "csr"
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_parallel_kernels_match_their_serial_reference(objective, n_classes, dtype):
    # 290 rows: shares of more than one cache block, the last one shorter.
    X, P, weights = make_problem(21, n_samples=290, n_classes=n_classes, dtype=dtype)
    n_params = n_params_for(n_classes)
    rng = np.random.default_rng(22)
    coef, direction = rng.standard_normal((2, n_params, X.shape[1])).astype(dtype)
    intercept, direction_intercept = rng.standard_normal((2, n_params))
    kernel_objective = OBJECTIVES[objective]()
    target_sets = [P.astype(dtype)]
    if objective in LABEL_OBJECTIVES:
        target_sets.append(rng.integers(0, n_classes, size=X.shape[0]))
    # The kernels' inputs as the loss layer hands them over, read-only: the
    # variants the loss compiles, rather than others for writable arrays.
    csr = sp.csr_matrix(X)
    csr = kernels.CSRMatrix(*map(read_only, (csr.data, csr.indices, csr.indptr)))
    rtol = 1e-4 if dtype == np.float32 else 1e-12
    for targets, n_threads in [(t, n) for t in target_sets for n in (1, 3)]:
        values, labels = kernel_objective.kernel_targets(targets, dtype, n_classes)
        targets = kernels.Targets(*map(read_only, (values, labels, weights)))
        shared = (targets, kernel_objective.kernel(0.3))
        proba = np.empty((n_classes, X.shape[0]), dtype=dtype)
        at = kernels.LinearModel(coef, intercept)
        kernels.dense_pass(read_only(X), at, *shared, proba, kernels.PassMode(False, 1))
        for model, hessian_product in [
            (at, False),
            (kernels.LinearModel(direction, direction_intercept), True),
        ]:
            args = (model, *shared, proba, kernels.PassMode(hessian_product, n_threads))
            for layout in dense_layouts(objective, dtype):
                dense = read_only(with_layout(X, layout))
                assert_parallel_matches_serial(
                    kernels.dense_pass, dense, *args, rtol=rtol
                )
            assert_parallel_matches_serial(kernels.csr_pass, csr, *args, rtol=rtol)


@pytest.mark.parametrize(("objective", "layout"), FLOAT32_CASES)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_float32_matches_float64_to_float32_precision(objective, layout, n_classes):
    X, P, weights = make_problem(24, n_samples=200, n_classes=n_classes)
    results = {}
    for dtype in (np.float32, np.float64):
        loss = make_loss(
            with_layout(X.astype(dtype), layout), P, weights, objective,
            n_params=n_params_for(n_classes), entropy_penalty=0.3,
        )  # fmt: skip
        assert loss.loss_gradient(random_params(loss, 0))[1].dtype == np.float64
        results[dtype] = evaluate(
            loss, random_params(loss, 25), random_params(loss, 26)
        )
    value32, grad32, hess32 = results[np.float32]
    value64, grad64, hess64 = results[np.float64]
    assert value32 == pytest.approx(value64, rel=2e-6)
    assert_allclose(grad32, grad64, rtol=1e-4, atol=2e-6 * np.abs(grad64).max())
    assert_allclose(hess32, hess64, rtol=1e-4, atol=2e-6 * np.abs(hess64).max())


@pytest.mark.parametrize("entropy_penalty", PENALTIES)
@pytest.mark.parametrize("layout", ["C", "csr"])
@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_extreme_logits_stay_finite_and_exact(objective, layout, entropy_penalty):
    # Logits of order 1e4: exp overflows and softmax probabilities underflow
    # unless the kernels subtract the largest logit.
    X, P, weights = make_problem(27, n_classes=3)
    loss = make_loss(
        with_layout(X, layout), P, weights, objective, n_params=3,
        entropy_penalty=entropy_penalty,
    )  # fmt: skip
    params = random_params(loss, 28, scale=3e3)
    value, grad, hess = evaluate(loss, params, random_params(loss, 29))
    assert np.isfinite(value)
    assert np.all(np.isfinite(grad))
    assert np.all(np.isfinite(hess))
    assert np.any(loss._proba == 0.0)  # some probabilities did underflow
    expected = reference_objective(
        X, P, weights, objective, params, n_params=3, entropy_penalty=entropy_penalty
    )
    assert value == pytest.approx(expected, rel=1e-10)


# --- properties ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 4),
    n_classes=st.integers(2, 5),
    objective=st.sampled_from(OBJECTIVE_NAMES),
    entropy_penalty=st.sampled_from(PENALTIES),
    fit_intercept=st.booleans(),
    n_threads=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_all_paths_match_the_reference_on_random_problems(
    n_samples, n_features, n_classes, objective, entropy_penalty, fit_intercept,
    n_threads, seed,
):  # fmt: skip
    X, P, weights = make_problem(seed, n_samples, n_features, n_classes)
    weights[0] = 1.0  # keep the weight sum positive
    n_params = n_params_for(n_classes)
    results = []
    for layout in LAYOUTS:
        loss = make_loss(
            with_layout(X, layout), P, weights, objective, n_params=n_params,
            fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
            n_threads=n_threads,
        )  # fmt: skip
        params = random_params(loss, seed + 1)
        results.append(evaluate(loss, params, random_params(loss, seed + 2)))
    expected = reference_objective(
        X, P, weights, objective, params, n_params=n_params,
        fit_intercept=fit_intercept, entropy_penalty=entropy_penalty,
    )  # fmt: skip
    for value, grad, hess in results:
        assert value == pytest.approx(expected, rel=1e-11)
        assert_allclose(grad, results[0][1], rtol=1e-10, atol=1e-13)
        assert_allclose(hess, results[0][2], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("objective", OBJECTIVE_NAMES)
def test_loss_layer_never_writes_its_inputs(objective):
    # Compared with copies: the kernels see read-only views, which stop
    # writes inside them from compiling, but not writes of the Python layer.
    X, P, weights = make_problem(31)
    for data in (X, np.asfortranarray(X), sp.csr_matrix(X)):
        loss = make_loss(data, P, weights, objective, n_params=3)
        params = random_params(loss, 32)
        direction = random_params(loss, 33)
        # The kernels read the loss's class-major copy of the targets.
        targets = loss._targets
        inputs = [data.data if sp.issparse(data) else data, *targets]
        inputs += [params, direction]
        before = [array.copy() for array in inputs]
        evaluate(loss, params, direction)
        loss.hessp(params + 1.0, direction)
        for array, copy in zip(inputs, before, strict=True):
            assert_array_equal(array, copy)
        expected, _ = OBJECTIVES[objective]().kernel_targets(P, np.float64, 3)
        assert_array_equal(targets.values, expected)
    fresh_X, fresh_P, fresh_weights = make_problem(31)
    assert_array_equal(X, fresh_X)
    assert_array_equal(P, fresh_P)
    assert_array_equal(weights, fresh_weights)


def test_writable_and_read_only_inputs_share_one_compiled_pass():
    # Every pass variant costs 18 s or more to compile: the kernels see
    # read-only views of every input, so memory maps and writable arrays
    # run the same one. The caller's arrays keep their flags.
    X, P, weights = make_problem(41)
    writable = make_loss(X, P, weights, "cross_entropy", n_params=3)
    params = random_params(writable, 42)
    expected = writable.loss_gradient(params)
    n_variants = len(kernels.dense_pass.signatures)
    read_only = [array.copy() for array in (X, P, weights)]
    for array in read_only:
        array.flags.writeable = False
    loss = make_loss(*read_only, "cross_entropy", n_params=3)
    value, grad = loss.loss_gradient(params)
    assert len(kernels.dense_pass.signatures) == n_variants
    assert value == expected[0]
    assert_array_equal(grad, expected[1])
    assert X.flags.writeable and P.flags.writeable and weights.flags.writeable


def test_int64_sparse_indices_are_narrowed_where_they_fit():
    X, P, weights = make_problem(43)
    X32 = sp.csr_matrix(X)
    X64 = X32.copy()
    X64.indices, X64.indptr = X64.indices.astype(np.int64), X64.indptr.astype(np.int64)
    losses = [make_loss(data, P, weights, "cross_entropy", n_params=3)
              for data in (X32, X64)]  # fmt: skip
    assert losses[1]._X.indices.dtype == np.int32
    assert losses[1]._X.indptr.dtype == np.int32
    assert X64.indices.dtype == np.int64  # the caller's matrix is left alone
    params = random_params(losses[0], 44)
    value, grad = losses[0].loss_gradient(params)
    assert losses[1].loss_gradient(params)[0] == value
    # The int64 variant, which matrices too large for int32 take, computes
    # the same pass.
    wide = losses[1]._X._replace(indices=X64.indices, indptr=X64.indptr)
    losses[1]._X = wide
    wide_value, wide_grad = losses[1].loss_gradient(params)
    assert wide_value == pytest.approx(value, rel=1e-14)
    assert_allclose(wide_grad, grad, rtol=1e-13, atol=1e-15)
