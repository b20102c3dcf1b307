"""Objective block kernels: each objective's loss, logit gradient and
Hessian-vector product on one block of samples.

The pass kernels (:mod:`.softmax`) compute a block's softmax and hand it to
the objective; what an objective is reaches them as an instance of its own
named tuple, its *kernel type* (:data:`BLOCK_KERNELS` maps each to its two
block functions). The type picks the functions when Numba compiles a pass,
so a pass compiled for one objective holds that objective's code only, and a
tuple of a type not registered here fails to compile. The tuple's fields are
the objective's parameters; the first, ``entropy_penalty``, is every
objective's: ``None`` when there is none, a type that leaves the penalty's
block functions (:data:`ENTROPY_PENALTY`) out of the compiled pass, else
``beta``. :func:`loss_residual` and :func:`hessp` call the objective's block
functions, then the penalty's.

Per sample, with ``q = softmax(z)``, target row ``p`` and weight ``s``, a
block function writes the weighted logit gradient ``s dl/dz`` (or ``s H d``)
class-major, ``(n_params, rows)``: with one logit row fewer than classes
(binary problems) the first class is the reference, whose logit is 0 and
whose entries are left out. The gradients all have the form
``dl/dz_k = q_k (a_k - sum_j q_j a_j)`` with ``a = dl/dq``. Where ``a_k``
depends on ``q_k`` only, the Hessian-vector product in the logits is

    (H d)_k = q_k (c_k e_k - sum_j q_j c_j e_j),
    e = d - (q . d),  c_k = a_k - sum_j q_j a_j + q_k da_k/dq_k,

which :func:`_add_curvature_product` computes from ``c``.

Signatures (arrays class-major; ``targets`` and ``proba`` cover all samples,
the block their columns ``start:start + rows``):

- ``loss_residual(objective, softmax, targets, start, class_scratch,
  row_scratch, row_loss, out)``: ``softmax`` holds the block's logits minus
  their row maximum, ``log_sum`` (so that ``log q = shifted - log_sum``) and
  ``q``; writes each row's loss into ``row_loss`` and the weighted gradient
  into ``out``.
- ``hessp(objective, proba, targets, start, e, class_scratch, row_scratch,
  out)``: ``e`` is ``d - (q . d)`` for every class (the reference's ``d`` is
  0), ``q`` the stored probabilities; writes ``s H d`` into ``out``.

``class_scratch`` (``(n_classes, rows)``) and ``row_scratch`` (``(2,
rows)``) are the function's to overwrite.
"""

from collections import namedtuple

import numpy as np
from numba import njit
from numba.core import types
from numba.core.errors import TypingError
from numba.extending import overload

from skxent._kernels.loops import fill, row_mass

LOG_2 = float(np.log(2.0))

CrossEntropyKernel = namedtuple("CrossEntropyKernel", ["entropy_penalty"])
"""Forward family: cross-entropy (and KL divergence, one constant away)."""
ReverseKLKernel = namedtuple("ReverseKLKernel", ["entropy_penalty"])
"""Reverse KL divergence; the targets arrive as ``log p``."""
JensenShannonKernel = namedtuple("JensenShannonKernel", ["entropy_penalty"])
"""Jensen-Shannon divergence."""

