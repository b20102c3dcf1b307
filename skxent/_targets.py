"""Targets: class labels or rows of probabilities, validated once, shared by all.

A target is either a 1-D array of class labels, encoded as integer column
indices into a list of classes, or a 2-D ``(n_samples, n_classes)`` matrix whose
rows are probability vectors (soft targets). Probability rows must be finite,
non-negative and sum to one within ``sqrt(eps)`` of their dtype (about 1.5e-8 in
float64, 3.5e-4 in float32, 3.1e-2 in float16), the tolerance
``sklearn.metrics.log_loss`` uses. skxent never renormalizes a row that fails
this test; it raises instead.

Probabilities keep their precision, as in ``log_loss``: float64, float32 and
float16 are judged (and, as predictions, clipped) by their own dtype, big-endian
data included; anything else is read as float64.

Predictions may also come as log-probabilities, held to the same rule: a row's
``logsumexp`` must lie within the same ``sqrt(eps)`` of 0 (``log(1 + d)`` is
about ``d``), ``-inf`` standing for a probability of 0; or as logits, which
need no normalization, only a softmax.
"""

import numbers

import numpy as np
from sklearn.utils import check_array, column_or_1d

from skxent._encoding import category_codes, native_byte_order
from skxent._kernels import counting as counting_kernels
from skxent._kernels import divergence as kernels

FLOAT_DTYPES = (np.float64, np.float32)
PROBABILITY_DTYPES = (np.float64, np.float32, np.float16)


def row_sum_tolerance(dtype):
    """Largest accepted ``|sum(row) - 1|`` for probability rows of ``dtype``."""
    return float(np.sqrt(np.finfo(dtype).eps))


def check_probabilities(values, *, name, ensure_2d=True):
    """``values`` as a native-endian float array of the caller's precision.

    float64, float32 and float16 keep their dtype (big-endian ones too), so
    that tolerances and clipping follow the precision the caller computed in;
    other numbers become float64. No copy of a native float array.
    """
    values = check_array(
        values,
        ensure_2d=ensure_2d,
        dtype="numeric",
        ensure_all_finite=False,
        input_name=name,
    )
    values = native_byte_order(values)
    if values.dtype not in PROBABILITY_DTYPES:
        values = values.astype(np.float64)
    return values


def kernel_floats(values):
    """``values`` in a dtype the kernels take: float16 becomes float32, which
    holds every float16 value exactly (Numba has no float16 on the CPU)."""
    return values.astype(np.float32) if values.dtype == np.float16 else values


def check_probability_rows(P, *, name):
    """Return ``P`` as a 2-D float64 or float32 array of probability rows.

    Rows are judged by the tolerance of ``P``'s own dtype; float16 rows are
    then widened (exactly) to float32. Raises a ``ValueError`` naming the first
    offending row otherwise. ``P`` is never modified; it is copied only when
    it is not a native float32 or float64 array.
    """
    P = check_probabilities(P, name=name)
    tolerance = row_sum_tolerance(P.dtype)
    P = kernel_floats(P)
    status = kernels.probability_row_status(P, tolerance)
    bad_rows = np.flatnonzero(status)
    if bad_rows.size:
        row = bad_rows[0]
        reason = {
            kernels.ROW_NOT_FINITE: "contains NaN or infinity",
            kernels.ROW_NEGATIVE: "contains a negative probability",
            kernels.ROW_SUM_NOT_ONE: (
                f"sums to {float(P[row].sum(dtype=np.float64))!r}, not 1 (tolerance "
                f"{tolerance:.1e}); divide each row by its sum "
                "if the values are unnormalized weights or counts"
            ),
        }[status[row]]
        raise ValueError(
            f"{name} must hold one probability distribution per row, but row "
            f"{row} {reason} ({bad_rows.size} invalid row(s) in total): "
            f"{P[row].tolist()}."
        )
    return P


