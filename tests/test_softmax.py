"""Functional tests of skxent.SoftmaxClassifier.

References: scikit-learn's ``LogisticRegression`` (same objective scaling, so
the same optimum on hard labels), the "repeat each row once per class with
weight ``s_i p_ik``" construction for soft targets, ``skxent.metrics`` and
``scipy.special.rel_entr`` for the reported objective values.
"""

import functools
import pickle
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, rel_entr, softmax
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, get_scorer_names, log_loss
from sklearn.metrics import get_scorer as sklearn_get_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skxent import SoftmaxClassifier
from skxent.metrics import cross_entropy, entropy, get_scorer, kl_divergence

pd = pytest.importorskip("pandas")

TIGHT = {"tol": 1e-10, "max_iter": 10_000}
LOADERS = {
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
    "breast_cancer": load_breast_cancer,
}
SOLVERS = ("lbfgs", "newton-cg", "trust-ncg")


def read_only(*arrays):
    for array in arrays:
        array.setflags(write=False)
    return arrays


@functools.cache
def dataset(name):
    """Standardized features (so that every solver converges) and labels."""
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


@functools.cache
def soft_problem(name="wine", n_classes=None, seed=0):
    """Features of a dataset, Dirichlet soft targets (strictly positive) and
    sample weights."""
    X, y = dataset(name)
    n_classes = n_classes or np.unique(y).size
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(n_classes, 0.7), size=X.shape[0])
    weights = rng.uniform(0.2, 3.0, size=X.shape[0])
    return X, P, weights


def logistic_regression(X, y, sample_weight=None, **params):
    """The reference fit. Single-threaded BLAS: on this 2-core machine two
    BLAS pools next to Numba's threads slow it down many times."""
    with threadpool_limits(1):
        return LogisticRegression(**{**TIGHT, **params}).fit(
            X, y, sample_weight=sample_weight
        )


def repeated_rows(X, P, weights):
    """Each row once per class, labelled with the class and weighted
    ``w_i p_ik``: the hard-label problem a soft-target fit must solve."""
    n_samples, n_classes = P.shape
    return (
        np.repeat(X, n_classes, axis=0),
        np.tile(np.arange(n_classes), n_samples),
        (weights[:, None] * P).ravel(),
    )


def penalty(model, weight_sum):
    return (model.coef_.astype(np.float64) ** 2).sum() / (2 * model.C * weight_sum)


def assert_same_model(a, b, *, atol):
    scale = max(np.abs(b.coef_).max(), 1.0)
    assert_allclose(a.coef_, b.coef_, rtol=0, atol=atol * scale)
    assert_allclose(a.intercept_, b.intercept_, rtol=0, atol=atol * scale)


# --- the objective of LogisticRegression -------------------------------------


