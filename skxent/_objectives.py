"""The objectives of skxent's estimators, in one registry.

Each objective compares per-sample target distributions ``p_i`` with the
model's ``q_i = softmax(z_i)`` and is averaged with sample weights ``s_i``:
``L = sum_i s_i l(p_i, q_i) / sum_i s_i``. An objective is one class here
(registered in :data:`OBJECTIVES` by :func:`register`): its formula in the
docstring, which targets it takes, its constant and parameters, the metric
that computes the same value independently, and its *kernel type*, whose
block kernels in :mod:`skxent._kernels.objective_blocks` compute ``l``, its
gradient and its Hessian-vector product in the logits ``z``. Adding an
objective means adding that class and its block kernels; the estimators, the
solvers and the generic tests take it from the registry.

Targets are rows of probabilities, shape ``(n_samples, n_classes)``, or, for
hard labels, the integer class of each sample, shape ``(n_samples,)``: the
one-hot rows they stand for would be read on every evaluation for nothing
where the kernels take class codes. Validation accepts rows whose mass
``m_i = sum_k p_ik`` is 1 only within ``sqrt(eps)`` of their dtype (3.5e-4
in float32); each objective is the one of the rows as given, mass included,
never of renormalized rows.
"""

import numpy as np

from skxent import metrics
from skxent._kernels import divergence as divergence_kernels
from skxent._kernels import objective_blocks

OBJECTIVES = {}
"""Objective classes by name, in registration order."""


def register(objective):
    """Class decorator: add ``objective`` to :data:`OBJECTIVES`."""
    OBJECTIVES[objective.name] = objective
    return objective


class Objective:
    """What every objective defines (see the module docstring).

    Attributes
    ----------
    name : str
        The estimators' ``objective`` parameter value.
    kernel_type : type
        A named tuple registered in ``objective_blocks.BLOCK_KERNELS``; its
        first field is ``entropy_penalty`` (see :meth:`kernel`), the others
        are :meth:`parameters`.
    kernel_reads_labels : bool
        Whether the kernels take class codes; if not, hard labels are handed
        to them as one-hot rows.
    convex : bool
        Whether ``l`` is convex in the logits; for objectives that are not,
        every solver is tested to reach one stationary point from the
        default start.
    metric_function : callable
        The :mod:`skxent.metrics` function that :meth:`metric` calls, unless
        the objective overrides :meth:`metric`.
    """

    name = None
    kernel_type = None
    kernel_reads_labels = False
    convex = True
    metric_function = None

    def check_targets(self, targets, classes):
        """Raise a ``ValueError`` if the objective cannot be evaluated on
        ``targets`` (whose columns, or codes, follow ``classes``)."""

    def parameters(self):
        """The values of the kernel type's fields after ``entropy_penalty``."""
        return ()

    def kernel(self, entropy_penalty=0.0):
        """The kernel-type instance the pass kernels take, its
        ``entropy_penalty`` ``None`` for none: then the compiled pass holds
        no penalty code."""
        penalty = float(entropy_penalty) if entropy_penalty else None
        return self.kernel_type(penalty, *self.parameters())

    def kernel_values(self, probabilities):
        """What the kernels read of validated probability rows (in their
        dtype): the probabilities themselves by default."""
        return probabilities

    def kernel_targets(self, targets, dtype, n_classes):
        """``(values, labels)`` for the kernels (see
        ``skxent._kernels.softmax.Targets``): class-major values in
        ``dtype`` and empty labels, or, for class codes the kernels read,
        values without columns and the codes."""
        if targets.ndim == 1 and self.kernel_reads_labels:
            return np.empty((n_classes, 0), dtype=dtype), targets.astype(np.intp)
        if targets.ndim == 1:
            targets = np.eye(n_classes, dtype=dtype)[targets]
        values = self.kernel_values(targets.astype(dtype, copy=False))
        return np.ascontiguousarray(values.T), np.empty(0, dtype=np.intp)

    def constant(self, targets, sample_weight):
        """Value added to the kernels' weighted mean loss."""
        return 0.0

    def metric(self, y_true, y_proba, sample_weight=None):
        """The weighted mean loss by :mod:`skxent.metrics`, independently of
        the kernels: ``y_true`` labels or probability rows, ``y_proba`` rows
        with their columns in the same order. By default the function
        ``metric_function`` names, called as ``(y_true, y_proba)``."""
        return self.metric_function(
            y_true, y_proba, labels=_column_labels(y_proba), sample_weight=sample_weight
        )