def check_log_probability_rows(Z, *, name, logits=False):
    """Return ``Z`` as a 2-D float64 or float32 array of log-probability rows
    (``logits=False``) or logit rows.

    Log-probability rows must have ``|logsumexp| <= sqrt(eps)`` of ``Z``'s
    dtype and are never renormalized; logit rows need no NaN, no ``+inf`` and
    one value above ``-inf``. Raises a ``ValueError`` naming the first
    offending row otherwise. ``Z`` is never modified.
    """
    Z = check_probabilities(Z, name=name)
    tolerance = row_sum_tolerance(Z.dtype)
    Z = kernel_floats(Z)
    log_sums = kernels.row_logsumexp(Z)
    valid = np.isfinite(log_sums)
    if not logits:
        valid &= np.abs(log_sums) <= tolerance
    bad_rows = np.flatnonzero(~valid)
    if bad_rows.size:
        row = bad_rows[0]
        log_sum = float(log_sums[row])
        if np.isnan(log_sum) or log_sum == np.inf:
            reason = "contains NaN or +infinity"
        elif log_sum == -np.inf:
            reason = "is -inf everywhere, which leaves no probability for any class"
        else:
            reason = (
                f"has logsumexp {log_sum!r}, not 0 (tolerance {tolerance:.1e}); "
                "log-probabilities are never renormalized: if the values are "
                "unnormalized log-weights or scores, pass input='logits'"
            )
        what = "logits" if logits else "log-probabilities"
        raise ValueError(
            f"{name} must hold the {what} of one probability distribution per "
            f"row, but row {row} {reason} ({bad_rows.size} invalid row(s) in "
            f"total): {Z[row].tolist()}."
        )
    return Z


def check_target(y, *, name):
    """``y`` as an array, not yet told apart as labels or probability rows.

    Array-likes go through ``check_array`` before any NumPy function sees
    them: some (``sklearn.utils.estimator_checks._NotAnArray``) convert to an
    array but refuse NumPy's functions, ``np.ndim`` included.
    """
    return check_array(
        y, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name=name
    )


def is_probability_matrix(y):
    """Whether target ``y`` (any array-like) is a 2-D matrix of probability
    rows (soft targets) rather than class labels."""
    y = check_target(y, name="y")
    return y.ndim == 2 and y.shape[1] >= 2


def encode_labels(y, classes, *, name="y"):
    """Integer column index of each label of ``y`` in ``classes`` (any order).

    Raises a ``ValueError`` listing the labels of ``y`` not in ``classes``.
    """
    classes = np.asarray(classes)
    codes = category_codes(np.asarray(y), classes)
    unknown = codes < 0
    if np.any(unknown):
        raise ValueError(
            f"{name} contains labels {np.unique(np.asarray(y)[unknown]).tolist()} "
            f"that are not among the classes {classes.tolist()}; pass the full "
            "list of classes."
        )
    return codes.astype(np.intp, copy=False)


def _missing_labels(labels):
    """Mask of the NaN, infinite and None entries of a 1-D array."""
    if labels.dtype.kind == "f":
        return ~np.isfinite(labels)
    if labels.dtype == object:
        return np.fromiter(
            (
                label is None
                or (isinstance(label, float | np.floating) and not np.isfinite(label))
                for label in labels.tolist()
            ),
            dtype=bool,
            count=labels.size,
        )
    return np.zeros(labels.size, dtype=bool)


def check_label_vector(y, *, name):
    """Return ``y`` as a 1-D array of labels in the machine's byte order (a
    column vector is raveled with a ``DataConversionWarning``), rejecting NaN,
    infinite and None labels."""
    y = native_byte_order(column_or_1d(y, warn=True))
    missing = _missing_labels(y)
    if np.any(missing):
        raise ValueError(
            f"{name} contains NaN, None or infinity (first at position "
            f"{np.flatnonzero(missing)[0]}), which cannot be a class label; give "
            "a missing class a value of its own, such as the string 'missing'."
        )
    return y


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a float64 array of ``n_samples`` finite,
    non-negative weights, not all zero; ``None`` stands for weights of 1 and
    a number for that weight on every sample, as in scikit-learn.

    The one validator of skxent's estimators and metrics. Built on public
    scikit-learn API only, so it behaves the same on every supported release:
    the private ``_check_sample_weight`` of scikit-learn 1.6 lets all-zero
    weights through (a weighted mean of NaN), newer releases refuse them.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Real):
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    weights = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=np.float64,
        ensure_all_finite=False,
        input_name="sample_weight",
    )
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {weights.shape} but there are {n_samples} "
            "samples; give one weight per sample, or one number for all."
        )
    if counting_kernels.count_invalid_weights(weights):
        row = np.flatnonzero(~((weights >= 0) & (weights < np.inf)))[0]
        raise ValueError(
            "sample_weight must be finite and non-negative (weights act as "
            f"counts), but sample_weight[{row}] is {weights[row]}."
        )
    if not np.any(weights):
        raise ValueError(
            "sample_weight sums to zero (every weight is 0); at least one weight "
            "must be positive."
        )
    return weights
