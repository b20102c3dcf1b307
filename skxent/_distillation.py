"""Knowledge distillation as an estimator: a softmax student trained on a
teacher's out-of-fold probabilities and the hard labels together."""

from numbers import Real
from typing import ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.model_selection import cross_val_predict
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from skxent._encoding import native_byte_order
from skxent._objectives import Distillation
from skxent._softmax import X_DTYPES, SoftmaxClassifier

# The student objectives whose divergence the soft term takes; the others
# (reverse KL, Jensen-Shannon) have no distillation kernel yet.
STUDENT_DIVERGENCES = ("kl_divergence", "cross_entropy")


class DistillationClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A linear softmax student distilled from any probabilistic teacher.

    With the teacher's out-of-fold probabilities ``p_i`` softened at the
    temperature ``T``, ``p_T,i ∝ p_i ** (1 / T)``, the student minimizes
    Hinton et al.'s (2015) objective plus its own penalty:

    .. math::

        \\frac{1}{S} \\sum_i s_i \\left[\\alpha \\, \\mathrm{CE}(y_i, q_i)
        + (1 - \\alpha) \\, T^2 \\, \\mathrm{KL}(p_{T,i} \\,\\|\\,
        \\mathrm{softmax}(z_i / T))\\right]
        + \\frac{\\lVert W \\rVert_F^2}{2 C S},

    with logits ``z_i = W x_i + b``, ``q_i = softmax(z_i)`` and ``S = sum_i
    s_i``. The ``T^2`` keeps the soft term's gradient, which shrinks like
    ``1 / T^2``, on the scale of the hard term's. The student predicts with
    ``softmax(z)``, at temperature 1. A student fitted with
    ``objective="cross_entropy"`` puts ``H(p_T, q_T)`` in place of the KL
    divergence: same model, ``loss_`` offset by ``(1 - alpha) T^2`` times the
    mean target entropy.

    Parameters
    ----------
    teacher : classifier
        Any scikit-learn classifier with ``predict_proba``; cloned.
    student : SoftmaxClassifier, default=None
        Cloned; ``SoftmaxClassifier()`` by default (pass it explicitly to
        tune its parameters, ``student__C`` for instance). Its penalty, solver,
        class weights, intercept and entropy penalty apply. Its objective
        must be ``"kl_divergence"`` or ``"cross_entropy"`` (the other
        divergences have no distillation form here) and its
        ``label_smoothing`` 0 (softening already smooths the teacher's
        targets).
    temperature : float > 0, default=1.0
        ``T``: above 1 softens the teacher's probabilities, below 1 sharpens
        them.
    alpha : float in [0, 1], default=0.0
        Weight of the cross-entropy on the hard labels; 0 trains on the
        teacher alone, 1 on the labels alone.
    cv : int or cross-validation splitter, default=5
        Splits of :func:`~sklearn.model_selection.cross_val_predict` (which
        also takes a list of ``(train, test)`` index pairs) for the
        teacher's out-of-fold probabilities: the probability of each training
        row comes from a teacher that has not seen it, so that the student
        does not learn the teacher's overfitting of its own training rows.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The student's classes, sorted.
    teacher_ : classifier
        The teacher refitted on all rows.
    student_ : SoftmaxClassifier
        The distilled student; :meth:`predict`, :meth:`predict_proba` and
        :meth:`score` are its.
    teacher_proba_ : ndarray of shape (n_samples, n_classes)
        The softened out-of-fold teacher probabilities the student was fitted
        to, columns in ``classes_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has string feature names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.preprocessing import scale
    >>> from skxent import DistillationClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> teacher = RandomForestClassifier(n_estimators=20, random_state=0)
    >>> model = DistillationClassifier(teacher, temperature=2.0, alpha=0.5)
    >>> model.fit(X, y).predict(X[[0, 50, 100]])
    array([0, 1, 2])
    """

    _parameter_constraints: ClassVar[dict] = {
        "teacher": [HasMethods(["fit", "predict_proba"])],
        "student": [SoftmaxClassifier, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "cv": ["cv_object"],
    }

    def __init__(self, teacher, student=None, *, temperature=1.0, alpha=0.0, cv=5):
        self.teacher = teacher
        self.student = student
        self.temperature = temperature
        self.alpha = alpha
        self.cv = cv

    # The teacher's and the student's parameters are validated by their own
    # fit (the student's explicitly, as it is fitted through a private route).
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the teacher out of fold, refit it on all rows, then distil.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Numeric (the student is linear), validated as
            :meth:`SoftmaxClassifier.fit` does; the teacher gets it as given.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the teacher's fit (which must accept it) and weighting
            the student's objective.

        Returns
        -------
        self : DistillationClassifier
        """
        student = self._student()
        X_student, y = validate_data(self, X, y, accept_sparse="csr", dtype=X_DTYPES)
        X_student = native_byte_order(X_student)
        # The student sees X as validated here, without feature names, in
        # fit as in predict.
        validate_data(student, X_student, skip_check_array=True)
        classes, codes, weights = student._targets(X_student, y, sample_weight)
        fit_params = self._teacher_fit_params(sample_weight)
        teacher_proba = cross_val_predict(
            clone(self.teacher), X, y, cv=self.cv, method="predict_proba",
            params=fit_params,
        )  # fmt: skip
        soft_targets = _in_columns(
            soften(teacher_proba, self.temperature), np.unique(y), classes
        )
        objective = Distillation(
            soft_targets, self.temperature, self.alpha, divergence=student.objective
        )
        student._fit_objective(X_student, classes, codes, weights, objective)
        self.teacher_ = clone(self.teacher).fit(X, y, **fit_params)
        self.student_ = student
        self.teacher_proba_ = soft_targets
        self.classes_ = student.classes_
        return self

    def _student(self):
        """A validated clone of the student; a ``ValueError`` for settings
        that distillation does not support."""
        student = SoftmaxClassifier() if self.student is None else clone(self.student)
        student._validate_params()
        if student.objective not in STUDENT_DIVERGENCES:
            raise ValueError(
                f"The student's objective={student.objective!r} has no distillation "
                f"form; use one of {list(STUDENT_DIVERGENCES)} (they give the same "
                "student)."
            )
        if student.label_smoothing or student.target_type != "auto":
            raise ValueError(
                "The student must take the hard labels as they are "
                "(label_smoothing=0, target_type='auto'), but it has "
                f"label_smoothing={student.label_smoothing!r}, "
                f"target_type={student.target_type!r}: to soften the targets, "
                "raise the temperature."
            )
        return student

    def _teacher_fit_params(self, sample_weight):
        """``{"sample_weight": ...}`` for the teacher's fit, or nothing."""
        if sample_weight is None:
            return {}
        if not has_fit_parameter(self.teacher, "sample_weight"):
            raise ValueError(
                f"The teacher {type(self.teacher).__name__} does not take "
                "sample_weight in fit; pass none, or use a teacher that does."
            )
        return {"sample_weight": sample_weight}

    def _validated(self, X):
        """``X`` validated as in :meth:`fit`, for the student."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=X_DTYPES, reset=False)
        return native_byte_order(X)

    def decision_function(self, X):
        """The student's logits (see :meth:`SoftmaxClassifier.decision_function`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        X = self._validated(X)
        return self.student_.decision_function(X)

    def predict_proba(self, X):
        """The student's class probabilities, at temperature 1.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._validated(X)
        return self.student_.predict_proba(X)

    def predict_log_proba(self, X):
        """The student's log-probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._validated(X)
        return self.student_.predict_log_proba(X)

    def predict(self, X):
        """The student's most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return self.student_.predict(X)

    def score(self, X, y, sample_weight=None):
        """The student's accuracy (see :meth:`SoftmaxClassifier.score`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        accuracy : float
        """
        X = self._validated(X)
        return self.student_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self.teacher).input_tags.sparse
        return tags


def soften(proba, temperature):
    """Probability rows softened at ``temperature``: ``p ** (1 / T)``,
    renormalized (a new array). Each row is divided by its maximum first, so
    that sharpening (``T < 1``) cannot underflow a whole row."""
    proba = np.asarray(proba, dtype=np.float64)
    scaled = (proba / proba.max(axis=1, keepdims=True)) ** (1.0 / temperature)
    return scaled / scaled.sum(axis=1, keepdims=True)


def _in_columns(proba, proba_classes, classes):
    """``proba`` (columns in ``proba_classes``) with its columns in
    ``classes``, a superset; 0 for the classes the teacher never saw."""
    if proba_classes.size == classes.size:
        return proba
    out = np.zeros((proba.shape[0], classes.size))
    out[:, np.searchsorted(classes, proba_classes)] = proba
    return out
