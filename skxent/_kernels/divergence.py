"""Row kernels for entropy, cross-entropy, KL and Jensen-Shannon divergence.

Every quantity is a sum over classes of a pointwise term ``f(p_k, q_k)``:

- entropy:        ``-p log p``
- cross-entropy:  ``-p log q``
- KL divergence:  ``p log(p / q)``
- Jensen-Shannon: ``(p log(2p / (p + q)) + q log(2q / (p + q))) / 2``

with ``0 log 0 = 0``. For cross-entropy and KL, ``q`` is clipped to
``[eps, 1 - eps]`` (``eps`` of the prediction dtype), the convention of
``sklearn.metrics.log_loss``. Sums run in float64 whatever the input dtype.

The ``log_*`` kernels read ``log q`` instead of ``q``: log-probabilities as
given, or logits ``z`` turned into ``log q = (z - max z) - log sum exp(z - max z)``
inside the row loop. They never clip and never take ``log(exp(.))``, so a
log-probability of -1000 costs 1000 nats, not the ``-log(eps)`` = 36 nats
that the clipped probability 0 would, and ``log q = -inf`` (``q = 0``) gives
an infinite cross-entropy or KL where ``p > 0``.
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

LOG_2 = np.log(2.0)


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


@njit(cache=True)
def _row_value(total, kind):
    """A row's sum: divergences are non-negative, and rounding must not report
    otherwise; cross-entropy is left as it is."""
    return total if (kind == CROSS_ENTROPY or total > 0.0) else 0.0


@njit(cache=True, parallel=True)
def soft_target_rows(P, Q, kind, eps):
    """Per-row ``sum_k f(P[i, k], Q[i, k])`` for probability targets ``P``."""
    n, n_classes = Q.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        total = 0.0
        for k in range(n_classes):
            total += _pointwise(np.float64(P[i, k]), np.float64(Q[i, k]), kind, eps)
        out[i] = _row_value(total, kind)
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
        out[i] = _row_value(total, kind)
    return out


@njit(cache=True)
def _logaddexp(a, b):
    """``log(exp(a) + exp(b))`` without overflow; ``-inf`` when both are."""
    high = max(a, b)
    if high == -np.inf:
        return -np.inf
    return high + np.log1p(np.exp(min(a, b) - high))


@njit(cache=True)
def _log_pointwise(p, log_q, kind):
    """``f(p, q)`` of cross-entropy, KL or Jensen-Shannon from ``log q``."""
    if kind == JS_DIVERGENCE:
        log_p = np.log(p) if p > 0.0 else -np.inf
        # log m = log((p + q) / 2) from the logarithms: q = exp(log q) may
        # underflow to 0, but then its own term q log(q / m) is below the
        # smallest float anyway.
        log_m = _logaddexp(log_p, log_q) - LOG_2
        q = np.exp(log_q)
        term = 0.0
        if p > 0.0:
            term += p * (log_p - log_m)
        if q > 0.0:
            term += q * (log_q - log_m)
        return 0.5 * term
    if p == 0.0:
        return 0.0
    if kind == CROSS_ENTROPY:
        return -p * log_q
    return p * (np.log(p) - log_q)


@njit(cache=True)
def _log_normalizer(Z, i, logits):
    """``(m, s)`` with ``log q_ik = (Z[i, k] - m) - s`` for row ``i``.

    Logits: ``m`` the row's maximum, at column ``t``, and
    ``s = log1p(sum_{k != t} exp(Z[i, k] - m))``. Kept apart from ``m``,
    ``s`` keeps its precision when ``m`` is large, and ``log1p`` keeps it
    when the other classes are far below: for logits ``(30, 0, 0)`` the
    cross-entropy of class 0 is ``s = 1.87e-13`` to full precision, where
    ``log(1 + 1.87e-13)`` is off in the fourth digit. Log-probabilities:
    ``(0, 0)``; they were checked to be normalized and are never
    renormalized.
    """
    if not logits:
        return 0.0, 0.0
    n_classes = Z.shape[1]
    high = -np.inf
    top = 0
    for k in range(n_classes):
        value = np.float64(Z[i, k])
        if value > high:
            high = value
            top = k
    rest = 0.0
    for k in range(n_classes):
        if k != top:
            rest += np.exp(np.float64(Z[i, k]) - high)
    return high, np.log1p(rest)


@njit(cache=True, parallel=True)
def log_soft_target_rows(P, Z, kind, logits):
    """Per-row ``sum_k f(P[i, k], q_ik)`` with ``log q`` read from ``Z``:
    log-probabilities, or logits when ``logits`` is true."""
    n, n_classes = Z.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        high, log_total = _log_normalizer(Z, i, logits)
        total = 0.0
        for k in range(n_classes):
            log_q = (np.float64(Z[i, k]) - high) - log_total
            total += _log_pointwise(np.float64(P[i, k]), log_q, kind)
        out[i] = _row_value(total, kind)
    return out


@njit(cache=True, parallel=True)
def log_label_target_rows(y, Z, kind, logits):
    """Per-row ``sum_k f(1[k == y[i]], q_ik)`` with ``log q`` read from ``Z``."""
    n, n_classes = Z.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        high, log_total = _log_normalizer(Z, i, logits)
        total = 0.0
        for k in range(n_classes):
            p = 1.0 if k == y[i] else 0.0
            log_q = (np.float64(Z[i, k]) - high) - log_total
            total += _log_pointwise(p, log_q, kind)
        out[i] = _row_value(total, kind)
    return out


@njit(cache=True, parallel=True)
def row_logsumexp(Z):
    """Per-row ``log sum_k exp(Z[i, k])`` in float64.

    NaN for a row holding a NaN, ``+inf`` for one holding ``+inf``, ``-inf``
    when every value is ``-inf``: the checks of log-probability and logit rows
    read all they need from this one number.
    """
    n, n_classes = Z.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        high = -np.inf
        for k in range(n_classes):
            value = np.float64(Z[i, k])
            if np.isnan(value):
                high = np.nan
                break
            high = max(high, value)
        if np.isfinite(high):
            total = 0.0
            for k in range(n_classes):
                total += np.exp(np.float64(Z[i, k]) - high)
            out[i] = high + np.log(total)
        else:
            out[i] = high
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
