"""Entropy, cross-entropy, KL and Jensen-Shannon divergence, calibration error,
and their scorers.

For a target distribution :math:`p` and a predicted distribution :math:`q` over
:math:`K` classes (natural logarithms; ``base=2`` gives bits):

.. math::

    H(p) = -\\sum_k p_k \\log p_k, \\qquad
    H(p, q) = -\\sum_k p_k \\log q_k, \\qquad
    KL(p \\| q) = \\sum_k p_k \\log \\frac{p_k}{q_k} = H(p, q) - H(p),

    JS(p, q) = \\tfrac12 KL(p \\| m) + \\tfrac12 KL(q \\| m), \\quad m = (p + q) / 2.

Targets are 1-D class labels (then :math:`p` is one-hot, :math:`H(p) = 0` and
cross-entropy, KL and the negative log-likelihood coincide) or a 2-D matrix of
probability rows; binary soft targets are ``(n_samples, 2)`` rows too, since a
1-D float target is read as labels and refused unless its values are integral.
Predictions are an ``(n_samples, K)`` probability matrix, or the 1-D
positive-class probabilities a scikit-learn scorer hands a metric for a binary
classifier; float64, float32 and float16 keep their precision, as in
:func:`sklearn.metrics.log_loss`. With ``input="log_proba"`` or ``"logits"`` they
are log-probabilities or logits instead, read as logarithms without a round
trip through probabilities.

Every divergence returns the ``sample_weight``-weighted mean over samples (the
weighted sum with ``normalize=False``); its ``*_per_sample`` function returns
the unweighted value of each sample. :func:`calibration_error` bins the
predicted probabilities and measures how far the observed accuracy in each bin
is from the confidence predicted for it.
"""

import copy
import numbers
from typing import NamedTuple

import numpy as np
from scipy import special
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import make_scorer
from sklearn.utils import check_consistent_length

from skxent import _calibration, _dask, _targets
from skxent._encoding import unique_values
from skxent._kernels import divergence as kernels
from skxent._validation import log_of_base

__all__ = [
    "calibration_error",
    "cross_entropy",
    "cross_entropy_per_sample",
    "entropy",
    "get_scorer",
    "js_divergence",
    "js_divergence_per_sample",
    "kl_divergence",
    "kl_divergence_per_sample",
    "neg_calibration_error",
    "neg_cross_entropy",
    "neg_js_divergence",
    "neg_kl_divergence",
]

