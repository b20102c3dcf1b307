"""Softmax-regression kernels: fused loss, gradient and Hessian-vector products.

A linear softmax model has logits ``z_i = W x_i + b``, shape ``(n_classes,)``,
and predicted probabilities ``q_i = softmax(z_i)``. With ``n_params`` logit rows
equal to ``n_classes - 1`` (binary problems) the first class is the reference
with logit fixed at 0, as in scikit-learn's binary ``LogisticRegression``.

Per-sample objectives and their gradients with respect to the logits, for a
target distribution ``p_i`` and sample weight ``s_i``:

- ``FORWARD`` (cross-entropy; KL(p || q) differs by the constant H(p)):
  ``l_i = -sum_k p_ik log q_ik``, ``dl_i/dz_i = q_i - p_i``.
- ``REVERSE_KL``, with ``a_ik = log q_ik - log p_ik``:
  ``l_i = sum_k q_ik a_ik``, ``dl_i/dz_ik = q_ik (a_ik - l_i)``.

The kernels compute ``sum_i s_i l_i`` and ``G = sum_i s_i (dl_i/dz_i) x_i^T``
(and the intercept gradient) in one pass over ``X``: each thread takes a
contiguous share of the rows and walks it in blocks small enough to stay in
cache, computing the block's logits, its softmax and its gradient contribution
before moving on. Each thread accumulates into its own slice of the output
buffers, summed at the end, so no two threads write the same memory. The
share count is the ``n_threads`` argument rather than Numba's thread count,
which keeps results reproducible for a given ``n_threads``.
Dense products go to BLAS (``np.dot`` on a block); it is very hard to beat
BLAS GEMM, and it must run single-threaded here since the kernel owns the
threads.
"""

import numpy as np
from numba import njit, prange

FORWARD = 0
REVERSE_KL = 1

# Rows per cache block in dense kernels.
BLOCK_ROWS = 128


@njit(cache=True)
def _row_loss_residual(z, target, weight, kind, proba, residual):
    """One sample: softmax of logits ``z`` into ``proba``, weighted gradient
    with respect to the parameter logits into ``residual``; return the
    weighted loss. ``residual`` may alias ``z``.

    ``target`` holds probabilities for ``FORWARD`` and log-probabilities for
    ``REVERSE_KL``. ``z`` and ``residual`` have ``n_params`` entries and
    ``proba`` has ``n_classes``; with one fewer parameter row, class 0 has
    logit 0.
    """
    n_classes = proba.shape[0]
    offset = n_classes - z.shape[0]
    z_max = 0.0 if offset else -np.inf
    for k in range(z.shape[0]):
        z_max = max(z_max, z[k])
    total = 0.0
    for k in range(n_classes):
        e = np.exp((z[k - offset] if k >= offset else 0.0) - z_max)
        proba[k] = e
        total += e
    log_normalizer = z_max + np.log(total)
    loss = 0.0
    for k in range(n_classes):
        log_q = (z[k - offset] if k >= offset else 0.0) - log_normalizer
        proba[k] /= total
        if kind == FORWARD:
            if target[k] != 0.0:
                loss -= target[k] * log_q
        else:
            loss += proba[k] * (log_q - target[k])
    for k in range(offset, n_classes):
        if kind == FORWARD:
            residual[k - offset] = weight * (proba[k] - target[k])
        else:
            log_q = z[k - offset] - log_normalizer
            residual[k - offset] = weight * proba[k] * (log_q - target[k] - loss)
    return weight * loss