@pytest.mark.parametrize("name", LOADERS)
def test_hard_labels_match_logistic_regression(name):
    X, y = dataset(name)
    ours = SoftmaxClassifier(C=0.5, **TIGHT).fit(X, y)
    reference = logistic_regression(X, y, C=0.5)

    n_rows = 1 if name == "breast_cancer" else np.unique(y).size
    assert ours.coef_.shape == reference.coef_.shape == (n_rows, X.shape[1])
    assert ours.intercept_.shape == reference.intercept_.shape == (n_rows,)
    assert_array_equal(ours.classes_, reference.classes_)
    # Digits is the least well conditioned: the two fits stop ~1e-6 apart.
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    assert_allclose(
        ours.decision_function(X), reference.decision_function(X), atol=1e-4
    )
    expected_loss = log_loss(y, reference.predict_proba(X)) + penalty(
        reference, X.shape[0]
    )
    assert ours.loss_ == pytest.approx(expected_loss, rel=1e-8)


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_no_intercept_matches_logistic_regression(name):
    X, y = dataset(name)
    ours = SoftmaxClassifier(C=0.1, fit_intercept=False, **TIGHT).fit(X, y)
    reference = logistic_regression(X, y, C=0.1, fit_intercept=False)
    assert_array_equal(ours.intercept_, 0.0)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    assert_same_model(ours, reference, atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_no_penalty_matches_logistic_regression(n_classes):
    # Gaussian features and labels drawn from a softmax model: not separable,
    # well conditioned, so the unpenalized optimum exists.
    rng = np.random.default_rng(n_classes)
    X = rng.standard_normal((400, 3))
    logits = X @ rng.standard_normal((3, n_classes)) + rng.standard_normal(n_classes)
    y = np.array([rng.choice(n_classes, p=p) for p in softmax(logits, axis=1)])
    ours = SoftmaxClassifier(C=np.inf, **TIGHT).fit(X, y)
    reference = logistic_regression(X, y, C=np.inf)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    if n_classes == 2:  # the multinomial logits are defined up to a shift
        assert_same_model(ours, reference, atol=1e-5)
    assert ours.loss_ == pytest.approx(log_loss(y, ours.predict_proba(X)), rel=1e-10)
    # Any penalty costs likelihood.
    penalized = SoftmaxClassifier(C=0.01, **TIGHT).fit(X, y)
    assert log_loss(y, penalized.predict_proba(X)) > ours.loss_ + 1e-3


def test_sample_weights_match_logistic_regression_and_are_scale_free():
    X, _, weights = soft_problem("iris")
    y = dataset("iris")[1]
    ours = SoftmaxClassifier(**TIGHT).fit(X, y, sample_weight=weights)
    reference = logistic_regression(X, y, sample_weight=weights)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    # sum_i s_i l_i + ||W||^2 / (2 C), divided by S: scaling the weights by c
    # is scaling C by c.
    scaled = SoftmaxClassifier(**TIGHT).fit(X, y, sample_weight=7.5 * weights)
    assert_same_model(
        scaled,
        SoftmaxClassifier(C=7.5, **TIGHT).fit(X, y, sample_weight=weights),
        atol=1e-6,
    )
    assert np.abs(scaled.coef_ - ours.coef_).max() > 0.1
    # Zero weights are the same as dropped rows.
    zeroed = weights.copy()
    zeroed[::4] = 0
    kept = zeroed > 0
    dropped = SoftmaxClassifier(**TIGHT).fit(
        X[kept], y[kept], sample_weight=zeroed[kept]
    )
    assert_same_model(
        SoftmaxClassifier(**TIGHT).fit(X, y, sample_weight=zeroed), dropped, atol=1e-6
    )


# --- soft targets: CE, KL and reverse KL -------------------------------------


@pytest.fixture(scope="module")
def soft_fits():
    X, P, weights = soft_problem("wine")
    return {
        objective: SoftmaxClassifier(objective, **TIGHT).fit(
            X, P, sample_weight=weights
        )
        for objective in ("cross_entropy", "kl_divergence", "reverse_kl_divergence")
    }


def test_cross_entropy_and_kl_give_one_model_and_offset_losses(soft_fits):
    X, P, weights = soft_problem("wine")
    ce, kl = soft_fits["cross_entropy"], soft_fits["kl_divergence"]
    assert_same_model(kl, ce, atol=1e-5)
    assert_allclose(kl.predict_proba(X), ce.predict_proba(X), atol=1e-6)
    mean_entropy = np.average(entropy(P), weights=weights)
    assert mean_entropy > 0.1
    assert ce.loss_ - kl.loss_ == pytest.approx(mean_entropy, rel=1e-9)


def test_reported_losses_equal_the_objectives_recomputed(soft_fits):
    X, P, weights = soft_problem("wine")
    S = weights.sum()
    ce, kl = soft_fits["cross_entropy"], soft_fits["kl_divergence"]
    assert ce.loss_ == pytest.approx(
        cross_entropy(P, ce.predict_proba(X), sample_weight=weights) + penalty(ce, S),
        rel=1e-10,
    )
    assert kl.loss_ == pytest.approx(
        kl_divergence(P, kl.predict_proba(X), sample_weight=weights) + penalty(kl, S),
        rel=1e-10,
    )


def reverse_kl_objective(model, X, P, weights):
    q = model.predict_proba(X)
    return np.average(rel_entr(q, P).sum(axis=1), weights=weights) + penalty(
        model, weights.sum()
    )


def forward_objective(model, X, P, weights):
    return cross_entropy(P, model.predict_proba(X), sample_weight=weights) + penalty(
        model, weights.sum()
    )


def test_reverse_kl_is_a_different_model_optimal_for_its_own_objective(soft_fits):
    X, P, weights = soft_problem("wine")
    ce, reverse = soft_fits["cross_entropy"], soft_fits["reverse_kl_divergence"]
    assert reverse.loss_ == pytest.approx(
        reverse_kl_objective(reverse, X, P, weights), rel=1e-10
    )
    assert np.abs(reverse.coef_ - ce.coef_).max() > 0.05
    assert np.abs(reverse.predict_proba(X) - ce.predict_proba(X)).max() > 0.05
    # Each fit is optimal for its own objective, measurably so.
    assert reverse_kl_objective(ce, X, P, weights) > reverse.loss_ + 1e-3
    assert forward_objective(reverse, X, P, weights) > ce.loss_ + 1e-3


@pytest.mark.parametrize(("name", "n_classes"), [("iris", 3), ("breast_cancer", 2)])
def test_soft_targets_equal_rows_repeated_once_per_class(name, n_classes):
    X, P, weights = soft_problem(name, n_classes)
    ours = SoftmaxClassifier(**TIGHT).fit(X, P, sample_weight=weights)
    X_rep, y_rep, w_rep = repeated_rows(X, P, weights)
    reference = logistic_regression(X_rep, y_rep, sample_weight=w_rep)
    assert ours.coef_.shape == reference.coef_.shape
    # On breast_cancer (30 strongly correlated features) the objective is flat
    # to 1e-13 along some directions: both solvers pin the coefficients down
    # to a few 1e-5 only there, and the objective comparison below is the
    # sharp test.
    assert_same_model(ours, reference, atol=1e-5 if name == "iris" else 5e-5)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)

    def repeated_objective(model):
        return log_loss(
            y_rep, model.predict_proba(X_rep), sample_weight=w_rep
        ) + penalty(model, w_rep.sum())

    # The soft fit's CE loss is the repeated problem's negative log-likelihood,
    # and no higher than at scikit-learn's solution.
    assert ours.loss_ == pytest.approx(repeated_objective(ours), rel=1e-9)
    assert ours.loss_ <= repeated_objective(reference) * (1 + 1e-12)


@settings(max_examples=15, deadline=None)
@given(
    n_samples=st.integers(8, 30),
    n_classes=st.integers(2, 4),
    concentration=st.floats(0.1, 5.0),
    seed=st.integers(0, 2**16),
)
def test_repeat_construction_on_random_problems(
    n_samples, n_classes, concentration, seed
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 3))
    P = rng.dirichlet(np.full(n_classes, concentration), size=n_samples)
    P[P < 0.05] = 0.0  # exact zeros too
    P /= P.sum(axis=1, keepdims=True)
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    ours = SoftmaxClassifier(C=2.0, **TIGHT).fit(X, P, sample_weight=weights)
    X_rep, y_rep, w_rep = repeated_rows(X, P, weights)
    reference = SoftmaxClassifier(C=2.0, classes=np.arange(n_classes), **TIGHT).fit(
        X_rep, y_rep, sample_weight=w_rep
    )
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)


# --- class weights and label smoothing ---------------------------------------


CLASS_WEIGHTS = ["balanced", {0: 2.0, 1: 0.5}]


def reference_class_weight(class_weight, y, sample_weight):
    """``class_weight`` for LogisticRegression, ``"balanced"`` given as its
    dict ``S / (K * S_k)`` from the weighted class totals ``S_k`` (skxent's
    documented rule): scikit-learn counts ``sample_weight`` in "balanced"
    only from 1.7 on."""
    if class_weight != "balanced":
        return class_weight
    totals = np.bincount(y, weights=sample_weight)
    return dict(enumerate(sample_weight.sum() / (totals.size * totals)))


@pytest.mark.parametrize("class_weight", CLASS_WEIGHTS)
def test_class_weight_matches_logistic_regression(class_weight):
    X, _, weights = soft_problem("wine")
    y = dataset("wine")[1]
    ours = SoftmaxClassifier(class_weight=class_weight, **TIGHT).fit(
        X, y, sample_weight=weights
    )
    reference = logistic_regression(
        X,
        y,
        sample_weight=weights,
        class_weight=reference_class_weight(class_weight, y, weights),
    )
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    unweighted = SoftmaxClassifier(**TIGHT).fit(X, y, sample_weight=weights)
    assert np.abs(ours.coef_ - unweighted.coef_).max() > 1e-2


