"""Row kernels for entropy, cross-entropy, KL and Jensen-Shannon divergence.

Every quantity is a sum over classes of a pointwise term ``f(p_k, q_k)``:

- entropy:        ``-p log p``
- cross-entropy:  ``-p log q``
- KL divergence:  ``p log(p / q)``
- Jensen-Shannon: ``(p log(2p / (p + q)) + q log(2q / (p + q))) / 2``

with ``0 log 0 = 0``. For cross-entropy and KL, ``q`` is clipped to
``[eps, 1 - eps]`` (``eps`` of the prediction dtype), the convention of
``sklearn.metrics.log_loss``. Sums run in float64 whatever the input dtype.
"""

import numpy as np
from numba import njit, prange

ENTROPY = 0
CROSS_ENTROPY = 1
KL_DIVERGENCE = 2
JS_DIVERGENCE = 3

ROW_OK = 0
ROW_NOT_FINITE = 1
ROW_NEGATIVE = 2
ROW_SUM_NOT_ONE = 3


@njit(cache=True)
def _pointwise(p, q, kind, eps):
    if kind == ENTROPY:
        return -p * np.log(p) if p > 0.0 else 0.0
    if kind == JS_DIVERGENCE:
        # log(p / m) as log(2p / (p + q)): the mean m = (p + q) / 2 underflows
        # to 0 for a subnormal p, while p + q >= p > 0.
        total = p + q
        term = 0.0
        if p > 0.0:
            term += p * np.log(2.0 * p / total)
        if q > 0.0:
            term += q * np.log(2.0 * q / total)
        return 0.5 * term
    if p == 0.0:
        return 0.0
    q = min(max(q, eps), 1.0 - eps)
    if kind == CROSS_ENTROPY:
        return -p * np.log(q)
    # One logarithm instead of two; the ratio also avoids the cancellation of
    # log(p) - log(q) when p is close to q.
    return p * np.log(p / q)


@njit(cache=True, parallel=True)
def soft_target_rows(P, Q, kind, eps):
    """Per-row ``sum_k f(P[i, k], Q[i, k])`` for probability targets ``P``."""
    n, n_classes = Q.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        total = 0.0
        for k in range(n_classes):
            total += _pointwise(np.float64(P[i, k]), np.float64(Q[i, k]), kind, eps)
        # Divergences are non-negative; rounding must not report otherwise.
        out[i] = total if (kind == CROSS_ENTROPY or total > 0.0) else 0.0
    return out


@njit(cache=True, parallel=True)
def label_target_rows(y, Q, kind, eps):
    """Per-row ``sum_k f(1[k == y[i]], Q[i, k])`` for integer-coded labels ``y``."""
    n, n_classes = Q.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        total = 0.0
        for k in range(n_classes):
            p = 1.0 if k == y[i] else 0.0
            total += _pointwise(p, np.float64(Q[i, k]), kind, eps)
        out[i] = total if (kind == CROSS_ENTROPY or total > 0.0) else 0.0
    return out


@njit(cache=True, parallel=True)
def probability_row_status(P, tol):
    """Classify each row of ``P`` as a valid probability vector or why not.

    Returns an int8 array of ``ROW_*`` codes; ``tol`` bounds ``|sum - 1|``.
    """
    n, n_classes = P.shape
    status = np.zeros(n, dtype=np.int8)
    for i in prange(n):
        total = 0.0
        for k in range(n_classes):
            value = np.float64(P[i, k])
            if not np.isfinite(value):
                status[i] = ROW_NOT_FINITE
                break
            if value < 0.0:
                status[i] = ROW_NEGATIVE
                break
            total += value
        if status[i] == ROW_OK and abs(total - 1.0) > tol:
            status[i] = ROW_SUM_NOT_ONE
    return status