@register
class CrossEntropy(Objective):
    """Cross-entropy ``l_i = H(p_i, q_i) = -sum_k p_ik log q_ik``.

    With the row mass ``m_i = sum_k p_ik``, ``l_i = m_i logsumexp(z_i) -
    p_i . z_i``: gradient in the logits ``m_i q_i - p_i``, Hessian-vector
    product ``H_i d = m_i (q_i * d - q_i (q_i . d))``. Convex. With one-hot
    targets (``m_i = 1``) this is the negative log-likelihood of multinomial
    logistic regression.
    """

    name = "cross_entropy"
    kernel_type = objective_blocks.CrossEntropyKernel
    kernel_reads_labels = True

    metric_function = staticmethod(metrics.cross_entropy)


@register
class KLDivergence(CrossEntropy):
    """Kullback-Leibler divergence ``l_i = KL(p_i || q_i) = H(p_i, q_i) - H(p_i)``.

    The targets are fixed, so ``H(p_i)`` is a constant: gradient and
    Hessian-vector product are those of :class:`CrossEntropy`, and so is the
    minimizer. Only the value differs, by the weighted mean target entropy
    ``-sum_k p_ik log p_ik`` of the rows as given (zero for one-hot targets).
    """

    name = "kl_divergence"

    def constant(self, targets, sample_weight):
        if targets.ndim == 1:  # hard labels have zero entropy
            return 0.0
        entropies = divergence_kernels.soft_target_rows(
            targets, targets, divergence_kernels.ENTROPY, 0.0
        )
        return -float(np.average(entropies, weights=sample_weight))

    metric_function = staticmethod(metrics.kl_divergence)


@register
class ReverseKLDivergence(Objective):
    """Reverse (mode-seeking) KL divergence ``l_i = KL(q_i || p_i)``.

    ``l_i = sum_k q_ik a_ik`` with ``a_ik = log q_ik - log p_ik``. Gradient in
    the logits: ``q_ik (a_ik - l_i)``. Hessian-vector product:
    ``(H_i d)_k = q_ik [c_ik e_ik - sum_j q_ij c_ij e_ij]`` with ``e_i = d -
    q_i . d`` and ``c_ik = a_ik - l_i + 1``. These use ``sum_k q_ik = 1``
    only: ``log p_i`` enters as a constant shift of each class, so they hold
    for rows of any mass. Needs strictly positive targets (``log p`` must be
    finite), and unlike the forward objectives it is **not convex** in the
    logits.
    """

    name = "reverse_kl_divergence"
    kernel_type = objective_blocks.ReverseKLKernel
    convex = False

    def kernel_values(self, probabilities):
        """The log-probabilities (the targets passed :meth:`check_targets`)."""
        return np.log(probabilities)

    def check_targets(self, targets, classes):
        """Raise a ``ValueError`` unless every target probability is positive."""
        if targets.ndim == 1:
            problem = (
                "y holds class labels, which stand for one-hot targets: 0 for "
                "every class but the labelled one"
            )
        else:
            zeros = np.argwhere(targets <= 0)
            if zeros.size == 0:
                return
            row, column = zeros[0]
            problem = (
                f"{len(zeros)} target probabilities are 0, the first in row "
                f"{row} for class {classes.tolist()[column]!r}"
            )
        raise ValueError(
            "objective='reverse_kl_divergence' evaluates log p, so every target "
            f"probability must be positive, but {problem}. Set label_smoothing "
            "(for example to 0.1) to mix the targets with the uniform "
            "distribution, or use objective='kl_divergence'."
        )

    def metric(self, y_true, y_proba, sample_weight=None):
        # KL(q || p): the prediction in the target's place.
        return metrics.kl_divergence(
            y_proba, _as_rows(y_true, y_proba), sample_weight=sample_weight
        )


@register
class JensenShannonDivergence(Objective):
    """Jensen-Shannon divergence ``l_i = JS(p_i, q_i)``.

    ``JS(p, q) = (KL(p || m) + KL(q || m)) / 2`` with the mixture ``m = (p +
    q) / 2``: symmetric, bounded by ``log 2`` and defined for targets with
    zeros, hard labels included (the loss of noisy-label training). With
    ``a_ik = log(2 q_ik / (p_ik + q_ik)) / 2 = dl_i/dq_ik``, the gradient in
    the logits is ``q_ik (a_ik - q_i . a_i)``, and the Hessian-vector
    product ``(H_i d)_k = q_ik [c_ik e_ik - sum_j q_ij c_ij e_ij]`` with
    ``e_i = d - q_i . d`` and ``c_ik = a_ik - q_i . a_i + p_ik / (2 (p_ik +
    q_ik))``, for rows of any mass. Its minimizer is not that of
    cross-entropy (for soft targets a linear model cannot reach), and it is
    **not convex** in the logits: it flattens for predictions far from the
    target, which is what makes it robust to wrong labels.
    """

    name = "js_divergence"
    kernel_type = objective_blocks.JensenShannonKernel
    convex = False

    metric_function = staticmethod(metrics.js_divergence)


