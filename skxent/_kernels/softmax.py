"""Softmax-regression kernels: fused loss, gradient and Hessian-vector products.

A linear softmax model has logits ``z_i = W x_i + b``, shape ``(n_classes,)``,
and predicted probabilities ``q_i = softmax(z_i)``. With ``n_params`` logit rows
equal to ``n_classes - 1`` (binary problems) the first class is the reference
with logit fixed at 0, as in scikit-learn's binary ``LogisticRegression``.

The per-sample loss ``l_i`` of the objective, its gradient in the logits and
its Hessian-vector products are the objective's block kernels
(:mod:`.objective_blocks`); these kernels compute the softmax they need and
everything around it: ``sum_i s_i l_i`` with the sample weights ``s_i``, and
``G = sum_i s_i (dl_i/dz_i) x_i^T`` (and the intercept gradient), in one pass
over ``X``. Each thread takes a contiguous share of the rows and walks it in
blocks small enough to stay in cache, computing the block's logits, its
softmax and its gradient contribution before moving on. Each thread
accumulates into its own slice of the output buffers, summed at the end, so no
two threads write the same memory. The share count is the ``n_threads`` of the
pass rather than Numba's thread count, which keeps results reproducible for a
given ``n_threads``. The parallel loop only hands each share to a serial
function: Numba's parallel lowering is the slowest part of compiling a kernel,
and it grows with the loop body. Dense products go to BLAS (``np.dot`` on a
block); it is very hard to beat BLAS GEMM, and it must run single-threaded
here since the kernel owns the threads.

Arguments travel in named tuples (:data:`LinearModel`, :data:`Targets`,
:data:`PassMode`, :data:`CSRMatrix`, and the objective's kernel type) whose
fields are type-checked (:func:`_check_bundles`): bundles passed in the wrong
order, or two fields of one swapped, fail to compile instead of computing
something else.

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

Hard labels are passed as the class of each sample (``Targets.labels``) with
an empty target matrix, and probabilities are stored only when ``proba`` has
columns: for L-BFGS, which never asks for Hessian-vector products, a pass over
C-contiguous or CSR ``X`` then reads ``X``, the labels and the weights, and
writes nothing per sample.
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange
from numba.core import types
from numba.core.errors import TypingError
from numba.extending import overload

from skxent._kernels import lanes, objective_blocks
from skxent._kernels.loops import add, dot, fill, sum_of, sum_shares
from skxent._kernels.vector_math import bits_dtype, exp_nonpositive, log_positive

LinearModel = namedtuple("LinearModel", ["coef", "intercept"])
"""Coefficients ``(n_params, n_features)`` in the dtype of ``X`` and float64
intercepts ``(n_params,)``: the model, or a direction for Hessian-vector
products."""

Targets = namedtuple("Targets", ["values", "labels", "weights"])
"""What the objective reads per sample: ``values``, class-major ``(n_classes,
n_samples)`` in the dtype of ``X`` (probabilities, or what the objective
makes of them), or without columns for hard labels; ``labels``, the class of
each sample for hard labels, else empty; ``weights``, float64."""

PassMode = namedtuple("PassMode", ["hessian_product", "n_threads"])
"""Whether a pass computes Hessian-vector products instead of the loss and
gradient, and the row shares it splits the work into (one per thread)."""

CSRMatrix = namedtuple("CSRMatrix", ["data", "indices", "indptr"])
"""A CSR matrix's arrays."""

# Rows per cache block in dense kernels.
BLOCK_ROWS = 128

# What each field of a bundle must be: (dimensions, Numba type class of the
# value or the array's dtype), 0 dimensions for a scalar. Fields of one
# bundle that could trade places differ here wherever their types can.
_FIELD_TYPES = {
    LinearModel: {"coef": (2, types.Float), "intercept": (1, types.Float)},
    Targets: {
        "values": (2, types.Float),
        "labels": (1, types.Integer),
        "weights": (1, types.Float),
    },
    PassMode: {"hessian_product": (0, types.Boolean), "n_threads": (0, types.Integer)},
    CSRMatrix: {
        "data": (1, types.Float),
        "indices": (1, types.Integer),
        "indptr": (1, types.Integer),
    },
}

# A value and an array of each kind, in the refusals.
_KIND_NAMES = {
    types.Boolean: ("a bool", "bools"),
    types.Integer: ("an integer", "integers"),
    types.Float: ("a float", "floats"),
}