INPUTS = ("proba", "log_proba", "logits")


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
        :math:`-\\sum_k p_k \\log p_k` per row (a float for a single
        distribution), with :math:`0 \\log 0 = 0`.

    Examples
    --------
    >>> from skxent.metrics import entropy
    >>> entropy([[0.5, 0.5], [1.0, 0.0]], base=2)
    array([1., 0.])
    >>> entropy([0.25, 0.25, 0.25, 0.25], base=2)
    2.0
    """
    if _dask.has_dask_array(p):
        return _dask.entropy(p, base=base)
    P = _targets.check_probabilities(p, name="p", ensure_2d=False)
    single = P.ndim == 1
    P = _targets.check_probability_rows(P[np.newaxis] if single else P, name="p")
    rows = kernels.soft_target_rows(P, P, kernels.ENTROPY, 0.0)
    rows /= log_of_base(base)
    return float(rows[0]) if single else rows


def _check_option(value, name, options):
    """``value`` if it is one of the strings ``options``, else a ``ValueError``."""
    if not (isinstance(value, str) and value in options):
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


class _Predictions(NamedTuple):
    """Validated predictions, as the kernels read them."""

    values: np.ndarray  # (n_samples, n_classes), float64 or float32
    input: str  # one of INPUTS: what ``values`` holds
    eps: float  # where probabilities are clipped: eps of the caller's dtype


def _check_predictions(y_proba, input):
    """``y_proba`` as 2-D rows of what ``input`` names, checked.

    1-D values are about the positive class of a binary problem and become
    two columns. ``eps`` is taken before float16 is widened for the kernels:
    predictions are clipped at their own precision, as in ``log_loss``.
    """
    _check_option(input, "input", INPUTS)
    values = _targets.check_probabilities(y_proba, name="y_proba", ensure_2d=False)
    eps = float(np.finfo(values.dtype).eps)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values.ravel()
    if input == "proba":
        values = _check_probability_predictions(values)
    else:
        values = _check_log_predictions(values, logits=input == "logits")
    return _Predictions(values, input, eps)


def _check_probability_predictions(Q):
    if Q.ndim == 1:
        if not np.all((Q >= 0) & (Q <= 1)):
            raise ValueError(
                "1-D y_proba holds positive-class probabilities and must lie in "
                "[0, 1]; found values outside (or NaN). Pass input='log_proba' "
                "for log-probabilities, input='logits' for decision_function "
                "values."
            )
        Q = np.column_stack([1 - Q, Q])
    try:
        return _targets.check_probability_rows(Q, name="y_proba")
    except ValueError as error:
        hint = _log_input_hint(Q)
        if hint is None:
            raise
        raise ValueError(f"{error} {hint}") from None


def _log_input_hint(Q):
    """What to pass when rows fail as probabilities by having negative values;
    ``None`` when they have none."""
    if not np.any(Q < 0):
        return None
    log_sums = kernels.row_logsumexp(_targets.kernel_floats(Q))
    if np.all(np.abs(log_sums) <= _targets.row_sum_tolerance(Q.dtype)):
        return (
            "Every row has logsumexp 0, as log-probabilities do: pass "
            "input='log_proba'."
        )
    return "If y_proba holds logits or decision_function values, pass input='logits'."


def _looks_like_probabilities(values):
    """Whether 2-D ``values`` are plainly probabilities: all in [0, 1], every
    row summing to 1 within the tolerance of their dtype."""
    sums = values.sum(axis=1, dtype=np.float64)
    tolerance = _targets.row_sum_tolerance(values.dtype)
    return bool(
        np.all((values >= 0) & (values <= 1)) and np.all(np.abs(sums - 1) <= tolerance)
    )


def _check_log_predictions(Z, *, logits):
    what = "logits" if logits else "log-probabilities"
    if Z.ndim == 1:
        Z = _binary_log_columns(Z, logits=logits)
    elif _looks_like_probabilities(Z):
        # A probability row is never a log-probability row (its logsumexp is
        # at least log K + 1/K), and logits that lie in [0, 1] and sum to 1 on
        # every row are what probabilities passed by mistake look like: the
        # trap of pytorch#5282, where KLDivLoss expects log-probabilities.
        raise ValueError(
            "y_proba holds probabilities (every value in [0, 1], every row "
            f"summing to 1), but input='{'logits' if logits else 'log_proba'}' "
            f"reads it as {what}; pass input='proba' (the default), or "
            "np.log(y_proba) with input='log_proba'."
        )
    return _targets.check_log_probability_rows(Z, name="y_proba", logits=logits)


def _binary_log_columns(z, *, logits):
    """Two columns (negative, positive class) from the positive class's logit
    or log-probability ``z``."""
    if logits:
        # The logits of a binary decision_function are those of [0, z].
        return np.column_stack([np.zeros_like(z), z])
    if not np.all(z <= 0):
        if np.all((z >= 0) & (z <= 1)):
            problem = (
                "but its values all lie in [0, 1], as probabilities do; pass "
                "input='proba' (the default)"
            )
        else:
            problem = (
                "but some are above 0 (or NaN); pass input='logits' for "
                "decision_function values"
            )
        raise ValueError(
            "1-D y_proba with input='log_proba' holds log-probabilities of the "
            f"positive class, which are <= 0, {problem}."
        )
    z = z.astype(np.float64)
    with np.errstate(divide="ignore"):
        # log(1 - exp(z)): each form keeps full precision on its side of -log 2.
        negative = np.where(z > -np.log(2), np.log(-np.expm1(z)), np.log1p(-np.exp(z)))
    return np.column_stack([negative, z])


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


def _check_targets(y_true, Q, labels, sample_weight):
    """Targets for the columns of predictions ``Q``: probability rows (2-D)
    or the integer column of each label (1-D), as the kernels read them."""
    if isinstance(sample_weight, numbers.Real):
        sample_weight = None  # one weight for all: no length to compare
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
        return P
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
    return _targets.encode_labels(y, classes, name="y_true")


def _row_divergences(kind, y_true, y_proba, labels, input, sample_weight):
    """Per-sample divergence of ``kind``, in nats."""
    predictions = _check_predictions(y_proba, input)
    targets = _check_targets(y_true, predictions.values, labels, sample_weight)
    soft = targets.ndim == 2
    if predictions.input == "proba":
        kernel = kernels.soft_target_rows if soft else kernels.label_target_rows
        return kernel(targets, predictions.values, kind, predictions.eps)
    kernel = kernels.log_soft_target_rows if soft else kernels.log_label_target_rows
    return kernel(targets, predictions.values, kind, predictions.input == "logits")


def _average(rows, sample_weight, normalize, base):
    if sample_weight is None:
        total = rows.sum() if not normalize else rows.mean()
    else:
        weights = _targets.check_sample_weight(sample_weight, rows.size)
        # A zero weight removes its sample, even one of infinite divergence
        # (a log-probability of -inf), which 0 * inf would turn into NaN.
        kept = weights > 0
        total = weights[kept] @ rows[kept]
        if normalize:
            total /= weights.sum()
    return float(total / log_of_base(base))


def _mean_divergence(
    kind, y_true, y_proba, labels, sample_weight, normalize, input, base
):
    if _dask.has_dask_array(y_true, y_proba, sample_weight):
        return _dask.mean_divergence(
            kind, y_true, y_proba, labels, sample_weight, normalize, input, base
        )
    rows = _row_divergences(kind, y_true, y_proba, labels, input, sample_weight)
    return _average(rows, sample_weight, normalize, base)


def _divergence_per_sample(kind, y_true, y_proba, labels, input, base):
    if _dask.has_dask_array(y_true, y_proba):
        return _dask.divergence_per_sample(kind, y_true, y_proba, labels, input, base)
    rows = _row_divergences(kind, y_true, y_proba, labels, input, None)
    rows /= log_of_base(base)
    return rows


_DOC_PIECES = {
    "{predictions}": """
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class labels, or probability rows (soft targets) whose columns follow
        the columns of ``y_proba``. Probability rows must be finite,
        non-negative and sum to one (within :math:`\\sqrt{\\varepsilon}`,
        :math:`\\varepsilon` the machine epsilon of their dtype); they are
        never renormalized. Binary soft targets are ``(n_samples, 2)``
        rows: 1-D floats are labels and must be integral.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predictions, read as ``input`` says: by default probabilities, as
        returned by ``predict_proba``. A 1-D array (or a single column) is
        about the positive (second) class of a binary problem: its
        probability, its log-probability or its logit (``decision_function``,
        the negative class having logit 0). float64, float32 and float16 are
        checked (and probabilities clipped) at their own precision; other
        dtypes are read as float64.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the columns of ``y_proba``. By default the
        sorted unique labels of ``y_true``, the order of ``classes_`` in a
        scikit-learn classifier.""",
    "{input}": """
    input : {"proba", "log_proba", "logits"}, default="proba"
        What ``y_proba`` holds: probabilities (``predict_proba``),
        log-probabilities (``predict_log_proba``, a log-softmax), or logits
        (``decision_function``, unnormalized scores), normalized by a
        log-softmax. Log-probability rows must have a
        :func:`~scipy.special.logsumexp` within :math:`\\sqrt{\\varepsilon}` of
        0 and are never renormalized; ``-inf`` stands for a
        probability of 0. Probabilities passed as log-probabilities or
        logits, and log-probabilities passed as probabilities, raise a
        ``ValueError`` that says which to pass.""",
    "{sample_weight}": """
    sample_weight : array-like of shape (n_samples,), default=None
        Finite, non-negative sample weights, not all zero.""",
    "{normalize}": """
    normalize : bool, default=True
        Return the weighted mean over samples; otherwise the weighted sum.""",
    "{base}": """
    base : float, default=None
        Logarithm base; ``None`` means nats, ``2`` bits.""",
    "{log_inputs}": """
    Log-probabilities and logits are used as logarithms, never through
    :math:`\\exp` and back, and are not clipped: a log-probability of -1000
    costs 1000 nats where the probability :math:`e^{-1000}`, 0 in floating
    point, is clipped to :math:`\\varepsilon` and costs 36.""",
}


def _documented(metric):
    """Fill the ``{...}`` placeholders of ``metric``'s docstring."""
    for placeholder, text in _DOC_PIECES.items():
        metric.__doc__ = metric.__doc__.replace(placeholder, text.lstrip())
    return metric


