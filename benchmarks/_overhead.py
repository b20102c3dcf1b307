"""Fixed per-fit overhead, on a tiny problem, and where a fit's time goes
(validation, thread setup, the scipy optimizer, Python glue, kernels)."""

import cProfile
import pstats
import warnings

import numpy as np
from _common import best_times
from _fit_compare import TOL
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skxent import SoftmaxClassifier
from skxent._threads import compute_threads

GOAL_MS = 5.0
REPEATS = 200

# Profile buckets: (label, [(path suffix, function name), ...]). A bucket's time
# is the cumulative time of its functions, minus that of the buckets listed
# after it that run inside them.
_VALIDATION = [
    ("sklearn/base.py", "_validate_params"),
    ("sklearn/utils/validation.py", "validate_data"),
    ("skxent/_softmax.py", "_targets"),
]
_THREADS = [("skxent/_threads.py", "compute_threads")]
_SOLVER = [("skxent/_solvers.py", "minimize")]
_LOSS = [
    ("skxent/_linear_loss.py", "loss_gradient"),
    ("skxent/_linear_loss.py", "hessp"),
]
_KERNELS_DIR = "skxent/_kernels/"


def tiny_problem():
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 3)), np.arange(20) % 3


def _entering_thread_setup():
    with compute_threads(None):
        pass


def measure_tiny():
    """Best times (seconds) on the tiny problem."""
    X, y = tiny_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return best_times(
            {
                "skxent fit": lambda: SoftmaxClassifier().fit(X, y),
                "sklearn fit": lambda: LogisticRegression().fit(X, y),
                "compute_threads": _entering_thread_setup,
            },
            REPEATS,
        )


def _cumulative(stats, targets):
    return sum(
        cumulative
        for (path, _, name), (_, _, _, cumulative, _) in stats.stats.items()
        if any(path.endswith(suffix) and name == fn for suffix, fn in targets)
    )


def _kernel_time(stats):
    """Cumulative time of top-level kernel calls (those not called by another
    kernel function)."""
    return sum(
        cumulative
        for (path, _, _), (_, _, _, cumulative, callers) in stats.stats.items()
        if _KERNELS_DIR in path
        and not any(_KERNELS_DIR in caller[0] for caller in callers)
    )


def _calls(stats, targets):
    return sum(
        calls
        for (path, _, name), (_, calls, _, _, _) in stats.stats.items()
        if any(path.endswith(suffix) and name == fn for suffix, fn in targets)
    )


def profile(fit, repeats, *, warm_up=True):
    """Where a fit's time goes: the share of its profiled time per stage (the
    shares, not the times, are the point: cProfile inflates the many small
    Python calls), the mean profiled time and the evaluations per fit."""
    if warm_up:
        fit()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        fit()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = _cumulative(stats, [("sklearn/base.py", "wrapper")])
    loss = _cumulative(stats, _LOSS)
    kernels = _kernel_time(stats)
    parts = {
        "validation (params, X, y, targets)": _cumulative(stats, _VALIDATION),
        "thread setup (compute_threads)": _cumulative(stats, _THREADS),
        "scipy optimizer bookkeeping": _cumulative(stats, _SOLVER) - loss,
        "loss/hessp Python glue": loss - kernels,
        "numba kernels": kernels,
    }
    parts["other (fit body, attributes)"] = total - sum(parts.values())
    return {
        "shares": {name: value / total for name, value in parts.items()},
        "seconds": total / repeats,
        "loss_gradient calls": _calls(stats, _LOSS[:1]) / repeats,
        "hessp calls": _calls(stats, _LOSS[1:]) / repeats,
    }


def describe(result):
    """One line: the shares that round to 1% or more, largest first, and the
    evaluations."""
    shares = sorted(result["shares"].items(), key=lambda item: -item[1])
    text = ", ".join(
        f"{name.split(' (')[0]} {100 * share:.0f}%"
        for name, share in shares
        if share >= 0.005
    )
    return (
        f"{text}; {result['loss_gradient calls']:.0f} loss+gradient and "
        f"{result['hessp calls']:.0f} hessp evaluations"
    )


def measure_shares(digits):
    X, y = tiny_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "tiny": profile(lambda: SoftmaxClassifier().fit(X, y), 100),
            "digits": profile(
                lambda: SoftmaxClassifier(tol=TOL, max_iter=1000).fit(
                    digits.X, digits.y
                ),
                5,
            ),
        }


def report(tiny, shares):
    ms = {k: 1e3 * v for k, v in tiny.items()}
    verdict = "met" if ms["skxent fit"] < GOAL_MS else "NOT met"
    print(
        f"    tiny problem (20 x 3, K = 3), best of {REPEATS}: skxent fit "
        f"{ms['skxent fit']:.2f} ms, sklearn fit {ms['sklearn fit']:.2f} ms; "
        f"goal < {GOAL_MS:g} ms: {verdict}"
    )
    print(f"    compute_threads(None) enter + exit: {ms['compute_threads']:.3f} ms")
    columns = list(shares)
    print(
        "    where the time goes (cProfile; mean profiled fit "
        + ", ".join(f"{c} {1e3 * shares[c]['seconds']:.1f} ms" for c in columns)
        + ")"
    )
    for part in shares[columns[0]]["shares"]:
        cells = "".join(f"{100 * shares[c]['shares'][part]:>9.1f}%" for c in columns)
        print(f"      {part:<38}{cells}")