BlockSoftmax = namedtuple("BlockSoftmax", ["shifted", "log_sum", "q"])
"""A block's softmax: logits minus their row maximum, each row's
``log sum exp`` of those, and the probabilities, class-major."""


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _cross_entropy_loss_residual(
    objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
):
    """``l = -sum_k p_k log q_k``; gradient ``m q - p`` with the row mass
    ``m = sum_k p_k`` (1 for hard labels; soft rows are accepted with
    ``|m - 1|`` up to ``sqrt(eps)``, which the gradient must not ignore)."""
    shifted, log_sum, q = softmax
    n_classes, rows = q.shape
    n_params = out.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    weight = targets.weights[start:stop]
    if targets.labels.shape[0]:
        label = targets.labels[start:stop]
        for r in range(rows):
            row_loss[r] = log_sum[r] - shifted[label[r], r]
        for k in range(n_params):
            qk, g = q[k + offset], out[k]
            for r in range(rows):
                hit = 1.0 if label[r] == k + offset else 0.0
                g[r] = weight[r] * (qk[r] - hit)
        return
    values = targets.values
    fill(row_loss, 0.0)
    for k in range(n_classes):
        p, z = values[k, start:stop], shifted[k]
        for r in range(rows):
            # A zero target contributes 0 even where log q = -inf.
            log_q = z[r] - log_sum[r]
            row_loss[r] -= p[r] * log_q if p[r] != 0.0 else 0.0
    mass = row_scratch[0]
    row_mass(values, start, mass)
    for k in range(n_params):
        p, qk, g = values[k + offset, start:stop], q[k + offset], out[k]
        for r in range(rows):
            g[r] = weight[r] * (mass[r] * qk[r] - p[r])


@njit(cache=True, fastmath={"contract"})
def _cross_entropy_hessp(
    objective, proba, targets, start, e, class_scratch, row_scratch, out
):
    """``H d = m (q * e)``: ``c_k = m`` for every class."""
    n_classes, rows = e.shape
    n_params = out.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    weight = targets.weights[start:stop]
    # Hard labels (no target columns) have m = 1: nothing to read.
    soft = targets.values.shape[1] > 0
    mass = row_scratch[0]
    if soft:
        row_mass(targets.values, start, mass)
    for k in range(n_params):
        ek, q, g = e[k + offset], proba[k + offset, start:stop], out[k]
        for r in range(rows):
            mass_q = mass[r] * q[r] if soft else q[r]
            g[r] = weight[r] * mass_q * ek[r]


@njit(cache=True, fastmath={"contract"})
def _add_gap_gradient(q, a, weight, scale, accumulate, mean, out):
    """``out (+)= scale s q_k (a_k - sum_j q_j a_j)``, the gradient of an
    objective with ``dl/dq = a``, leaving ``sum_j q_j a_j`` in ``mean``."""
    n_classes, rows = q.shape
    offset = n_classes - out.shape[0]
    fill(mean, 0.0)
    for k in range(n_classes):
        qk, ak = q[k], a[k]
        for r in range(rows):
            mean[r] += qk[r] * ak[r]
    for k in range(out.shape[0]):
        qk, ak, g = q[k + offset], a[k + offset], out[k]
        for r in range(rows):
            value = scale * weight[r] * qk[r] * (ak[r] - mean[r])
            g[r] = g[r] + value if accumulate else value


@njit(cache=True, fastmath={"contract"})
def _add_curvature_product(proba, start, c, e, weight, scale, accumulate, total, out):
    """``out (+)= scale s q_k (c_k e_k - sum_j q_j c_j e_j)``: the
    Hessian-vector product of an objective with curvature coefficients
    ``c`` (see the module docstring); ``total`` is a row buffer."""
    n_classes, rows = e.shape
    offset = n_classes - out.shape[0]
    stop = start + rows
    fill(total, 0.0)
    for k in range(n_classes):
        q, ck, ek = proba[k, start:stop], c[k], e[k]
        for r in range(rows):
            total[r] += q[r] * ck[r] * ek[r]
    for k in range(out.shape[0]):
        q, ck, ek = proba[k + offset, start:stop], c[k + offset], e[k + offset]
        g = out[k]
        for r in range(rows):
            value = scale * weight[r] * q[r] * (ck[r] * ek[r] - total[r])
            g[r] = g[r] + value if accumulate else value


