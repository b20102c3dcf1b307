"""Entropy, cross-entropy, KL and Jensen-Shannon divergence, and their scorers.

For a target distribution ``p`` and a predicted distribution ``q`` over ``K``
classes (natural logarithms; ``base=2`` gives bits):

.. math::

    H(p) = -\\sum_k p_k \\log p_k, \\qquad
    H(p, q) = -\\sum_k p_k \\log q_k, \\qquad
    KL(p \\| q) = \\sum_k p_k \\log \\frac{p_k}{q_k} = H(p, q) - H(p),

    JS(p, q) = \\tfrac12 KL(p \\| m) + \\tfrac12 KL(q \\| m), \\quad m = (p + q) / 2.

Targets are 1-D class labels (then ``p`` is one-hot, ``H(p) = 0`` and
cross-entropy, KL and the negative log-likelihood coincide) or a 2-D matrix of
probability rows; binary soft targets are ``(n_samples, 2)`` rows too, since a
1-D float target is read as labels and refused unless its values are integral.
Predictions are an ``(n_samples, K)`` probability matrix, or the 1-D
positive-class probabilities a scikit-learn scorer hands a metric for a binary
classifier; float64, float32 and float16 keep their precision, as in
``sklearn.metrics.log_loss``. Every metric returns the
``sample_weight``-weighted mean over samples (the weighted sum with
``normalize=False``).
"""

import copy

import numpy as np
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import make_scorer
from sklearn.utils import check_consistent_length

from skxent import _targets
from skxent._encoding import unique_values
from skxent._kernels import divergence as kernels
from skxent._validation import log_of_base

__all__ = [
    "cross_entropy",
    "entropy",
    "get_scorer",
    "js_divergence",
    "kl_divergence",
    "neg_cross_entropy",
    "neg_js_divergence",
    "neg_kl_divergence",
]


def entropy(p, *, base=None):
    """Shannon entropy of each row of a probability matrix.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes) or (n_classes,)
        Probability rows (or a single distribution). Rows must be finite,
        non-negative and sum to one; they are never renormalized.
    base : float, default=None
        Logarithm base; ``None`` means nats, ``2`` bits.

    Returns
    -------
    entropy : ndarray of shape (n_samples,) or float
        ``-sum_k p_k log p_k`` per row (a float for a single distribution),
        with ``0 log 0 = 0``.

    Examples
    --------
    >>> from skxent.metrics import entropy
    >>> entropy([[0.5, 0.5], [1.0, 0.0]], base=2)
    array([1., 0.])
    >>> entropy([0.25, 0.25, 0.25, 0.25], base=2)
    2.0
    """
    P = _targets.check_probabilities(p, name="p", ensure_2d=False)
    single = P.ndim == 1
    P = _targets.check_probability_rows(P[np.newaxis] if single else P, name="p")
    rows = kernels.soft_target_rows(P, P, kernels.ENTROPY, 0.0)
    rows /= log_of_base(base)
    return float(rows[0]) if single else rows


def _check_predictions(y_proba):
    """2-D probability matrix from ``y_proba`` and the ``eps`` of its dtype.

    1-D means positive-class probabilities of a binary problem, rebuilt as
    ``[1 - p, p]``. ``eps`` is taken before float16 is widened for the
    kernels: predictions are clipped at their own precision, as in
    ``log_loss``.
    """
    Q = _targets.check_probabilities(y_proba, name="y_proba", ensure_2d=False)
    eps = float(np.finfo(Q.dtype).eps)
    if Q.ndim == 2 and Q.shape[1] == 1:
        Q = Q.ravel()
    if Q.ndim == 1:
        if not np.all((Q >= 0) & (Q <= 1)):
            raise ValueError(
                "1-D y_proba holds positive-class probabilities and must lie in "
                "[0, 1]; found values outside (or NaN)."
            )
        Q = np.column_stack([1 - Q, Q])
    return _targets.check_probability_rows(Q, name="y_proba"), eps