@pytest.mark.parametrize("class_weight", CLASS_WEIGHTS)
def test_class_weight_on_soft_targets_equals_repeated_rows(class_weight):
    X, P, weights = soft_problem("wine")
    ours = SoftmaxClassifier(class_weight=class_weight, **TIGHT).fit(
        X, P, sample_weight=weights
    )
    X_rep, y_rep, w_rep = repeated_rows(X, P, weights)
    reference = logistic_regression(
        X_rep,
        y_rep,
        sample_weight=w_rep,
        class_weight=reference_class_weight(class_weight, y_rep, w_rep),
    )
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("class_weight", [None, *CLASS_WEIGHTS])
@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_hard_labels_fit_like_their_one_hot_rows(name, class_weight):
    # Hard labels reach the kernels as classes, one-hot rows as probabilities:
    # two code paths, one problem.
    X, y = dataset(name)
    n_classes = np.unique(y).size
    hard = SoftmaxClassifier(class_weight=class_weight, **TIGHT).fit(X, y)
    soft = SoftmaxClassifier(class_weight=class_weight, **TIGHT).fit(
        X, np.eye(n_classes)[y]
    )
    assert_same_model(hard, soft, atol=1e-7)
    assert hard.loss_ == pytest.approx(soft.loss_, rel=1e-12)


def test_class_weight_with_string_labels():
    X, y = dataset("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    weights = {"setosa": 3.0, "virginica": 0.25}
    ours = SoftmaxClassifier(class_weight=weights, **TIGHT).fit(X, labels)
    reference = logistic_regression(X, labels, class_weight=weights)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-5)


def smoothed(P, eps):
    return (1 - eps) * P + eps / P.shape[1]


@pytest.mark.parametrize("objective", ["cross_entropy", "reverse_kl_divergence"])
@pytest.mark.parametrize("targets", ["hard", "soft"])
def test_label_smoothing_equals_fitting_smoothed_targets(targets, objective):
    X, P, weights = soft_problem("iris")
    y = dataset("iris")[1]
    eps = 0.15
    labels_or_rows = y if targets == "hard" else P
    rows = np.eye(3)[y] if targets == "hard" else P
    ours = SoftmaxClassifier(objective, label_smoothing=eps, **TIGHT).fit(
        X, labels_or_rows, sample_weight=weights
    )
    explicit = SoftmaxClassifier(objective, **TIGHT).fit(
        X, smoothed(rows, eps), sample_weight=weights
    )
    assert_same_model(ours, explicit, atol=1e-7)
    assert ours.loss_ == pytest.approx(explicit.loss_, rel=1e-10)
    barely_smoothed = SoftmaxClassifier(objective, label_smoothing=1e-3, **TIGHT)
    barely_smoothed.fit(X, labels_or_rows, sample_weight=weights)
    assert np.abs(barely_smoothed.coef_ - ours.coef_).max() > 1e-2


def test_label_smoothing_kl_loss_is_kl_to_the_smoothed_targets():
    X, y = dataset("iris")
    model = SoftmaxClassifier("kl_divergence", label_smoothing=0.2, **TIGHT).fit(X, y)
    expected = kl_divergence(smoothed(np.eye(3)[y], 0.2), model.predict_proba(X))
    assert model.loss_ == pytest.approx(expected + penalty(model, len(y)), rel=1e-10)


# --- solvers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("objective", "name", "soft"),
    [
        ("cross_entropy", "wine", False),
        ("cross_entropy", "breast_cancer", False),
        ("reverse_kl_divergence", "iris", True),
        ("reverse_kl_divergence", "breast_cancer", True),
    ],
)
def test_solvers_reach_the_same_optimum(objective, name, soft):
    X, P, weights = soft_problem(name)
    y = P if soft else dataset(name)[1]
    fits = {}
    for solver in SOLVERS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fits[solver] = SoftmaxClassifier(
                objective, solver=solver, tol=1e-8, max_iter=1000
            ).fit(X, y, sample_weight=weights)
    reference = fits["lbfgs"]
    for solver in SOLVERS[1:]:
        # newton-cg stops on the size of its step, which scipy sets to zero
        # once the curvature along the gradient is below 3 eps: its optimum
        # is the least precise of the three.
        assert_same_model(fits[solver], reference, atol=1e-4)
        assert_allclose(
            fits[solver].predict_proba(X), reference.predict_proba(X), atol=1e-5
        )
        assert fits[solver].loss_ == pytest.approx(reference.loss_, rel=1e-9)
        assert fits[solver].n_iter_ < reference.n_iter_  # second-order solvers


def test_auto_solver_is_newton_cg_on_wide_sparse_x_only():
    # On wide sparse X, L-BFGS's bookkeeping over every coefficient and its
    # iterations at weak penalties cost most of a fit (see the performance
    # page): "auto" takes Newton-CG there, and lbfgs on dense X or on few
    # coefficients.
    rng = np.random.default_rng(0)
    wide = sp.random(300, 12_500, density=0.002, format="csr", random_state=rng)
    y = rng.integers(0, 8, 300)  # 8 x 12,500 = 100,000 coefficients
    for data, solver in (
        (wide, "newton-cg"),
        (wide[:, :12_000], "lbfgs"),
        (wide.toarray(), "lbfgs"),
    ):
        auto = SoftmaxClassifier().fit(data, y)
        chosen = SoftmaxClassifier(solver=solver).fit(data, y)
        assert_array_equal(auto.coef_, chosen.coef_)
        assert_array_equal(auto.n_iter_, chosen.n_iter_)
    assert SoftmaxClassifier().solver == "auto"


def edge_targets(P, excess, dtype):
    """``P`` in ``dtype`` with row sums ``1 + excess`` (every third row
    ``1 - excess``), which validation accepts for ``excess`` up to
    ``sqrt(eps)`` of ``dtype``."""
    sign = np.where(np.arange(P.shape[0]) % 3 == 2, -1.0, 1.0)
    return (P * (1.0 + excess * sign)[:, None]).astype(dtype)


