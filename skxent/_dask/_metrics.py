"""skxent.metrics on dask arrays: per-block partial sums, one reduction.

A divergence averaged over samples is ``sum_i s_i d_i / sum_i s_i``: each
block of rows computes its two sums with the in-memory functions (the same
checks, the same kernels), the sums of the blocks are added on the workers,
and the caller receives two numbers. Per-sample values and entropies are
functions of each row alone: lazy dask arrays of the blocks' values.

Class labels without ``labels`` need the sorted labels of all of ``y_true``
before any block can be encoded; they are found in the same graph, by the
union of each block's labels, so that one ``compute`` runs both passes over
the same blocks of ``y_true``, read once.
Errors found in a block are raised when the result is computed, naming the
rows of that block.
"""

import numbers
from functools import partial

import dask
import numpy as np

from skxent import _targets, metrics
from skxent._dask._blocks import map_rows, reduce_rows, row_aligned
from skxent._encoding import unique_values
from skxent._validation import log_of_base


def _block_labels(y_true):
    return unique_values(metrics._check_label_targets(y_true))


def _merged_labels(parts):
    return unique_values(np.concatenate(parts))


def _checked_labels(classes, n_columns):
    """``classes``, the labels of all of ``y_true``, once the checks of the
    in-memory path pass. Run on one sample per class, they raise the same
    errors for the same problems (one class only, or not one per column)."""
    metrics._check_targets(classes, np.zeros((classes.size, n_columns)), None, None)
    return classes


def _prediction_columns(y_proba):
    """Columns of the predictions once 1-D positive-class values become two."""
    return 2 if y_proba.ndim == 1 or y_proba.shape[1] == 1 else y_proba.shape[1]


def _inputs(y_true, y_proba, labels, input, sample_weight=None):
    """``(arrays, labels)``: the row-aligned arrays (``y_proba``'s chunks
    first: it is the largest) and the labels each block is encoded with,
    delayed when they must be found in ``y_true``."""
    metrics._check_option(input, "input", metrics.INPUTS)
    arrays = {"y_proba": y_proba, "y_true": y_true}
    if sample_weight is not None and not isinstance(sample_weight, numbers.Real):
        arrays["sample_weight"] = sample_weight
    arrays = row_aligned(arrays)
    y_true = arrays["y_true"]
    soft = y_true.ndim == 2 and y_true.shape[1] >= 2
    n_columns = _prediction_columns(arrays["y_proba"])
    if labels is not None:
        # Checked here once, before any block is computed.
        labels = metrics._check_label_columns(
            labels,
            y_true.shape[1] if soft else n_columns,
            where="y_true" if soft else "y_proba",
        )
    elif not soft:
        classes = reduce_rows(_block_labels, _merged_labels, {"y_true": y_true})
        labels = dask.delayed(_checked_labels)(classes, n_columns)
    return arrays, labels


def _block_sums(
    *, kind, input, y_true, y_proba, labels, sample_weight=None, weight=None
):
    """``[sum_i s_i d_i, sum_i s_i]`` over one block, by the in-memory
    functions; ``weight`` is one number for every sample."""
    if sample_weight is None:
        sample_weight = weight
    rows = metrics._row_divergences(kind, y_true, y_proba, labels, input, sample_weight)
    if sample_weight is None:
        return np.array([rows.sum(), rows.size])
    if not np.any(sample_weight):
        # Weights of zero are valid and count for nothing; the in-memory
        # check refuses them only when every weight of the data is zero,
        # which the caller checks on the total.
        return np.zeros(2)
    weights = _targets.check_sample_weight(sample_weight, rows.size)
    weighted_sum = metrics._average(rows, weights, normalize=False, base=None)
    return np.array([weighted_sum, weights.sum()])


def mean_divergence(
    kind, y_true, y_proba, labels, sample_weight, normalize, input, base
):
    """What ``skxent.metrics._mean_divergence`` returns, for dask arrays."""
    divisor = log_of_base(base)
    arrays, labels = _inputs(y_true, y_proba, labels, input, sample_weight)
    weight = sample_weight if isinstance(sample_weight, numbers.Real) else None
    block_sums = partial(_block_sums, kind=kind, input=input, weight=weight)
    total, weight_sum = reduce_rows(
        block_sums, partial(np.sum, axis=0), arrays, {"labels": labels}
    ).compute()
    if weight_sum == 0:
        raise ValueError(
            "sample_weight sums to zero (every weight is 0); at least one weight "
            "must be positive."
        )
    return float((total / weight_sum if normalize else total) / divisor)


def divergence_per_sample(kind, y_true, y_proba, labels, input, base):
    """What ``skxent.metrics._divergence_per_sample`` returns, as a lazy dask
    array of the rows of ``y_proba``."""
    log_of_base(base)
    arrays, labels = _inputs(y_true, y_proba, labels, input)
    return map_rows(
        partial(metrics._divergence_per_sample, kind=kind, input=input, base=base),
        arrays,
        {"labels": labels},
        dtype=np.float64,
    )


def entropy(p, *, base=None):
    """``skxent.metrics.entropy`` of a dask array: a lazy dask array of the
    rows' entropies, or a float for one distribution (1-D ``p``), which is
    checked whole."""
    log_of_base(base)
    if p.ndim == 1:
        return metrics.entropy(p.compute(), base=base)
    return map_rows(partial(metrics.entropy, base=base), {"p": p}, dtype=np.float64)
