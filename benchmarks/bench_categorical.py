"""Time CategoricalMLE.fit against np.bincount, np.unique and CategoricalNB.

One integer-coded feature (``K`` categories, Zipf-like frequencies), fitted
with and without sample weights. Every function is timed round-robin in one
process, best of several repeats, after a warm-up call that compiles the Numba
kernels; BLAS and Numba are limited to one thread (the counting kernel is
serial). The goal: ``CategoricalMLE.fit`` within 1.5x of a bare ``np.bincount``
on the same codes. Results are checked to agree before anything is timed.
The timings, and each fit's time relative to ``np.bincount``, are saved to
``benchmarks/results/bench_categorical.json`` (see ``_results.py``);
``--smoke`` times 100,000 codes of 100 categories, twice.

Run from the repository root::

    python benchmarks/bench_categorical.py [--n-samples 10000000] [--n-categories 1000]
"""

import argparse
import os
import platform

import _results  # this folder is on sys.path
import numba
import numpy as np
import sklearn
from _common import best_times
from sklearn.naive_bayes import CategoricalNB
from threadpoolctl import threadpool_limits

from skxent import CategoricalMLE

GOAL = 1.5
SMOKE_SIZE = {"n_samples": 100_000, "n_categories": 100, "repeats": 2}
BASELINE = "np.bincount (baseline)"
WEIGHTINGS = {"unweighted": "unweighted", "weighted": "with sample weights"}


def make_codes(n_samples, n_categories, seed=0):
    rng = np.random.default_rng(seed)
    frequencies = 1.0 / np.arange(1, n_categories + 1)
    codes = rng.choice(n_categories, size=n_samples, p=frequencies / frequencies.sum())
    codes[:n_categories] = np.arange(n_categories)  # every category occurs
    return rng.permutation(codes), rng.uniform(0.5, 2.0, size=n_samples)


def check_agreement(codes, weights, n_categories):
    """The timed functions compute the same distribution (else timing is moot)."""
    X, y = codes[:, None], np.zeros(codes.size, dtype=np.intp)
    for sample_weight in (None, weights):
        counts = np.bincount(codes, sample_weight, minlength=n_categories)
        model = CategoricalMLE(alpha=1.0).fit(X, sample_weight=sample_weight)
        expected = (counts + 1.0) / (counts.sum() + n_categories)
        assert np.allclose(model.probabilities_[0], expected, rtol=1e-12)
        nb = CategoricalNB(alpha=1.0).fit(X, y, sample_weight=sample_weight)
        assert np.allclose(model.log_probabilities_[0], nb.feature_log_prob_[0][0])
    values, unique_counts = np.unique(codes, return_counts=True)
    assert np.array_equal(values, model.categories_[0])
    assert np.array_equal(unique_counts, np.bincount(codes))


def timed_functions(codes, sample_weight, n_categories):
    X, y = codes[:, None], np.zeros(codes.size, dtype=np.intp)
    declared = [np.arange(n_categories)]
    functions = {
        "np.bincount (baseline)": lambda: np.bincount(
            codes, sample_weight, minlength=n_categories
        ),
        "CategoricalMLE().fit": lambda: CategoricalMLE(alpha=1.0).fit(
            X, sample_weight=sample_weight
        ),
        "CategoricalMLE(categories).fit": lambda: CategoricalMLE(
            alpha=1.0, categories=declared
        ).fit(X, sample_weight=sample_weight),
        "CategoricalNB().fit": lambda: CategoricalNB(alpha=1.0).fit(
            X, y, sample_weight=sample_weight
        ),
    }
    if sample_weight is None:  # np.unique cannot weigh
        functions["np.unique(return_counts)"] = lambda: np.unique(
            codes, return_counts=True
        )
    return functions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=10_000_000)
    parser.add_argument("--n-categories", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE_SIZE)

    codes, weights = make_codes(args.n_samples, args.n_categories)
    print(f"python {platform.python_version()} on {platform.platform()}")
    print(
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"numba {numba.__version__}; cores usable: {len(os.sched_getaffinity(0))}, "
        f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"Data: n = {args.n_samples:,} int64 codes, K = {args.n_categories} "
        f"categories; best of {args.repeats} repeats, one thread"
    )
    numba.set_num_threads(1)
    all_timings = {}
    with threadpool_limits(limits=1):
        check_agreement(codes, weights, args.n_categories)
        for title, sample_weight in (("unweighted", None), ("weighted", weights)):
            timings = best_times(
                timed_functions(codes, sample_weight, args.n_categories),
                args.repeats,
            )
            all_timings[title] = timings
            baseline = timings[BASELINE]
            fit = timings["CategoricalMLE().fit"]
            print(f"\n{title}")
            print(f"  {'function':<34}{'best ms':>9}{'vs bincount':>13}{'vs fit':>9}")
            for name, seconds in timings.items():
                print(
                    f"  {name:<34}{seconds * 1e3:>9.1f}"
                    f"{seconds / baseline:>12.2f}x{seconds / fit:>8.2f}x"
                )
            slowest = max(
                seconds
                for name, seconds in timings.items()
                if name.startswith("CategoricalMLE")
            )
            verdict = "met" if slowest <= GOAL * baseline else "NOT met"
            print(
                f"  goal: fit within {GOAL}x of np.bincount: {verdict} "
                f"(slowest fit {slowest / baseline:.2f}x)"
            )
    _results.save("bench_categorical", args, summary(args, all_timings))


def relative_times(timings, prefix):
    """Time of each function named ``prefix...`` over ``np.bincount``'s."""
    return [
        seconds / timings[BASELINE]
        for name, seconds in timings.items()
        if name.startswith(prefix)
    ]


def summary(args, all_timings):
    """What the results file keeps: each fit's time relative to np.bincount
    (``CategoricalMLE`` per weighting, over its two forms; ``CategoricalNB``
    over both weightings), and every timing in milliseconds."""
    ratios = [
        {
            "comparison": "CategoricalMLE.fit",
            "setting": WEIGHTINGS[title],
            **_results.ratio_range(relative_times(timings, "CategoricalMLE")),
        }
        for title, timings in all_timings.items()
    ]
    ratios.append(
        {
            "comparison": "CategoricalNB.fit",
            "setting": " and ".join(WEIGHTINGS[title] for title in all_timings),
            **_results.ratio_range(
                [
                    value
                    for timings in all_timings.values()
                    for value in relative_times(timings, "CategoricalNB")
                ]
            ),
        }
    )
    return {
        "data": {
            "n_samples": args.n_samples,
            "n_categories": args.n_categories,
            "repeats": args.repeats,
            "threads": 1,
        },
        "ratio": "time / np.bincount time on the same codes (below 1: faster "
        "than the bare count)",
        "ratios": ratios,
        "timings_ms": {
            title: {name: 1e3 * seconds for name, seconds in timings.items()}
            for title, timings in all_timings.items()
        },
    }


if __name__ == "__main__":
    main()