@pytest.mark.parametrize(
    ("dtype", "excess"),
    [(np.float32, 3e-4), (np.float64, 1.4e-8)],
    ids=["float32-targets", "float64-targets"],
)
@pytest.mark.parametrize("name", ["iris", "wine"])
def test_solvers_agree_on_targets_at_the_row_sum_tolerance(name, dtype, excess):
    # The solvers minimize the cross-entropy of the rows as given; with a
    # gradient that assumed rows summing to one, newton-cg reported failure
    # and the solvers disagreed by 1e-4.
    X, P, weights = soft_problem(name)
    rows = edge_targets(P, excess, dtype)
    fits = {}
    for solver in SOLVERS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fits[solver] = SoftmaxClassifier(
                solver=solver, tol=1e-8, max_iter=1000
            ).fit(X, rows, sample_weight=weights)
        assert fits[solver].loss_ == pytest.approx(
            forward_objective(fits[solver], X, rows, weights), rel=1e-12
        )
    for solver in SOLVERS[1:]:
        assert_same_model(fits[solver], fits["lbfgs"], atol=1e-5)
        assert fits[solver].loss_ == pytest.approx(fits["lbfgs"].loss_, rel=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_stops_the_solver_with_a_convergence_warning(solver):
    X, y = dataset("digits")
    with pytest.warns(ConvergenceWarning, match="increase max_iter"):
        model = SoftmaxClassifier(solver=solver, max_iter=2).fit(X, y)
    assert_array_equal(model.n_iter_, [2])
    assert len(model.loss_curve_) == 2


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_zero_runs_no_iteration(solver, warm_start):
    X, y = dataset("wine")
    model = SoftmaxClassifier(solver=solver, warm_start=warm_start, C=0.5)
    model.fit(X, y)
    start = np.zeros_like(model.coef_) if not warm_start else model.coef_.copy()
    model.set_params(max_iter=0, C=2.0)
    with pytest.warns(ConvergenceWarning, match="after 0 iterations.*max_iter=0"):
        model.fit(X, y)
    assert_array_equal(model.n_iter_, [0])
    assert model.n_iter_.dtype == np.int32
    assert model.loss_curve_ == []
    assert_array_equal(model.coef_, start)
    if not warm_start:
        assert_array_equal(model.intercept_, 0.0)
        assert model.loss_ == pytest.approx(np.log(3), rel=1e-15)
    else:
        penalty_term = penalty(model, X.shape[0])
        assert model.loss_ == pytest.approx(
            log_loss(y, model.predict_proba(X)) + penalty_term, rel=1e-12
        )


def test_a_tol_beyond_float_precision_warns_without_asking_for_iterations():
    X, y = dataset("wine")
    with pytest.warns(ConvergenceWarning, match="stopped decreasing in floating"):
        model = SoftmaxClassifier(solver="trust-ncg", tol=0.0, max_iter=500).fit(X, y)
    assert model.n_iter_ < 500
    reference = SoftmaxClassifier(**TIGHT).fit(X, y)
    assert_same_model(model, reference, atol=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_loss_curve_decreases_and_ends_at_loss(solver):
    X, y = dataset("wine")
    model = SoftmaxClassifier(solver=solver, tol=1e-8).fit(X, y)
    curve = np.array(model.loss_curve_)
    assert curve.size == model.n_iter_ > 2
    # The objective at zero parameters is log K; every iteration improves it.
    assert curve[0] < np.log(3)
    assert np.all(np.diff(curve) <= 1e-12 * curve[:-1])
    assert curve[-1] == pytest.approx(model.loss_, rel=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_continues_from_the_previous_solution(solver):
    X, y = dataset("wine")
    params = {"solver": solver, "tol": 1e-8, "max_iter": 1000}
    model = SoftmaxClassifier(warm_start=True, **params).fit(X, y)
    first = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ <= 1
    assert_allclose(model.coef_, first, atol=1e-6)

    model.set_params(C=3.0).fit(X, y)
    cold = SoftmaxClassifier(C=3.0, **params).fit(X, y)
    assert model.n_iter_ < cold.n_iter_
    assert_same_model(model, cold, atol=1e-4)
    # Without warm_start, a refit starts from zero again.
    again = SoftmaxClassifier(C=3.0, **params).fit(X, y).fit(X, y)
    assert again.n_iter_ == cold.n_iter_


def test_verbose_prints_the_objective_per_iteration(capsys):
    X, y = dataset("iris")
    model = SoftmaxClassifier(verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == model.n_iter_
    assert float(lines[-1].split()[-1]) == pytest.approx(model.loss_, rel=1e-9)


# --- data layouts, dtypes, threads ---------------------------------------------


@pytest.fixture(scope="module")
def wine_reference():
    X, y = dataset("wine")
    return SoftmaxClassifier(**TIGHT).fit(X, y)


@pytest.mark.parametrize("layout", ["F", "csr", "strided", "dataframe"])
def test_layouts_give_the_same_model(layout, wine_reference):
    X, y = dataset("wine")
    data = {
        "F": lambda: np.asfortranarray(X),
        "csr": lambda: sp.csr_matrix(X),
        "strided": lambda: np.repeat(X, 2, axis=1)[:, ::2],
        "dataframe": lambda: pd.DataFrame(X, columns=[f"f{j}" for j in range(13)]),
    }[layout]()
    model = SoftmaxClassifier(**TIGHT).fit(data, y)
    assert_same_model(model, wine_reference, atol=1e-8)
    assert_allclose(model.predict_proba(data), wine_reference.predict_proba(X))


@pytest.mark.parametrize("layout", ["C", "F", "csr"])
def test_float32_keeps_float32_and_matches_float64(layout, wine_reference):
    X, y = dataset("wine")
    X32 = X.astype(np.float32, order=layout if layout != "csr" else "C")
    if layout == "csr":
        X32 = sp.csr_matrix(X32)
    model = SoftmaxClassifier(tol=1e-5, max_iter=1000).fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert model.intercept_.dtype == np.float32
    assert model.decision_function(X32).dtype == np.float32
    assert_allclose(model.predict_proba(X), wine_reference.predict_proba(X), atol=1e-3)
    assert_same_model(model, wine_reference, atol=1e-2)


@pytest.mark.parametrize("container", ["ndarray", "dataframe"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_big_endian_X_is_fitted_in_its_own_precision(dtype, container):
    X, y = dataset("wine")
    native = X.astype(dtype)
    swapped = native.astype(native.dtype.newbyteorder("S"))
    assert not swapped.dtype.isnative
    if container == "dataframe":
        swapped = pd.DataFrame(swapped)
    reference = SoftmaxClassifier().fit(native, y)
    model = SoftmaxClassifier().fit(swapped, y)
    assert model.coef_.dtype == model.intercept_.dtype == dtype
    assert_array_equal(model.coef_, reference.coef_)
    assert_array_equal(model.intercept_, reference.intercept_)
    scores = model.decision_function(swapped)
    assert scores.dtype == dtype
    assert_array_equal(scores, reference.decision_function(native))


def test_n_jobs_does_not_change_the_model():
    X, P, weights = soft_problem("digits")
    serial = SoftmaxClassifier(n_jobs=1, **TIGHT).fit(X, P, sample_weight=weights)
    parallel = SoftmaxClassifier(n_jobs=2, **TIGHT).fit(X, P, sample_weight=weights)
    assert_same_model(parallel, serial, atol=1e-7)


def blas_thread_counts():
    return [
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    ]


def test_two_threads_fitting_at_once_match_serial_fits():
    X, y = dataset("digits")
    Cs = [0.05, 0.5, 5.0, 0.05, 0.5, 5.0]

    def fit(C):
        return SoftmaxClassifier(C=C, max_iter=50).fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = [fit(C) for C in Cs]
        blas_threads = blas_thread_counts()
        with ThreadPoolExecutor(2) as pool:
            concurrent = list(pool.map(fit, Cs))
    # Process-wide BLAS limits are left as they were.
    assert blas_thread_counts() == blas_threads
    for a, b in zip(serial, concurrent, strict=True):
        assert_allclose(b.coef_, a.coef_, rtol=1e-12, atol=1e-14)
        assert b.n_iter_ == a.n_iter_


# --- never copy, never modify --------------------------------------------------


def peak_allocation_of_fit(X, y):
    tracemalloc.start()
    try:
        SoftmaxClassifier(max_iter=2).fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def large_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10_000, 200))
    X[X < 0.5] = 0.0  # 30 % non-zero: a CSR copy would be large too
    return X, rng.integers(0, 3, size=X.shape[0])


@pytest.mark.parametrize(
    ("layout", "copied"),
    [
        ("C float64", False),
        ("F float64", False),
        ("C float32", False),
        ("F float32", False),
        ("csr float64", False),
        ("C int64", True),  # must become float: the measurement sees copies
        ("csc float64", True),
    ],
)
def test_supported_layouts_are_used_without_a_copy(layout, copied, large_problem):
    X, y = large_problem
    order, dtype = layout.split()
    if order in ("csr", "csc"):
        data = getattr(sp, f"{order}_matrix")(X)
        nbytes = data.data.nbytes
    else:
        data = np.asarray(10 * X if dtype == "int64" else X, dtype=dtype, order=order)
        nbytes = data.nbytes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SoftmaxClassifier(max_iter=1).fit(data[:50], y[:50])  # compile, warm up
        peak = peak_allocation_of_fit(data, y)
    # The fit's own arrays hold a few values per sample and class (~0.25 MB).
    assert (peak >= nbytes) is copied, (peak, nbytes)


@pytest.mark.parametrize("targets", ["labels", "strings", "soft"])
def test_fit_and_predict_never_write_to_their_inputs(targets):
    # Copies: the arrays are made read-only, which must not leak into the
    # shared datasets.
    X, P, weights = (a.copy() for a in soft_problem("iris"))
    y = dataset("iris")[1]
    y = {
        "labels": y.copy(),
        "strings": np.array(["a", "b", "c"])[y],
        "soft": P,
    }[targets]
    for data in (X, np.asfortranarray(X), sp.csr_matrix(X)):
        arrays = (data.data if sp.issparse(data) else data, y, weights)
        copies = [a.copy() for a in arrays]
        read_only(*arrays)
        first_class = y[0] if y.ndim == 1 else 0
        for params in (
            {"class_weight": "balanced", "label_smoothing": 0.1},
            {"objective": "reverse_kl_divergence", "label_smoothing": 0.1},
            {"class_weight": {first_class: 2.0}, "solver": "newton-cg"},
        ):
            model = SoftmaxClassifier(**params).fit(data, y, sample_weight=weights)
            model.predict_proba(data)
            model.predict_log_proba(data)
            model.score(data, y, sample_weight=weights)
        for array, copy in zip(arrays, copies, strict=True):
            assert_array_equal(array, copy)


# --- pipelines, model selection, pickling --------------------------------------


def test_pipeline_standardizes_then_fits():
    X_raw, y = load_wine(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), SoftmaxClassifier(**TIGHT)).fit(X_raw, y)
    direct = SoftmaxClassifier(**TIGHT).fit(dataset("wine")[0], y)
    assert_allclose(
        pipeline.predict_proba(X_raw), direct.predict_proba(dataset("wine")[0])
    )
    assert pipeline.score(X_raw, y) == direct.score(dataset("wine")[0], y)


@pytest.mark.parametrize(("name", "n_classes"), [("iris", 3), ("breast_cancer", 2)])
def test_cross_val_score_with_soft_targets_and_a_skxent_scorer(name, n_classes):
    X, P, _ = soft_problem(name, n_classes)
    cv = KFold(4, shuffle=True, random_state=0)
    model = SoftmaxClassifier("kl_divergence", C=0.5)
    scores = cross_val_score(
        model, X, P, cv=cv, scoring=get_scorer("neg_kl_divergence")
    )
    expected = []
    for train, test in cv.split(X):
        fitted = clone(model).fit(X[train], P[train])
        expected.append(-kl_divergence(P[test], fitted.predict_proba(X[test])))
    assert_allclose(scores, expected, rtol=1e-12)
    assert np.all(scores < 0)


@pytest.fixture(scope="module")
def serial_grid_search():
    X, P, _ = soft_problem("iris")
    return grid_search(X, P, n_jobs=None)


def grid_search(X, P, n_jobs):
    search = GridSearchCV(
        SoftmaxClassifier(tol=1e-8, max_iter=1000),
        param_grid={"objective": ["cross_entropy", "kl_divergence"], "C": [0.1, 10]},
        scoring=get_scorer("neg_kl_divergence"),
        cv=KFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )
    return search.fit(X, P)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_grid_search_in_parallel_matches_serial(backend, serial_grid_search):
    X, P, _ = soft_problem("iris")
    blas_threads = blas_thread_counts()
    with joblib.parallel_config(backend=backend):
        search = grid_search(X, P, n_jobs=2)
    assert blas_thread_counts() == blas_threads
    serial = serial_grid_search.cv_results_
    scores = search.cv_results_["mean_test_score"]
    # Loky's workers run Numba on one thread, so sums over samples are taken
    # in another order: the fits agree to the solver's tolerance (tol=1e-8).
    assert_allclose(scores, serial["mean_test_score"], rtol=1e-7)
    # Only C decides: the two objectives tie (below), broken by rounding.
    assert search.best_params_["C"] == serial_grid_search.best_params_["C"]
    # Cross-entropy and KL fit the same model: same held-out scores.
    by_objective = {
        (p["objective"], p["C"]): s
        for p, s in zip(search.cv_results_["params"], scores, strict=True)
    }
    for C in (0.1, 10):
        assert by_objective["cross_entropy", C] == pytest.approx(
            by_objective["kl_divergence", C], rel=1e-6
        )
    assert by_objective["cross_entropy", 10] != pytest.approx(
        by_objective["cross_entropy", 0.1], rel=1e-3
    )


def test_pickle_round_trip_and_clone():
    X, y = dataset("wine")
    model = SoftmaxClassifier(C=0.3, class_weight="balanced").fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        assert_array_equal(getattr(restored, method)(X), getattr(model, method)(X))
    assert restored.loss_ == model.loss_

    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    assert not hasattr(fresh, "coef_")
    assert_array_equal(fresh.fit(X, y).coef_, model.coef_)


# --- bad input -------------------------------------------------------------------


def with_value(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


def bad_rows(P, row):
    P = P.copy()
    P[5] = row
    return P


def bad_inputs():
    X, P, _ = soft_problem("iris")
    y = dataset("iris")[1]
    return [
        ("nan in X", {}, with_value(X, np.nan), y, "Input X contains NaN"),
        ("inf in X", {}, with_value(X, np.inf), y, "Input X contains infinity"),
        ("one class", {}, X, np.zeros(len(y)), "only one class"),
        ("nan label", {}, X, np.where(y == 1, np.nan, y), "Input y contains NaN"),
        ("continuous y", {}, X, X[:, 0], "Unknown label type: continuous"),
        ("too few columns", {"classes": [0, 1]}, X, P, "3 probability columns"),
        ("too many columns", {"classes": [0, 1, 2, 3]}, X, P, "classes has 4"),
        ("row sum", {}, X, bad_rows(P, [0.5, 0.4, 0.2]), "row 5 sums to 1.1"),
        ("negative", {}, X, bad_rows(P, [1.2, -0.2, 0]), "negative probability"),
        ("nan in P", {}, X, bad_rows(P, [np.nan, 0.5, 0.5]), "Input y contains NaN"),
        ("rows vs X", {}, X, P[:-1], "inconsistent numbers of samples"),
        ("negative C", {"C": -1.0}, X, y, "'C' parameter"),
        ("zero C", {"C": 0.0}, X, y, "'C' parameter"),
        ("objective", {"objective": "hinge"}, X, y, "'objective' parameter"),
        ("solver", {"solver": "sag"}, X, y, "'solver' parameter"),
        ("smoothing", {"label_smoothing": 1.0}, X, y, "'label_smoothing' parameter"),
        ("n_jobs", {"n_jobs": 0}, X, y, "'n_jobs' parameter"),
        (
            "reverse kl, hard labels",
            {"objective": "reverse_kl_divergence"},
            X,
            y,
            "every target probability must be positive, but y holds class labels"
            r".*Set label_smoothing \(for example to 0\.1\)",
        ),
        (
            "reverse kl, zeros in P",
            {"objective": "reverse_kl_divergence"},
            X,
            np.eye(3)[y],
            "300 target probabilities are 0, the first in row 0 for class 1"
            r".*Set label_smoothing \(for example to 0\.1\)",
        ),
        ("unknown label", {"classes": [0, 1]}, X, y, r"labels \[2\] that are not"),
        ("repeated class", {"classes": [0, 1, 1, 2]}, X, y, "distinct labels"),
        (
            "class_weight key",
            {"class_weight": {0: 1.0, 7: 2.0}},
            X,
            y,
            r"keys \[7\] that are not among the classes",
        ),
        (
            "balanced, absent class",
            {"class_weight": "balanced", "classes": [0, 1, 2, 3]},
            X,
            y,
            r"classes \[3\] have no",
        ),
    ]


@pytest.mark.parametrize(
    ("params", "X", "y", "match"),
    [pytest.param(*case[1:], id=case[0]) for case in bad_inputs()],
)
def test_bad_input_raises_a_clear_value_error(params, X, y, match):
    X_before, y_before = X.copy(), y.copy()
    with pytest.raises(ValueError, match=match):
        SoftmaxClassifier(**params).fit(X, y)
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)


@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
@pytest.mark.parametrize(
    ("weight", "shown"),
    [(np.nan, "nan"), (np.inf, "inf"), (-1.0, "-1.0"), (-np.inf, "-inf"), ("2", "'2'")],
)
def test_class_weight_must_be_finite_and_non_negative(weight, shown, soft):
    X, y = dataset("iris")
    targets = soft_problem("iris")[1] if soft else y
    with pytest.raises(ValueError, match=rf"finite, non-negative .* \{{1: {shown}\}}"):
        SoftmaxClassifier(class_weight={0: 2.0, 1: weight}).fit(X, targets)


def test_a_class_weight_of_zero_drops_the_class():
    X, y = dataset("iris")
    model = SoftmaxClassifier(class_weight={1: 0.0}, **TIGHT).fit(X, y)
    kept = y != 1
    reference = SoftmaxClassifier(classes=[0, 1, 2], **TIGHT).fit(
        X[kept], y[kept], sample_weight=np.full(kept.sum(), 1.0)
    )
    # The same objective up to its normalization by the weight sum.
    assert_same_model(model, reference, atol=1e-3)
    assert model.predict_proba(X)[:, 1].max() < 0.05


def refit_failures():
    X, P, _ = soft_problem("iris")
    y = dataset("iris")[1]
    return [
        ("reverse kl, labels", {"objective": "reverse_kl_divergence"}, X, y),
        ("reverse kl, zeros", {"objective": "reverse_kl_divergence"}, X, np.eye(3)[y]),
        ("class_weight", {"class_weight": {0: np.nan}}, X, y),
        ("unknown label", {"classes": [0, 1]}, X, y),
        ("columns", {"classes": [0, 1]}, X, P),
        ("row sum", {}, X, bad_rows(P, [0.5, 0.4, 0.2])),
        ("one class", {}, X, np.zeros(len(y))),
        ("sample_weight", {"class_weight": {0: 0.0, 1: 0.0, 2: 0.0}}, X, y),
    ]


@pytest.mark.parametrize(
    ("params", "X", "y"),
    [pytest.param(*case[1:], id=case[0]) for case in refit_failures()],
)
def test_a_refit_that_raises_leaves_the_fitted_model_whole(params, X, y):
    names = np.array(["setosa", "versicolor", "virginica"])
    model = SoftmaxClassifier(C=0.5).fit(X, names[dataset("iris")[1]])
    fitted = {key: value for key, value in vars(model).items() if key.endswith("_")}
    predicted = model.predict_proba(X)
    with pytest.raises(ValueError):
        model.set_params(**params).fit(X, y)
    assert vars(model).keys() >= fitted.keys()
    for key, value in fitted.items():
        assert_array_equal(getattr(model, key), value, err_msg=key)
    assert_array_equal(model.predict_proba(X), predicted)
    assert_array_equal(model.classes_, names)


def test_bad_sample_weight_and_bad_predict_input():
    X, y = dataset("iris")
    with pytest.raises(ValueError, match=r"non-negative .* sample_weight\[0\] is -1"):
        SoftmaxClassifier().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match=r"finite .* sample_weight\[1\] is inf"):
        SoftmaxClassifier().fit(X, y, sample_weight=np.r_[1.0, np.inf, y[2:]])
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\)"):
        SoftmaxClassifier().fit(X, y, sample_weight=np.ones(3))
    model = SoftmaxClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict_proba(with_value(X, np.nan))


@pytest.mark.parametrize("bad_index", [-1, 5, 2**31 - 1])
def test_malformed_sparse_column_indices_raise_instead_of_reading_out_of_bounds(
    bad_index,
):
    # scipy builds such a matrix without complaint; the sparse kernels would
    # read coefficients outside their array.
    X = sp.random(30, 5, density=0.5, format="csr", random_state=0)
    X.indices[3] = bad_index
    y = np.arange(30) % 3
    with pytest.raises(ValueError, match=r"column indices outside 0\.\.4"):
        SoftmaxClassifier().fit(X, y)


# --- fitted attributes and methods ---------------------------------------------


@pytest.mark.parametrize("name", ["wine", "breast_cancer"])
def test_fitted_attributes_and_prediction_methods(name):
    X, y = dataset(name)
    model = SoftmaxClassifier(C=0.5).fit(X, y)
    n_classes = np.unique(y).size
    n_rows = 1 if n_classes == 2 else n_classes
    assert_array_equal(model.classes_, np.unique(y))
    assert model.coef_.shape == (n_rows, X.shape[1])
    assert model.intercept_.shape == (n_rows,)
    assert model.n_features_in_ == X.shape[1]
    assert not hasattr(model, "feature_names_in_")
    # n_iter_ as in LogisticRegression: an int32 array of shape (1,).
    reference = logistic_regression(X, y, C=0.5)
    assert model.n_iter_.shape == reference.n_iter_.shape == (1,)
    assert model.n_iter_.dtype == reference.n_iter_.dtype == np.int32
    assert model.n_iter_[0] > 0
    assert isinstance(model.loss_, float)

    scores = model.decision_function(X)
    logits = X @ model.coef_.T + model.intercept_
    if n_classes == 2:
        assert scores.shape == (X.shape[0],)
        full_logits = np.column_stack([np.zeros(X.shape[0]), scores])
    else:
        assert scores.shape == (X.shape[0], n_classes)
        full_logits = scores
    assert_allclose(scores, logits.ravel() if n_classes == 2 else logits)
    proba = model.predict_proba(X)
    assert_allclose(proba, softmax(full_logits, axis=1), rtol=1e-12)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    # log_softmax is the more accurate where proba rounds near 1.
    assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-14)
    assert_array_equal(model.predict(X), model.classes_[np.argmax(proba, axis=1)])
    assert model.score(X, y) == accuracy_score(y, model.predict(X))