def _check_label_columns(labels, n_columns, *, where):
    """``labels`` as an array of one distinct class per column, or ``None``."""
    if labels is None:
        return None
    labels = _targets.check_label_vector(labels, name="labels")
    # Python equality, not sorting: labels of mixed types are not ordered.
    if len(set(labels.tolist())) != labels.size:
        raise ValueError(f"labels must be unique, got {labels.tolist()}.")
    if labels.size != n_columns:
        raise ValueError(
            f"labels has {labels.size} classes but {where} has {n_columns} "
            "columns; give one label per column."
        )
    return labels


def _check_label_targets(y_true):
    """1-D class labels from ``y_true``, refusing non-integral floats.

    ``log_loss`` refuses them too: 1-D probabilities of the positive class
    read as labels would silently give the hard-label value.
    """
    y = _targets.check_label_vector(y_true, name="y_true")
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError(
            "y_true is 1-D with non-integral values, which class labels cannot "
            "have. For binary soft targets pass (n_samples, 2) probability rows "
            "[1 - p, p], e.g. np.column_stack([1 - y_true, y_true])."
        )
    return y


def _row_divergences(y_true, y_proba, labels, sample_weight, kind):
    """Per-sample divergence of ``kind``."""
    Q, eps = _check_predictions(y_proba)
    y_true = _targets.check_target(y_true, name="y_true")
    if _targets.is_probability_matrix(y_true):
        P = _targets.check_probability_rows(y_true, name="y_true")
        if P.shape[1] != Q.shape[1]:
            raise ValueError(
                f"y_true has {P.shape[1]} columns (classes) but y_proba has "
                f"{Q.shape[1]}; both must list the same classes."
            )
        _check_label_columns(labels, P.shape[1], where="y_true")
        check_consistent_length(P, Q, sample_weight)
        rows = kernels.soft_target_rows(P, Q, kind, eps)
    else:
        y = _check_label_targets(y_true)
        check_consistent_length(y, Q, sample_weight)
        if labels is None:
            classes = unique_values(y)
            if classes.size == 1:
                raise ValueError(
                    f"y_true contains only one label ({classes.tolist()[0]!r}); "
                    "pass the list of all classes through the labels argument."
                )
            if classes.size != Q.shape[1]:
                raise ValueError(
                    f"y_true contains {classes.size} classes but y_proba has "
                    f"{Q.shape[1]} columns; pass the full list of classes "
                    "through the labels argument."
                )
        else:
            classes = _check_label_columns(labels, Q.shape[1], where="y_proba")
        rows = kernels.label_target_rows(
            _targets.encode_labels(y, classes, name="y_true"), Q, kind, eps
        )
    return rows


def _average(rows, sample_weight, normalize, base):
    if sample_weight is None:
        total = rows.sum() if not normalize else rows.mean()
    else:
        weights = _targets.check_sample_weight(sample_weight, rows.size)
        total = weights @ rows
        if normalize:
            total /= weights.sum()
    return float(total / log_of_base(base))


def _mean_divergence(kind, y_true, y_proba, labels, sample_weight, normalize, base):
    rows = _row_divergences(y_true, y_proba, labels, sample_weight, kind)
    return _average(rows, sample_weight, normalize, base)


_SHARED_PARAMETERS_DOC = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class labels, or probability rows (soft targets) whose columns follow
        the columns of ``y_proba``. Probability rows must be finite,
        non-negative and sum to one (within ``sqrt(eps)`` of their dtype); they
        are never renormalized. Binary soft targets are ``(n_samples, 2)``
        rows: 1-D floats are labels and must be integral.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, as returned by ``predict_proba``. A 1-D array
        (or a single column) holds the probabilities of the positive (second)
        class of a binary problem. float64, float32 and float16 are checked
        and clipped at their own precision; other dtypes are read as float64.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the columns of ``y_proba``. By default the
        sorted unique labels of ``y_true``, the order of ``classes_`` in a
        scikit-learn classifier.
    sample_weight : array-like of shape (n_samples,), default=None
        Finite, non-negative sample weights, not all zero.
    normalize : bool, default=True
        Return the weighted mean over samples; otherwise the weighted sum.
    base : float, default=None
        Logarithm base; ``None`` means nats, ``2`` bits.

    Returns
    -------
    value : float
