"""SoftmaxClassifier on every registered objective, with and without the
entropy penalty: the fitted model is a stationary point of the objective as
skxent.metrics computes it, every solver reaches the same one, and the
properties the user guide states hold (CE and KL share a minimizer under the
penalty, which moves with ``beta``).

The registry is the only list of objectives here: a new objective gets these
tests without an edit.
"""

import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import softmax
from sklearn.datasets import load_iris
from sklearn.preprocessing import scale

from skxent import SoftmaxClassifier
from skxent._objectives import OBJECTIVES
from skxent.metrics import entropy

PENALTIES = (0.0, 0.2)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    # Soft targets: label-smoothed one-hot rows mixed with noise, strictly
    # positive so that every objective can evaluate them.
    P = 0.7 * np.eye(3)[y] + 0.3 * rng.dirichlet(np.ones(3), size=y.size)
    return scale(X), y, P


def objective_value(model, X, P, C, beta, objective=None):
    """The objective of ``model`` (its own, or ``objective``) as
    skxent.metrics evaluates it, with the penalties added here: independent
    of the kernels."""
    Q = model.predict_proba(X)
    penalty = np.sum(model.coef_**2) / (2 * C * X.shape[0])
    mean_entropy = np.mean(entropy(Q)) if beta else 0.0
    metric = OBJECTIVES[objective or model.objective]().metric
    return metric(P, Q) - beta * mean_entropy + penalty


def fit(objective, X, P, *, solver="lbfgs", beta=0.0, C=1.0):
    return SoftmaxClassifier(
        objective, C=C, solver=solver, entropy_penalty=beta, tol=1e-10, max_iter=2000
    ).fit(X, P)


@pytest.mark.parametrize("beta", PENALTIES)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_loss_is_the_metric_objective_at_a_stationary_point(objective, beta, iris):
    X, _, P = iris
    model = fit(objective, X, P, beta=beta)
    assert model.loss_ == pytest.approx(objective_value(model, X, P, 1.0, beta), 1e-12)
    # Stationary: no coordinate direction decreases the metric objective.
    base = objective_value(model, X, P, 1.0, beta)
    step = 1e-4
    for index in np.ndindex(model.coef_.shape):
        for sign in (1, -1):
            moved = copy.deepcopy(model)
            moved.coef_[index] += sign * step
            assert objective_value(moved, X, P, 1.0, beta) >= base - 1e-11


@pytest.mark.parametrize("beta", PENALTIES)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_solver_reaches_the_same_stationary_point(objective, beta, iris):
    # Reverse KL, Jensen-Shannon and the penalty are not convex: the solvers
    # must still agree from the default start.
    X, _, P = iris
    fits = [
        fit(objective, X, P, solver=solver, beta=beta)
        for solver in ("lbfgs", "newton-cg", "trust-ncg")
    ]
    for other in fits[1:]:
        assert_allclose(other.coef_, fits[0].coef_, rtol=1e-4, atol=1e-5)
        assert other.loss_ == pytest.approx(fits[0].loss_, rel=1e-9)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_hard_labels_fit_wherever_the_objective_takes_them(objective, iris):
    X, y, _ = iris
    try:
        OBJECTIVES[objective]().check_targets(y, np.unique(y))
    except ValueError:
        with pytest.raises(ValueError, match="label_smoothing"):
            SoftmaxClassifier(objective).fit(X, y)
        return
    model = SoftmaxClassifier(objective).fit(X, y)
    assert model.loss_ == pytest.approx(
        objective_value(model, X, np.eye(3)[y], 1.0, 0.0), rel=1e-12
    )
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize("beta", [0.05, 0.5])
def test_cross_entropy_and_kl_share_the_minimizer_under_the_penalty(beta, iris):
    X, _, P = iris
    ce, kl = (
        fit("cross_entropy", X, P, beta=beta),
        fit("kl_divergence", X, P, beta=beta),
    )
    assert_allclose(kl.coef_, ce.coef_, rtol=1e-6, atol=1e-8)
    target_entropy = np.mean(entropy(P))
    assert ce.loss_ - kl.loss_ == pytest.approx(target_entropy, rel=1e-9)


def test_the_penalty_moves_the_minimizer_towards_uncertain_predictions(iris):
    X, _, P = iris
    entropies = [
        np.mean(entropy(fit("cross_entropy", X, P, beta=beta).predict_proba(X)))
        for beta in (0.0, 0.1, 0.3)
    ]
    assert entropies[0] < entropies[1] < entropies[2]
    assert not np.allclose(
        fit("cross_entropy", X, P, beta=0.3).coef_, fit("cross_entropy", X, P).coef_
    )


def test_the_penalty_is_in_the_loss_curve(iris):
    X, _, P = iris
    model = fit("js_divergence", X, P, beta=0.2)
    assert model.loss_curve_[-1] == pytest.approx(model.loss_, rel=1e-12)
    unpenalized = model.loss_ + 0.2 * np.mean(entropy(model.predict_proba(X)))
    assert unpenalized > model.loss_


def test_jensen_shannon_is_bounded_and_fits_its_own_minimizer(iris):
    X, _, P = iris
    js, ce = fit("js_divergence", X, P), fit("cross_entropy", X, P)
    assert 0 < js.loss_ < np.log(2)
    # A different model from cross-entropy's, optimal for its own objective.
    assert not np.allclose(js.coef_, ce.coef_, rtol=1e-3)
    assert objective_value(ce, X, P, 1.0, 0.0, "js_divergence") > js.loss_ * (1 + 1e-6)
    # Probabilities of the fitted JS model are a softmax of its logits.
    assert_allclose(js.predict_proba(X), softmax(js.decision_function(X), axis=1))