def test_feature_names_from_a_dataframe():
    X, y = dataset("iris")
    columns = ["sepal length", "sepal width", "petal length", "petal width"]
    frame = pd.DataFrame(X, columns=columns)
    model = SoftmaxClassifier().fit(frame, y)
    assert_array_equal(model.feature_names_in_, columns)
    with pytest.warns(UserWarning, match="fitted with feature names"):
        assert_allclose(model.predict_proba(frame), model.predict_proba(X))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[columns[::-1]])


def test_predict_log_proba_is_stable_for_extreme_logits():
    X, y = dataset("iris")
    model = SoftmaxClassifier(C=10.0).fit(X, y)
    extreme = 1e4 * X  # logits of order 1e4: most probabilities underflow to 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        proba = model.predict_proba(extreme)
        log_proba = model.predict_log_proba(extreme)
    assert np.all(np.isfinite(log_proba))
    assert np.any(proba == 0.0)
    assert np.min(log_proba) < -1000
    assert_allclose(log_proba, log_softmax(model.decision_function(extreme), axis=1))
    representable = proba > 1e-300
    assert_allclose(log_proba[representable], np.log(proba[representable]))
    assert_allclose(proba.sum(axis=1), 1.0)


def test_score_is_accuracy_against_the_most_probable_target_class():
    X, P, weights = soft_problem("wine")
    model = SoftmaxClassifier().fit(X, P)
    labels = np.argmax(P, axis=1)
    assert model.score(X, P) == accuracy_score(labels, model.predict(X))
    assert model.score(X, P, sample_weight=weights) == pytest.approx(
        accuracy_score(labels, model.predict(X), sample_weight=weights)
    )
    assert model.score(X, labels) == model.score(X, P)