@_documented
def cross_entropy(
    y_true,
    y_proba,
    *,
    labels=None,
    sample_weight=None,
    normalize=True,
    input="proba",
    base=None,
):
    """Mean cross-entropy :math:`H(p_i, q_i) = -\\sum_k p_{ik} \\log q_{ik}`.

    With class labels it equals :func:`sklearn.metrics.log_loss` (same
    clipping of :math:`q` to :math:`[\\varepsilon, 1 - \\varepsilon]`,
    :math:`\\varepsilon` the machine epsilon of its dtype); with probability
    targets it is :func:`kl_divergence` plus :math:`H(p)`, the objective most
    frameworks minimize.

    Parameters
    ----------
    {predictions}
    {sample_weight}
    {normalize}
    {input}
    {base}

    Returns
    -------
    value : float

    See Also
    --------
    cross_entropy_per_sample : The value of each sample.

    Notes
    -----
    {log_inputs}

    Examples
    --------
    >>> from skxent.metrics import cross_entropy
    >>> cross_entropy(["spam", "ham", "ham", "spam"],
    ...               [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    0.21616
    >>> cross_entropy([[0.5, 0.5]], [[0.5, 0.5]], base=2)
    1.0

    Logits (here those of a confident mistake) are read without clipping:

    >>> cross_entropy([1], [[0.0, -1000.0]], labels=[0, 1], input="logits")
    1000.0
    >>> cross_entropy([1], [[1.0, 0.0]], labels=[0, 1])  # 0 clipped to eps
    36.04365
    """
    return _mean_divergence(
        kernels.CROSS_ENTROPY,
        y_true,
        y_proba,
        labels,
        sample_weight,
        normalize,
        input,
        base,
    )