@njit(cache=True)
def _row_hessp(proba, target, weight, kind, direction, out):
    """One sample: ``out = weight * H_i d`` for the logit direction ``d``,
    where ``H_i`` is the Hessian of the sample loss in the logits, evaluated
    at ``proba``. ``out`` may alias ``direction``.

    ``FORWARD``: ``H_i d = q * d - q (q . d)``.
    ``REVERSE_KL``: ``(H_i d)_k = q_k [(a_k - l + 1)(d_k - q . d) - g . d]``
    with ``g_k = q_k (a_k - l)``.
    """
    n_classes = proba.shape[0]
    offset = n_classes - direction.shape[0]
    q_dot_d = 0.0
    for k in range(offset, n_classes):
        q_dot_d += proba[k] * direction[k - offset]
    if kind == FORWARD:
        for k in range(offset, n_classes):
            out[k - offset] = weight * proba[k] * (direction[k - offset] - q_dot_d)
        return
    # Classes with underflowed probability contribute nothing (q_k = 0).
    loss = 0.0
    for k in range(n_classes):
        if proba[k] > 0.0:
            loss += proba[k] * (np.log(proba[k]) - target[k])
    g_dot_d = 0.0
    for k in range(offset, n_classes):
        if proba[k] > 0.0:
            gap = np.log(proba[k]) - target[k] - loss
            g_dot_d += proba[k] * gap * direction[k - offset]
    for k in range(offset, n_classes):
        value = 0.0
        if proba[k] > 0.0:
            gap = np.log(proba[k]) - target[k] - loss + 1.0
            value = proba[k] * (gap * (direction[k - offset] - q_dot_d) - g_dot_d)
        out[k - offset] = weight * value


@njit(cache=True)
def _thread_shares(n_rows, n_threads):
    """Number of row shares (one per thread) and rows per share."""
    n_shares = max(1, min(n_threads, n_rows))
    return n_shares, (n_rows + n_shares - 1) // n_shares