"""


def _shares_parameters_doc(metric):
    metric.__doc__ = metric.__doc__.replace("{parameters}", _SHARED_PARAMETERS_DOC)
    return metric


@_shares_parameters_doc
def cross_entropy(
    y_true, y_proba, *, labels=None, sample_weight=None, normalize=True, base=None
):
    """Mean cross-entropy ``H(p_i, q_i) = -sum_k p_ik log q_ik``.

    With class labels it equals ``sklearn.metrics.log_loss`` (same clipping of
    ``q`` to ``[eps, 1 - eps]``); with probability targets it is
    ``kl_divergence + H(p)``, the objective most frameworks minimize.
    {parameters}
    Examples
    --------
    >>> from skxent.metrics import cross_entropy
    >>> cross_entropy(["spam", "ham", "ham", "spam"],
    ...               [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    0.21616
    >>> cross_entropy([[0.5, 0.5]], [[0.5, 0.5]], base=2)
    1.0
    """
    return _mean_divergence(
        kernels.CROSS_ENTROPY, y_true, y_proba, labels, sample_weight, normalize, base
    )


@_shares_parameters_doc
def kl_divergence(
    y_true, y_proba, *, labels=None, sample_weight=None, normalize=True, base=None
):
    """Mean Kullback-Leibler divergence ``KL(p_i || q_i)``.

    ``sum_k p_ik log(p_ik / q_ik)`` with ``0 log 0 = 0`` and ``q`` clipped to
    ``[eps, 1 - eps]`` as in :func:`cross_entropy`; never negative. With class
    labels it equals :func:`cross_entropy`.
    {parameters}
    Examples
    --------
    >>> from skxent.metrics import kl_divergence
    >>> kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])
    0.0
    >>> kl_divergence([[1.0, 0.0]], [[0.5, 0.5]], base=2)
    1.0
    """
    return _mean_divergence(
        kernels.KL_DIVERGENCE, y_true, y_proba, labels, sample_weight, normalize, base
    )


@_shares_parameters_doc
def js_divergence(
    y_true, y_proba, *, labels=None, sample_weight=None, normalize=True, base=None
):
    """Mean Jensen-Shannon divergence ``JS(p_i, q_i)``.

    ``KL(p || m) / 2 + KL(q || m) / 2`` with ``m = (p + q) / 2``: symmetric,
    finite even where ``q`` has zeros (no clipping needed), and at most
    ``log 2`` (one bit).
    {parameters}
    Examples
    --------
    >>> from skxent.metrics import js_divergence
    >>> js_divergence([[1.0, 0.0]], [[0.0, 1.0]], base=2)
    1.0
    """
    return _mean_divergence(
        kernels.JS_DIVERGENCE, y_true, y_proba, labels, sample_weight, normalize, base
    )


_SCORERS = {
    f"neg_{metric.__name__}": make_scorer(
        metric, response_method="predict_proba", greater_is_better=False
    )
    for metric in (cross_entropy, kl_divergence, js_divergence)
}
neg_cross_entropy = _SCORERS["neg_cross_entropy"]
neg_kl_divergence = _SCORERS["neg_kl_divergence"]
neg_js_divergence = _SCORERS["neg_js_divergence"]


def get_scorer(scoring):
    """A fresh scorer by name: skxent's own, or scikit-learn's.

    Parameters
    ----------
    scoring : str or callable
        ``"neg_cross_entropy"``, ``"neg_kl_divergence"`` or
        ``"neg_js_divergence"``; any other value is passed to
        :func:`sklearn.metrics.get_scorer`.

    Returns
    -------
    scorer : callable
        A copy, so that ``set_score_request`` on it changes nothing shared.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxent.metrics import get_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=1000).fit(X, y)
    >>> score = get_scorer("neg_kl_divergence")(model, X, y)
    >>> bool(-0.2 < score < 0)
    True
    """
    if isinstance(scoring, str) and scoring in _SCORERS:
        return copy.deepcopy(_SCORERS[scoring])
    return _sklearn_get_scorer(scoring)