@njit(cache=True)
def _log_ratio_curvature(proba, start, log_p, c, mean):
    """``c = a - sum_j q_j a_j + 1`` for ``a = log q - log p`` (``log_p``
    class-major, or without columns for ``log p = 0``), the curvature of
    ``sum_k q_k a_k``; 0 where ``q`` underflowed (those classes contribute
    nothing)."""
    n_classes, rows = c.shape
    stop = start + rows
    fill(mean, 0.0)
    for k in range(n_classes):
        q, a = proba[k, start:stop], c[k]
        for r in range(rows):
            shift = log_p[k, start + r] if log_p.shape[1] else 0.0
            a[r] = np.log(q[r]) - shift if q[r] > 0.0 else 0.0
            mean[r] += q[r] * a[r]
    for k in range(n_classes):
        q, a = proba[k, start:stop], c[k]
        for r in range(rows):
            a[r] = a[r] - mean[r] + 1.0 if q[r] > 0.0 else 0.0


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _reverse_kl_loss_residual(
    objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
):
    """``l = sum_k q_k a_k`` with ``a = log q - log p``: ``dl/dq = a`` up to
    a constant, which the softmax's gradient ignores (any row mass)."""
    shifted, log_sum, q = softmax
    n_classes, rows = q.shape
    stop = start + rows
    for k in range(n_classes):
        z, log_p, a = shifted[k], targets.values[k, start:stop], class_scratch[k]
        for r in range(rows):
            a[r] = (z[r] - log_sum[r]) - log_p[r]
    _add_gap_gradient(
        q, class_scratch, targets.weights[start:stop], 1.0, False, row_loss, out
    )


@njit(cache=True, fastmath={"contract"})
def _reverse_kl_hessp(
    objective, proba, targets, start, e, class_scratch, row_scratch, out
):
    """``c = a - l + 1`` (see :func:`_log_ratio_curvature`)."""
    _log_ratio_curvature(proba, start, targets.values, class_scratch, row_scratch[0])
    _add_curvature_product(
        proba, start, class_scratch, e, targets.weights[start:start + e.shape[1]],
        1.0, False, row_scratch[1], out,
    )  # fmt: skip


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _jensen_shannon_loss_residual(
    objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
):
    """``l = (KL(p || m) + KL(q || m)) / 2`` with ``m = (p + q) / 2``:
    ``dl/dq_k = a_k = log(2 q_k / (p_k + q_k)) / 2`` (any row mass).

    ``log(2 q / (p + q))`` is taken as ``log 2 + log q - log(p + q)``: ``log
    q`` stays finite where ``q`` underflows, and ``p + q >= p`` does not.
    """
    shifted, log_sum, q = softmax
    n_classes, rows = q.shape
    stop = start + rows
    fill(row_loss, 0.0)
    for k in range(n_classes):
        p, qk, z = targets.values[k, start:stop], q[k], shifted[k]
        a = class_scratch[k]
        for r in range(rows):
            if p[r] > 0.0:
                total = p[r] + qk[r]
                a[r] = 0.5 * (LOG_2 + (z[r] - log_sum[r]) - np.log(total))
                row_loss[r] += 0.5 * p[r] * np.log(2.0 * p[r] / total)
            else:
                a[r] = 0.5 * LOG_2
            row_loss[r] += qk[r] * a[r]
    _add_gap_gradient(
        q, class_scratch, targets.weights[start:stop], 1.0, False, row_scratch[0], out
    )


@njit(cache=True, fastmath={"contract"})
def _jensen_shannon_hessp(
    objective, proba, targets, start, e, class_scratch, row_scratch, out
):
    """``c_k = a_k - sum_j q_j a_j + p_k / (2 (p_k + q_k))``."""
    n_classes, rows = e.shape
    stop = start + rows
    mean = row_scratch[0]
    fill(mean, 0.0)
    for k in range(n_classes):
        q, p, a = proba[k, start:stop], targets.values[k, start:stop], class_scratch[k]
        for r in range(rows):
            a[r] = 0.5 * np.log(2.0 * q[r] / (p[r] + q[r])) if q[r] > 0.0 else 0.0
            mean[r] += q[r] * a[r]
    for k in range(n_classes):
        q, p, a = proba[k, start:stop], targets.values[k, start:stop], class_scratch[k]
        for r in range(rows):
            curvature = a[r] - mean[r] + 0.5 * p[r] / (p[r] + q[r])
            a[r] = curvature if q[r] > 0.0 else 0.0
    _add_curvature_product(
        proba, start, class_scratch, e, targets.weights[start:stop], 1.0, False,
        row_scratch[1], out,
    )  # fmt: skip


