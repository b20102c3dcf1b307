"""Softmax-regression kernels: fused loss, gradient and Hessian-vector products.

A linear softmax model has logits ``z_i = W x_i + b``, shape ``(n_classes,)``,
and predicted probabilities ``q_i = softmax(z_i)``. With ``n_params`` logit rows
equal to ``n_classes - 1`` (binary problems) the first class is the reference
with logit fixed at 0, as in scikit-learn's binary ``LogisticRegression``.

Per-sample objectives and their gradients with respect to the logits, for a
target distribution ``p_i`` and sample weight ``s_i``:

- ``FORWARD`` (cross-entropy; KL(p || q) differs by the constant H(p)):
  ``l_i = -sum_k p_ik log q_ik``, ``dl_i/dz_i = m_i q_i - p_i`` with the row
  mass ``m_i = sum_k p_ik`` (1 for hard labels; soft targets are accepted
  with ``|m_i - 1|`` up to ``sqrt(eps)``, 3.5e-4 in float32, which the
  gradient must not ignore).
- ``REVERSE_KL``, with ``a_ik = log q_ik - log p_ik``:
  ``l_i = sum_k q_ik a_ik``, ``dl_i/dz_ik = q_ik (a_ik - l_i)``, for any
  mass (the derivation uses only ``sum_k q_ik = 1``).

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

The softmax works class-major: a block's logits arrive sample-major,
``(rows, n_params)``, from the products, and is transposed (a loop of its
own, whose strided reads stay scalar); everything after that is held as
``(n_classes, rows)``, like the targets and probabilities, ``(n_classes,
n_samples)``. Every other loop of the softmax then runs over the rows of a block,
long and contiguous, which the compiler turns into vector instructions,
instead of over a handful of classes; ``exp`` (for every entry) and ``log``
(for every row) come from :mod:`.vector_math`, whose versions vectorize too.

Sparse rows are multiplied here, not by BLAS: for each stored feature a row
of ``n_params`` coefficients is gathered (and, for the gradient, a row of
``n_params`` residuals scattered back). Rows of a few tens of entries, of a
length known only at run time, are too short for the compiler's vectorized
loops, so these kernels keep them in SIMD registers (:mod:`.lanes`).

Hard labels are passed as the class of each sample (``labels``) with an empty
target matrix, and probabilities are stored only when ``proba`` has columns:
for L-BFGS, which never asks for Hessian-vector products, a pass over
C-contiguous or CSR ``X`` then reads ``X``, the labels and the weights, and
writes nothing per sample.
"""

import numpy as np
from numba import njit, prange
from numba.extending import overload

from skxent._kernels import lanes
from skxent._kernels.vector_math import bits_dtype, exp_nonpositive, log_positive

FORWARD = 0
REVERSE_KL = 1

# Rows per cache block in dense kernels.
BLOCK_ROWS = 128


@njit(cache=True)
def _fill(values, value):
    """``values[:] = value``, as a loop: Numba compiles slice assignments into
    general broadcasting code that takes seconds to compile."""
    for i in range(values.shape[0]):
        values[i] = value


@njit(cache=True)
def _add(total, values):
    """``total += values`` for contiguous arrays of one shape, as a loop."""
    total_flat, values_flat = total.reshape(-1), values.reshape(-1)
    for i in range(total_flat.shape[0]):
        total_flat[i] += values_flat[i]


# Sums over the rows of a block may be taken in any order (reassociated),
# which lets the compiler keep partial sums in vector lanes. Summed one after
# the other, each addition waits for the previous one: with 10 classes that
# took about 20 cycles a row, 8 % of a float32 pass. The order is fixed by the
# compiled code, so results are reproducible on one machine.
@njit(cache=True, fastmath={"reassoc"})
def _sum(values):
    """The float64 sum of a 1-D array."""
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i]
    return total


@njit(cache=True, fastmath={"reassoc", "contract"})
def _dot(left, right):
    """The float64 dot product of two 1-D arrays of one length."""
    total = 0.0
    for i in range(left.shape[0]):
        total += left[i] * right[i]
    return total


@njit(cache=True)
def _sum_shares(parts):
    """``parts.sum(axis=0)`` for the per-thread buffers, in a fixed order and
    as loops (Numba's axis sums, too, are slow to compile)."""
    total = parts[0].copy()
    for t in range(1, parts.shape[0]):
        _add(total, parts[t])
    return total


