"""``python -m skxent``: cross-entropy or KL divergence, measured on real data.

Trains :class:`~skxent.SoftmaxClassifier` students on soft targets that a
teacher model assigns to the digits dataset (out-of-fold probabilities, so the
targets are honest), grid-searches objective x C with cross-validation scored
by skxent's cross-entropy and KL scorers, and prints what the comparison
shows: the same C wins for both objectives, and their scores differ by the
entropy of the targets.
"""

import argparse
import time

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skxent import SoftmaxClassifier
from skxent._kernels.cache import has_cached_kernels
from skxent.metrics import cross_entropy, entropy, get_scorer


def _checked(convert, is_valid, requirement):
    """An argparse ``type``: ``convert`` the text and require ``is_valid``.

    Raising :class:`argparse.ArgumentTypeError` makes argparse print one line
    naming the option and exit with status 2, before any data is loaded.
    """

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not is_valid(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


# SoftmaxClassifier's constraint: C in (0, inf]; NaN fails the comparison.
_C = _checked(float, lambda C: C > 0, "a number > 0 (inf: no penalty)")
# KFold needs two folds at least; the upper bound depends on the data (main).
_FOLDS = _checked(int, lambda cv: cv >= 2, "an integer >= 2")
# joblib's n_jobs: -1 is every core, -2 all but one, ...; 0 is refused.
_N_JOBS = _checked(int, lambda n: n != 0, "a nonzero integer (-1: every core)")
# NumPy's RandomState seeds, which random_state integers become.
_SEED = _checked(int, lambda seed: 0 <= seed < 2**32, "an integer in [0, 2**32 - 1]")


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skxent",
        description=(
            "Fit softmax regression on a teacher's soft targets for the digits "
            "dataset with each training objective, grid-search objective x C "
            "with skxent's scorers, and show that cross-entropy and KL "
            "divergence select the same model while their values differ by "
            "the target entropy."
        ),
    )
    parser.add_argument(
        "--C",
        type=_C,
        nargs="+",
        default=[0.001, 0.01, 0.1, 1.0, 10.0],
        help="inverse regularization strengths to search, each > 0 "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--cv",
        type=_FOLDS,
        default=5,
        help="cross-validation folds, at least 2 (default: 5)",
    )
    parser.add_argument(
        "--n-jobs",
        type=_N_JOBS,
        default=1,
        help="parallel grid-search jobs, -1 for one per core; each fit uses all "
        "cores (default: 1)",
    )
    parser.add_argument(
        "--seed",
        type=_SEED,
        default=0,
        help="random seed of the splits, in [0, 2**32 - 1] (default: 0)",
    )
    return parser


def _digits_split(seed):
    """The digits dataset split into training and test rows."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


def _soft_accuracy(estimator, X, y):
    """Accuracy against the most probable class of each soft target."""
    return estimator.score(X, y)


def run(C_values=(0.001, 0.01, 0.1, 1.0, 10.0), cv=5, n_jobs=1, seed=0, out=print):
    """Run the comparison and report through ``out``; return the grid search."""
    if not has_cached_kernels():
        out(
            "First use of this skxent installation: its kernels compile now "
            "(about a minute on 2 cores) and are cached for later runs."
        )
    X_train, X_test, y_train, y_test = _digits_split(seed)
    folds = KFold(cv, shuffle=True, random_state=seed)

    start = time.perf_counter()
    teacher = make_pipeline(
        StandardScaler(), CalibratedClassifierCV(SVC(), ensemble=False)
    )
    targets = cross_val_predict(
        teacher, X_train, y_train, cv=folds, method="predict_proba"
    )
    target_entropy = entropy(targets)
    out(
        f"Digits: {X_train.shape[0]} training rows, {X_train.shape[1]} features, "
        f"10 classes. Teacher (RBF SVM) out-of-fold soft targets in "
        f"{time.perf_counter() - start:.1f} s; mean target entropy "
        f"{target_entropy.mean():.4f} nats."
    )

    student = make_pipeline(StandardScaler(), SoftmaxClassifier(max_iter=1000))
    search = GridSearchCV(
        student,
        {
            "softmaxclassifier__objective": ["cross_entropy", "kl_divergence"],
            "softmaxclassifier__C": list(C_values),
        },
        scoring={
            "cross_entropy": get_scorer("neg_cross_entropy"),
            "kl_divergence": get_scorer("neg_kl_divergence"),
            "accuracy": _soft_accuracy,
        },
        refit="kl_divergence",
        cv=folds,
        n_jobs=n_jobs,
    )
    search.fit(X_train, targets)
    results = search.cv_results_

    out("")
    out("Cross-validated scores on held-out folds (soft targets):")
    out(
        f"{'objective':<15}{'C':>8}{'cross-entropy':>15}{'KL':>10}"
        f"{'CE - KL':>10}{'accuracy':>10}{'fit (s)':>9}"
    )
    for i, params in enumerate(results["params"]):
        ce = -results["mean_test_cross_entropy"][i]
        kl = -results["mean_test_kl_divergence"][i]
        out(
            f"{params['softmaxclassifier__objective']:<15}"
            f"{params['softmaxclassifier__C']:>8g}{ce:>15.4f}{kl:>10.4f}"
            f"{ce - kl:>10.4f}{results['mean_test_accuracy'][i]:>10.3f}"
            f"{results['mean_fit_time'][i]:>9.3f}"
        )

    objectives = np.array(
        [p["softmaxclassifier__objective"] for p in results["params"]]
    )
    best = {}
    for objective, score in [
        ("cross_entropy", "cross_entropy"),
        ("kl_divergence", "kl_divergence"),
    ]:
        rows = np.flatnonzero(objectives == objective)
        winner = rows[np.argmax(results[f"mean_test_{score}"][rows])]
        best[objective] = results["params"][winner]["softmaxclassifier__C"]
    held_out_entropy = np.mean(
        [target_entropy[test].mean() for _, test in folds.split(X_train)]
    )
    gaps = -results["mean_test_cross_entropy"] + results["mean_test_kl_divergence"]

    out("")
    out("What it shows:")
    out(
        f"- Training on cross-entropy selects C = {best['cross_entropy']:g}; "
        f"training on KL divergence selects C = {best['kl_divergence']:g}"
        + (
            " (the same model)."
            if best["cross_entropy"] == best["kl_divergence"]
            else " (different!)."
        )
    )
    out(
        f"- For every fit, CE - KL = {gaps.min():.6f} .. {gaps.max():.6f} nats: the "
        f"mean entropy of the held-out targets, measured as "
        f"{held_out_entropy:.6f}. The objectives differ by a constant."
    )
    model = search.best_estimator_
    out(
        f"- Refit student on all training targets: test accuracy "
        f"{model.score(X_test, y_test):.3f}, test log-loss (hard labels) "
        f"{cross_entropy(y_test, model.predict_proba(X_test)):.4f}."
    )
    return search


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    n_train = len(_digits_split(args.seed)[0])
    if args.cv > n_train:
        # KFold's limit: each fold needs one held-out row at least.
        parser.error(
            f"argument --cv: must be at most {n_train}, the number of training "
            f"rows, got {args.cv}"
        )
    run(C_values=args.C, cv=args.cv, n_jobs=args.n_jobs, seed=args.seed)


if __name__ == "__main__":
    main()