def test_string_labels():
    X, y = dataset("iris")
    names = np.array(["setosa", "versicolor", "virginica"])
    model = SoftmaxClassifier(**TIGHT).fit(X, names[y])
    numeric = SoftmaxClassifier(**TIGHT).fit(X, y)
    assert_array_equal(model.classes_, names)
    assert_array_equal(model.predict(X), names[numeric.predict(X)])
    assert_allclose(model.predict_proba(X), numeric.predict_proba(X))
    assert model.score(X, names[y]) == numeric.score(X, y)


def test_classes_in_a_custom_order_with_a_class_absent_from_y():
    X, y = dataset("iris")
    names = np.array(["setosa", "versicolor", "virginica"])
    order = ["virginica", "unseen", "setosa", "versicolor"]
    model = SoftmaxClassifier(classes=order, **TIGHT).fit(X, names[y])
    # classes_ sorted, as in scikit-learn; "unseen" is column 1 of predict_proba.
    assert_array_equal(model.classes_, sorted(order))
    assert model.coef_.shape == (4, X.shape[1])
    # The same problem as soft targets whose columns follow ``order``.
    rows = np.zeros((len(y), 4))
    rows[np.arange(len(y)), [order.index(n) for n in names[y]]] = 1.0
    soft = SoftmaxClassifier(classes=order, **TIGHT).fit(X, rows)
    assert_allclose(model.predict_proba(X), soft.predict_proba(X), atol=1e-8)
    assert_array_equal(soft.predict(X), model.predict(X))

    proba = model.predict_proba(X)
    assert proba[:, 1].max() < 0.05  # never seen: small probability
    assert "unseen" not in model.predict(X)
    # Without the absent class: the default classifier, whatever the order.
    three = SoftmaxClassifier(classes=["versicolor", "setosa", "virginica"], **TIGHT)
    three.fit(X, names[y])
    default = SoftmaxClassifier(**TIGHT).fit(X, names[y])
    assert_array_equal(three.classes_, default.classes_)
    assert_array_equal(three.coef_, default.coef_)