@njit(cache=True)
def _transpose_add(block, intercept, out):
    """``out[k, r] = block[r, k] + intercept[k]``, the intercept rounded to
    the block's dtype: a sample-major block made class-major.

    The strided reads cannot be vector loads, so this loop does nothing else
    (folding in the row maximum, say, costs more than a loop of its own), and
    in one dtype (conversions would double its instructions).
    """
    rows, n_params = block.shape
    for k in range(n_params):
        row, b = out[k], block.dtype.type(intercept[k])
        for r in range(rows):
            row[r] = block[r, k] + b


@njit(cache=True)
def _workspace(n_classes, like):
    """Scratch buffers of one thread for blocks of up to ``BLOCK_ROWS`` rows,
    in the dtype of ``like``: two class-major blocks, the bit patterns
    :mod:`.vector_math` works with, and five per-row statistics."""
    size = n_classes * BLOCK_ROWS
    return (
        np.empty(size, dtype=like.dtype),
        np.empty(size, dtype=like.dtype),
        np.empty(size, dtype=bits_dtype(like)),
        np.empty((5, BLOCK_ROWS), dtype=like.dtype),
    )


@njit(cache=True)
def _row_mass(targets, start, out):
    """``out[r] = sum_k targets[k, start + r]``, the mass of each target row
    of a block."""
    _fill(out, 0.0)
    for k in range(targets.shape[0]):
        p = targets[k, start : start + out.shape[0]]
        for r in range(out.shape[0]):
            out[r] += p[r]


# NumPy's error model, as in .vector_math: the divisions stay vectorized.
@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _block_loss_residual(
    logits, intercept, targets, labels, weights, start, kind, proba, workspace, out
):
    """Softmax, weighted loss and logit gradient of one block of samples.

    ``logits`` is the block's ``(rows, n_params)`` product with the
    coefficients, without the intercept, as BLAS or a sparse row product
    leaves it; ``out`` receives the weighted gradient in the logits (the
    residual), class-major ``(n_params, rows)``. ``targets`` and ``proba``
    are ``(n_classes, n_samples)``; the block covers their columns
    ``start:start + rows``. ``targets`` holds probabilities for
    ``FORWARD`` and log-probabilities for ``REVERSE_KL``; for hard labels
    (``FORWARD`` only) it has no columns and ``labels`` holds the class of
    each sample instead (else ``labels`` is empty). The block's probabilities
    are written into ``proba`` unless it has no columns (only Hessian-vector
    products read them). Returns the weighted loss sum.

    Every inner loop runs over the rows of one class through 1-D views, so
    the compiler sees unit strides and vectorizes it, except the transpose
    (:func:`_transpose_add`).
    """
    rows, n_params = logits.shape
    n_classes = proba.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    shifted_flat, exp_flat, bits, stats = workspace
    # Logits minus their row maximum: log q + log_sum, which the loops below
    # take apart where they need log q rather than store it.
    shifted = shifted_flat[: n_classes * rows].reshape((n_classes, rows))
    exponentials = exp_flat[: n_classes * rows].reshape((n_classes, rows))
    row_max, inverse_sum = stats[0, :rows], stats[1, :rows]
    log_sum, row_loss, mass = stats[2, :rows], stats[3, :rows], stats[4, :rows]
    weight = weights[start:stop]
    # Shift by the largest logit (the reference class has logit 0) so that
    # exp cannot overflow.
    _fill(row_max, 0.0 if offset else -np.inf)
    if offset:
        _fill(shifted[0], 0.0)
    dtype = logits.dtype.type
    _transpose_add(logits, intercept, shifted[offset:])
    for k in range(offset, n_classes):
        z = shifted[k]
        for r in range(rows):
            row_max[r] = max(row_max[r], z[r])
    for k in range(n_classes):
        z = shifted[k]
        for r in range(rows):
            z[r] -= row_max[r]
    exp_nonpositive(shifted_flat[: n_classes * rows], exp_flat, bits)
    _fill(inverse_sum, 0.0)
    for k in range(n_classes):
        e = exponentials[k]
        for r in range(rows):
            inverse_sum[r] += e[r]
    # Each sum has a term exp(0) = 1: it lies in log_positive's domain.
    log_positive(inverse_sum, log_sum, bits[:rows])
    for r in range(rows):
        inverse_sum[r] = dtype(1.0) / inverse_sum[r]
    for k in range(n_classes):
        e = exponentials[k]
        for r in range(rows):
            e[r] *= inverse_sum[r]  # now q
    q = exponentials
    if proba.shape[1]:
        for k in range(n_classes):
            qk, stored = q[k], proba[k, start:stop]
            for r in range(rows):
                stored[r] = qk[r]
    _fill(row_loss, 0.0)
    if labels.shape[0]:
        label = labels[start:stop]
        for r in range(rows):
            row_loss[r] = log_sum[r] - shifted[label[r], r]
        for k in range(n_params):
            qk, g = q[k + offset], out[k]
            for r in range(rows):
                hit = 1.0 if label[r] == k + offset else 0.0
                g[r] = weight[r] * (qk[r] - hit)
    elif kind == FORWARD:
        for k in range(n_classes):
            p, z = targets[k, start:stop], shifted[k]
            for r in range(rows):
                # A zero target contributes 0 even where log q = -inf.
                log_q = z[r] - log_sum[r]
                row_loss[r] -= p[r] * log_q if p[r] != 0.0 else 0.0
        _row_mass(targets, start, mass)
        for k in range(n_params):
            p, qk, g = targets[k + offset, start:stop], q[k + offset], out[k]
            for r in range(rows):
                g[r] = weight[r] * (mass[r] * qk[r] - p[r])
    else:
        for k in range(n_classes):
            log_p, qk, z = targets[k, start:stop], q[k], shifted[k]
            for r in range(rows):
                row_loss[r] += qk[r] * ((z[r] - log_sum[r]) - log_p[r])
        for k in range(n_params):
            log_p, qk = targets[k + offset, start:stop], q[k + offset]
            z, g = shifted[k + offset], out[k]
            for r in range(rows):
                log_ratio = (z[r] - log_sum[r]) - log_p[r]
                g[r] = weight[r] * qk[r] * (log_ratio - row_loss[r])
    return _dot(weight, row_loss)