@njit(cache=True, parallel=True)
def dense_loss_gradient(X, coef, intercept, targets, weights, kind, proba, n_threads):
    """Weighted loss sum and its gradient for C-contiguous dense ``X``.

    ``coef`` is ``(n_params, n_features)`` in the dtype of ``X``. Fills
    ``proba`` and returns ``(loss, grad_coef, grad_intercept)`` as sums over
    samples; the caller scales them and adds the penalty.
    """
    n_samples = X.shape[0]
    n_params, n_features = coef.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    losses = np.zeros(n_shares)
    grad_coef = np.zeros((n_shares, n_params, n_features), dtype=X.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    coef_t = np.ascontiguousarray(coef.T)
    for t in prange(n_shares):
        logits = np.empty((BLOCK_ROWS, n_params), dtype=X.dtype)
        share_stop = min((t + 1) * share, n_samples)
        for start in range(t * share, share_stop, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, share_stop)
            block = logits[: stop - start]
            np.dot(X[start:stop], coef_t, block)
            for r in range(stop - start):
                row = block[r]
                row += intercept
                losses[t] += _row_loss_residual(
                    row,
                    targets[start + r],
                    weights[start + r],
                    kind,
                    proba[start + r],
                    row,
                )
                grad_intercept[t] += row
            grad_coef[t] += np.dot(block.T, X[start:stop])
    return losses.sum(), grad_coef.sum(axis=0), grad_intercept.sum(axis=0)


@njit(cache=True, parallel=True)
def dense_hessp(
    X, direction_coef, direction_intercept, proba, targets, weights, kind, n_threads
):
    """Hessian-vector product of the weighted loss sum for C-contiguous dense
    ``X``, at the probabilities ``proba`` of the last gradient evaluation.
    Returns ``(hess_coef, hess_intercept)``."""
    n_samples = X.shape[0]
    n_params, n_features = direction_coef.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    hess_coef = np.zeros((n_shares, n_params, n_features), dtype=X.dtype)
    hess_intercept = np.zeros((n_shares, n_params))
    direction_t = np.ascontiguousarray(direction_coef.T)
    for t in prange(n_shares):
        logits = np.empty((BLOCK_ROWS, n_params), dtype=X.dtype)
        share_stop = min((t + 1) * share, n_samples)
        for start in range(t * share, share_stop, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, share_stop)
            block = logits[: stop - start]
            np.dot(X[start:stop], direction_t, block)
            for r in range(stop - start):
                row = block[r]
                row += direction_intercept
                _row_hessp(
                    proba[start + r],
                    targets[start + r],
                    weights[start + r],
                    kind,
                    row,
                    row,
                )
                hess_intercept[t] += row
            hess_coef[t] += np.dot(block.T, X[start:stop])
    return hess_coef.sum(axis=0), hess_intercept.sum(axis=0)


@njit(cache=True, parallel=True)
def logits_loss_gradient(logits, targets, weights, kind, proba):
    """Row pass over precomputed ``logits`` (for layouts BLAS must multiply
    whole): overwrite them with the weighted residuals, fill ``proba`` and
    return the weighted loss sum."""
    n_samples = logits.shape[0]
    losses = np.empty(n_samples)
    for i in prange(n_samples):
        losses[i] = _row_loss_residual(
            logits[i], targets[i], weights[i], kind, proba[i], logits[i]
        )
    return losses.sum()


@njit(cache=True, parallel=True)
def logits_hessp(directions, proba, targets, weights, kind):
    """Row pass over precomputed logit ``directions``, overwritten in place
    with the weighted Hessian-vector products."""
    for i in prange(directions.shape[0]):
        _row_hessp(proba[i], targets[i], weights[i], kind, directions[i], directions[i])


@njit(cache=True)
def _csr_row_product(data, indices, indptr, i, coef_t, intercept, out):
    """``out = x_i W^T + b`` for row ``i`` of a CSR matrix."""
    n_params = out.shape[0]
    for k in range(n_params):
        out[k] = intercept[k]
    for jj in range(indptr[i], indptr[i + 1]):
        value = data[jj]
        coef_row = coef_t[indices[jj]]
        for k in range(n_params):
            out[k] += value * coef_row[k]


@njit(cache=True)
def _csr_row_accumulate(data, indices, indptr, i, residual, grad_t):
    """``grad_t += x_i^T residual`` for row ``i`` of a CSR matrix."""
    n_params = residual.shape[0]
    for jj in range(indptr[i], indptr[i + 1]):
        value = data[jj]
        grad_row = grad_t[indices[jj]]
        for k in range(n_params):
            grad_row[k] += value * residual[k]


@njit(cache=True, parallel=True)
def csr_loss_gradient(
    data, indices, indptr, coef_t, intercept, targets, weights, kind, proba, n_threads
):
    """Weighted loss sum and its gradient for CSR ``X`` given as raw arrays.

    ``coef_t`` is ``(n_features, n_params)``; returns ``(loss, grad_coef_t,
    grad_intercept)`` with ``grad_coef_t`` in the same transposed layout.
    """
    n_samples = indptr.shape[0] - 1
    n_features, n_params = coef_t.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    losses = np.zeros(n_shares)
    grad_coef_t = np.zeros((n_shares, n_features, n_params), dtype=coef_t.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    for t in prange(n_shares):
        row = np.empty(n_params, dtype=coef_t.dtype)
        for i in range(t * share, min((t + 1) * share, n_samples)):
            _csr_row_product(data, indices, indptr, i, coef_t, intercept, row)
            losses[t] += _row_loss_residual(
                row, targets[i], weights[i], kind, proba[i], row
            )
            _csr_row_accumulate(data, indices, indptr, i, row, grad_coef_t[t])
            grad_intercept[t] += row
    return losses.sum(), grad_coef_t.sum(axis=0), grad_intercept.sum(axis=0)


@njit(cache=True, parallel=True)
def csr_hessp(
    data,
    indices,
    indptr,
    direction_t,
    direction_intercept,
    proba,
    targets,
    weights,
    kind,
    n_threads,
):
    """Hessian-vector product for CSR ``X``; transposed layout as in
    :func:`csr_loss_gradient`. Returns ``(hess_coef_t, hess_intercept)``."""
    n_samples = indptr.shape[0] - 1
    n_features, n_params = direction_t.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    hess_coef_t = np.zeros((n_shares, n_features, n_params), dtype=direction_t.dtype)
    hess_intercept = np.zeros((n_shares, n_params))
    for t in prange(n_shares):
        row = np.empty(n_params, dtype=direction_t.dtype)
        for i in range(t * share, min((t + 1) * share, n_samples)):
            _csr_row_product(
                data, indices, indptr, i, direction_t, direction_intercept, row
            )
            _row_hessp(proba[i], targets[i], weights[i], kind, row, row)
            _csr_row_accumulate(data, indices, indptr, i, row, hess_coef_t[t])
            hess_intercept[t] += row
    return hess_coef_t.sum(axis=0), hess_intercept.sum(axis=0)
