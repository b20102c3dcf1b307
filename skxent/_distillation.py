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

from skxent._composite_loss import LossSum, ScaledLoss
from skxent._encoding import native_byte_order
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES, CrossEntropy, Distillation
from skxent._softmax import X_DTYPES, SoftmaxClassifier

FUSED_DIVERGENCES = ("kl_divergence", "cross_entropy")
"""Student objectives whose distillation objective one kernel computes
(:class:`~skxent._objectives.Distillation`), in one pass over ``X`` per
evaluation; the others take two (see :func:`distillation_loss`)."""


class DistillationClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A linear softmax student distilled from any probabilistic teacher.

    With the teacher's out-of-fold probabilities ``p_i`` softened at the
    temperature ``T``, ``p_T,i ∝ p_i ** (1 / T)``, the student minimizes
    Hinton et al.'s (2015) objective plus its own penalty:

    .. math::

        \\frac{1}{S} \\sum_i s_i \\left[\\alpha \\, \\mathrm{CE}(y_i, q_i)
        + (1 - \\alpha) \\, T^2 \\, D(p_{T,i} \\,\\|\\,
        \\mathrm{softmax}(z_i / T))\\right]
        + \\frac{\\lVert W \\rVert_F^2}{2 C S},

    with logits ``z_i = W x_i + b``, ``q_i = softmax(z_i)``, ``S = sum_i
    s_i`` and ``D`` the divergence of the student's objective: the KL
    divergence ``KL(p_T || q_T)`` for ``objective="kl_divergence"`` (Hinton's
    choice), ``H(p_T, q_T)`` for ``"cross_entropy"`` (same model, ``loss_``
    offset by ``(1 - alpha) T^2`` times the mean target entropy), the reverse
    KL divergence ``KL(q_T || p_T)`` for ``"reverse_kl_divergence"`` and
    ``JS(p_T, q_T)`` for ``"js_divergence"``. The ``T^2`` keeps the soft
    term's gradient, which shrinks like ``1 / T^2``, on the scale of the hard
    term's. The student's entropy penalty subtracts ``beta H(q_i)`` at
    temperature 1, whatever ``alpha``. The student predicts with
    ``softmax(z)``, at temperature 1.

    Parameters
    ----------
    teacher : classifier
        Any scikit-learn classifier with ``predict_proba``; cloned.
    student : SoftmaxClassifier, default=None
        Cloned; ``SoftmaxClassifier()`` by default (pass it explicitly to
        tune its parameters, ``student__C`` for instance). Its penalty, solver,
        class weights, intercept and entropy penalty apply, and its objective
        is the divergence ``D`` of the soft term. With ``"kl_divergence"`` or
        ``"cross_entropy"`` one pass over ``X`` evaluates the objective;
        ``"reverse_kl_divergence"`` and ``"js_divergence"`` take two (the hard
        term at temperature 1, the soft term at ``T``). These two are not
        convex: the solver reaches a stationary point from the student's
        start (zeros, or its previous fit with ``warm_start``). Reverse KL
        needs teacher probabilities that are all positive (softening keeps a
        0 at 0). Its ``label_smoothing`` must be 0 (softening already smooths
        the teacher's targets) and its ``target_type`` ``"auto"``.
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
        if student.objective in FUSED_DIVERGENCES:
            objective = Distillation(
                soft_targets, self.temperature, self.alpha, divergence=student.objective
            )
            student._fit_objective(X_student, classes, codes, weights, objective)
        else:
            self._fit_loss_sum(
                student, X_student, classes, codes, weights, soft_targets
            )
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
        if student.label_smoothing or student.target_type != "auto":
            raise ValueError(
                "The student must take the hard labels as they are "
                "(label_smoothing=0, target_type='auto'), but it has "
                f"label_smoothing={student.label_smoothing!r}, "
                f"target_type={student.target_type!r}: to soften the targets, "
                "raise the temperature."
            )
        return student

    def _fit_loss_sum(self, student, X, classes, codes, sample_weight, soft_targets):
        """Fit ``student`` to :func:`distillation_loss`: at the call depth of
        ``SoftmaxClassifier._fit_objective``, which the warnings' stack level
        counts on."""
        loss = distillation_loss(
            student, X, classes, codes, sample_weight, soft_targets,
            self.temperature, self.alpha,
        )  # fmt: skip
        student._fit_loss(loss, classes)

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


def distillation_loss(
    student, X, classes, codes, sample_weight, soft_targets, temperature, alpha
):
    """The distillation objective of ``student`` (a validated
    :class:`~skxent.SoftmaxClassifier`) as a
    :class:`~skxent._composite_loss.LossSum` of two passes over ``X``: ``alpha
    CE(y, q) - beta H(q)`` at temperature 1 and ``(1 - alpha) T^2 D(p_T ||
    q_T)`` at ``T``, with ``D`` the student's objective, for any objective.

    Parameters
    ----------
    student : SoftmaxClassifier
        Whose objective, ``C``, ``fit_intercept`` and ``entropy_penalty``
        define the loss.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated, float32 or float64.
    classes : ndarray of shape (n_classes,)
    codes : ndarray of shape (n_samples,)
        The class code of each hard label.
    sample_weight : ndarray of shape (n_samples,)
    soft_targets : ndarray of shape (n_samples, n_classes)
        ``p_T``, columns in ``classes``.
    temperature, alpha : float

    Returns
    -------
    loss : LossSum
    """
    n_classes = classes.size
    common = {
        "sample_weight": sample_weight,
        "n_params": 1 if n_classes == 2 else n_classes,
        "fit_intercept": student.fit_intercept,
        "l2_reg_strength": 0.0,  # the sum's, counted once
    }
    terms = []
    if alpha or student.entropy_penalty:
        # Cross-entropy is linear in the target row, and the kernels take rows
        # of any mass: the one-hot rows times alpha give alpha CE(y, q) and
        # leave the entropy penalty unscaled, as the fused kernel has it, even
        # at alpha = 0.
        hard = alpha * np.eye(n_classes, dtype=X.dtype)[codes]
        hard_loss = LinearSoftmaxLoss(
            X, hard, objective=CrossEntropy(),
            entropy_penalty=student.entropy_penalty, **common,
        )  # fmt: skip
        terms.append(ScaledLoss(1.0, 1.0, hard_loss))
    if alpha < 1:
        objective = OBJECTIVES[student.objective]()
        _check_soft_targets(objective, soft_targets, classes)
        soft_loss = LinearSoftmaxLoss(
            X, soft_targets.astype(X.dtype), objective=objective, **common
        )
        terms.append(ScaledLoss((1.0 - alpha) * temperature**2, temperature, soft_loss))
    return LossSum(terms, l2_reg_strength=1.0 / (student.C * sample_weight.sum()))


def _check_soft_targets(objective, soft_targets, classes):
    """The objective's check of the softened teacher probabilities, with
    advice for distillation (where the student's label smoothing does not
    apply)."""
    try:
        objective.check_targets(soft_targets, classes)
    except ValueError as error:
        raise ValueError(
            f"The student's objective={objective.name!r} cannot take the "
            "teacher's softened probabilities as targets (the cause is above). "
            "Softening keeps a zero probability at 0, and the student's "
            "label_smoothing does not apply to the teacher: use a teacher whose "
            "probabilities are all positive (a logistic regression's are), or a "
            "student objective defined at zero, such as 'kl_divergence' or "
            "'js_divergence'."
        ) from error


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