@njit(cache=True, fastmath={"contract"})
def _block_hessp(
    directions, intercept, targets, weights, start, kind, proba, workspace, out
):
    """Weighted Hessian-vector products of one block of samples, at ``proba``.

    ``directions`` is ``(rows, n_params)``: the logit directions ``d``
    without ``intercept``; ``out`` receives ``s_i H_i d``, class-major
    ``(n_params, rows)``. Other arguments as in :func:`_block_loss_residual`.

    ``FORWARD``: ``H_i d = m (q * d - q (q . d))`` with the row mass ``m``.
    ``REVERSE_KL``: ``(H_i d)_k = q_k [(a_k - l + 1)(d_k - q . d) - g . d]``
    with ``g_k = q_k (a_k - l)``; classes whose probability underflowed to 0
    contribute nothing.
    """
    rows, n_params = directions.shape
    n_classes = proba.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    _, gap_flat, _, stats = workspace
    q_dot_d, row_loss, g_dot_d = stats[0, :rows], stats[1, :rows], stats[2, :rows]
    mass = stats[3, :rows]
    weight = weights[start:stop]
    _transpose_add(directions, intercept, out)
    _fill(q_dot_d, 0.0)
    for k in range(n_params):
        d, q = out[k], proba[k + offset, start:stop]
        for r in range(rows):
            q_dot_d[r] += q[r] * d[r]
    if kind == FORWARD:
        # Hard labels (no target columns) have m = 1: nothing to read.
        soft = targets.shape[1] > 0
        if soft:
            _row_mass(targets, start, mass)
        for k in range(n_params):
            d, q = out[k], proba[k + offset, start:stop]
            for r in range(rows):
                mass_q = mass[r] * q[r] if soft else q[r]
                d[r] = weight[r] * mass_q * (d[r] - q_dot_d[r])
        return
    # gap = a - l = log q - log p - l, 0 where q underflowed.
    gap = gap_flat[: n_classes * rows].reshape((n_classes, rows))
    _fill(row_loss, 0.0)
    for k in range(n_classes):
        q, log_p, a = proba[k, start:stop], targets[k, start:stop], gap[k]
        for r in range(rows):
            a[r] = np.log(q[r]) - log_p[r] if q[r] > 0.0 else 0.0
            row_loss[r] += q[r] * a[r]
    _fill(g_dot_d, 0.0)
    for k in range(n_params):
        d, q, a = out[k], proba[k + offset, start:stop], gap[k + offset]
        for r in range(rows):
            a[r] -= row_loss[r]
            g_dot_d[r] += q[r] * a[r] * d[r]
    for k in range(n_params):
        d, q, a = out[k], proba[k + offset, start:stop], gap[k + offset]
        for r in range(rows):
            curvature = (a[r] + 1.0) * (d[r] - q_dot_d[r])
            d[r] = weight[r] * q[r] * (curvature - g_dot_d[r])