CLASS_ORDERS = [
    pytest.param("iris", [2, 0, 1], id="multiclass"),
    pytest.param("breast_cancer", [1, 0], id="binary"),
]
SKXENT_SCORERS = ("neg_cross_entropy", "neg_kl_divergence", "neg_js_divergence")


def scores_of(model, X, y, P):
    """Every scikit-learn scorer that applies to ``model`` on labels ``y``,
    and skxent's on ``y`` and on probability rows ``P`` (columns in sorted
    class order, those of ``predict_proba``)."""
    scores = {}
    for name in get_scorer_names():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores[name] = sklearn_get_scorer(name)(model, X, y)
        except (ValueError, TypeError):
            continue  # a scorer for another task (multilabel, regression)
    for name in SKXENT_SCORERS:
        scores[name, "labels"] = get_scorer(name)(model, X, y)
        scores[name, "rows"] = get_scorer(name)(model, X, P)
    return scores


@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
@pytest.mark.parametrize(("name", "order"), CLASS_ORDERS)
def test_every_scorer_is_blind_to_the_order_of_classes(name, order, soft):
    X, y = dataset(name)
    P = 0.8 * np.eye(len(order))[y] + 0.2 / len(order)
    # Soft targets' columns follow ``classes``: P's, permuted into ``order``.
    given = P[:, order] if soft else y
    model = SoftmaxClassifier(classes=order).fit(X, given)
    default = SoftmaxClassifier().fit(X, P if soft else y)
    assert_array_equal(model.classes_, np.unique(y))
    assert_array_equal(model.coef_, default.coef_)
    assert_array_equal(model.predict_proba(X), default.predict_proba(X))
    scores = scores_of(model, X, y, P)
    expected = scores_of(default, X, y, P)
    assert scores.keys() == expected.keys()
    required = ["accuracy", "neg_log_loss", "roc_auc_ovr"]
    required += ["roc_auc", "average_precision", "neg_brier_score"] * (len(order) == 2)
    # A scorer of scikit-learn 1.7 and later.
    required += ["d2_log_loss_score"] * ("d2_log_loss_score" in get_scorer_names())
    assert set(required) <= scores.keys()
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
    assert expected["accuracy"] > 0.9  # a model that fits, so scores differ