@njit(cache=True, fastmath={"contract"})
def _entropy_penalty_loss_residual(
    objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
):
    """Add ``beta sum_k q_k log q_k = -beta H(q)`` to each row's loss and its
    gradient ``beta q_k (log q_k + H(q))`` to ``out``, ``beta`` the
    objective's ``entropy_penalty``."""
    shifted, log_sum, q = softmax
    n_classes, rows = q.shape
    for k in range(n_classes):
        z, a = shifted[k], class_scratch[k]
        for r in range(rows):
            a[r] = z[r] - log_sum[r]
    negative_entropy = row_scratch[0]
    beta = objective.entropy_penalty
    _add_gap_gradient(
        q, class_scratch, targets.weights[start:start + rows], beta, True,
        negative_entropy, out,
    )  # fmt: skip
    for r in range(rows):
        row_loss[r] += beta * negative_entropy[r]


@njit(cache=True, fastmath={"contract"})
def _entropy_penalty_hessp(
    objective, proba, targets, start, e, class_scratch, row_scratch, out
):
    """Add ``beta`` times the Hessian-vector product of ``sum_k q_k log q_k``
    (:func:`_log_ratio_curvature` with ``log p = 0``) to ``out``."""
    no_targets = np.empty((0, 0), dtype=proba.dtype)
    _log_ratio_curvature(proba, start, no_targets, class_scratch, row_scratch[0])
    _add_curvature_product(
        proba, start, class_scratch, e, targets.weights[start:start + e.shape[1]],
        objective.entropy_penalty, True, row_scratch[1], out,
    )  # fmt: skip


BlockKernels = namedtuple("BlockKernels", ["loss_residual", "hessp"])

ENTROPY_PENALTY = BlockKernels(_entropy_penalty_loss_residual, _entropy_penalty_hessp)
"""The block functions of the entropy penalty, which add to what the
objective's wrote."""

BLOCK_KERNELS = {
    CrossEntropyKernel: BlockKernels(
        _cross_entropy_loss_residual, _cross_entropy_hessp
    ),
    ReverseKLKernel: BlockKernels(_reverse_kl_loss_residual, _reverse_kl_hessp),
    JensenShannonKernel: BlockKernels(
        _jensen_shannon_loss_residual, _jensen_shannon_hessp
    ),
}
"""Kernel type of each objective: its block functions."""


def _block_functions(kernel_type, penalized, name):
    """The block functions ``name`` (a field of :class:`BlockKernels`) of
    ``kernel_type``, then the penalty's if ``penalized``; a ``TypeError``
    unless ``kernel_type`` is registered."""
    kernels = BLOCK_KERNELS.get(kernel_type)
    if kernels is None:
        raise TypeError(
            f"{kernel_type!r} is not an objective kernel type; register its "
            "block functions in skxent._kernels.objective_blocks.BLOCK_KERNELS."
        )
    if not penalized:
        return (getattr(kernels, name),)
    return getattr(kernels, name), getattr(ENTROPY_PENALTY, name)


def _compiled_block_functions(objective, name):
    """:func:`_block_functions` for the Numba type of an objective argument:
    the type decides, so a pass compiled without a penalty
    (``entropy_penalty`` typed ``None``) holds no penalty code."""
    kernel_type = getattr(objective, "instance_class", None)
    # entropy_penalty is every kernel type's first field.
    penalized = kernel_type in BLOCK_KERNELS and not isinstance(
        objective.types[0], types.NoneType
    )
    try:
        return _block_functions(kernel_type, penalized, name)
    except TypeError as error:
        raise TypingError(str(error)) from None