@njit(cache=True)
def _block_pass(
    block, intercept, targets, labels, weights, start, kind, proba, workspace,
    hessian_product, buffer, intercept_share,
):  # fmt: skip
    """The logit gradient of ``block`` (or, with ``hessian_product``, its
    Hessian-vector products), class-major ``(n_params, rows)`` in the start of
    ``buffer``, its row sums added to ``intercept_share``. Returns ``(loss,
    residual)``, the loss 0 for Hessian-vector products."""
    rows, n_params = block.shape
    residual = buffer[: n_params * rows].reshape((n_params, rows))
    loss = 0.0
    if hessian_product:
        _block_hessp(
            block, intercept, targets, weights, start, kind, proba, workspace,
            residual,
        )  # fmt: skip
    else:
        loss = _block_loss_residual(
            block, intercept, targets, labels, weights, start, kind, proba,
            workspace, residual,
        )  # fmt: skip
    for k in range(n_params):
        intercept_share[k] += _sum(residual[k])
    return loss, residual


@njit(cache=True)
def _thread_shares(n_rows, n_threads):
    """Number of row shares (one per thread) and rows per share."""
    n_shares = max(1, min(n_threads, n_rows))
    return n_shares, (n_rows + n_shares - 1) // n_shares


# Bytes per cache line, the unit of :func:`_prefetch_rows`.
CACHE_LINE_BYTES = 64


def _prefetch_rows(X, start, stop):
    """Prefetch rows ``start:stop`` of dense ``X`` where it is C- or
    F-contiguous (a hint, so in Python and for other layouts, nothing)."""


@overload(_prefetch_rows)
def _prefetch_rows_compiled(X, start, stop):
    step = CACHE_LINE_BYTES * 8 // X.dtype.bitwidth

    def rows_of_c(X, start, stop):
        for at in range(start * X.shape[1], stop * X.shape[1], step):
            lanes.prefetch(X, at)

    def rows_of_f(X, start, stop):
        for j in range(X.shape[1]):
            column = j * X.shape[0]
            for at in range(column + start, column + stop, step):
                lanes.prefetch(X, at)
            lanes.prefetch(X, column + stop - 1)

    layouts = {"C": rows_of_c, "F": rows_of_f}
    return layouts.get(X.layout, lambda X, start, stop: None)


def _row_block(X, start, stop, scratch):
    """Rows ``start:stop`` of dense ``X`` as a C-contiguous block: a view of
    C-contiguous ``X``, else a copy in the start of ``scratch``
    (``(BLOCK_ROWS, n_features)``)."""
    block = X[start:stop]
    if block.flags.c_contiguous:
        return block
    scratch[: stop - start] = block
    return scratch[: stop - start]


@overload(_row_block)
def _row_block_compiled(X, start, stop, scratch):
    if X.layout == "C":
        return lambda X, start, stop, scratch: X[start:stop]

    def copy(X, start, stop, scratch):
        # Column by column: for F-ordered X each reads a contiguous stretch,
        # the only memory it streams from; the scattered writes stay in cache.
        block = scratch[: stop - start]
        for j in range(X.shape[1]):
            column = X[start:stop, j]
            for r in range(stop - start):
                block[r, j] = column[r]
        return block

    return copy