def test_score_reads_soft_targets_in_the_order_of_classes():
    X, y = dataset("iris")
    _, P, _ = soft_problem("iris")
    order = [2, 0, 1]
    model = SoftmaxClassifier(classes=order).fit(X, P[:, order])
    default = SoftmaxClassifier().fit(X, P)
    assert model.score(X, P[:, order]) == default.score(X, P)
    assert model.score(X, y) == default.score(X, y)


@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_classes_are_a_copy_of_the_callers_array(soft):
    X, y = dataset("iris")
    classes = np.array([0, 1, 2])
    model = SoftmaxClassifier(classes=classes).fit(X, np.eye(3)[y] if soft else y)
    predicted = model.predict(X)
    classes[:] = [7, 8, 9]
    assert_array_equal(model.classes_, [0, 1, 2])
    assert_array_equal(model.predict(X), predicted)


def test_column_vector_y_is_raveled_with_a_warning():
    X, y = dataset("iris")
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        model = SoftmaxClassifier(**TIGHT).fit(X, y.reshape(-1, 1))
    assert_array_equal(model.classes_, [0, 1, 2])
    assert_allclose(model.coef_, SoftmaxClassifier(**TIGHT).fit(X, y).coef_)


def test_newton_cg_stops_on_the_gradient_however_many_parameters():
    # scipy's own rule bounds the step's L1 norm summed over the parameters:
    # with a million of them, tol=1e-4 allowed a step of 100 and stopped this
    # fit after 2 iterations, 4e-5 (relative) above the optimum.
    rng = np.random.default_rng(0)
    n_samples, n_features, n_classes = 2000, 100_000, 10
    X = sp.random(n_samples, n_features, density=0.002, format="csr", random_state=0)
    X = sp.csr_matrix(X.multiply(1 / np.sqrt(X.multiply(X).sum(axis=1))))
    W = 3 * rng.standard_normal((n_classes, n_features))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n_samples, n_classes)), axis=1)
    model = SoftmaxClassifier(solver="newton-cg", C=0.01).fit(X, y)
    optimum = SoftmaxClassifier(C=0.01, tol=1e-9, max_iter=5000).fit(X, y)
    assert model.loss_ == pytest.approx(optimum.loss_, rel=1e-6)


def test_convergence_warning_points_at_the_caller_of_fit():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning) as record:
        SoftmaxClassifier(max_iter=2).fit(X, y)
    assert record[0].filename == __file__
