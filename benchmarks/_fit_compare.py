"""Fit both libraries on one problem, side by side, and print one table.

Every fit's objective is recomputed by :func:`_fit_data.objective`; a time
counts only when that objective is within :data:`QUALITY` (relative) of the
best found on the problem by any fit. The "best solver" of a library is its
fastest qualifying solver.
"""

import time
import warnings
from dataclasses import dataclass

import scipy.sparse as sp
from _common import settle
from _fit_data import objective
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skxent import SoftmaxClassifier
from skxent._solvers import resolve_solver

TOL = 1e-6
QUALITY = 1e-6
LIBRARIES = ("skxent", "sklearn")
SKXENT_SOLVERS = ("lbfgs", "newton-cg", "trust-ncg")
# Multinomial solvers of LogisticRegression timed by default; liblinear is
# one-vs-rest (another objective). newton-cholesky builds a Hessian of
# (K d)^2 entries from K^2 / 2 Gram products of X (here 3 to 200 s a fit, never
# the fastest, even on digits), and sag/saga need many epochs at this tol:
# they run only with --slow-solvers (newton-cholesky only on dense data).
SKLEARN_SOLVERS = ("lbfgs", "newton-cg")
SKLEARN_SLOW_SOLVERS = ("newton-cholesky", "sag", "saga")
MAX_ITER = {"lbfgs": 1000, "sag": 1000, "saga": 1000}
NEWTON_MAX_ITER = 100
# Every candidate is fitted in each of ROUNDS rounds, round-robin, so that a
# slow spell of a shared machine does not fall on one library only; within a
# round a fit is repeated until its times add up to ROUND_SECONDS (at most
# REPEATS_PER_ROUND fits). The best time is kept.
ROUNDS = 3
ROUND_SECONDS = 0.4
REPEATS_PER_ROUND = 2


@dataclass
class FitResult:
    library: str
    solver: str
    seconds: float
    repeats: int
    n_iter: int
    objective: float
    converged: bool
    curve: list  # skxent's objective after each iteration; empty for sklearn
    qualifies: bool = False
    iterations_to_quality: int | None = None

    @property
    def label(self):
        return f"{self.library} {self.solver}"


def default_solver(library, problem):
    """The solver ``library``'s estimator uses by default on ``problem``."""
    if library == "sklearn":
        return "lbfgs"
    n_params = problem.n_classes if problem.n_classes > 2 else 1
    return resolve_solver(
        "auto", sparse=sp.issparse(problem.X), n_coef=n_params * problem.X.shape[1]
    )


def make_estimator(library, solver, C, max_iter=None):
    max_iter = max_iter or MAX_ITER.get(solver, NEWTON_MAX_ITER)
    cls = SoftmaxClassifier if library == "skxent" else LogisticRegression
    return cls(C=C, solver=solver, tol=TOL, max_iter=max_iter)


def candidates(problem, *, slow_solvers):
    """``(library, solver)`` pairs to time on ``problem``; defaults first."""
    pairs = [("skxent", solver) for solver in SKXENT_SOLVERS]
    sklearn_solvers = SKLEARN_SOLVERS + SKLEARN_SLOW_SOLVERS * slow_solvers
    for solver in sklearn_solvers:
        if solver == "newton-cholesky" and sp.issparse(problem.X):
            continue
        pairs.append(("sklearn", solver))
    return pairs


