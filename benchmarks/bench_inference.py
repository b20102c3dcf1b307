"""Time coefficient_inference against statsmodels' MNLogit fit and bse.

On the seeded dense float64 problem of ``bench_fit.py`` (100,000 x 100,
K = 10, labels drawn from a softmax model, so the unpenalized optimum
exists), without a penalty, as statsmodels fits it:

- the covariance at the optimum: ``coefficient_inference`` (nonrobust and
  robust) against statsmodels' ``MNLogit.hessian`` there and its inverse
  (what ``bse`` costs once the fit is done), timed round-robin, best of
  ``--repeats``, so that a busy machine slows all of them alike;
- end to end: ``SoftmaxClassifier(C=np.inf).fit`` then
  ``coefficient_inference``, against ``MNLogit(y, X).fit()`` then ``bse``,
  once each (statsmodels' Newton fit takes minutes).

A small fit compiles the Numba kernels first; the standard errors of the
end-to-end runs are checked to agree before the rest is timed. BLAS and Numba
run on one thread unless ``--all-threads``. Nothing is asserted: the script
prints the times and their ratios, and saves them to
``benchmarks/results/bench_inference.json`` (see ``_results.py``);
``--smoke`` runs once on 1,000 samples of the first 10 features (all 100
would separate so few samples perfectly).

Run from the repository root::

    python benchmarks/bench_inference.py [--quick | --smoke] [--all-threads]
"""

import argparse
import contextlib
import time

import _results  # this folder is on sys.path
import numba
import numpy as np
import statsmodels.api as sm
from _common import best_times, print_environment, settle
from _fit_data import make_problem
from threadpoolctl import threadpool_limits

from skxent import SoftmaxClassifier
from skxent.inference import coefficient_inference

# Newton-CG to a tight tol: the coefficients, and so the standard errors,
# then agree with statsmodels' Newton fit to about 1e-6.
SKXENT_FIT = {"C": np.inf, "solver": "newton-cg", "tol": 1e-8, "max_iter": 200}
AGREEMENT = 1e-4  # relative, on the standard errors
SMOKE_FEATURES = 10


def skxent_fit(X, y):
    return SoftmaxClassifier(**SKXENT_FIT).fit(X, y)


def statsmodels_fit(exog, y):
    return sm.MNLogit(y, exog).fit(disp=0, method="newton", maxiter=100)


def statsmodels_bse_at(result):
    """What ``bse`` costs after the fit: the Hessian at the optimum, inverted."""
    hessian = result.model.hessian(result.params.ravel(order="F"))
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


def check_agreement(ours, reference):
    """Both libraries' standard errors agree (else timing is moot)."""
    theirs = np.asarray(reference.bse).T  # (K - 1, 1 + p), class by class
    ours_se = np.column_stack([ours.intercept_se, ours.coef_se])
    difference = np.max(np.abs(ours_se / theirs - 1))
    assert difference < AGREEMENT, difference
    print(f"  standard errors agree: largest relative difference {difference:.1e}")


def timed(function):
    """``(seconds, result)`` of one call, after the previous call's threads
    have gone to sleep."""
    settle()
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def fit_and_infer(X, y):
    clf = skxent_fit(X, y)
    return clf, coefficient_inference(clf, X, y)


def fit_and_bse(exog, y):
    result = statsmodels_fit(exog, y)
    result.bse  # noqa: B018  (a lazily computed attribute: part of the cost)
    return result


def print_times(title, seconds, numerator, denominator):
    print(f"\n{title}")
    for name, value in seconds.items():
        print(f"  {name:<46}{value:>8.2f} s")
    ratio = seconds[numerator] / seconds[denominator]
    print(f"  statsmodels / skxent: {ratio:.1f}x")
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x fewer samples")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--all-threads", action="store_true", help="BLAS and Numba as configured"
    )
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        args.repeats = 1

    problem = make_problem("dense64", quick=args.quick, smoke=args.smoke)
    X, y = problem.X, problem.y
    description = problem.description
    if args.smoke:
        X = np.ascontiguousarray(X[:, :SMOKE_FEATURES])
        description += f", first {SMOKE_FEATURES} features"
    exog = np.column_stack([np.ones(X.shape[0]), X])
    print_environment()
    threads = "as configured" if args.all_threads else "one thread"
    print(f"\nData: {description}, C = inf; BLAS and Numba: {threads}")
    limits = (
        contextlib.nullcontext() if args.all_threads else threadpool_limits(limits=1)
    )
    if not args.all_threads:
        numba.set_num_threads(1)
    with limits:
        skxent_fit(X[:1000], y[:1000])  # compiles the kernels
        skxent_seconds, (fitted, ours) = timed(lambda: fit_and_infer(X, y))
        statsmodels_seconds, reference = timed(lambda: fit_and_bse(exog, y))
        check_agreement(ours, reference)
        at_optimum = best_times(
            {
                "skxent coefficient_inference": lambda: coefficient_inference(
                    fitted, X, y
                ),
                "skxent coefficient_inference, robust": lambda: coefficient_inference(
                    fitted, X, y, cov_type="robust"
                ),
                "statsmodels hessian + inverse": lambda: statsmodels_bse_at(reference),
            },
            args.repeats,
        )
    end_to_end = {
        "skxent fit + coefficient_inference": skxent_seconds,
        "statsmodels MNLogit fit + bse": statsmodels_seconds,
    }
    ratios = {
        "covariance at the optimum": print_times(
            f"Covariance at the optimum (best of {args.repeats}, round-robin)",
            at_optimum,
            "statsmodels hessian + inverse",
            "skxent coefficient_inference",
        ),
        "fit and standard errors": print_times(
            "Fit and standard errors (once each)",
            end_to_end,
            "statsmodels MNLogit fit + bse",
            "skxent fit + coefficient_inference",
        ),
    }
    summary = {
        "data": description,
        "threads": threads,
        "ratio": "statsmodels time / skxent time (above 1: skxent is faster)",
        "ratios": ratios,
        "seconds": {**at_optimum, **end_to_end},
    }
    _results.save("bench_inference", args, summary)


if __name__ == "__main__":
    main()