@njit(cache=True, parallel=True)
def dense_pass(
    X, coef, intercept, targets, labels, weights, kind, proba, hessian_product,
    n_threads,
):  # fmt: skip
    """One pass over dense ``X``: the weighted loss sum and its
    gradient, or, with ``hessian_product``, the Hessian of the loss sum at
    ``proba`` (the last gradient evaluation's) times the direction
    ``(coef, intercept)``.

    ``coef`` is ``(n_params, n_features)`` in the dtype of ``X``; ``targets``,
    ``labels`` and ``proba`` are as in :func:`_block_loss_residual`. Returns
    ``(loss, grad_coef, grad_intercept)`` as sums over samples (loss 0 for
    Hessian-vector products); the caller scales them and adds the penalty.

    Unless ``X`` is C-contiguous, each block of rows is copied into a
    C-contiguous one first (:func:`_row_block`): BLAS reads a block several
    times over, and NumPy would copy a strided ``X`` whole.
    """
    n_samples = X.shape[0]
    n_params, n_features = coef.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    losses = np.zeros(n_shares)
    grad_coef = np.zeros((n_shares, n_params, n_features), dtype=X.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    coef_t = np.ascontiguousarray(coef.T)
    copied_rows = 0 if X.flags.c_contiguous else BLOCK_ROWS
    for t in prange(n_shares):
        logits = np.empty((BLOCK_ROWS, n_params), dtype=X.dtype)
        buffer = np.empty(n_params * BLOCK_ROWS, dtype=X.dtype)
        product = np.empty((n_params, n_features), dtype=X.dtype)
        # Only X that is not C-contiguous needs a block to copy rows into.
        rows_copy = np.empty((copied_rows, n_features), dtype=X.dtype)
        workspace = _workspace(proba.shape[0], X)
        share_stop = min((t + 1) * share, n_samples)
        for start in range(t * share, share_stop, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, share_stop)
            rows = stop - start
            block = _row_block(X, start, stop, rows_copy)
            # BLAS computes the block sample-major, X_b W^T, markedly faster
            # than class-major W X_b^T; the gradient product wants the
            # residual class-major, R_b X_b.
            np.dot(block, coef_t, logits[:rows])
            # Fetch the next block while this one's softmax and gradient
            # product run: left to the hardware prefetcher, the product
            # above waits for memory.
            _prefetch_rows(X, stop, min(stop + BLOCK_ROWS, share_stop))
            loss, residual = _block_pass(
                logits[:rows], intercept, targets, labels, weights, start, kind,
                proba, workspace, hessian_product, buffer, grad_intercept[t],
            )  # fmt: skip
            losses[t] += loss
            np.dot(residual, block, product)
            _add(grad_coef[t], product)
    return losses.sum(), _sum_shares(grad_coef), _sum_shares(grad_intercept)


# Registers of class accumulators in the sparse row kernels: the classes are
# taken in chunks of up to this many registers (24 float64 or 48 float32
# classes), with one walk over a row's stored features per chunk.
SPARSE_REGISTERS = 3


# Stored features ahead of the current one whose rows of coefficients are
# prefetched. The rows are spread over a table of n_features rows, mostly
# outside the core's own caches; fetched only when the product reaches them,
# each waits for memory. (Prefetching the gradient rows that the accumulation
# writes did not help.)
SPARSE_PREFETCH_DISTANCE = 24


@njit(cache=True)
def _prefetch_table_row(table, indices, position, first):
    """Prefetch the ``SPARSE_REGISTERS`` registers of the row of ``table``
    that the stored feature at ``position`` selects, from class ``first`` on
    (past the row's end too: a prefetch cannot fault, and a count of classes
    to check would cost more than the lines it saves)."""
    width = lanes.lane_count(table)
    offset = indices[position] * table.shape[1] + first
    for register in range(SPARSE_REGISTERS):
        lanes.prefetch(table, offset + register * width)


@njit(cache=True)
def _csr_block_product(data, indices, indptr, start, coef_t, out):
    """``out[r] = x_(start + r) W^T`` for each row ``r`` of ``out``: the rows
    of ``coef_t`` that the sample's stored features select, weighted by their
    values and summed in registers."""
    n_params = coef_t.shape[1]
    width = lanes.lane_count(coef_t)
    last = indptr[indptr.shape[0] - 1] - 1
    for r in range(out.shape[0]):
        row_start, row_stop = indptr[start + r], indptr[start + r + 1]
        values, columns = data[row_start:row_stop], indices[row_start:row_stop]
        for first in range(0, n_params, SPARSE_REGISTERS * width):
            count = n_params - first
            total_0 = lanes.zeros(coef_t)
            total_1 = lanes.zeros(coef_t)
            total_2 = lanes.zeros(coef_t)
            # The branches do not depend on the stored feature: they are
            # perfectly predicted (and the compiler can move them out of the
            # loop), and classes past the count cost no loads.
            for m in range(values.shape[0]):
                ahead = min(row_start + m + SPARSE_PREFETCH_DISTANCE, last)
                _prefetch_table_row(coef_t, indices, ahead, first)
                at = columns[m] * n_params + first
                total_0 = lanes.multiply_add(
                    total_0, values[m], lanes.load(coef_t, at, count)
                )
                if count > width:
                    total_1 = lanes.multiply_add(
                        total_1,
                        values[m],
                        lanes.load(coef_t, at + width, count - width),
                    )
                if count > 2 * width:
                    total_2 = lanes.multiply_add(
                        total_2,
                        values[m],
                        lanes.load(coef_t, at + 2 * width, count - 2 * width),
                    )
            lanes.store(out[r], first, count, total_0)
            lanes.store(out[r], first + width, count - width, total_1)
            lanes.store(out[r], first + 2 * width, count - 2 * width, total_2)


@njit(cache=True)
def _csr_block_accumulate(data, indices, indptr, start, residual, grad_t, row):
    """``grad_t += x_(start + r)^T residual[:, r]`` for each column ``r`` of
    the class-major ``residual``, with the sample's residual in registers
    (``row`` is a buffer of ``n_params``)."""
    n_params = grad_t.shape[1]
    width = lanes.lane_count(grad_t)
    for r in range(residual.shape[1]):
        row_start, row_stop = indptr[start + r], indptr[start + r + 1]
        values, columns = data[row_start:row_stop], indices[row_start:row_stop]
        for k in range(n_params):
            row[k] = residual[k, r]
        for first in range(0, n_params, SPARSE_REGISTERS * width):
            count = n_params - first
            part_0 = lanes.load(row, first, count)
            part_1 = lanes.load(row, first + width, count - width)
            part_2 = lanes.load(row, first + 2 * width, count - 2 * width)
            for m in range(values.shape[0]):
                at = columns[m] * n_params + first
                _add_scaled(grad_t, at, count, values[m], part_0)
                if count > width:
                    _add_scaled(grad_t, at + width, count - width, values[m], part_1)
                if count > 2 * width:
                    _add_scaled(
                        grad_t, at + 2 * width, count - 2 * width, values[m], part_2
                    )


@njit(cache=True)
def _add_scaled(array, offset, count, scale, part):
    """Add ``scale * part`` to ``count`` entries of the flattened ``array``
    from ``offset`` on."""
    total = lanes.load(array, offset, count)
    lanes.store(array, offset, count, lanes.multiply_add(total, scale, part))


@njit(cache=True, parallel=True)
def csr_pass(
    data, indices, indptr, coef_t, intercept, targets, labels, weights, kind,
    proba, hessian_product, n_threads,
):  # fmt: skip
    """:func:`dense_pass` for CSR ``X`` given as raw arrays.

    ``coef_t`` is ``(n_features, n_params)``: the rows that a sample's stored
    features select are then contiguous. Returns ``(loss, grad_coef,
    grad_intercept)`` like :func:`dense_pass`.
    """
    n_samples = indptr.shape[0] - 1
    n_features, n_params = coef_t.shape
    n_shares, share = _thread_shares(n_samples, n_threads)
    losses = np.zeros(n_shares)
    grad_coef_t = np.zeros((n_shares, n_features, n_params), dtype=coef_t.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    for t in prange(n_shares):
        logits = np.empty((BLOCK_ROWS, n_params), dtype=coef_t.dtype)
        buffer = np.empty(n_params * BLOCK_ROWS, dtype=coef_t.dtype)
        row = np.empty(n_params, dtype=coef_t.dtype)
        workspace = _workspace(proba.shape[0], coef_t)
        share_stop = min((t + 1) * share, n_samples)
        for start in range(t * share, share_stop, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, share_stop)
            rows = stop - start
            _csr_block_product(data, indices, indptr, start, coef_t, logits[:rows])
            loss, residual = _block_pass(
                logits[:rows], intercept, targets, labels, weights, start, kind,
                proba, workspace, hessian_product, buffer, grad_intercept[t],
            )  # fmt: skip
            losses[t] += loss
            _csr_block_accumulate(
                data, indices, indptr, start, residual, grad_coef_t[t], row
            )
    # Sum the shares straight into the (n_params, n_features) layout.
    grad_coef = np.empty((n_params, n_features), dtype=coef_t.dtype)
    for j in prange(n_features):
        for k in range(n_params):
            grad_coef[k, j] = grad_coef_t[0, j, k]
        for t in range(1, n_shares):
            for k in range(n_params):
                grad_coef[k, j] += grad_coef_t[t, j, k]
    return losses.sum(), grad_coef, _sum_shares(grad_intercept)