def warm_up(problem, pairs, n_rows=500):
    """Fit every candidate once on the first rows: compiles skxent's kernels
    for this dtype and layout, and loads what either library imports lazily."""
    X, y = problem.X[:n_rows], problem.y[:n_rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for library, solver in pairs:
            make_estimator(library, solver, problem.C, max_iter=5).fit(X, y)


def time_fit(problem, library, solver):
    """Best wall time of the fits of one round (see :data:`ROUNDS`)."""
    times = []
    converged = True
    while not times or (sum(times) < ROUND_SECONDS and len(times) < REPEATS_PER_ROUND):
        estimator = make_estimator(library, solver, problem.C)
        settle()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            estimator.fit(problem.X, problem.y)
            times.append(time.perf_counter() - start)
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    n_iter = int(max(estimator.n_iter_))
    return FitResult(
        library,
        solver,
        min(times),
        len(times),
        n_iter,
        objective(problem, estimator.coef_, estimator.intercept_),
        converged,
        list(getattr(estimator, "loss_curve_", [])),
    )


def compare(problem, *, slow_solvers, rounds=None):
    """Time every candidate on ``problem`` in ``rounds`` rounds (default
    :data:`ROUNDS`); mark which reach the best objective."""
    pairs = candidates(problem, slow_solvers=slow_solvers)
    warm_up(problem, pairs)
    results = [time_fit(problem, library, solver) for library, solver in pairs]
    for _ in range((rounds or ROUNDS) - 1):
        for result in results:
            again = time_fit(problem, result.library, result.solver)
            result.seconds = min(result.seconds, again.seconds)
            result.repeats += again.repeats
    best_objective = min(r.objective for r in results)
    threshold = best_objective + QUALITY * abs(best_objective)
    for r in results:
        r.qualifies = r.objective <= threshold
        # The fit's own objective values match the recomputed one to ~1e-9,
        # far below QUALITY.
        r.iterations_to_quality = next(
            (i + 1 for i, value in enumerate(r.curve) if value <= threshold), None
        )
    return results, best_objective


def fastest(results, library, solver=None):
    """The fastest qualifying fit of ``library`` (of ``solver`` if given)."""
    eligible = [
        r
        for r in results
        if r.library == library and r.qualifies and solver in (None, r.solver)
    ]
    return min(eligible, key=lambda r: r.seconds) if eligible else None


def speedup(numerator, denominator):
    """``numerator.seconds / denominator.seconds``, None without both fits."""
    if numerator is None or denominator is None:
        return None
    return numerator.seconds / denominator.seconds


def speedup_text(numerator, denominator):
    """The ratio of two fits' times, both named, or why there is none."""
    value = speedup(numerator, denominator)
    if value is None:
        return "no qualifying fit to compare"
    return (
        f"{numerator.label} {numerator.seconds:.3f} s / {denominator.label} "
        f"{denominator.seconds:.3f} s = {value:.2f}"
    )


def print_table(problem, results, best_objective):
    print(f"\n  {problem.description} (C = {problem.C:g}, tol = {TOL:g})")
    print(
        f"    {'library':<9}{'solver':<18}{'time s':>9}{'runs':>5}{'iter':>6}"
        f"{'to 1e-6':>8}  {'objective':<19}{'rel. gap':>9}  counts"
    )
    defaults = {library: default_solver(library, problem) for library in LIBRARIES}
    for r in results:
        solver = (
            f"{r.solver} (default)" if defaults[r.library] == r.solver else r.solver
        )
        gap = (r.objective - best_objective) / abs(best_objective)
        verdict = "yes" if r.qualifies else f"NO (gap > {QUALITY:g})"
        if not r.converged:
            verdict += ", ConvergenceWarning"
        to_quality = r.iterations_to_quality or "-"
        print(
            f"    {r.library:<9}{solver:<18}{r.seconds:>9.3f}{r.repeats:>5}"
            f"{r.n_iter:>6}{to_quality:>8}  {r.objective:<19.13f}{gap:>9.1e}  "
            f"{verdict}"
        )
    default = speedup_text(
        *(fastest(results, name, defaults[name]) for name in ("sklearn", "skxent"))
    )
    best = speedup_text(fastest(results, "sklearn"), fastest(results, "skxent"))
    print(f"    -> default vs default, sklearn/skxent: {default}")
    print(f"    -> best vs best, sklearn/skxent: {best}")