def _column_labels(y_proba):
    """The labels ``0..K-1`` of the columns of ``y_proba``."""
    return np.arange(np.shape(y_proba)[1])


def _as_rows(y_true, y_proba):
    """``y_true`` as probability rows (one-hot for class codes ``0..K-1``)."""
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:
        return y_true
    return np.eye(np.shape(y_proba)[1])[y_true]


class Distillation(Objective):
    """Hinton et al.'s (2015) distillation objective, for hard labels ``y_i``
    and a teacher's probabilities ``p_i``:

    ``l_i = alpha CE(y_i, q_i) + (1 - alpha) T^2 D(p_T,i || softmax(z_i / T))``

    with ``q_i = softmax(z_i)`` and the teacher's probabilities softened at
    the temperature ``T``, ``p_T ∝ p ** (1 / T)`` (renormalized: softening
    is defined on the teacher's output). ``D`` is the KL divergence, or the
    cross-entropy ``H(p_T, q_T)``, which differs from it by the constant
    ``T^2 H(p_T)`` (same minimizer). The ``T^2`` keeps the soft term's
    gradient, ``(1 - alpha) T (q_T - p_T)`` per unit of row mass, on the
    scale of the hard term's as ``T`` grows. Convex: the sum of two convex
    functions of the logits (``z / T`` is linear).

    Not registered in :data:`OBJECTIVES`: it needs the teacher's
    probabilities besides the targets, which are the class codes of the hard
    labels. :class:`~skxent.DistillationClassifier` builds it.

    Parameters
    ----------
    soft_targets : ndarray of shape (n_samples, n_classes)
        ``p_T``, already softened, columns in the order of the classes.
    temperature : float > 0
    alpha : float in [0, 1]
        Weight of the hard-label term.
    divergence : {"kl_divergence", "cross_entropy"}, default="kl_divergence"
        ``D``; only the reported value differs.
    """

    name = "distillation"
    kernel_type = objective_blocks.DistillationKernel
    kernel_reads_labels = True

    def __init__(self, soft_targets, temperature, alpha, divergence="kl_divergence"):
        self.soft_targets = soft_targets
        self.temperature = float(temperature)
        self.alpha = float(alpha)
        self.divergence = divergence

    def parameters(self):
        return (self.temperature, self.alpha)

    def check_targets(self, targets, classes):
        """Raise a ``ValueError`` unless ``targets`` are class codes with one
        row of teacher probabilities each."""
        if targets.ndim != 1 or self.soft_targets.shape != (targets.size, classes.size):
            raise ValueError(
                "Distillation takes the class codes of hard labels and one row of "
                f"teacher probabilities per sample and class: got targets of shape "
                f"{targets.shape} and teacher probabilities of shape "
                f"{self.soft_targets.shape} for {classes.size} classes."
            )

    def kernel_targets(self, targets, dtype, n_classes):
        """The softened teacher probabilities, class-major, and the codes."""
        values = np.ascontiguousarray(self.soft_targets.T, dtype=dtype)
        return values, targets.astype(np.intp)

    def constant(self, targets, sample_weight):
        """``-(1 - alpha) T^2`` times the weighted mean entropy of ``p_T``
        for KL, 0 for cross-entropy."""
        if self.divergence == "cross_entropy":
            return 0.0
        entropies = divergence_kernels.soft_target_rows(
            self.soft_targets, self.soft_targets, divergence_kernels.ENTROPY, 0.0
        )
        return -self._soft_scale() * float(np.average(entropies, weights=sample_weight))

    def _soft_scale(self):
        return (1.0 - self.alpha) * self.temperature**2

    def metric(self, y_true, y_proba, sample_weight=None):
        """The objective by :mod:`skxent.metrics` from class codes ``y_true``
        and ``q``, with ``q_T ∝ q ** (1 / T)``."""
        y_proba = np.asarray(y_proba, dtype=float)
        labels = _column_labels(y_proba)
        tempered = y_proba ** (1.0 / self.temperature)
        tempered /= tempered.sum(axis=1, keepdims=True)
        soft = (
            metrics.kl_divergence
            if self.divergence == "kl_divergence"
            else metrics.cross_entropy
        )(self.soft_targets, tempered, labels=labels, sample_weight=sample_weight)
        hard = metrics.cross_entropy(
            y_true, y_proba, labels=labels, sample_weight=sample_weight
        )
        return self.alpha * hard + self._soft_scale() * soft
