"""Targets: class labels or rows of probabilities, validated once, shared by all.

A target is either a 1-D array of class labels, encoded as integer column
indices into a list of classes, or a 2-D ``(n_samples, n_classes)`` matrix whose
rows are probability vectors (soft targets). Probability rows must be finite,
non-negative and sum to one within ``sqrt(eps)`` of their dtype (about 1.5e-8 in
float64, 3.5e-4 in float32), the tolerance ``sklearn.metrics.log_loss`` uses.
skxent never renormalizes a row that fails this test; it raises instead.
"""

import numpy as np
from sklearn.utils import check_array, column_or_1d

from skxent._encoding import category_codes
from skxent._kernels import divergence as kernels

FLOAT_DTYPES = (np.float64, np.float32)


def row_sum_tolerance(dtype):
    """Largest accepted ``|sum(row) - 1|`` for probability rows of ``dtype``."""
    return float(np.sqrt(np.finfo(dtype).eps))


def check_probability_rows(P, *, name):
    """Return ``P`` as a 2-D float array whose rows are probability vectors.

    Raises a ``ValueError`` naming the first offending row otherwise. ``P`` is
    never modified; it is copied only when its dtype is not float32 or float64.
    """
    P = check_array(
        P, dtype=FLOAT_DTYPES, ensure_all_finite=False, input_name=name, order=None
    )
    status = kernels.probability_row_status(P, row_sum_tolerance(P.dtype))
    bad_rows = np.flatnonzero(status)
    if bad_rows.size:
        row = bad_rows[0]
        reason = {
            kernels.ROW_NOT_FINITE: "contains NaN or infinity",
            kernels.ROW_NEGATIVE: "contains a negative probability",
            kernels.ROW_SUM_NOT_ONE: (
                f"sums to {float(P[row].sum(dtype=np.float64))!r}, not 1 (tolerance "
                f"{row_sum_tolerance(P.dtype):.1e}); divide each row by its sum "
                "if the values are unnormalized weights or counts"
            ),
        }[status[row]]
        raise ValueError(
            f"{name} must hold one probability distribution per row, but row "
            f"{row} {reason} ({bad_rows.size} invalid row(s) in total): "
            f"{P[row].tolist()}."
        )
    return P


def is_probability_matrix(y):
    """Whether target ``y`` is a 2-D matrix of probability rows (soft targets)."""
    return getattr(y, "ndim", np.ndim(y)) == 2 and np.shape(y)[1] >= 2


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


def check_label_vector(y, *, name):
    """Return ``y`` as a 1-D array of labels (a column vector is raveled with a
    ``DataConversionWarning``), rejecting NaN labels."""
    y = column_or_1d(y, warn=True)
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(
            f"{name} contains NaN or infinity; class labels must be finite."
        )
    return y
