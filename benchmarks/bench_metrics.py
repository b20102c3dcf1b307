"""Time skxent.metrics against scikit-learn's log_loss and scipy's entropy.

Prints the environment, then for hard labels and for soft targets the best of
several repeats of each function (timed round-robin in one process, after a
warm-up call that compiles the Numba kernels) and the speed-up over
``sklearn.metrics.log_loss`` and ``scipy.stats.entropy(p, q, axis=1).mean()``.
The goal is at least 3x faster than ``log_loss``. Results are checked to agree
before anything is timed. The timings and the range of skxent's speed-ups over
``log_loss`` are saved to ``benchmarks/results/bench_metrics.json`` (see
``_results.py``); ``--smoke`` times 20,000 rows, twice.

Run from the repository root::

    python benchmarks/bench_metrics.py [--n-samples 1000000] [--n-classes 10] [--smoke]
"""

import argparse

import _results  # this folder is on sys.path
import numba
import numpy as np
from _common import best_times, print_environment
from scipy import stats
from sklearn.metrics import log_loss
from threadpoolctl import threadpool_limits

from skxent.metrics import cross_entropy, kl_divergence

SPEED_GOAL = 3.0
SMOKE_SIZE = {"n_samples": 20_000, "repeats": 2}
LOG_LOSS = ("hard labels", "sklearn log_loss")


def make_data(n_samples, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, size=n_samples)
    targets = rng.dirichlet(np.ones(n_classes), size=n_samples)
    predictions = rng.dirichlet(np.ones(n_classes), size=n_samples)
    return labels, targets, predictions


def check_agreement(labels, targets, predictions):
    """The timed functions compute the same numbers (else timing is moot)."""
    reference = log_loss(labels, predictions)
    for metric in (cross_entropy, kl_divergence):
        value = metric(labels, predictions)
        assert np.isclose(value, reference, rtol=1e-12), (metric, value, reference)
    scipy_kl = stats.entropy(targets, predictions, axis=1).mean()
    assert np.isclose(kl_divergence(targets, predictions), scipy_kl, rtol=1e-10)


def print_table(title, labels, targets, predictions, repeats):
    timings = best_times(
        {
            ("hard labels", "sklearn log_loss"): lambda: log_loss(labels, predictions),
            ("hard labels", "skxent cross_entropy"): lambda: cross_entropy(
                labels, predictions
            ),
            ("hard labels", "skxent kl_divergence"): lambda: kl_divergence(
                labels, predictions
            ),
            ("soft targets", "scipy entropy(p, q).mean()"): lambda: stats.entropy(
                targets, predictions, axis=1
            ).mean(),
            ("soft targets", "skxent cross_entropy"): lambda: cross_entropy(
                targets, predictions
            ),
            ("soft targets", "skxent kl_divergence"): lambda: kl_divergence(
                targets, predictions
            ),
        },
        repeats,
    )
    log_loss_time = timings[LOG_LOSS]
    scipy_time = timings[("soft targets", "scipy entropy(p, q).mean()")]
    print(f"\n{title}")
    header = f"  {'targets':<13}{'function':<29}{'best ms':>9}"
    print(f"{header}{'vs log_loss':>13}{'vs scipy':>10}")
    for (targets_kind, name), seconds in timings.items():
        print(
            f"  {targets_kind:<13}{name:<29}{seconds * 1e3:>9.1f}"
            f"{log_loss_time / seconds:>12.2f}x{scipy_time / seconds:>9.2f}x"
        )
    slowest = max(
        seconds for (_, name), seconds in timings.items() if name.startswith("skxent")
    )
    speedup = log_loss_time / slowest
    verdict = "met" if speedup >= SPEED_GOAL else "NOT met"
    print(
        f"  goal >= {SPEED_GOAL:.0f}x faster than log_loss: {verdict} "
        f"(slowest skxent call {speedup:.2f}x)"
    )
    return timings


def speedups_over_log_loss(timings):
    """``log_loss`` time over each skxent call's time."""
    return [
        timings[LOG_LOSS] / seconds
        for (_, name), seconds in timings.items()
        if name.startswith("skxent")
    ]


def summary(args, all_timings):
    """What the results file keeps: the speed-up range per thread setting, and
    every timing in milliseconds."""
    return {
        "data": {
            "n_samples": args.n_samples,
            "n_classes": args.n_classes,
            "repeats": args.repeats,
        },
        "ratio": "sklearn.metrics.log_loss time / skxent time (above 1: skxent "
        "is faster)",
        "ratios": [
            {
                "comparison": "cross_entropy and kl_divergence vs log_loss",
                "setting": setting,
                **_results.ratio_range(speedups_over_log_loss(timings)),
            }
            for setting, timings in all_timings.items()
        ],
        "timings_ms": {
            setting: {
                f"{kind}: {name}": 1e3 * seconds
                for (kind, name), seconds in timings.items()
            }
            for setting, timings in all_timings.items()
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE_SIZE)

    labels, targets, predictions = make_data(args.n_samples, args.n_classes)
    check_agreement(labels, targets, predictions)  # also compiles the kernels
    print_environment()
    print(
        f"\nData: n = {args.n_samples:,} rows, K = {args.n_classes} classes, "
        f"float64; best of {args.repeats} repeats"
    )
    default_threads = numba.get_num_threads()
    all_timings = {
        f"all threads ({default_threads})": print_table(
            f"All threads ({default_threads} Numba, BLAS as configured)",
            labels,
            targets,
            predictions,
            args.repeats,
        )
    }
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            all_timings["one thread"] = print_table(
                "One thread (Numba and BLAS)",
                labels,
                targets,
                predictions,
                args.repeats,
            )
    finally:
        numba.set_num_threads(default_threads)
    _results.save("bench_metrics", args, summary(args, all_timings))


if __name__ == "__main__":
    main()
