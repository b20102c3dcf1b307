"""The computation of ``python -m skxent``.

A teacher (an RBF support vector machine with calibrated probabilities)
labels the training rows with out-of-fold probabilities: soft targets that
no teacher fit saw the row of. One :class:`~skxent.SoftmaxClassifier` student
per training objective of :data:`skxent._objectives.OBJECTIVES` learns them;
cross-validation on the same folds selects each student's ``C`` by held-out
KL divergence to the teacher, and each student, refitted at its ``C`` on all
training rows, is scored on the test rows against the teacher and against
the true labels.

:func:`run` returns plain, JSON-ready results; it prints nothing but the
progress lines it hands to ``progress``.
"""

import contextlib
import re
import time
import warnings

import numpy as np
import sklearn
from scipy.special import softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skxent import SoftmaxClassifier
from skxent._kernels.cache import compiled_variants, has_cached_kernels
from skxent._main_data import CALIBRATION_FOLDS
from skxent._objectives import OBJECTIVES
from skxent.metrics import cross_entropy, entropy, get_scorer, kl_divergence

# Temperature scaling (scikit-learn 1.8+) fits one parameter for all classes;
# sigmoid (Platt) calibration, one per class, left the digits teacher
# underconfident: test log-loss 0.44 against 0.27, at the same accuracy.
CALIBRATION = (
    "temperature" if np.lib.NumpyVersion(sklearn.__version__) >= "1.8.0" else "sigmoid"
)
TEACHER = f"RBF SVM ({CALIBRATION}-calibrated)"
# The objective every other student's coefficients are compared with.
REFERENCE = "cross_entropy"
# Label smoothing for an objective that rejects the teacher's targets as they
# are (reverse KL needs every probability positive): small, so that the
# targets stay the teacher's in all but their zeros.
SMOOTHING = 0.01
MAX_ITER = 1000
N_STEPS = 4


def make_teacher():
    """The teacher: standardized features, an RBF SVM, and its calibration on
    out-of-fold decision values (:data:`CALIBRATION_FOLDS` folds)."""
    return make_pipeline(
        StandardScaler(),
        CalibratedClassifierCV(
            SVC(), method=CALIBRATION, cv=CALIBRATION_FOLDS, ensemble=False
        ),
    )


def make_student(classes, objective=REFERENCE, C=1.0, label_smoothing=0.0):
    """A student: standardized features and a :class:`~skxent.SoftmaxClassifier`
    whose probability columns follow ``classes``."""
    return make_pipeline(
        StandardScaler(),
        SoftmaxClassifier(
            objective,
            C=C,
            label_smoothing=label_smoothing,
            classes=classes,
            max_iter=MAX_ITER,
        ),
    )