def _block_dispatcher(name, doc):
    """The block function ``name`` of every objective: the objective's, then
    its penalty's. In Python (``NUMBA_DISABLE_JIT=1``) it looks them up on
    each call; compiled, an overload picks them by type when a pass
    compiles. The two block functions differ in the arguments between
    ``start`` and ``out`` only, here ``scratch_0`` to ``scratch_2``."""

    def dispatch(
        objective, block, targets, start, scratch_0, scratch_1, scratch_2, out
    ):
        penalized = objective.entropy_penalty is not None
        for block_function in _block_functions(type(objective), penalized, name):
            block_function(
                objective, block, targets, start, scratch_0, scratch_1, scratch_2,
                out,
            )  # fmt: skip

    # Inlined into the caller: a function of its own would be one more level
    # of the call tree, whose every level LLVM optimizes anew with all the
    # levels below.
    @overload(dispatch, inline="always")
    def _dispatch_compiled(
        objective, block, targets, start, scratch_0, scratch_1, scratch_2, out
    ):
        objective_function, *penalty = _compiled_block_functions(objective, name)
        if not penalty:

            def call(
                objective, block, targets, start, scratch_0, scratch_1, scratch_2,
                out,
            ):  # fmt: skip
                objective_function(
                    objective, block, targets, start, scratch_0, scratch_1,
                    scratch_2, out,
                )  # fmt: skip

            return call
        (penalty_function,) = penalty

        def call_penalized(
            objective, block, targets, start, scratch_0, scratch_1, scratch_2, out
        ):
            objective_function(
                objective, block, targets, start, scratch_0, scratch_1, scratch_2,
                out,
            )  # fmt: skip
            penalty_function(
                objective, block, targets, start, scratch_0, scratch_1, scratch_2,
                out,
            )  # fmt: skip

        return call_penalized

    dispatch.__name__ = dispatch.__qualname__ = name
    dispatch.__doc__ = doc
    return dispatch


loss_residual = _block_dispatcher(
    "loss_residual",
    """``loss_residual(objective, softmax, targets, start, class_scratch,
    row_scratch, row_loss, out)``: the loss and weighted gradient of
    ``objective``, its penalty included, on a block (see the module
    docstring).""",
)

hessp = _block_dispatcher(
    "hessp",
    """``hessp(objective, proba, targets, start, e, class_scratch,
    row_scratch, out)``: the weighted Hessian-vector product of
    ``objective``, its penalty included, on a block (see the module
    docstring).""",
)


