"""One loss-and-gradient evaluation: skxent's kernels, scikit-learn's
``LinearModelLoss`` and one bare ``X @ W.T`` (the floor: X read once).

Each side runs with the threads its fit uses: skxent inside
``compute_threads(None)``, scikit-learn with its OpenMP thread count and BLAS
as configured. The floor is the faster of BLAS at one thread and at all.
"""

import numpy as np
import scipy.sparse as sp
from _common import best_times, settle
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_limits

from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES
from skxent._threads import compute_threads

REPEATS = 10
# skxent (with its thread settings) and the others are timed in turn, in
# each of ROUNDS rounds, best kept: a slow spell of this shared machine then
# does not fall on one side alone.
ROUNDS = 3
GOAL = 1.5  # loss + gradient at most this many times one X @ W.T


def _skxent_loss(problem):
    """The loss object ``SoftmaxClassifier.fit`` builds, for hard labels:
    the class of each sample, not one-hot rows."""
    X, y = problem.X, problem.y
    n_samples = X.shape[0]
    return LinearSoftmaxLoss(
        X,
        y,
        np.ones(n_samples),
        objective=OBJECTIVES["cross_entropy"](),
        n_params=problem.n_classes,
        fit_intercept=True,
        l2_reg_strength=1.0 / (problem.C * n_samples),
    )


def measure(problem, repeats=REPEATS):
    """Best times (seconds) of each evaluation on ``problem``, after checking
    that both libraries compute the same value and gradient."""
    X, y = problem.X, problem.y
    n_features, n_classes = X.shape[1], problem.n_classes
    rng = np.random.default_rng(1)
    params = 0.1 * rng.standard_normal(n_classes * (n_features + 1))
    direction = rng.standard_normal(params.size)
    coef = params[: n_classes * n_features].reshape(n_classes, n_features)
    coef_x = coef.astype(X.dtype)
    # scikit-learn's layout: (K, d + 1), intercept in the last column.
    sk_coef = np.column_stack([coef, params[n_classes * n_features :]]).astype(X.dtype)
    sk_direction = np.column_stack(
        [
            direction[: n_classes * n_features].reshape(n_classes, n_features),
            direction[n_classes * n_features :],
        ]
    ).astype(X.dtype)
    sk_y = y.astype(X.dtype)
    sk_loss = LinearModelLoss(
        base_loss=HalfMultinomialLoss(n_classes=n_classes), fit_intercept=True
    )
    sk_threads = _openmp_effective_n_threads()
    l2 = 1.0 / (problem.C * X.shape[0])
    loss = _skxent_loss(problem)

    def sklearn_loss_gradient():
        return sk_loss.loss_gradient(
            sk_coef, X, sk_y, l2_reg_strength=l2, n_threads=sk_threads
        )

    _, sklearn_hessp = sk_loss.gradient_hessian_product(
        sk_coef, X, sk_y, l2_reg_strength=l2, n_threads=sk_threads
    )

    def floor_one_blas_thread():
        with threadpool_limits(limits=1, user_api="blas"):
            return X @ coef_x.T

    skxent_functions = {
        "skxent": lambda: loss.loss_gradient(params),
        "skxent hessp": lambda: loss.hessp(params, direction),
    }
    functions = {
        "sklearn": sklearn_loss_gradient,
        "sklearn hessp": lambda: sklearn_hessp(sk_direction),
        "X @ W.T": lambda: X @ coef_x.T,
    }
    if not sp.issparse(X):  # scipy.sparse products never use BLAS
        functions["X @ W.T, 1 BLAS thread"] = floor_one_blas_thread
    times = {}
    for _ in range(ROUNDS):
        with compute_threads(None) as n_threads:
            loss.n_threads = n_threads
            if not times:
                _check_agreement(loss, params, sklearn_loss_gradient, problem)
            settle()
            round_times = best_times(skxent_functions, repeats)
        settle()
        round_times.update(best_times(functions, repeats))
        times = {k: min(v, times.get(k, v)) for k, v in round_times.items()}
    times["floor"] = min(v for k, v in times.items() if k.startswith("X @ W.T"))
    return times


def _check_agreement(loss, params, sklearn_loss_gradient, problem):
    """The timed functions compute the same numbers (else timing is moot)."""
    value, grad = loss.loss_gradient(params)
    sk_value, sk_grad = sklearn_loss_gradient()
    n_coef = problem.n_classes * problem.X.shape[1]
    rtol = 1e-4 if problem.X.dtype == np.float32 else 1e-9
    # scikit-learn's loss is the half multinomial deviance: the same mean
    # cross-entropy; its gradient rows hold (coef, intercept) per class.
    assert np.isclose(value, sk_value, rtol=rtol), (value, sk_value)
    scale = np.abs(sk_grad).max()
    assert np.allclose(
        grad[:n_coef].reshape(problem.n_classes, -1),
        sk_grad[:, :-1],
        rtol=rtol,
        atol=rtol * scale,
    )
    assert np.allclose(grad[n_coef:], sk_grad[:, -1], rtol=rtol, atol=rtol * scale)


def print_header():
    print(
        f"    {'problem':<17}{'skxent ms':>10}{'sklearn ms':>11}{'X@W.T ms':>10}"
        f"{'skxent/floor':>13}{'sklearn/skxent':>15}"
        f"{'skxent hessp ms':>16}{'sklearn hessp ms':>17}"
    )


def print_row(name, times):
    ms = {k: 1e3 * v for k, v in times.items()}
    print(
        f"    {name:<17}{ms['skxent']:>10.1f}{ms['sklearn']:>11.1f}{ms['floor']:>10.1f}"
        f"{times['skxent'] / times['floor']:>13.2f}"
        f"{times['sklearn'] / times['skxent']:>15.2f}"
        f"{ms['skxent hessp']:>16.1f}{ms['sklearn hessp']:>17.1f}"
    )
