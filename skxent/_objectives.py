"""Training objectives of :class:`~skxent.SoftmaxClassifier`.

Each objective compares per-sample target distributions ``p_i`` with the
model's ``q_i = softmax(z_i)`` and is averaged with sample weights ``s_i``:
``L = sum_i s_i l(p_i, q_i) / sum_i s_i``. An objective turns validated
targets into what the kernels read and says which kernel family computes
``l``, its gradient and its Hessian-vector product in the logits ``z``.

Targets are rows of probabilities, shape ``(n_samples, n_classes)``, or, for
hard labels, the integer class of each sample, shape ``(n_samples,)``: the
one-hot rows they stand for would be read on every evaluation for nothing.
Validation accepts rows whose mass ``m_i = sum_k p_ik`` is 1 only within
``sqrt(eps)`` of their dtype (3.5e-4 in float32); each objective is the one
of the rows as given, mass included, never of renormalized rows.
"""

import numpy as np

from skxent._kernels import divergence as divergence_kernels
from skxent._kernels import softmax as softmax_kernels


class CrossEntropy:
    """Cross-entropy ``l_i = H(p_i, q_i) = -sum_k p_ik log q_ik``.

    With the row mass ``m_i = sum_k p_ik``, ``l_i = m_i logsumexp(z_i) -
    p_i . z_i``: gradient in the logits ``m_i q_i - p_i``, Hessian-vector
    product ``H_i d = m_i (q_i * d - q_i (q_i . d))``. With one-hot targets
    (``m_i = 1``) this is the negative log-likelihood of multinomial logistic
    regression.
    """

    name = "cross_entropy"
    kernel_kind = softmax_kernels.FORWARD

    def kernel_targets(self, targets, dtype):
        """Array the kernels read for ``targets``: the probabilities in
        ``dtype``, or the classes as they are."""
        if targets.ndim == 1:
            return targets
        return targets.astype(dtype, copy=False)

    def check_targets(self, targets, classes):
        """Raise a ``ValueError`` if the objective cannot be evaluated on
        ``targets`` (whose columns, or codes, follow ``classes``)."""

    def constant(self, targets, sample_weight):
        """Value added to the kernels' weighted mean loss."""
        return 0.0


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


class ReverseKLDivergence:
    """Reverse (mode-seeking) KL divergence ``l_i = KL(q_i || p_i)``.

    ``l_i = sum_k q_ik a_ik`` with ``a_ik = log q_ik - log p_ik``. Gradient in
    the logits: ``q_ik (a_ik - l_i)``. Hessian-vector product:
    ``(H_i d)_k = q_ik [(a_ik - l_i + 1)(d_k - q_i . d) - g_i . d]`` with ``g_i``
    the gradient. These use ``sum_k q_ik = 1`` only: ``log p_i`` enters as a
    constant shift of each class, so they hold for rows of any mass. Needs
    strictly positive targets (``log p`` must be finite), and unlike the
    forward objectives it is not convex in the logits.
    """

    name = "reverse_kl_divergence"
    kernel_kind = softmax_kernels.REVERSE_KL

    def kernel_targets(self, targets, dtype):
        """Array the kernels read for ``targets`` (which passed
        :meth:`check_targets`): the log-probabilities in ``dtype``."""
        return np.log(targets).astype(dtype, copy=False)

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

    def constant(self, targets, sample_weight):
        return 0.0


OBJECTIVES = {
    objective.name: objective
    for objective in (CrossEntropy, KLDivergence, ReverseKLDivergence)
}
