"""``python -m skxent``: cross-entropy or KL divergence, and does it matter?

A teacher model labels a dataset's training rows with out-of-fold class
probabilities (soft targets). One :class:`~skxent.SoftmaxClassifier` student
per training objective learns them; cross-validation selects each student's
``C``; the refitted students are compared on held-out test rows, against the
teacher and against the true labels, and by their coefficients. The output
shows when the objective changes the model (another divergence) and when it
does not (cross-entropy and KL divergence on fixed targets, which differ by
the targets' entropy).

Options are checked before anything heavy is imported: a mistyped option
fails at once, without loading data or compiling kernels. The work itself
lives in :mod:`skxent._main_data` (datasets), :mod:`skxent._main_job` (the
comparison), :mod:`skxent._main_report` (tables, JSON) and
:mod:`skxent._main_plot` (the figure).
"""

import argparse
import sys
from pathlib import Path

DATASETS = ("digits", "iris", "wine", "breast_cancer")
DEFAULT_C = (0.001, 0.01, 0.1, 1.0, 10.0)
DEFAULT_CV = 5
# --quick: a grid of a few candidates on few folds, under ten seconds warm.
QUICK_C = (0.01, 0.1, 1.0)
QUICK_CV = 3


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
# Stratified folds need two at least; the upper bound depends on the data.
_FOLDS = _checked(int, lambda cv: cv >= 2, "an integer >= 2")
# joblib's n_jobs: -1 is every core, -2 all but one, ...; 0 is refused.
_N_JOBS = _checked(int, lambda n: n != 0, "a nonzero integer (-1: every core)")
# NumPy's RandomState seeds, which random_state integers become.
_SEED = _checked(int, lambda seed: 0 <= seed < 2**32, "an integer in [0, 2**32 - 1]")


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skxent",
        description=(
            "Cross-entropy or KL divergence, and does it matter? Train softmax "
            "regression students on a teacher's soft targets with every "
            "training objective of skxent, select C by cross-validation, and "
            "compare the students on held-out rows (against the teacher and "
            "the true labels) and by their coefficients."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=DATASETS,
        help="a dataset bundled with scikit-learn (default: digits)",
    )
    source.add_argument(
        "--csv",
        metavar="PATH",
        type=Path,
        help="a comma-separated file with a header row: numeric feature "
        "columns and the class labels in the column named by --target",
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="the column of --csv that holds the class labels",
    )
    parser.add_argument(
        "--C",
        type=_C,
        nargs="+",
        help="inverse regularization strengths to search, each > 0 (default: "
        f"{' '.join(map(str, DEFAULT_C))}; with --quick "
        f"{' '.join(map(str, QUICK_C))})",
    )
    parser.add_argument(
        "--cv",
        type=_FOLDS,
        help=f"cross-validation folds, at least 2 (default: {DEFAULT_CV}; with "
        f"--quick {QUICK_CV})",
    )
    parser.add_argument(
        "--n-jobs",
        type=_N_JOBS,
        default=1,
        help="parallel jobs of the teacher's folds and of the grid search, -1 "
        "for one per core; each fit uses all cores (default: 1)",
    )
    parser.add_argument(
        "--seed",
        type=_SEED,
        default=0,
        help="random seed of the test split and the folds, in [0, 2**32 - 1] "
        "(default: 0)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small grid on few folds (a few seconds once kernels are "
        "compiled); --C and --cv still apply",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON on stdout instead of tables (progress "
        "goes to stderr)",
    )
    parser.add_argument(
        "--plot",
        metavar="FILE",
        type=Path,
        help="save the training curves and the CE - KL gap to FILE (PNG, PDF, "
        "SVG, ...; needs matplotlib)",
    )
    return parser


def _check_options(parser, args):
    """Errors that need no data: options that go together, and --plot's
    requirements."""
    if args.target is not None and args.csv is None:
        parser.error("argument --target: only goes with --csv")
    if args.csv is not None and args.target is None:
        parser.error("argument --csv: needs --target, the column of class labels")
    if args.plot is None:
        return
    if not args.plot.parent.is_dir():
        parser.error(
            f"argument --plot: the folder {str(args.plot.parent)!r} does not exist"
        )
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parser.error(
            "argument --plot: needs matplotlib, which is not installed "
            "(pip install matplotlib)"
        )


def _load(parser, args, source):
    """The training and test rows, or an argparse error naming the problem."""
    from skxent import _main_data

    try:
        if args.csv is None:
            name = args.dataset or DATASETS[0]
            X, y = _main_data.load_bundled(name)
        else:
            name = str(args.csv)
            X, y = _main_data.load_csv(args.csv, args.target)
        return _main_data.split(name, X, y, args.seed)
    except _main_data.DataError as error:
        parser.error(f"argument {source}: {error}")


def _check_folds(parser, data, cv, source):
    """Stratified folds need a training row of every class in each fold, and
    the teacher's calibration a few rows of every class in each training
    fold."""
    from skxent._main_data import CALIBRATION_FOLDS, fold_range

    low, high, label, count = fold_range(data.y_train)
    if low > high:
        parser.error(
            f"argument {source}: class {label!r} has {count} training rows, too "
            "few for the teacher's calibrated cross-validation, which needs "
            f"{CALIBRATION_FOLDS + 1} at least"
        )
    if not low <= cv <= high:
        allowed = f"{low}" if low == high else f"between {low} and {high}"
        parser.error(
            f"argument --cv: must be {allowed} for this data (class {label!r} "
            f"has {count} training rows), got {cv}"
        )


def _progress(to_json):
    """Where the step lines go: stdout, or stderr when stdout holds JSON."""
    stream = sys.stderr if to_json else sys.stdout
    return lambda line: print(line, file=stream, flush=True)


def main(argv=None):
    """Run ``python -m skxent`` with the arguments ``argv`` (default: the
    command line); return the results (see :func:`skxent._main_job.run`)."""
    parser = _parser()
    args = parser.parse_args(argv)
    _check_options(parser, args)
    C_values = args.C or list(QUICK_C if args.quick else DEFAULT_C)
    cv = args.cv or (QUICK_CV if args.quick else DEFAULT_CV)
    source = "--dataset" if args.csv is None else "--csv"
    data = _load(parser, args, source)
    _check_folds(parser, data, cv, source)

    from skxent import _main_job, _main_report

    progress = _progress(args.json)
    if not args.json:
        print("\n".join(_main_report.intro(data)), flush=True)
    results = _main_job.run(
        data,
        C_values=C_values,
        cv=cv,
        n_jobs=args.n_jobs,
        seed=args.seed,
        progress=progress,
    )
    if args.plot is not None:
        from skxent._main_plot import plot

        plot(results, args.plot)
        progress(f"wrote the training curves to {args.plot}")
    print(
        _main_report.to_json(results)
        if args.json
        else "\n".join(_main_report.report(results))
    )
    return results


if __name__ == "__main__":
    main()
