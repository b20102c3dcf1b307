"""Kernels for categorical maximum likelihood: counting and the softmax objective.

Counting is a histogram over a range of integers (raw integer values, or codes
``0 .. n_categories - 1``) in one serial pass over the data: it runs at memory
bandwidth, so splitting it over threads gains little and adds thread start-up.
``softmax_cross_entropy`` is the loss and gradient a quasi-Newton solver needs to
fit one vector of logits per feature.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def value_range(values):
    """Smallest and largest entry of a non-empty 1-D array, in one pass."""
    low = values[0]
    high = values[0]
    for i in range(1, values.shape[0]):
        low = min(low, values[i])
        high = max(high, values[i])
    return low, high


@njit(cache=True)
def count_invalid_weights(weights):
    """Number of negative, NaN or infinite entries of a 1-D float array."""
    invalid = 0
    for i in range(weights.shape[0]):
        # Branch-free, so the loop vectorizes; NaN fails both comparisons.
        invalid += not (weights[i] >= 0.0 and weights[i] < np.inf)
    return invalid


@njit(cache=True)
def weighted_bincount(values, offset, n_bins, weights):
    """Total weight of each integer in ``[offset, offset + n_bins)``.

    Parameters
    ----------
    values : ndarray of integers (or bools), shape (n_samples,)
        Every value must lie in the range; the caller checks it (a value outside
        it is skipped rather than written out of bounds).
    offset : int
        The value counted in bin 0.
    n_bins : int
    weights : ndarray of float64, shape (n_samples,), or None
        ``None`` counts every row once.

    Returns
    -------
    counts : ndarray of float64, shape (n_bins,)
    """
    if weights is None:
        # Integer increments: runs of equal values (sorted data) do not wait on
        # a chain of floating-point additions.
        occurrences = np.zeros(n_bins, dtype=np.int64)
        for i in range(values.shape[0]):
            k = np.int64(values[i]) - offset
            if 0 <= k < n_bins:
                occurrences[k] += 1
        return occurrences.astype(np.float64)
    totals = np.zeros(n_bins, dtype=np.float64)
    for i in range(values.shape[0]):
        k = np.int64(values[i]) - offset
        if 0 <= k < n_bins:
            totals[k] += weights[i]
    return totals


@njit(cache=True)
def softmax_cross_entropy(logits, targets, offsets, feature_losses, gradient):
    """Cross-entropy of target distributions to softmax models, with gradient.

    Feature ``j`` owns the slice ``offsets[j]:offsets[j + 1]`` of ``logits``
    and ``targets`` (float64; each target slice a probability vector). For each
    feature this writes ``H(p, softmax(z)) = logsumexp(z) - p . z`` to
    ``feature_losses[j]`` and its gradient ``softmax(z) - p`` to the same slice
    of ``gradient``.
    """
    for j in range(offsets.shape[0] - 1):
        start, stop = offsets[j], offsets[j + 1]
        top = logits[start]
        for k in range(start + 1, stop):
            top = max(top, logits[k])
        total = 0.0
        for k in range(start, stop):
            total += np.exp(logits[k] - top)
        log_normalizer = top + np.log(total)
        loss = 0.0
        for k in range(start, stop):
            log_q = logits[k] - log_normalizer
            loss -= targets[k] * log_q
            gradient[k] = np.exp(log_q) - targets[k]
        feature_losses[j] = loss