def first_sentence(message):
    """The first sentence of an error message (up to a full stop followed by
    a capital letter, so that ``0.5`` or ``e.g.`` do not end it)."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", message.strip(), maxsplit=1)[0]


def _fit_quietly(student, X, targets):
    """Fit, ignoring :class:`~sklearn.exceptions.ConvergenceWarning` (the
    warm-up and the probes stop after a few iterations on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return student.fit(X, targets)


def warm_kernels(n_features, classes):
    """Compile (or load from the cache) every kernel the job uses, on a tiny
    problem of the job's dtypes and layouts; seconds taken.

    Numba compiles a kernel for each dtype and memory layout of its
    arguments, not for their sizes: later fits and metrics find these kernels
    ready, and their times exclude compilation. The students get ``classes``
    as in the job (their targets' columns are then reordered, into Fortran
    order), and the metrics C-ordered float64 probabilities.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    n_rows = 2 * classes.size
    X = rng.standard_normal((n_rows, n_features))
    targets = softmax(rng.standard_normal((n_rows, classes.size)), axis=1)
    for objective in OBJECTIVES:
        # An objective's verdict on the real targets is reported later.
        with contextlib.suppress(ValueError):
            student = SoftmaxClassifier(objective, classes=classes, max_iter=2)
            _fit_quietly(student, X, targets)
    labels = classes[np.arange(n_rows) % classes.size]
    predictions = np.ascontiguousarray(targets[::-1])
    entropy(targets)
    kl_divergence(targets, predictions)
    cross_entropy(targets, predictions)
    cross_entropy(labels, predictions, labels=classes)
    return time.perf_counter() - start


def teacher_targets(data, folds, n_jobs):
    """The teacher's out-of-fold probabilities for the training rows, its
    probabilities for the test rows (refitted on all training rows) and the
    seconds it took."""
    start = time.perf_counter()
    teacher = make_teacher()
    train = cross_val_predict(
        teacher,
        data.X_train,
        data.y_train,
        cv=folds,
        method="predict_proba",
        n_jobs=n_jobs,
    )
    test = teacher.fit(data.X_train, data.y_train).predict_proba(data.X_test)
    # C order, as in the warm-up: Numba compiles a kernel anew for another
    # layout (the calibrated teacher returns Fortran-ordered probabilities).
    return (
        np.ascontiguousarray(train),
        np.ascontiguousarray(test),
        time.perf_counter() - start,
    )


def _rejection(objective, X, targets, classes, label_smoothing):
    """``None`` if ``objective`` fits ``targets``, else the first sentence of
    the ``ValueError`` the fit raised (no iteration is run)."""
    student = SoftmaxClassifier(
        objective, label_smoothing=label_smoothing, classes=classes, max_iter=0
    )
    try:
        _fit_quietly(student, X, targets)
    except ValueError as error:
        return first_sentence(str(error))
    return None


def plan_objective(objective, X, targets, classes):
    """``(label_smoothing, note)`` with which the grid trains ``objective``;
    ``label_smoothing`` is ``None`` when it cannot fit these targets at all.

    An objective that rejects the targets as they are (reverse KL where a
    probability is 0) is tried again with label smoothing :data:`SMOOTHING`.
    """
    reason = _rejection(objective, X, targets, classes, 0.0)
    if reason is None:
        return 0.0, ""
    if _rejection(objective, X, targets, classes, SMOOTHING) is None:
        return SMOOTHING, f"trained with label_smoothing={SMOOTHING}: {reason}"
    return None, f"skipped: {reason}"


def _agreement(estimator, X, targets):
    """Share of rows whose predicted class is the teacher's most probable."""
    return estimator.score(X, targets)


def grid_search(data, targets, plans, C_values, folds, n_jobs):
    """Cross-validate each objective of ``plans`` (which maps it to its label
    smoothing) at every ``C`` on ``folds``, scoring against the teacher's
    held-out targets; the fitted :class:`~sklearn.model_selection.GridSearchCV`."""
    prefix = "softmaxclassifier__"
    grid = [
        {
            f"{prefix}objective": [objective],
            f"{prefix}label_smoothing": [label_smoothing],
            f"{prefix}C": list(C_values),
        }
        for objective, label_smoothing in plans.items()
    ]
    search = GridSearchCV(
        make_student(data.classes),
        grid,
        scoring={
            "kl_to_teacher": get_scorer("neg_kl_divergence"),
            "cross_entropy_to_teacher": get_scorer("neg_cross_entropy"),
            "agreement_with_teacher": _agreement,
        },
        refit=False,
        cv=folds,
        n_jobs=n_jobs,
    )
    return search.fit(data.X_train, targets)


def cv_scores(cv_results, objective, C_values):
    """Held-out scores of ``objective`` at each of ``C_values`` (divergences
    as positive numbers), from ``GridSearchCV.cv_results_``."""
    index = {
        (params["softmaxclassifier__objective"], params["softmaxclassifier__C"]): i
        for i, params in enumerate(cv_results["params"])
    }
    rows = [index[objective, C] for C in C_values]
    return {
        "C": list(C_values),
        "kl_to_teacher": (-cv_results["mean_test_kl_to_teacher"][rows]).tolist(),
        "cross_entropy_to_teacher": (
            -cv_results["mean_test_cross_entropy_to_teacher"][rows]
        ).tolist(),
        "agreement_with_teacher": (
            cv_results["mean_test_agreement_with_teacher"][rows]
        ).tolist(),
        "fit_seconds": cv_results["mean_fit_time"][rows].tolist(),
    }


def _best_C(scores, column):
    """The ``C`` of the smallest held-out value of ``column`` (NaN for a
    failed fit loses)."""
    values = np.asarray(scores[column], dtype=float)
    return scores["C"][int(np.nanargmin(values))]


def refit_and_score(data, train_targets, test_targets, objective, C, smoothing):
    """Refit a student on all training rows and score it on the test rows."""
    student = make_student(data.classes, objective, C, smoothing)
    start = time.perf_counter()
    student.fit(data.X_train, train_targets)
    seconds = time.perf_counter() - start
    model = student[-1]
    proba = student.predict_proba(data.X_test)
    predicted = student.predict(data.X_test)
    teacher_choice = data.classes[np.argmax(test_targets, axis=1)]
    scores = {
        "fit_seconds": seconds,
        "n_iter": int(model.n_iter_[0]),
        "train_loss": model.loss_,
        "loss_curve": list(model.loss_curve_),
        "test": {
            "agreement_with_teacher": float(np.mean(predicted == teacher_choice)),
            "accuracy": float(np.mean(predicted == data.y_test)),
            "log_loss": cross_entropy(data.y_test, proba, labels=data.classes),
            "kl_to_teacher": kl_divergence(test_targets, proba),
            "cross_entropy_to_teacher": cross_entropy(test_targets, proba),
        },
    }
    return scores, np.column_stack([model.coef_, model.intercept_])


def _compare_coefficients(rows, coefficients):
    """Each fitted row gets ``max_abs_coef_difference`` from the reference
    student (the first fitted when cross-entropy was skipped)."""
    if not coefficients:
        return None
    reference = REFERENCE if REFERENCE in coefficients else next(iter(coefficients))
    for objective, coef in coefficients.items():
        rows[objective]["max_abs_coef"] = float(np.abs(coef).max())
        rows[objective]["max_abs_coef_difference"] = float(
            np.abs(coef - coefficients[reference]).max()
        )
    return reference


def _kernel_step(data, progress):
    """Step 1: warm the kernels, saying first whether they compile."""
    if has_cached_kernels():
        progress(
            f"[1/{N_STEPS}] kernels: loading skxent's compiled kernels (any "
            "not cached yet compile) ..."
        )
    else:
        progress(
            f"[1/{N_STEPS}] kernels: first use of this skxent installation, "
            "compiling its kernels (about a minute on 2 cores; cached for "
            "later runs) ..."
        )
    # Counted, not presumed from the cache folder: kernels cached by another
    # process (for other dtypes or layouts) leave those of the job to compile.
    before = compiled_variants()
    seconds = warm_kernels(data.X_train.shape[1], data.classes)
    compiled = compiled_variants() - before
    label = f"compiled {compiled} kernel variants" if compiled else "kernels from cache"
    progress(f"      {label}: {seconds:.1f} s")
    return {"compiled": compiled, "seconds": seconds}


def _teacher_step(data, folds, n_jobs, progress):
    """Step 2: the teacher's soft targets."""
    progress(
        f"[2/{N_STEPS}] teacher: {TEACHER}, out-of-fold probabilities of the "
        f"{len(data.y_train)} training rows ({len(folds)} folds) ..."
    )
    train, test, seconds = teacher_targets(data, folds, n_jobs)
    teacher = {
        "model": TEACHER,
        "seconds": seconds,
        "test_accuracy": float(
            np.mean(data.classes[np.argmax(test, axis=1)] == data.y_test)
        ),
        "test_log_loss": cross_entropy(data.y_test, test, labels=data.classes),
        "train_target_entropy": float(entropy(train).mean()),
        "test_target_entropy": float(entropy(test).mean()),
    }
    progress(
        f"      {seconds:.1f} s; mean entropy of the soft targets "
        f"{teacher['train_target_entropy']:.4f} nats"
    )
    return train, test, teacher


def _grid_step(data, targets, rows, C_values, folds, n_jobs, progress):
    """Step 3: which objectives fit the targets, and their cross-validation."""
    plans = {}
    for objective in OBJECTIVES:
        smoothing, note = plan_objective(objective, data.X_train, targets, data.classes)
        rows[objective] = {"fitted": False, "label_smoothing": smoothing, "note": note}
        if smoothing is not None:
            plans[objective] = smoothing
    n_candidates = len(plans) * len(C_values)
    progress(
        f"[3/{N_STEPS}] grid: {n_candidates} candidates ({len(plans)} objectives "
        f"x {len(C_values)} values of C) x {len(folds)} folds = "
        f"{n_candidates * len(folds)} fits ..."
    )
    start = time.perf_counter()
    results = grid_search(data, targets, plans, C_values, folds, n_jobs).cv_results_
    grid = {
        "n_candidates": n_candidates,
        "n_folds": len(folds),
        "seconds": time.perf_counter() - start,
        "held_out_target_entropy": float(
            np.mean([entropy(targets[test]).mean() for _, test in folds])
        ),
    }
    for objective in plans:
        scores = cv_scores(results, objective, C_values)
        rows[objective].update(
            cv=scores,
            C=_best_C(scores, "kl_to_teacher"),
            C_by_cross_entropy=_best_C(scores, "cross_entropy_to_teacher"),
        )
    progress(f"      {grid['seconds']:.1f} s")
    return grid


def _refit_step(data, train, test, rows, progress):
    """Step 4: refit each cross-validated objective at its ``C``, test it."""
    fitted = [objective for objective, row in rows.items() if "C" in row]
    progress(
        f"[4/{N_STEPS}] test: {len(fitted)} students refitted at their C, "
        f"scored on {len(data.y_test)} test rows ..."
    )
    start = time.perf_counter()
    coefficients = {}
    for objective in fitted:
        row = rows[objective]
        scores, coefficients[objective] = refit_and_score(
            data, train, test, objective, row["C"], row["label_smoothing"]
        )
        row.update(fitted=True, **scores)
    progress(f"      {time.perf_counter() - start:.1f} s")
    return _compare_coefficients(rows, coefficients)


def run(data, *, C_values, cv, n_jobs=1, seed=0, progress=print):
    """Run the comparison on ``data`` (a :class:`skxent._main_data.Split`).

    Parameters
    ----------
    data : Split
    C_values : sequence of float
        Inverse regularization strengths to cross-validate.
    cv : int
        Stratified folds, for the teacher's out-of-fold targets and the grid.
    n_jobs : int, default=1
        Parallel jobs of the teacher's folds and of the grid search.
    seed : int, default=0
        Seed of the folds.
    progress : callable, default=print
        Receives one line as each step starts and as it ends.

    Returns
    -------
    results : dict
        JSON-ready: ``dataset``, ``settings``, ``kernels``, ``teacher``,
        ``grid``, ``reference`` and ``objectives`` (one entry per objective of
        :data:`~skxent._objectives.OBJECTIVES`, in its order).
    """
    folds = list(
        StratifiedKFold(cv, shuffle=True, random_state=seed).split(
            data.X_train, data.y_train
        )
    )
    kernels = _kernel_step(data, progress)
    train, test, teacher = _teacher_step(data, folds, n_jobs, progress)
    rows = {}
    grid = _grid_step(data, train, rows, C_values, folds, n_jobs, progress)
    reference = _refit_step(data, train, test, rows, progress)
    return {
        "dataset": {
            "name": data.name,
            "n_train": len(data.y_train),
            "n_test": len(data.y_test),
            "n_features": data.X_train.shape[1],
            "classes": data.classes.tolist(),
        },
        "settings": {"C": list(C_values), "cv": cv, "n_jobs": n_jobs, "seed": seed},
        "kernels": kernels,
        "teacher": teacher,
        "grid": grid,
        "reference": reference,
        "objectives": rows,
    }