DistillationKernel = namedtuple(
    "DistillationKernel", ["entropy_penalty", "temperature", "alpha"]
)
"""Hinton's distillation objective: the hard labels (``Targets.labels``) and
the softened teacher probabilities ``p_T`` (``Targets.values``) together."""


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _tempered_softmax(shifted, temperature, q_t, log_sum_t):
    """``q_T = softmax(z / T)`` into ``q_t`` and its rows' ``log sum exp`` of
    ``shifted / T`` into ``log_sum_t``, from the logits minus their row
    maximum (so that every exponent is at most 0, and one of them 0)."""
    n_classes, rows = q_t.shape
    fill(log_sum_t, 0.0)
    for k in range(n_classes):
        z, e = shifted[k], q_t[k]
        for r in range(rows):
            e[r] = np.exp(z[r] / temperature)
            log_sum_t[r] += e[r]
    for k in range(n_classes):
        e = q_t[k]
        for r in range(rows):
            e[r] /= log_sum_t[r]
    for r in range(rows):
        log_sum_t[r] = np.log(log_sum_t[r])


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _distillation_loss_residual(
    objective, softmax, targets, start, class_scratch, row_scratch, row_loss, out
):
    """``l = alpha (-log q_y) - (1 - alpha) T^2 sum_k p_Tk log q_Tk`` with
    ``q_T = softmax(z / T)``.

    ``d/dz`` of ``-T^2 sum_k p_Tk log q_Tk`` is ``T^2 (m q_T - p_T) / T``
    with the row mass ``m``: gradient ``alpha (q - e_y) + (1 - alpha) T (m
    q_T - p_T)``. The ``T^2`` makes the soft term's gradient, which shrinks
    like ``1 / T^2`` for large ``T``, comparable with the hard one's.
    """
    shifted, log_sum, q = softmax
    n_classes, rows = q.shape
    n_params = out.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    temperature, alpha = objective.temperature, objective.alpha
    soft_scale = (1.0 - alpha) * temperature * temperature
    weight, label, values = (
        targets.weights[start:stop], targets.labels[start:stop], targets.values,
    )  # fmt: skip
    log_sum_t, mass = row_scratch[0], row_scratch[1]
    _tempered_softmax(shifted, temperature, class_scratch, log_sum_t)
    for r in range(rows):
        row_loss[r] = alpha * (log_sum[r] - shifted[label[r], r])
    for k in range(n_classes):
        p, z = values[k, start:stop], shifted[k]
        for r in range(rows):
            # A zero target contributes 0 even where log q_T = -inf.
            log_q_t = z[r] / temperature - log_sum_t[r]
            row_loss[r] -= soft_scale * p[r] * log_q_t if p[r] != 0.0 else 0.0
    row_mass(values, start, mass)
    for k in range(n_params):
        p, qk, q_t, g = (
            values[k + offset, start:stop], q[k + offset], class_scratch[k + offset],
            out[k],
        )  # fmt: skip
        for r in range(rows):
            hit = 1.0 if label[r] == k + offset else 0.0
            soft = (1.0 - alpha) * temperature * (mass[r] * q_t[r] - p[r])
            g[r] = weight[r] * (alpha * (qk[r] - hit) + soft)


@njit(cache=True, fastmath={"contract"})
def _distillation_hessp(
    objective, proba, targets, start, e, class_scratch, row_scratch, out
):
    """``H d = alpha q * e + (1 - alpha) m q_T * e_T`` with ``e_T = d - q_T .
    d = e - q_T . e``: the ``T^2`` and the two ``1 / T`` of the chain rule
    cancel in the soft term's Hessian, ``m (diag(q_T) - q_T q_T^T)``.

    ``q_T`` is taken from the stored ``q`` as ``q^(1/T)`` renormalized; a
    class whose ``q`` underflowed to 0 gets ``q_T = 0`` (for ``T > 1`` its
    true ``q_T`` is tiny but not 0: a Hessian that much less exact, never a
    gradient).
    """
    n_classes, rows = e.shape
    n_params = out.shape[0]
    offset = n_classes - n_params
    stop = start + rows
    temperature, alpha = objective.temperature, objective.alpha
    weight = targets.weights[start:stop]
    total, mass = row_scratch[0], row_scratch[1]
    fill(total, 0.0)
    for k in range(n_classes):
        q, q_t = proba[k, start:stop], class_scratch[k]
        for r in range(rows):
            q_t[r] = np.exp(np.log(q[r]) / temperature) if q[r] > 0.0 else 0.0
            total[r] += q_t[r]
    for k in range(n_classes):
        q_t = class_scratch[k]
        for r in range(rows):
            q_t[r] /= total[r]
    fill(total, 0.0)  # now q_T . e
    for k in range(n_classes):
        q_t, ek = class_scratch[k], e[k]
        for r in range(rows):
            total[r] += q_t[r] * ek[r]
    row_mass(targets.values, start, mass)
    for k in range(n_params):
        q, q_t, ek, g = (
            proba[k + offset, start:stop], class_scratch[k + offset], e[k + offset],
            out[k],
        )  # fmt: skip
        for r in range(rows):
            soft = (1.0 - alpha) * mass[r] * q_t[r] * (ek[r] - total[r])
            g[r] = weight[r] * (alpha * q[r] * ek[r] + soft)


BLOCK_KERNELS[DistillationKernel] = BlockKernels(
    _distillation_loss_residual, _distillation_hessp
)
