"""Standard errors, confidence intervals and p-values of a fitted
:class:`~skxent.SoftmaxClassifier`.

Parametrization
---------------
A softmax model sees only differences of logits, so its coefficients are
reported relative to a reference class :math:`r` (statsmodels ``MNLogit``'s
parametrization): for every other class :math:`k`, :math:`\\beta_k = w_k - w_r`
and :math:`b_k - b_r`, from the estimator's rows :math:`w_k` of ``coef_`` and
entries :math:`b_k` of ``intercept_``. A binary estimator's single row is
already relative to ``classes_[0]``. With :math:`\\tilde x_i = (1, x_i)` (no
leading 1 without an intercept) and :math:`\\theta_k = (b_k - b_r, \\beta_k)`,
sample :math:`i` has the logits :math:`z_{ik} = \\theta_k^\\top \\tilde x_i` and
:math:`z_{ir} = 0`, and :math:`q_i = \\operatorname{softmax}(z_i)`.

Objective
---------
The estimator's objective times the weight sum :math:`S = \\sum_i s_i`:

.. math::

    L(\\theta) = \\sum_i s_i \\, H(p_i, q_i)
        + \\tfrac12 \\operatorname{tr}(B^\\top \\Lambda B),

with :math:`B` the :math:`\\beta_k` stacked in rows (intercepts are not
penalized), :math:`\\Lambda = I / C` for binary problems (the estimator
penalizes its one row) and
:math:`\\Lambda = (I - \\mathbf{1} \\mathbf{1}^\\top / K) / C` otherwise:
:math:`\\lVert W \\rVert_F^2 / (2 C)` at the rows :math:`W` that sum to zero,
where the estimator's optimum lies. :math:`C = \\infty` means
:math:`\\Lambda = 0`. Cross-entropy and KL divergence differ by a constant, so
both give this :math:`L`.

Covariance
----------
Over the non-reference classes, with :math:`r_i = q_i - p_i` (the score of
sample :math:`i` in its logits) and :math:`\\otimes` the Kronecker product,

.. math::

    H = \\sum_i s_i \\, (\\operatorname{diag}(q_i) - q_i q_i^\\top)
        \\otimes \\tilde x_i \\tilde x_i^\\top + \\Lambda \\otimes I,
    \\qquad
    M = \\sum_i s_i \\, (r_i r_i^\\top) \\otimes \\tilde x_i \\tilde x_i^\\top,

the Hessian of :math:`L` (the observed information, penalty included) and the
outer product of the per-sample scores. ``cov_type="nonrobust"`` reports
:math:`H^{-1}`, ``cov_type="robust"`` the sandwich :math:`H^{-1} M H^{-1}`
(HC0).
Sample weights are frequency weights: a weight of 2 is the row repeated.

Cost
----
One pass over the data, in chunks of at most :data:`CHUNK_ELEMENTS` values
of ``X``. :math:`H` takes one :math:`\\tilde X^\\top \\operatorname{diag}(w) \\tilde X`
product per pair of classes, each a BLAS symmetric rank-k update (the weights
of a pair have one sign): about :math:`n (K - 1) K (p + 1)^2 / 4`
multiply-adds for :math:`n` samples and :math:`p` features, where statsmodels'
``MNLogit`` Hessian computes all :math:`(K - 1)^2` products in full, once per
Newton iteration. :math:`M` is one symmetric rank-k update on the scores,
:math:`n P^2 / 2` multiply-adds for :math:`P` parameters, about twice
:math:`H`'s. Then a Cholesky inversion, :math:`P^3 / 3`. BLAS runs on the
threads it is configured with (``threadpoolctl`` limits apply). Memory: a few
dense :math:`P \\times P` matrices (see :data:`MAX_PARAMS`).
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.special import softmax
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from skxent import _targets
from skxent._softmax import SoftmaxClassifier

__all__ = [
    "MAX_PARAMS",
    "RCOND_LIMIT",
    "SATURATION_LIMIT",
    "STATIONARITY_LIMIT",
    "CoefficientInferenceResult",
    "coefficient_inference",
]

MAX_PARAMS = 5000
"""Default ``max_params`` of :func:`coefficient_inference`: 5000 parameters
take 200 MB per dense matrix of 5000 x 5000 float64 values, of which about
four are alive at once."""

RCOND_LIMIT = 1e-10
"""Smallest accepted reciprocal condition number of the information matrix
scaled to a unit diagonal; below it the inverse would carry fewer than about
six correct digits (float64's machine epsilon over ``RCOND_LIMIT``), or
none."""

SATURATION_LIMIT = 1e-8
"""Smallest accepted information of a parameter relative to its maximum
(:math:`\\sum_i s_i \\tilde x_{ij}^2 / 4`) when ``C=np.inf``: below it the fitted
probabilities are within about this distance of 0 or 1 wherever the feature
is nonzero (quasi-complete separation)."""

STATIONARITY_LIMIT = 0.1
"""Largest Newton step from the estimator's coefficients, in standard errors,
that passes without a warning that they are not the optimum for the data."""

CHUNK_ELEMENTS = 2**20
"""Values of ``X`` (8 MB in float64) processed at a time."""

COV_TYPES = ("nonrobust", "robust")
_BYTES = np.dtype(np.float64).itemsize
_MATRICES_ALIVE = 4  # H, its factor and inverse, and M or the sandwich


class CoefficientInferenceResult:
    """Coefficients relative to a reference class, with their covariance.

    Returned by :func:`coefficient_inference`; see there for the definitions.

    Attributes
    ----------
    classes : ndarray of shape (n_classes - 1,)
        The non-reference classes, in the order of ``classes_``: one row of
        ``coef`` each.
    reference : object
        The reference class, whose coefficients are zero.
    feature_names : ndarray of shape (n_features,)
        ``feature_names_in_`` of the estimator, else ``x0, x1, ...``.
    coef : ndarray of shape (n_classes - 1, n_features)
    intercept : ndarray of shape (n_classes - 1,)
        Zeros when the estimator fits no intercept (fixed, not estimated).
    coef_se : ndarray of shape (n_classes - 1, n_features)
    intercept_se : ndarray of shape (n_classes - 1,)
        Zeros when the estimator fits no intercept.
    covariance : ndarray of shape (n_params, n_params)
        Rows and columns class by class (the order of ``classes``), each
        class's intercept (when fitted) followed by its coefficients in
        feature order: the order of the rows of :meth:`summary` and of
        statsmodels ``MNLogit``'s ``cov_params()``.
    cov_type : {"nonrobust", "robust"}
    fit_intercept : bool
    """

    _REPR_ROWS = 8  # parameters shown by repr; summary() has them all

    def __init__(
        self, *, classes, reference, feature_names, coef, intercept, covariance,
        cov_type, fit_intercept,
    ):  # fmt: skip
        self.classes = classes
        self.reference = reference
        self.feature_names = feature_names
        self.coef = coef
        self.intercept = intercept
        self.covariance = covariance
        self.cov_type = cov_type
        self.fit_intercept = fit_intercept
        std_err = np.sqrt(np.diag(covariance)).reshape(classes.size, -1)
        self.coef_se = std_err[:, int(fit_intercept) :]
        self.intercept_se = std_err[:, 0] if fit_intercept else np.zeros(classes.size)

    def _columns(self):
        """Class, feature, estimate and standard error of each parameter, in
        the order of ``covariance``."""
        start = 0 if self.fit_intercept else 1
        estimates = np.column_stack([self.intercept, self.coef])[:, start:]
        std_err = np.column_stack([self.intercept_se, self.coef_se])[:, start:]
        classes, features = _parameter_labels(
            self.classes, self.feature_names, self.fit_intercept
        )
        return classes, features, estimates.ravel(), std_err.ravel()

    def summary(self, alpha=0.05):
        """One row per parameter: estimate, standard error, Wald test and
        confidence interval.

        Parameters
        ----------
        alpha : float in (0, 1), default=0.05
            The intervals cover ``1 - alpha``: normal quantiles, as in
            statsmodels' ``Logit`` and ``MNLogit``.

        Returns
        -------
        table : pandas.DataFrame
            Columns ``class``, ``feature`` (``"intercept"`` for the
            intercept), ``coef``, ``std_err``, ``z`` (``coef / std_err``),
            ``p_value`` (two-sided, of ``coef = 0``), ``ci_lower`` and
            ``ci_upper``; rows in the order of ``covariance``.
        """
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}.")
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "summary() returns a pandas DataFrame: install pandas, or read "
                "coef, coef_se and covariance directly."
            ) from error
        classes, features, estimates, std_err = self._columns()
        z = estimates / std_err
        half_width = norm.ppf(1 - alpha / 2) * std_err
        return pd.DataFrame(
            {
                "class": classes,
                "feature": features,
                "coef": estimates,
                "std_err": std_err,
                "z": z,
                "p_value": 2 * norm.sf(np.abs(z)),
                "ci_lower": estimates - half_width,
                "ci_upper": estimates + half_width,
            }
        )

    def __repr__(self):
        max_rows = self._REPR_ROWS
        classes, features, estimates, std_err = self._columns()
        header = (
            f"CoefficientInferenceResult(cov_type={self.cov_type!r}, "
            f"reference={self.reference!r}, n_params={estimates.size})"
        )
        rows = [("class", "feature", "coef", "std_err")] + [
            (str(c), str(f), f"{e:.6g}", f"{s:.6g}")
            for c, f, e, s in zip(
                classes[:max_rows], features[:max_rows], estimates, std_err,
                strict=False,
            )
        ]  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  " + "  ".join(
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
            for row in rows
        ]  # fmt: skip
        if estimates.size > max_rows:
            lines.append(f"  ... {estimates.size - max_rows} more: see summary()")
        return "\n".join([header, *lines])


def coefficient_inference(
    estimator, X, y, *, sample_weight=None, cov_type="nonrobust", reference=None,
    max_params=MAX_PARAMS,
):  # fmt: skip
    """Covariance of the coefficients of a fitted softmax classifier.

    The coefficients are taken relative to a reference class (statsmodels
    ``MNLogit``'s parametrization, identifiable with or without a penalty)
    and their covariance is the inverse observed information at the
    estimator's coefficients, or the sandwich around it (the formulas are in
    :mod:`skxent.inference`). Pass the data the estimator was fitted on.

    Parameters
    ----------
    estimator : SoftmaxClassifier
        Fitted with ``objective="cross_entropy"`` or ``"kl_divergence"``
        (the same minimizer) and ``class_weight=None``. Label smoothing is
        applied to ``y`` as in the fit.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class labels, or probability rows whose columns follow the
        estimator's ``classes`` parameter (:math:`0, \\dots, K - 1` by
        default), as in :meth:`SoftmaxClassifier.fit
        <skxent.SoftmaxClassifier.fit>`.
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights: a weight of 2 counts the row twice.
    cov_type : {"nonrobust", "robust"}, default="nonrobust"
        ``"nonrobust"``: the inverse Hessian :math:`H^{-1}` of the summed weighted
        negative log-likelihood, plus the penalty's Hessian when ``C`` is
        finite (then a Laplace approximation of the posterior under the
        Gaussian prior the penalty stands for). ``"robust"``: the sandwich
        :math:`H^{-1} (\\sum_i s_i g_i g_i^\\top) H^{-1}` with per-sample
        scores :math:`g_i`
        (HC0): valid when the model is misspecified and for soft targets,
        whose cross-entropy is a quasi-likelihood; every row counts as one
        independent observation.
    reference : label, default=None
        The class whose coefficients are fixed at zero; ``classes_[0]`` by
        default.
    max_params : int, default=MAX_PARAMS
        Refuse to build the dense covariance of more parameters,
        ``(n_classes - 1) * (n_features + fit_intercept)``: it needs about
        ``4 * 8 * max_params**2`` bytes.

    Returns
    -------
    result : CoefficientInferenceResult

    Raises
    ------
    ValueError
        For an estimator fitted with reverse KL or class weights; for data
        whose features or classes differ from the fit; for a class without
        samples when there is an intercept; with ``C=np.inf``, for perfect
        separation (the estimator classifies every sample correctly, so no
        maximum-likelihood estimate exists) or a parameter without
        information (a zero feature, or fitted probabilities within
        :data:`SATURATION_LIMIT` of 0 or 1 wherever it is nonzero); for a
        singular information matrix (:data:`RCOND_LIMIT`), saying whether
        the columns of ``X`` are collinear; for more than ``max_params``
        parameters.

    Warns
    -----
    ConvergenceWarning
        When a Newton step from the estimator's coefficients moves some
        parameter by more than :data:`STATIONARITY_LIMIT` standard errors:
        the fit did not converge tightly enough, or the data are not the
        data it was fitted on.

    Examples
    --------
    >>> import numpy as np
    >>> from skxent import SoftmaxClassifier
    >>> from skxent.inference import coefficient_inference
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2))
    >>> y = (X @ [1.0, -0.5] + rng.logistic(size=500) > 0).astype(int)
    >>> clf = SoftmaxClassifier(C=np.inf, tol=1e-8).fit(X, y)
    >>> result = coefficient_inference(clf, X, y)
    >>> result
    CoefficientInferenceResult(cov_type='nonrobust', reference=0, n_params=3)
      class  feature    coef  std_err
      1      intercept  -0.078  0.103
      1      x0          1.195  0.131
      1      x1         -0.501  0.112
    >>> result.coef_se.round(3)
    array([[0.131, 0.112]])
    >>> result.summary()[["feature", "coef", "std_err", "z", "p_value"]].round(3)
         feature   coef  std_err      z  p_value
    0  intercept -0.078    0.103 -0.757    0.449
    1         x0  1.195    0.131  9.101    0.000
    2         x1 -0.501    0.112 -4.466    0.000
    """
    _check_estimator(estimator)
    if cov_type not in COV_TYPES:
        raise ValueError(
            f"cov_type must be one of {COV_TYPES}, got {cov_type!r}; 'robust' "
            "is the HC0 sandwich."
        )
    classes = estimator.classes_
    reference_index = _reference_index(classes, reference)
    others = np.delete(np.arange(classes.size), reference_index)
    n_features = estimator.n_features_in_
    n_columns = n_features + estimator.fit_intercept
    _check_size(others.size * n_columns, max_params)

    X, y = validate_data(
        estimator, X, y, reset=False, accept_sparse="csr",
        dtype=_targets.FLOAT_DTYPES, multi_output=True,
    )  # fmt: skip
    targets = _fit_targets(estimator, y)
    sample_weight = _targets.check_sample_weight(sample_weight, X.shape[0])
    if estimator.fit_intercept:
        _check_classes_present(targets, sample_weight, classes)

    theta = _relative_parameters(estimator, reference_index, others)
    sums = _data_sums(
        X, targets, sample_weight, theta, others, estimator.fit_intercept,
        robust=cov_type == "robust",
    )  # fmt: skip
    feature_names = _feature_names(estimator)
    labels = _parameter_labels(classes[others], feature_names, estimator.fit_intercept)
    penalized = bool(np.isfinite(estimator.C))
    if penalized:
        penalty = _penalty_matrix(estimator.C, classes.size)
        _add_penalty(
            sums.hessian, sums.gradient, theta, penalty, estimator.fit_intercept
        )
    else:
        _check_existence(sums, labels)
    inverse = _inverse_information(sums.hessian, sums.gram, penalized)
    _check_stationarity(inverse, sums.gradient.ravel(), labels)
    covariance = inverse if cov_type == "nonrobust" else inverse @ sums.meat @ inverse
    return CoefficientInferenceResult(
        classes=classes[others],
        reference=classes.tolist()[reference_index],
        feature_names=feature_names,
        coef=theta[:, int(estimator.fit_intercept) :],
        intercept=theta[:, 0] if estimator.fit_intercept else np.zeros(others.size),
        covariance=covariance,
        cov_type=cov_type,
        fit_intercept=estimator.fit_intercept,
    )


def _check_estimator(estimator):
    if not isinstance(estimator, SoftmaxClassifier):
        raise TypeError(
            "coefficient_inference needs a fitted skxent.SoftmaxClassifier, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    if estimator.objective == "reverse_kl_divergence":
        raise ValueError(
            "coefficient_inference does not support objective="
            "'reverse_kl_divergence': its minimizer is not a maximum-likelihood "
            "estimate and its Hessian is not an information matrix. Refit with "
            "objective='cross_entropy' (or 'kl_divergence', the same fit)."
        )
    if estimator.class_weight is not None:
        raise ValueError(
            "coefficient_inference does not support class_weight: class weights "
            "reweight the likelihood, and the inverse Hessian of a reweighted "
            "likelihood is not the covariance of its estimate. Refit with "
            "class_weight=None; sample_weight is supported as frequency weights."
        )


def _reference_index(classes, reference):
    if reference is None:
        return 0
    matches = np.flatnonzero(classes == reference)
    if matches.size != 1:
        raise ValueError(
            f"reference must be one of the classes {classes.tolist()}, got "
            f"{reference!r}."
        )
    return int(matches[0])


def _check_size(n_params, max_params):
    if n_params > max_params:
        gigabytes = _MATRICES_ALIVE * _BYTES * n_params**2 / 1e9
        raise ValueError(
            f"The model has {n_params} parameters (n_classes - 1 times "
            "n_features + fit_intercept): their dense covariance needs "
            f"{n_params}^2 entries, about {gigabytes:.1f} GB for the "
            f"{_MATRICES_ALIVE} such matrices computed, above "
            f"max_params={max_params}. Select fewer features, or raise "
            "max_params if the memory is there."
        )


def _fit_targets(estimator, y):
    """The targets the estimator's fit used for ``y``, columns in the order
    of ``classes_``: probability rows, or the class codes of hard labels
    without label smoothing."""
    classes = estimator.classes_
    if y.ndim == 2 and y.shape[1] == 1:
        y = _targets.check_label_vector(y, name="y")
    if y.ndim == 2:
        targets = _targets.check_probability_rows(y, name="y").astype(np.float64)
        if targets.shape[1] != classes.size:
            raise ValueError(
                f"y has {targets.shape[1]} probability columns but the estimator "
                f"was fitted on {classes.size} classes {classes.tolist()}; give "
                "one column per class, in the order of its classes parameter."
            )
        if estimator.classes is not None:
            # Soft targets' columns follow the classes parameter, as in fit,
            # whatever order classes_ keeps them in.
            columns = _targets.encode_labels(estimator.classes, classes)
            targets[:, columns] = targets.copy()
    else:
        check_classification_targets(y)
        targets = _targets.encode_labels(y, classes, name="y")
    if estimator.label_smoothing:
        if targets.ndim == 1:
            targets = np.eye(classes.size)[targets]
        targets = (1 - estimator.label_smoothing) * targets + (
            estimator.label_smoothing / classes.size
        )
    return targets


def _relative_parameters(estimator, reference_index, others):
    """``theta``, shape ``(n_classes - 1, fit_intercept + n_features)``: each
    non-reference class's intercept and coefficients minus the reference
    class's, in float64."""
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    intercept = np.asarray(estimator.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: the logit of classes_[1] relative to [0]
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    relative = coef[others] - coef[reference_index]
    if not estimator.fit_intercept:
        return relative
    return np.column_stack([intercept[others] - intercept[reference_index], relative])


def _penalty_matrix(C, n_classes):
    """``Lambda`` of the module docstring, ``(n_classes - 1)`` square."""
    if n_classes == 2:
        return np.full((1, 1), 1.0 / C)
    return (np.eye(n_classes - 1) - 1.0 / n_classes) / C


class _DataSums:
    """What one pass over the data accumulates: the data part of the Hessian,
    the summed score, the outer product of the scores (robust only), the
    weighted Gram matrix of the design and the separation test."""

    def __init__(self, n_others, n_columns, robust):
        n_params = n_others * n_columns
        self.hessian = np.zeros((n_params, n_params))
        self.meat = np.zeros((n_params, n_params)) if robust else None
        self.gradient = np.zeros((n_others, n_columns))
        self.gram = np.zeros((n_columns, n_columns))  # X~^T diag(s) X~
        self.separated = True  # every target on the largest logits
        self.flat = True  # every sample's logits equal across classes


def _data_sums(X, targets, sample_weight, theta, others, fit_intercept, *, robust):
    n_others, n_columns = theta.shape
    sums = _DataSums(n_others, n_columns, robust)
    for rows, design in _design_chunks(X, fit_intercept):
        weight = sample_weight[rows]
        logits = np.zeros((design.shape[0], n_others + 1))
        logits[:, others] = design @ theta.T
        proba = softmax(logits, axis=1)
        target_logit, residual = _target_terms(targets[rows], logits, proba)
        _record_separation(sums, logits, target_logit, weight > 0)
        q, residual = proba[:, others], residual[:, others]
        sums.gradient += (residual * weight[:, None]).T @ design
        sums.gram += _weighted_gram(design, weight)
        _add_hessian_blocks(sums.hessian, design, q, weight)
        if robust:
            _add_score_products(sums.meat, design, residual, weight)
    _mirror_blocks(sums.hessian, n_columns)
    return sums


def _target_terms(targets, logits, proba):
    """``(p_i . z_i, q_i - p_i)`` for class codes or probability rows."""
    if targets.ndim == 2:
        return np.einsum("ik,ik->i", targets, logits), proba - targets
    rows = np.arange(targets.size)
    residual = proba.copy()
    residual[rows, targets] -= 1.0
    return logits[rows, targets], residual


def _design_chunks(X, fit_intercept):
    """``(rows, X~[rows])``: dense float64 chunks of ``X`` with a leading
    column of ones when there is an intercept."""
    n_samples, n_features = X.shape
    chunk_rows = max(1, CHUNK_ELEMENTS // max(1, n_features))
    for start in range(0, n_samples, chunk_rows):
        rows = slice(start, min(start + chunk_rows, n_samples))
        block = X[rows]
        design = np.empty((block.shape[0], n_features + fit_intercept))
        design[:, int(fit_intercept) :] = (
            block.toarray() if sp.issparse(block) else block
        )
        if fit_intercept:
            design[:, 0] = 1.0
        yield rows, design


def _record_separation(sums, logits, target_logit, positive):
    """Update the test that every positively weighted target puts all its
    mass on the classes of largest logit (then the likelihood increases
    along the coefficients without bound)."""
    top = logits.max(axis=1)[positive]
    spread = top - logits.min(axis=1)[positive]
    gap = top - target_logit[positive]  # >= 0, zero iff on the largest logits
    sums.separated &= bool(np.all(gap <= 1e-12 * (1.0 + spread)))
    sums.flat &= bool(np.all(spread == 0))


def _block(matrix, j, k, size):
    """Block ``(j, k)`` of ``matrix``, in square blocks of ``size``: a view."""
    return matrix[j * size : (j + 1) * size, k * size : (k + 1) * size]


def _add_hessian_blocks(hessian, design, proba, weight):
    """Add ``X~^T diag(s q_j (delta_jk - q_k)) X~`` to the blocks ``j <= k``
    of ``hessian``: one symmetric rank-k update per block, whose weights have
    one sign. (One update with rows ``q_i (x) x~_i`` for all the blocks at
    once does 1.8x the work: measured 1.1x slower.)"""
    size = design.shape[1]
    for j in range(proba.shape[1]):
        for k in range(j, proba.shape[1]):
            block = _block(hessian, j, k, size)
            if j == k:
                block += _weighted_gram(
                    design, weight * proba[:, j] * (1 - proba[:, j])
                )
            else:
                block -= _weighted_gram(design, weight * proba[:, j] * proba[:, k])


def _add_score_products(meat, design, residual, weight):
    """Add ``sum_i s_i g_i g_i^T``, ``g_i = r_i (x) x~_i``, to ``meat``: one
    symmetric rank-k update on the scores of a few rows at a time
    (:data:`CHUNK_ELEMENTS` values). (Block by block, the weights
    ``s r_ij r_ik`` change sign and need general products: measured 1.6x
    slower.)"""
    n_rows = max(1, CHUNK_ELEMENTS // meat.shape[0])
    for start in range(0, design.shape[0], n_rows):
        rows = slice(start, start + n_rows)
        scaled = residual[rows] * np.sqrt(weight[rows])[:, None]
        scores = scaled[:, :, None] * design[rows, None, :]
        scores = scores.reshape(scores.shape[0], -1)  # class by class
        meat += scores.T @ scores


def _weighted_gram(design, weight):
    """``X~^T diag(weight) X~`` for ``weight >= 0``: a symmetric rank-k
    update (NumPy calls BLAS syrk for ``Y.T @ Y``: half the work of a
    general product, measured 2x faster at 10,000 x 101)."""
    scaled = design * np.sqrt(weight)[:, None]
    return scaled.T @ scaled


def _mirror_blocks(matrix, size):
    """Fill the blocks below the diagonal from those above it."""
    n_blocks = matrix.shape[0] // size
    for j in range(n_blocks):
        for k in range(j + 1, n_blocks):
            _block(matrix, k, j, size)[...] = _block(matrix, j, k, size).T


def _add_penalty(hessian, gradient, theta, penalty, fit_intercept):
    """Add the penalty's Hessian ``Lambda (x) I`` and gradient ``Lambda B``,
    on the coefficients only (the intercepts are not penalized)."""
    n_columns = theta.shape[1]
    coefficients = np.arange(int(fit_intercept), n_columns)
    for j, k in np.ndindex(penalty.shape):
        _block(hessian, j, k, n_columns)[coefficients, coefficients] += penalty[j, k]
    gradient[:, coefficients] += penalty @ theta[:, coefficients]


def _feature_names(estimator):
    if hasattr(estimator, "feature_names_in_"):
        return np.asarray(estimator.feature_names_in_, dtype=object)
    return np.array([f"x{j}" for j in range(estimator.n_features_in_)], dtype=object)


def _parameter_labels(classes, feature_names, fit_intercept):
    """``(classes, features)``: the class and feature of each row of the
    covariance, as lists: class by class, the intercept first."""
    features = ["intercept"] * fit_intercept + list(feature_names)
    classes = np.asarray(classes).tolist()
    return [c for c in classes for _ in features], features * len(classes)


def _check_classes_present(targets, sample_weight, classes):
    totals = (
        np.bincount(targets, sample_weight, minlength=classes.size)
        if targets.ndim == 1
        else sample_weight @ targets
    )
    absent = [
        c for c, total in zip(classes.tolist(), totals, strict=True) if total <= 0
    ]
    if absent:
        raise ValueError(
            f"Classes {absent} have no samples in y (no target probability "
            "with positive weight): their intercepts go to minus infinity, and "
            "no (penalized) maximum-likelihood estimate exists. Refit without "
            "them in the classes parameter."
        )


def _check_existence(sums, labels):
    """With ``C = inf``: raise unless a maximum-likelihood estimate exists
    and every parameter carries information."""
    if sums.separated and not sums.flat:
        raise ValueError(
            "Perfect separation: the estimator puts every sample's target on "
            "its most probable class, so the likelihood keeps increasing along "
            "its coefficients and no maximum-likelihood estimate exists (the "
            "fitted coefficients are wherever the solver stopped; standard "
            "errors would be meaningless). Fit with a finite C: the penalized "
            "estimate exists, and its covariance is a Laplace approximation."
        )
    classes, features = labels
    maximum = np.tile(np.diag(sums.gram) / 4, len(classes) // sums.gram.shape[0])
    if np.any(maximum == 0):
        raise ValueError(
            f"Singular information matrix: feature "
            f"{features[int(np.argmin(maximum))]!r} is zero on every sample with "
            "positive weight, so its coefficients are not identified. Drop it, "
            "or fit with a finite C."
        )
    ratio = np.diag(sums.hessian) / maximum
    weakest = int(np.argmin(ratio))
    if ratio[weakest] < SATURATION_LIMIT:
        raise ValueError(
            "Singular information matrix: the fitted probabilities of class "
            f"{classes[weakest]!r} are within about {ratio[weakest]:.1e} of 0 or "
            f"1 wherever feature {features[weakest]!r} is nonzero (its "
            "information is that fraction of the most it could be): "
            "quasi-complete separation (the feature predicts the class "
            "perfectly on part of the data) or a class without samples, and no "
            "maximum-likelihood estimate exists. Fit with a finite C, or drop "
            "or merge the feature or the class."
        )


def _inverse_information(hessian, gram, penalized):
    """``hessian^-1``; raise, saying why, if it is singular."""
    factor, scale, rcond = _scaled_cholesky(hessian)
    if rcond < RCOND_LIMIT:
        raise ValueError(
            "Singular information matrix (reciprocal condition number "
            f"{rcond:.1e} after scaling to a unit diagonal, below {RCOND_LIMIT}): "
            "a combination of the parameters is not identified by the data. "
            + _singularity_cause(gram, penalized)
        )
    inverse, _ = scipy.linalg.lapack.dpotri(factor, lower=1)
    inverse = np.tril(inverse) + np.tril(inverse, -1).T
    return inverse * scale[:, None] * scale[None, :]


def _scaled_cholesky(matrix):
    """``(L, d, rcond)``: the Cholesky factor ``L`` of ``D matrix D`` with
    ``D = diag(d)`` scaling it to a unit diagonal (the condition number then
    ignores the units of the features) and its reciprocal condition number
    (0 if it is not positive definite)."""
    diagonal = np.diag(matrix)
    if np.any(diagonal <= 0):
        return None, None, 0.0
    scale = 1.0 / np.sqrt(diagonal)
    scaled = matrix * scale[:, None] * scale[None, :]
    factor, info = scipy.linalg.lapack.dpotrf(scaled, lower=1)
    if info != 0:
        return None, None, 0.0
    norm_1 = np.abs(scaled).sum(axis=0).max()
    rcond, _ = scipy.linalg.lapack.dpocon(factor, norm_1, uplo="L")
    return factor, scale, rcond


def _singularity_cause(gram, penalized):
    if _scaled_cholesky(gram)[2] < RCOND_LIMIT:
        return (
            "The columns of X (with the intercept's column of ones) are "
            "linearly dependent: a duplicated column, a constant column beside "
            "the intercept, or one-hot columns of every category beside it. "
            "Drop the redundant columns, or fit with a finite C."
        )
    return (
        "The columns of X are not collinear, so fitted probabilities saturate "
        "at 0 or 1 along that combination: quasi-complete separation (some "
        "features predict a class perfectly on part of the data) or a class "
        "without samples. "
        + (
            "With a finite C only intercepts can be unidentified: refit "
            "without the classes that no sample has."
            if penalized
            else "Fit with a finite C: the penalized estimate exists."
        )
    )


def _check_stationarity(inverse, gradient, labels):
    """Warn when the Newton step ``H^-1 g`` moves a parameter by more than
    :data:`STATIONARITY_LIMIT` standard errors."""
    steps = np.abs(inverse @ gradient) / np.sqrt(np.diag(inverse))
    largest = int(np.argmax(steps))
    if steps[largest] > STATIONARITY_LIMIT:
        classes, features = labels
        warnings.warn(
            "The estimator's coefficients are not the optimum of its objective "
            "on these data: a Newton step moves the parameter of class "
            f"{classes[largest]!r}, feature {features[largest]!r} by "
            f"{steps[largest]:.2g} standard errors. Refit with a smaller tol, "
            "or pass the data (and sample_weight) the estimator was fitted on.",
            ConvergenceWarning,
            stacklevel=3,
        )