@_documented
def kl_divergence(
    y_true,
    y_proba,
    *,
    labels=None,
    sample_weight=None,
    normalize=True,
    input="proba",
    base=None,
):
    """Mean Kullback-Leibler divergence :math:`KL(p_i \\,\\|\\, q_i)`.

    :math:`\\sum_k p_{ik} \\log(p_{ik} / q_{ik})` with :math:`0 \\log 0 = 0` and
    :math:`q` clipped to :math:`[\\varepsilon, 1 - \\varepsilon]` as in
    :func:`cross_entropy`; never negative. With class labels it equals
    :func:`cross_entropy`.

    Parameters
    ----------
    {predictions}
    {sample_weight}
    {normalize}
    {input}
    {base}

    Returns
    -------
    value : float

    See Also
    --------
    kl_divergence_per_sample : The value of each sample.

    Notes
    -----
    {log_inputs}

    Examples
    --------
    >>> import numpy as np
    >>> from skxent.metrics import kl_divergence
    >>> kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])
    0.0
    >>> kl_divergence([[1.0, 0.0]], [[0.5, 0.5]], base=2)
    1.0
    >>> kl_divergence([[1.0, 0.0]], np.log([[0.5, 0.5]]), input="log_proba", base=2)
    1.0

    Probabilities passed where log-probabilities are expected are refused:

    >>> kl_divergence([[1.0, 0.0]], [[0.5, 0.5]], input="log_proba")
    Traceback (most recent call last):
        ...
    ValueError: y_proba holds probabilities (every value in [0, 1], every row summing to 1), but input='log_proba' reads it as log-probabilities; pass input='proba' (the default), or np.log(y_proba) with input='log_proba'.
    """  # noqa: E501
    return _mean_divergence(
        kernels.KL_DIVERGENCE,
        y_true,
        y_proba,
        labels,
        sample_weight,
        normalize,
        input,
        base,
    )