def _check_bundles(X, model, targets, mode):
    """Nothing in Python; compiled, a ``TypingError`` naming the bundle and
    the field when a pass's bundles (``X`` too, if a :data:`CSRMatrix`) hold
    a field of the wrong type, as two fields given in the wrong order do."""


def _field_mismatch(field, ndim, kind):
    """What a field of Numba type ``field`` should be instead, or ``None``."""
    if ndim == 0:
        matches = isinstance(field, kind)
    else:
        matches = (
            isinstance(field, types.Array)
            and field.ndim == ndim
            and isinstance(field.dtype, kind)
        )
    if matches:
        return None
    value, values = _KIND_NAMES[kind]
    return value if ndim == 0 else f"a {ndim}-D array of {values}"


@overload(_check_bundles, inline="always")
def _check_bundles_compiled(X, model, targets, mode):
    expected = (
        (X, None if isinstance(X, types.Array) else CSRMatrix),
        (model, LinearModel),
        (targets, Targets),
        (mode, PassMode),
    )
    for bundle, bundle_type in expected:
        if bundle_type is None:
            continue
        if getattr(bundle, "instance_class", None) is not bundle_type:
            raise TypingError(f"expected a {bundle_type.__name__}, got {bundle}")
        for name, field in zip(bundle_type._fields, bundle.types, strict=True):
            wanted = _field_mismatch(field, *_FIELD_TYPES[bundle_type][name])
            if wanted is not None:
                raise TypingError(
                    f"{bundle_type.__name__}.{name} must be {wanted}, not "
                    f"{field}: are two of its fields given in the wrong order?"
                )
    return lambda X, model, targets, mode: None


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
    in the dtype of ``like``: three class-major blocks, the bit patterns
    :mod:`.vector_math` works with, and six per-row statistics."""
    size = n_classes * BLOCK_ROWS
    return (
        np.empty(size, dtype=like.dtype),
        np.empty(size, dtype=like.dtype),
        np.empty(size, dtype=like.dtype),
        np.empty(size, dtype=bits_dtype(like)),
        np.empty((6, BLOCK_ROWS), dtype=like.dtype),
    )


# NumPy's error model, as in .vector_math: the divisions stay vectorized.
@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _block_softmax(logits, intercept, workspace, n_classes):
    """The :class:`~.objective_blocks.BlockSoftmax` of a block's
    ``(rows, n_params)`` logits (without the intercept), in ``workspace``.

    Every inner loop runs over the rows of one class through 1-D views, so
    the compiler sees unit strides and vectorizes it, except the transpose
    (:func:`_transpose_add`).
    """
    rows, n_params = logits.shape
    offset = n_classes - n_params
    shifted_flat, exp_flat, _, bits, stats = workspace
    # Logits minus their row maximum: log q + log_sum, which the objectives
    # take apart where they need log q rather than store it.
    shifted = shifted_flat[: n_classes * rows].reshape((n_classes, rows))
    exponentials = exp_flat[: n_classes * rows].reshape((n_classes, rows))
    row_max, inverse_sum, log_sum = stats[0, :rows], stats[1, :rows], stats[2, :rows]
    dtype = logits.dtype.type
    # Shift by the largest logit (the reference class has logit 0) so that
    # exp cannot overflow.
    fill(row_max, 0.0 if offset else -np.inf)
    if offset:
        fill(shifted[0], 0.0)
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
    fill(inverse_sum, 0.0)
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
    return objective_blocks.BlockSoftmax(shifted, log_sum, exponentials)


@njit(cache=True)
def _block_loss_residual(
    logits, intercept, targets, objective, start, proba, workspace, out
):
    """Softmax, weighted loss and logit gradient of one block of samples.

    ``logits`` is the block's ``(rows, n_params)`` product with the
    coefficients, without the intercept, as BLAS or a sparse row product
    leaves it; ``out`` receives the weighted gradient in the logits (the
    residual), class-major ``(n_params, rows)``. ``targets.values`` and
    ``proba`` are ``(n_classes, n_samples)``; the block covers their columns
    ``start:start + rows``. The block's probabilities are written into
    ``proba`` unless it has no columns (only Hessian-vector products read
    them). Returns the weighted loss sum.
    """
    rows = logits.shape[0]
    n_classes = proba.shape[0]
    softmax = _block_softmax(logits, intercept, workspace, n_classes)
    q = softmax.q
    if proba.shape[1]:
        for k in range(n_classes):
            qk, stored = q[k], proba[k, start : start + rows]
            for r in range(rows):
                stored[r] = qk[r]
    class_scratch = workspace[2][: n_classes * rows].reshape((n_classes, rows))
    stats = workspace[4]
    row_loss, row_scratch = stats[3, :rows], stats[4:, :rows]
    objective_blocks.loss_residual(
        objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
    )
    return dot(targets.weights[start : start + rows], row_loss)


@njit(cache=True, fastmath={"contract"})
def _block_hessp(
    directions, intercept, targets, objective, start, proba, workspace, out
):
    """Weighted Hessian-vector products of one block of samples, at ``proba``.

    ``directions`` is ``(rows, n_params)``: the logit directions ``d``
    without ``intercept``; ``out`` receives ``s_i H_i d``, class-major
    ``(n_params, rows)``. Other arguments as in :func:`_block_loss_residual`.
    """
    rows, n_params = directions.shape
    n_classes = proba.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    e_flat, class_flat, _, _, stats = workspace
    # e = d - q . d for every class, the reference class's d being 0.
    e = e_flat[: n_classes * rows].reshape((n_classes, rows))
    if offset:
        fill(e[0], 0.0)
    _transpose_add(directions, intercept, e[offset:])
    q_dot_d = stats[0, :rows]
    fill(q_dot_d, 0.0)
    for k in range(offset, n_classes):
        d, q = e[k], proba[k, start:stop]
        for r in range(rows):
            q_dot_d[r] += q[r] * d[r]
    for k in range(n_classes):
        d = e[k]
        for r in range(rows):
            d[r] -= q_dot_d[r]
    class_scratch = class_flat[: n_classes * rows].reshape((n_classes, rows))
    row_scratch = stats[4:, :rows]
    objective_blocks.hessp(
        objective, proba, targets, start, e, class_scratch, row_scratch, out
    )


@njit(cache=True)
def _block_pass(
    block, intercept, targets, objective, start, proba, workspace, hessian_product,
    buffer, intercept_share,
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
            block, intercept, targets, objective, start, proba, workspace, residual
        )
    else:
        loss = _block_loss_residual(
            block, intercept, targets, objective, start, proba, workspace, residual
        )
    for k in range(n_params):
        intercept_share[k] += sum_of(residual[k])
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


@njit(cache=True)
def _dense_share(
    X, coef_t, intercept, targets, objective, proba, hessian_product, start, stop,
    grad_coef, grad_intercept,
):  # fmt: skip
    """:func:`dense_pass` on rows ``start:stop``, serially: the gradient (or
    Hessian-vector product) added to ``grad_coef`` and ``grad_intercept``,
    the loss sum returned."""
    n_features, n_params = coef_t.shape
    logits = np.empty((BLOCK_ROWS, n_params), dtype=X.dtype)
    buffer = np.empty(n_params * BLOCK_ROWS, dtype=X.dtype)
    product = np.empty((n_params, n_features), dtype=X.dtype)
    # Only X that is not C-contiguous needs a block to copy rows into.
    rows_copy = np.empty(
        (0 if X.flags.c_contiguous else BLOCK_ROWS, n_features), X.dtype
    )
    workspace = _workspace(proba.shape[0], X)
    loss = 0.0
    for block_start in range(start, stop, BLOCK_ROWS):
        block_stop = min(block_start + BLOCK_ROWS, stop)
        rows = block_stop - block_start
        block = _row_block(X, block_start, block_stop, rows_copy)
        # BLAS computes the block sample-major, X_b W^T, markedly faster
        # than class-major W X_b^T; the gradient product wants the
        # residual class-major, R_b X_b.
        np.dot(block, coef_t, logits[:rows])
        # Fetch the next block while this one's softmax and gradient
        # product run: left to the hardware prefetcher, the product
        # above waits for memory.
        _prefetch_rows(X, block_stop, min(block_stop + BLOCK_ROWS, stop))
        block_loss, residual = _block_pass(
            logits[:rows], intercept, targets, objective, block_start, proba,
            workspace, hessian_product, buffer, grad_intercept,
        )  # fmt: skip
        loss += block_loss
        np.dot(residual, block, product)
        add(grad_coef, product)
    return loss


@njit(cache=True, parallel=True)
def dense_pass(X, model, targets, objective, proba, mode):
    """One pass over dense ``X``: the weighted loss sum and its gradient, or,
    with ``mode.hessian_product``, the Hessian of the loss sum at ``proba``
    (the last gradient evaluation's) times the direction ``model``.

    ``model`` is a :data:`LinearModel`, ``targets`` :data:`Targets`,
    ``objective`` an instance of a kernel type of :mod:`.objective_blocks`,
    ``proba`` ``(n_classes, n_samples)`` (or without columns when no
    Hessian-vector product will follow) and ``mode`` a :data:`PassMode`.
    Returns ``(loss, grad_coef, grad_intercept)`` as sums over samples (loss
    0 for Hessian-vector products); the caller scales them and adds the
    penalty.

    Unless ``X`` is C-contiguous, each block of rows is copied into a
    C-contiguous one first (:func:`_row_block`): BLAS reads a block several
    times over, and NumPy would copy a strided ``X`` whole.
    """
    _check_bundles(X, model, targets, mode)
    n_samples = X.shape[0]
    n_params, n_features = model.coef.shape
    n_shares, share = _thread_shares(n_samples, mode.n_threads)
    losses = np.zeros(n_shares)
    grad_coef = np.zeros((n_shares, n_params, n_features), dtype=X.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    coef_t = np.ascontiguousarray(model.coef.T)
    for t in prange(n_shares):
        losses[t] = _dense_share(
            X, coef_t, model.intercept, targets, objective, proba,
            mode.hessian_product, t * share, min((t + 1) * share, n_samples),
            grad_coef[t], grad_intercept[t],
        )  # fmt: skip
    return losses.sum(), sum_shares(grad_coef), sum_shares(grad_intercept)


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


@njit(cache=True)
def _csr_share(
    X, coef_t, intercept, targets, objective, proba, hessian_product, start, stop,
    grad_coef_t, grad_intercept,
):  # fmt: skip
    """:func:`csr_pass` on rows ``start:stop``, serially, like
    :func:`_dense_share` (the gradient transposed, ``(n_features,
    n_params)``)."""
    n_params = coef_t.shape[1]
    logits = np.empty((BLOCK_ROWS, n_params), dtype=coef_t.dtype)
    buffer = np.empty(n_params * BLOCK_ROWS, dtype=coef_t.dtype)
    row = np.empty(n_params, dtype=coef_t.dtype)
    workspace = _workspace(proba.shape[0], coef_t)
    loss = 0.0
    for block_start in range(start, stop, BLOCK_ROWS):
        rows = min(block_start + BLOCK_ROWS, stop) - block_start
        _csr_block_product(
            X.data, X.indices, X.indptr, block_start, coef_t, logits[:rows]
        )
        block_loss, residual = _block_pass(
            logits[:rows], intercept, targets, objective, block_start, proba,
            workspace, hessian_product, buffer, grad_intercept,
        )  # fmt: skip
        loss += block_loss
        _csr_block_accumulate(
            X.data, X.indices, X.indptr, block_start, residual, grad_coef_t, row
        )
    return loss


@njit(cache=True, parallel=True)
def csr_pass(X, model, targets, objective, proba, mode):
    """:func:`dense_pass` for a :data:`CSRMatrix` ``X``.

    The coefficients are transposed first, ``(n_features, n_params)``: the
    rows that a sample's stored features select are then contiguous.
    Returns ``(loss, grad_coef, grad_intercept)`` like :func:`dense_pass`.
    """
    _check_bundles(X, model, targets, mode)
    n_samples = X.indptr.shape[0] - 1
    n_params, n_features = model.coef.shape
    n_shares, share = _thread_shares(n_samples, mode.n_threads)
    losses = np.zeros(n_shares)
    coef_t = np.ascontiguousarray(model.coef.T)
    grad_coef_t = np.zeros((n_shares, n_features, n_params), dtype=coef_t.dtype)
    grad_intercept = np.zeros((n_shares, n_params))
    for t in prange(n_shares):
        losses[t] = _csr_share(
            X, coef_t, model.intercept, targets, objective, proba,
            mode.hessian_product, t * share, min((t + 1) * share, n_samples),
            grad_coef_t[t], grad_intercept[t],
        )  # fmt: skip
    # Sum the shares straight into the (n_params, n_features) layout.
    grad_coef = np.empty((n_params, n_features), dtype=coef_t.dtype)
    for j in prange(n_features):
        for k in range(n_params):
            grad_coef[k, j] = grad_coef_t[0, j, k]
        for t in range(1, n_shares):
            for k in range(n_params):
                grad_coef[k, j] += grad_coef_t[t, j, k]
    return losses.sum(), grad_coef, sum_shares(grad_intercept)
