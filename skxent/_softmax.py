"""Multinomial softmax regression whose training objective is a parameter."""

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skxent import _dask, _targets
from skxent._doc_link import DocLinkMixin
from skxent._encoding import native_byte_order, unique_values
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES
from skxent._solvers import SOLVERS, minimize, resolve_solver
from skxent._threads import compute_threads

# The dtypes of X kept as they are by validate_data, which converts any other
# to the first. It compares byte orders too: listed in both, big-endian float32
# stays float32, to be brought to the machine's byte order for the kernels.
X_DTYPES = tuple(
    np.dtype(dtype).newbyteorder(order)
    for dtype in _targets.FLOAT_DTYPES
    for order in "=S"
)


class SoftmaxClassifier(DocLinkMixin, ClassifierMixin, BaseEstimator):
    """Softmax (multinomial logistic) regression trained on CE, KL, reverse KL or JS.

    Minimizes, over the coefficients :math:`W` and intercepts :math:`b`,

    .. math::

        \\frac{1}{S} \\sum_i s_i \\, \\ell(p_i, \\mathrm{softmax}(W x_i + b))
        + \\frac{\\lVert W \\rVert_F^2}{2 C S},
        \\qquad S = \\sum_i s_i,

    the scaling of scikit-learn's
    :class:`~sklearn.linear_model.LogisticRegression`, where :math:`p_i` is the
    target distribution of sample :math:`i` (one-hot for class labels) and
    :math:`s_i` its weight. With fixed targets, cross-entropy and KL divergence
    differ by the constant :math:`H(p_i)`: same gradient, same minimizer,
    reported values offset by the mean target entropy (zero for hard labels,
    where both are the negative log-likelihood). Reverse KL is a different,
    mode-seeking fit.

    Parameters
    ----------
    objective : {"cross_entropy", "kl_divergence", "reverse_kl_divergence", \
            "js_divergence"}, default="cross_entropy"
        Per-sample loss :math:`\\ell(p, q)`: :math:`H(p, q)`,
        :math:`KL(p \\,\\|\\, q)`, :math:`KL(q \\,\\|\\, p)` or the
        Jensen-Shannon divergence :math:`JS(p, q)`. The
        first two are convex in the coefficients and share one minimizer;
        reverse KL (mode-seeking) and Jensen-Shannon (bounded, robust to
        wrong labels) are not convex, and the solvers reach a stationary
        point from the default start. Reverse KL needs strictly positive
        targets: use ``label_smoothing > 0`` with hard labels.
    C : float, default=1.0
        Inverse regularization strength, as in
        :class:`~sklearn.linear_model.LogisticRegression`;
        :data:`np.inf <numpy.inf>` means no penalty.
    fit_intercept : bool, default=True
        Fit unpenalized intercepts.
    entropy_penalty : float >= 0, default=0.0
        :math:`\\beta`: subtracts :math:`\\beta` times the weighted mean
        entropy of the predictions, :math:`H(q_i)`, from the objective (the
        confidence penalty of Pereyra et al., 2017), whatever the objective;
        ``loss_`` and ``loss_curve_`` include it. The objective is then
        **not convex**: the solvers reach a stationary point from the default
        start (all the same one in skxent's tests). The target entropy is
        still a constant, so cross-entropy and KL divergence keep one
        minimizer.
    label_smoothing : float in [0, 1), default=0.0
        Targets become :math:`(1 - \\varepsilon) p + \\varepsilon / K`, where
        :math:`\\varepsilon` is ``label_smoothing`` and :math:`K` the number of
        classes, for hard and soft targets alike.
    target_type : {"auto", "counts"}, default="auto"
        What ``y`` holds: class labels or rows of probabilities (``"auto"``),
        or rows of non-negative counts (votes of annotators, survey tallies),
        one column per class. Each row of counts :math:`c_i` is fitted as
        :math:`n_i = \\sum_k c_{ik}` samples, its target :math:`c_i / n_i`
        and its weight :math:`n_i` times ``sample_weight`` (counts need not
        be integers): the same model as the rows repeated, one per vote with
        its label. A row of zeros carries no sample and is an error.
    classes : array-like of shape (n_classes,), default=None
        All classes, classes absent from ``y`` included, in the order of the
        columns of soft targets (in :meth:`fit` and :meth:`score`). By default
        the unique labels of ``y``, or :math:`0, \\dots, K - 1` for soft
        targets.
        ``classes_`` holds the classes sorted whatever their order here, and
        the columns of :meth:`predict_proba` follow ``classes_``, as
        scikit-learn's scorers and skxent's assume.
    class_weight : dict or "balanced", default=None
        Weights per class, multiplied into the sample weights; a dict's
        values must be finite and non-negative (0 drops a class), and classes
        it leaves out weigh 1. For soft targets sample :math:`i` gets weight
        :math:`\\sum_k p_{ik} w_k` and target
        :math:`p_{ik} w_k / \\sum_j p_{ij} w_j`, so that a soft target behaves
        as its rows repeated once per class, where :math:`w_k` is the weight of
        class :math:`k`. ``"balanced"`` uses
        :math:`w_k = S / (K \\sum_i s_i p_{ik})`.
    solver : {"auto", "lbfgs", "newton-cg", "trust-ncg"}, default="auto"
        Method of :func:`scipy.optimize.minimize`; the Newton-type solvers
        use an exact Hessian-vector product. All reach the same optimum of a
        convex objective. ``"auto"`` is ``"newton-cg"`` for sparse ``X`` with
        100,000 coefficients or more (features times classes, or features
        alone for two classes) and ``"lbfgs"`` otherwise: there (sparse
        text data, for example) L-BFGS spends much of its time in its own
        bookkeeping, and with a weak penalty (large ``C``) it needs hundreds
        of iterations where Newton-CG needs about ten (see
        :ref:`performance`).
    tol : float, default=1e-4
        Stopping tolerance. ``"lbfgs"`` stops when the largest absolute
        gradient entry is at most ``tol`` (as
        :class:`~sklearn.linear_model.LogisticRegression` does)
        or when the objective's relative decrease falls below the rounding
        of its evaluation in the dtype of ``X``; ``"newton-cg"`` when the
        largest absolute gradient entry is at most ``tol`` (as scikit-learn's
        ``"newton-cg"`` does) or when its steps no longer move the
        coefficients; ``"trust-ncg"`` when the gradient norm is at most
        ``tol``.
    max_iter : int, default=100
        Maximum solver iterations; a
        :class:`~sklearn.exceptions.ConvergenceWarning` when reached.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the objective after each iteration when positive.
    n_jobs : int, default=None
        Threads of the compute kernels; ``None`` means all cores.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes, sorted (a copy of ``classes`` when given).
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        One row for binary problems (the positive class ``classes_[1]``), as
        in scikit-learn. Same dtype as ``X`` (float32 or float64).
    intercept_ : ndarray of shape (n_classes,) or (1,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has string feature names.
    n_iter_ : ndarray of shape (1,), int32
        Solver iterations, as in
        :class:`~sklearn.linear_model.LogisticRegression`.
    loss_ : float
        Final value of the objective, penalty included.
    loss_curve_ : list of float
        The objective after each solver iteration.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skxent import SoftmaxClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> clf = SoftmaxClassifier(C=10.0).fit(X, y)
    >>> clf.predict(X[[0, 50, 100]])
    array([0, 1, 2])
    >>> clf.predict_proba(X[[50]]).round(2)
    array([[0.  , 0.99, 0.01]])

    Soft targets (here label-smoothed one-hot rows) fit directly; KL and
    cross-entropy give the same model, with losses offset by the target
    entropy:

    >>> import numpy as np
    >>> soft = np.eye(3)[y] * 0.8 + 0.2 / 3
    >>> ce = SoftmaxClassifier().fit(X, soft)
    >>> kl = SoftmaxClassifier(objective="kl_divergence").fit(X, soft)
    >>> bool(np.allclose(ce.coef_, kl.coef_))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "objective": [StrOptions(set(OBJECTIVES))],
        # closed="right" admits np.inf: no penalty, as in LogisticRegression.
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "entropy_penalty": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "target_type": [StrOptions({"auto", "counts"})],
        "classes": ["array-like", None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        objective="cross_entropy",
        *,
        C=1.0,
        fit_intercept=True,
        entropy_penalty=0.0,
        label_smoothing=0.0,
        target_type="auto",
        classes=None,
        class_weight=None,
        solver="auto",
        tol=1e-4,
        max_iter=100,
        warm_start=False,
        verbose=0,
        n_jobs=None,
    ):
        self.objective = objective
        self.C = C
        self.fit_intercept = fit_intercept
        self.entropy_penalty = entropy_penalty
        self.label_smoothing = label_smoothing
        self.target_type = target_type
        self.classes = classes
        self.class_weight = class_weight
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to class labels or to probability targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense (C- or F-ordered) or CSR. float32 stays float32, in either
            byte order. A dask array (chunked along rows, dense or CSR
            blocks) is fitted where its blocks live, with ``y`` and
            ``sample_weight`` as dask arrays or in memory: the same model as
            in memory (see :doc:`/scaling_out`).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or rows of target probabilities (of counts, with
            ``target_type="counts"``) whose columns follow ``classes``
            (``0..K-1`` by default).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : SoftmaxClassifier
        """
        if _dask.has_dask_array(X, y, sample_weight):
            return _dask.fit(self, X, y, sample_weight)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=X_DTYPES, multi_output=True
        )
        X = native_byte_order(X)
        # Everything is validated before a fitted attribute is set: a refit
        # that raises leaves the previous model whole (n_features_in_ aside,
        # which validate_data sets first, as in scikit-learn's estimators).
        classes, targets, sample_weight = self._targets(X, y, sample_weight)
        return self._fit_objective(
            X, classes, targets, sample_weight, OBJECTIVES[self.objective]()
        )

    def _fit_objective(self, X, classes, targets, sample_weight, objective):
        """Fit to validated ``X`` and what :meth:`_targets` returns, minimizing
        ``objective`` (an :class:`~skxent._objectives.Objective` instance:
        the distillation estimator passes one of its own)."""
        objective.check_targets(targets, classes)
        loss = LinearSoftmaxLoss(
            X,
            targets,
            sample_weight,
            objective=objective,
            n_params=1 if classes.size == 2 else classes.size,
            fit_intercept=self.fit_intercept,
            l2_reg_strength=1.0 / (self.C * sample_weight.sum()),
            entropy_penalty=self.entropy_penalty,
        )
        del targets  # the loss keeps a class-major copy; free this one first
        return self._fit_loss(loss, classes)

    def _fit_loss(self, loss, classes):
        """Minimize ``loss`` (a :class:`~skxent._linear_loss.LinearSoftmaxLoss`
        or an object with its methods, such as the sum of a dask array's row
        blocks) and set the fitted attributes from its minimizer."""
        with compute_threads(self.n_jobs) as n_threads:
            loss.n_threads = n_threads
            params, loss_value, n_iter, curve = minimize(
                loss,
                self._initial_params(loss),
                solver=resolve_solver(
                    self.solver, sparse=loss.sparse, n_coef=loss.n_coef
                ),
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=self.verbose,
                # The caller of fit (this estimator's or the distillation
                # estimator's), through fit, the method that built the loss
                # and scikit-learn's fit context.
                stacklevel=5,
            )
        coef, intercept = loss.unpack(params)
        self.classes_ = classes
        self.coef_ = coef.copy()  # not a view into the optimizer's array
        self.intercept_ = intercept.astype(loss.dtype)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        self.loss_, self.loss_curve_ = loss_value, curve
        return self

    def _targets(self, X, y, sample_weight, *, require_weight=True):
        """Return ``(classes, targets, sample_weight)``, setting nothing: the
        sorted classes, the targets in their order (after class weights and
        label smoothing: probability rows, or the class codes of hard labels)
        and the sample weights (times class weights), which must not sum to
        zero unless ``require_weight`` is false (a block of rows of a larger
        sample)."""
        counts = None
        if self.target_type == "counts":
            y, counts = _count_rows(y)
        elif y.ndim == 2 and y.shape[1] == 1:
            y = _targets.check_label_vector(y, name="y")
        if y.ndim == 2:
            classes, targets = self._soft_targets(y, X.dtype)
        else:
            check_classification_targets(y)
            # New arrays either way, never the caller's: editing those after
            # fit must not change the model.
            classes = (
                unique_values(y) if self.classes is None else self._given_classes()[0]
            )
            targets = _targets.encode_labels(y, classes, name="y")
        check_two_classes(classes)
        sample_weight = _targets.check_sample_weight(sample_weight, X.shape[0])
        if counts is not None:
            sample_weight = sample_weight * counts
        if self.class_weight is not None and targets.ndim == 1:
            sample_weight = (
                sample_weight
                * self._class_weights(classes, targets, sample_weight)[targets]
            )
        elif self.class_weight is not None:
            class_weight = self._class_weights(classes, targets, sample_weight)
            weighted = targets * class_weight
            row_weight = weighted.sum(axis=1)
            sample_weight = sample_weight * row_weight
            targets = np.divide(
                weighted,
                row_weight[:, None],
                out=targets,
                where=row_weight[:, None] > 0,
            )
        if require_weight:
            check_weight_total(sample_weight.sum())
        if self.label_smoothing:
            if targets.ndim == 1:
                targets = np.eye(classes.size, dtype=X.dtype)[targets]
            targets = (1 - self.label_smoothing) * targets + (
                self.label_smoothing / classes.size
            )
        return classes, targets, sample_weight

    def _soft_targets(self, y, dtype):
        """``(classes, targets)`` for probability rows ``y``: the sorted
        classes, and a copy of ``y`` in ``dtype`` with its columns (which
        follow ``classes``) in their order."""
        targets = _targets.check_probability_rows(y, name="y")
        n_classes = targets.shape[1]
        if self.classes is None:
            return np.arange(n_classes), targets.astype(dtype)
        classes, order = self._given_classes()
        if classes.size != n_classes:
            raise ValueError(
                f"y has {n_classes} probability columns but classes has "
                f"{classes.size} entries; give one class per column."
            )
        # take copies, C-ordered (indexing would give F-ordered rows, one more
        # compiled kernel variant); astype then copies only to change the dtype.
        return classes, targets.take(order, axis=1).astype(dtype, copy=False)

    def _given_classes(self):
        """``(sorted classes, order)``: the ``classes`` parameter sorted (a new
        array) and the permutation that sorts it."""
        classes = np.asarray(self.classes)
        if classes.ndim != 1 or np.unique(classes).size != classes.size:
            raise ValueError(
                "classes must be a 1-D list of distinct labels, got "
                f"{classes.tolist()}."
            )
        order = np.argsort(classes, kind="stable")
        return native_byte_order(classes[order]), order

    def _class_weights(self, classes, targets, sample_weight):
        """Per-class weights for ``targets`` (codes or probability rows in the
        order of ``classes``); soft targets count as their rows repeated once
        per class with weight ``s_i p_ik``."""
        labels = classes.tolist()
        if isinstance(self.class_weight, dict):
            return self._given_class_weights(labels)
        totals = class_totals(targets, sample_weight, len(labels))
        return balanced_class_weights(labels, totals)

    def _given_class_weights(self, labels):
        """The weights of the ``class_weight`` dict for ``labels``, 1 where
        it has none; raises unless they are finite and non-negative."""
        unknown = [key for key in self.class_weight if key not in labels]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown} that are not among the "
                f"classes {labels}; use the class labels as keys."
            )
        weights = [self.class_weight.get(label, 1.0) for label in labels]
        invalid = {
            label: weight
            for label, weight in zip(labels, weights, strict=True)
            if not (isinstance(weight, Real) and 0 <= weight < np.inf)
        }
        if invalid:
            raise ValueError(
                "class_weight values must be finite, non-negative numbers (0 "
                f"drops a class), but class_weight has {invalid}."
            )
        return np.array(weights, dtype=float)

    def _initial_params(self, loss):
        initial = loss.initial_params()
        if self.warm_start and hasattr(self, "coef_"):
            previous = np.concatenate(
                [np.ravel(self.coef_), self.intercept_ if self.fit_intercept else []]
            )
            if previous.shape == initial.shape:
                return previous.astype(np.float64)
        return initial

    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``; 1-D for binary problems.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        if _dask.has_dask_array(X):
            return _dask.predict(self, "decision_function", X)
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=X_DTYPES, reset=False)
        X = native_byte_order(X)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def _full_logits(self, X):
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([np.zeros_like(scores), scores])
        return scores

    def predict_proba(self, X):
        """Class probabilities, the softmax of the logits, columns in ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        if _dask.has_dask_array(X):
            return _dask.predict(self, "predict_proba", X)
        return softmax(self._full_logits(X), axis=1)

    def predict_log_proba(self, X):
        """Log-probabilities by a stable log-softmax (never :math:`\\log 0`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        if _dask.has_dask_array(X):
            return _dask.predict(self, "predict_log_proba", X)
        return log_softmax(self._full_logits(X), axis=1)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        if _dask.has_dask_array(X):
            return _dask.predict(self, "predict", X)
        best = np.argmax(self._full_logits(X), axis=1)
        return self.classes_[best]

    def score(self, X, y, sample_weight=None):
        """Accuracy; probability targets count as their most probable class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or probability rows (count rows, with
            ``target_type="counts"``) whose columns follow ``classes`` as in
            :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        accuracy : float
        """
        if self.target_type == "counts" or _targets.is_probability_matrix(y):
            check_is_fitted(self)
            column_classes = (
                self.classes_ if self.classes is None else np.asarray(self.classes)
            )
            y = column_classes[np.argmax(np.asarray(y), axis=1)]
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def check_two_classes(classes):
    """Raise unless the sorted ``classes`` of a fit are at least two."""
    if classes.size < 2:
        raise ValueError(
            "SoftmaxClassifier needs samples of at least 2 classes, but the "
            f"data contains only one class: {classes.tolist()[0]!r}. "
            "Pass all classes through the classes parameter."
        )


def check_weight_total(total):
    """Raise unless the sample weights (times class weights) of a fit have a
    positive sum."""
    if total <= 0:
        raise ValueError("sample_weight (times class_weight) sums to zero.")


def class_totals(targets, sample_weight, n_classes):
    """The weight of each of ``n_classes`` classes in ``targets`` (codes or
    probability rows): soft targets count as their rows repeated once per
    class with weight ``s_i p_ik``."""
    if targets.ndim == 1:
        return np.bincount(targets, weights=sample_weight, minlength=n_classes)
    return sample_weight @ targets


def balanced_class_weights(labels, totals):
    """``class_weight="balanced"``: weights inversely proportional to the
    class ``totals`` of ``labels``; raises if a class has no weight."""
    if np.any(totals <= 0):
        absent = [c for c, total in zip(labels, totals, strict=True) if total <= 0]
        raise ValueError(
            "class_weight='balanced' needs samples of every class, but "
            f"classes {absent} have no (weighted) samples; pass a dict of "
            "class weights instead."
        )
    return totals.sum() / (len(labels) * totals)


def _count_rows(y):
    """``(rows, totals)`` for a 2-D array ``y`` of counts: new float64 arrays
    of the rows divided by their totals, and the totals; a ``ValueError``
    for anything but non-negative, finite counts with a positive total."""
    y = np.asarray(y)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(
            "target_type='counts' takes y as a 2-D array of counts, one column "
            f"per class (at least 2), but y has shape {y.shape}. Pass class "
            "labels with target_type='auto'."
        )
    try:
        counts = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"target_type='counts' takes numeric counts, but y has dtype {y.dtype}."
        ) from None
    invalid = np.argwhere(~(np.isfinite(counts) & (counts >= 0)))
    if invalid.size:
        row, column = invalid[0]
        raise ValueError(
            "Counts must be finite and non-negative, but y has "
            f"{len(invalid)} entries that are not, the first {y[row, column].item()!r} "
            f"in row {row}, column {column}."
        )
    totals = counts.sum(axis=1)
    empty = np.flatnonzero(totals == 0)
    if empty.size:
        raise ValueError(
            f"{empty.size} rows of y count nothing (all zeros), the first row "
            f"{empty[0]}: a row of counts is fitted as that many samples, and "
            "these have none. Drop them."
        )
    return counts / totals[:, None], totals