@_documented
def js_divergence(
    y_true,
    y_proba,
    *,
    labels=None,
    sample_weight=None,
    normalize=True,
    input="proba",
    base=None,
):
    """Mean Jensen-Shannon divergence :math:`JS(p_i, q_i)`.

    :math:`KL(p \\,\\|\\, m) / 2 + KL(q \\,\\|\\, m) / 2` with
    :math:`m = (p + q) / 2`: symmetric, finite even where :math:`q` has zeros
    (no clipping needed), and at most :math:`\\log 2` (one bit).

    Parameters
    ----------
    {predictions}
    {sample_weight}
    {normalize}
    {input}
    {base}

    Returns
    -------
    value : float

    See Also
    --------
    js_divergence_per_sample : The value of each sample.

    Examples
    --------
    >>> from skxent.metrics import js_divergence
    >>> js_divergence([[1.0, 0.0]], [[0.0, 1.0]], base=2)
    1.0
    """
    return _mean_divergence(
        kernels.JS_DIVERGENCE,
        y_true,
        y_proba,
        labels,
        sample_weight,
        normalize,
        input,
        base,
    )


# Per-sample values (PyTorch's reduction="none") come from functions of their
# own rather than a keyword of the metrics. scikit-learn has no per-sample
# option on any metric: `normalize` already picks the reduction over samples
# (mean or sum), and the options that return raw values, such as
# `multioutput="raw_values"` and `average=None`, skip the reduction over
# outputs or classes while `sample_weight` still weights the samples. A third
# value of `normalize`, or a `reduction` beside it, would admit combinations
# with `sample_weight` that mean nothing for unreduced values. Separate
# functions, as scikit-learn keeps row-by-row values in functions such as
# `sklearn.metrics.pairwise.paired_distances`, keep both signatures exact: the
# per-sample ones take no weights, return an array, and their weighted mean is
# the metric.


@_documented
def cross_entropy_per_sample(y_true, y_proba, *, labels=None, input="proba", base=None):
    """Cross-entropy :math:`H(p_i, q_i)` of each sample.

    The values whose weighted mean is :func:`cross_entropy`, with the same
    conventions (:math:`q` clipped to :math:`[\\varepsilon, 1 - \\varepsilon]`).

    Parameters
    ----------
    {predictions}
    {input}
    {base}

    Returns
    -------
    values : ndarray of shape (n_samples,)
        float64 and unweighted, as scikit-learn's raw values are: their
        :func:`numpy.average` with ``weights=w`` is
        ``cross_entropy(..., sample_weight=w)``.

    See Also
    --------
    cross_entropy : Their (weighted) mean or sum.

    Notes
    -----
    {log_inputs}

    Examples
    --------
    >>> from skxent.metrics import cross_entropy_per_sample
    >>> cross_entropy_per_sample([0, 1], [[0.5, 0.5], [0.2, 0.8]], base=2)
    array([1.     , 0.32193])
    """
    return _divergence_per_sample(
        kernels.CROSS_ENTROPY, y_true, y_proba, labels, input, base
    )


@_documented
def kl_divergence_per_sample(y_true, y_proba, *, labels=None, input="proba", base=None):
    """Kullback-Leibler divergence :math:`KL(p_i \\,\\|\\, q_i)` of each sample.

    The values whose weighted mean is :func:`kl_divergence`, with the same
    conventions; never negative.

    Parameters
    ----------
    {predictions}
    {input}
    {base}

    Returns
    -------
    values : ndarray of shape (n_samples,)
        float64 and unweighted, as scikit-learn's raw values are: their
        :func:`numpy.average` with ``weights=w`` is
        ``kl_divergence(..., sample_weight=w)``.

    See Also
    --------
    kl_divergence : Their (weighted) mean or sum.

    Notes
    -----
    {log_inputs}

    Examples
    --------
    >>> from skxent.metrics import kl_divergence_per_sample
    >>> kl_divergence_per_sample([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]],
    ...                          base=2)
    array([0., 1.])
    """
    return _divergence_per_sample(
        kernels.KL_DIVERGENCE, y_true, y_proba, labels, input, base
    )


@_documented
def js_divergence_per_sample(y_true, y_proba, *, labels=None, input="proba", base=None):
    """Jensen-Shannon divergence :math:`JS(p_i, q_i)` of each sample.

    The values whose weighted mean is :func:`js_divergence`: the squares of
    :func:`scipy.spatial.distance.jensenshannon` taken along ``axis=1``.

    Parameters
    ----------
    {predictions}
    {input}
    {base}

    Returns
    -------
    values : ndarray of shape (n_samples,)
        float64 and unweighted, as scikit-learn's raw values are: their
        :func:`numpy.average` with ``weights=w`` is
        ``js_divergence(..., sample_weight=w)``.

    See Also
    --------
    js_divergence : Their (weighted) mean or sum.

    Examples
    --------
    >>> from skxent.metrics import js_divergence_per_sample
    >>> js_divergence_per_sample([[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]],
    ...                          base=2)
    array([1., 0.])
    """
    return _divergence_per_sample(
        kernels.JS_DIVERGENCE, y_true, y_proba, labels, input, base
    )


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not (
        isinstance(n_bins, numbers.Integral) and n_bins >= 1
    ):
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    return int(n_bins)


def _probabilities(predictions):
    """float64 probabilities from validated predictions of any ``input``."""
    values = predictions.values.astype(np.float64)
    if predictions.input == "proba":
        return values
    if predictions.input == "logits":
        values = special.log_softmax(values, axis=1)
    return np.exp(values)


@_documented
def calibration_error(
    y_true,
    y_proba,
    *,
    n_bins=15,
    strategy="uniform",
    kind="top_label",
    norm="l1",
    sample_weight=None,
    labels=None,
    input="proba",
):
    """Expected calibration error: observed accuracy against confidence, by bins.

    A classifier is calibrated when, among the samples it predicts with
    confidence :math:`c`, a fraction :math:`c` is right. The confidences are
    cut into ``n_bins`` bins; each bin's gap
    :math:`g_b = \\lvert \\mathrm{acc}_b - \\mathrm{conf}_b \\rvert` is the
    distance between the weighted mean outcome and the weighted mean
    confidence of its samples, and ``norm="l1"`` returns
    :math:`\\sum_b (W_b / W) g_b`, the expected calibration error (ECE), with
    :math:`W_b` the total sample weight in bin :math:`b` and :math:`W` the
    total.

    - ``kind="top_label"``: each sample's confidence is its largest predicted
      probability :math:`c_i = \\max_k q_{ik}`, its prediction the first class
      attaining it (as :func:`numpy.argmax`), and its outcome 1 when that
      class is :math:`y_i`, else 0 (for probability rows ``y_true``, the target
      probability of the predicted class). This is the ECE of Guo et al.
      (2017) and of torchmetrics' ``MulticlassCalibrationError``.
    - ``kind="class_wise"``: each class :math:`k` is a binary problem with
      confidence :math:`q_{ik}` and outcome :math:`\\mathbf{1}[y_i = k]` (or
      :math:`p_{ik}`), the curve :func:`sklearn.calibration.calibration_curve`
      draws for one class; the errors :math:`E_k` of the :math:`K` problems
      are averaged (for ``"l2"`` their squares, see ``norm``). For a binary
      problem with uniform bins both classes have the error of the positive
      class, unless a probability lies on a bin edge.

    **Bins.** With edges :math:`e_0 \\le e_1 \\le \\dots \\le e_n` (:math:`n` is
    ``n_bins``), bin :math:`b` holds the confidences :math:`c` with
    :math:`e_{b-1} < c \\le e_b`, the first bin also holding every
    :math:`c \\le e_1` and the last every :math:`c > e_{n-1}`: bins are closed
    on the right, as in :func:`~sklearn.calibration.calibration_curve`, so a
    confidence equal to an edge belongs to the bin below it. Uniform edges are
    :math:`e_b = b / n`. Quantile edges are weighted quantiles of the
    confidences (the inverted CDF): :math:`e_b` is the smallest confidence
    :math:`c` such that the samples with confidence :math:`\\le c` carry at
    least :math:`b / n` of the total weight; integer weights then act as
    repeated samples and a zero weight as an absent one. Equal edges (many
    equal confidences) leave bins empty, and empty bins count for nothing.
    torchmetrics closes its bins on the left instead and puts a confidence of
    exactly 1 in a bin of its own: the two agree unless a confidence lies on
    an edge.

    Parameters
    ----------
    {predictions}
    n_bins : int, default=15
        Number of bins (the default of torchmetrics' calibration errors).
    strategy : {"uniform", "quantile"}, default="uniform"
        Bins of equal width on :math:`[0, 1]`, or of equal weight of samples.
    kind : {"top_label", "class_wise"}, default="top_label"
        Calibration of the predicted class's probability, or of every class's
        probability.
    norm : {"l1", "l2", "max"}, default="l1"
        How the gaps add up. ``"l1"``: :math:`E = \\sum_b (W_b / W) g_b`, the
        ECE. ``"l2"``: :math:`\\sqrt{\\sum_b (W_b / W) g_b^2}`, the
        root-mean-square calibration error. ``"max"``: :math:`\\max_b g_b` over
        non-empty bins, the maximum calibration error (MCE). With
        ``kind="class_wise"`` the per-class values
        :math:`E_k = \\sum_b (W_{kb} / W) g_{kb}^r` (:math:`r` = 1 or 2)
        combine as :math:`\\frac1K \\sum_k E_k`,
        :math:`\\sqrt{\\frac1K \\sum_k E_k}` or :math:`\\max_k \\max_b g_{kb}`.
    {sample_weight}
    {input}

    Returns
    -------
    error : float
        Between 0 (calibrated, at the resolution of the bins) and 1.

    Examples
    --------
    >>> from skxent.metrics import calibration_error
    >>> y = [0, 1, 1, 0, 1]
    >>> proba = [[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.35, 0.65], [0.55, 0.45]]
    >>> calibration_error(y, proba, n_bins=5)
    0.16
    >>> calibration_error(y, proba, n_bins=5, norm="max")
    0.55
    >>> calibration_error(y, proba, n_bins=5, kind="class_wise")
    0.2

    The scorer :data:`~skxent.metrics.neg_calibration_error` returns its
    opposite:

    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxent.metrics import get_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=1000).fit(X, y)
    >>> score = get_scorer("neg_calibration_error")(model, X, y)
    >>> bool(-0.2 < score <= 0)
    True
    """
    n_bins = _check_n_bins(n_bins)
    _check_option(strategy, "strategy", ("uniform", "quantile"))
    _check_option(kind, "kind", ("top_label", "class_wise"))
    _check_option(norm, "norm", ("l1", "l2", "max"))
    predictions = _check_predictions(y_proba, input)
    targets = _check_targets(y_true, predictions.values, labels, sample_weight)
    Q = _probabilities(predictions)
    n_samples, n_classes = Q.shape
    weights = (
        np.ones(n_samples)
        if sample_weight is None
        else _targets.check_sample_weight(sample_weight, n_samples)
    )
    outcomes = (
        targets.astype(np.float64) if targets.ndim == 2 else np.eye(n_classes)[targets]
    )
    if kind == "top_label":
        rows = np.arange(n_samples)
        predicted = Q.argmax(axis=1)
        Q = Q[rows, predicted][:, np.newaxis]
        outcomes = outcomes[rows, predicted][:, np.newaxis]
    return _calibration.calibration_error(
        Q, outcomes, weights, n_bins=n_bins, strategy=strategy, norm=norm
    )


_SCORERS = {
    f"neg_{metric.__name__}": make_scorer(
        metric, response_method="predict_proba", greater_is_better=False
    )
    for metric in (cross_entropy, kl_divergence, js_divergence, calibration_error)
}
neg_cross_entropy = _SCORERS["neg_cross_entropy"]
neg_kl_divergence = _SCORERS["neg_kl_divergence"]
neg_js_divergence = _SCORERS["neg_js_divergence"]
neg_calibration_error = _SCORERS["neg_calibration_error"]


def get_scorer(scoring):
    """A fresh scorer by name: skxent's own, or scikit-learn's.

    Parameters
    ----------
    scoring : str or callable
        ``"neg_cross_entropy"``, ``"neg_kl_divergence"``,
        ``"neg_js_divergence"`` or ``"neg_calibration_error"`` (top-label
        ECE with the defaults of :func:`calibration_error`); any other value
        is passed to :func:`sklearn.metrics.get_scorer`.

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
