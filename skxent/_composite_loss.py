"""Sums of linear softmax losses at scaled parameters, for objectives that no
single kernel computes.

With losses ``L_j`` (:class:`~skxent._linear_loss.LinearSoftmaxLoss` on the
same ``X``, without their own penalty), factors ``c_j`` and temperatures
``t_j > 0``, the minimized function is

    F(theta) = sum_j c_j L_j(theta / t_j) + ||W||_F^2 / (2 C S),

where ``theta`` holds ``W`` and ``b`` as in :mod:`skxent._linear_loss`.
``L_j(theta / t_j)`` is the loss of the logits ``z / t_j``, the model at
temperature ``t_j``; by the chain rule its gradient in ``theta`` is ``grad
L_j(theta / t_j) / t_j`` and its Hessian-vector product ``H_j(theta / t_j) v
/ t_j^2``. The L2 term is counted once, here. Each term is one pass over
``X``: a fused kernel, where one exists, does the whole sum in one.
"""

from collections import namedtuple

import numpy as np

from skxent._linear_loss import PenalizedRowSums

ScaledLoss = namedtuple("ScaledLoss", ["factor", "temperature", "loss"])
"""One term ``factor * loss(theta / temperature)`` of a :class:`LossSum`."""


class LossSum(PenalizedRowSums):
    """Value, gradient and Hessian-vector product of ``F`` (see the module
    docstring), with the methods :func:`skxent._solvers.minimize` and
    :meth:`skxent.SoftmaxClassifier._fit_loss` use.

    The terms' row sums, scaled by the chain rule, add up to the row sums of
    ``F``; :class:`~skxent._linear_loss.PenalizedRowSums` then scales them
    and adds the terms' constants and the L2 penalty, once.

    Parameters
    ----------
    terms : sequence of ScaledLoss
        At least one; their losses share ``X``, the parametrization (logit
        rows, intercept) and the sample weights, and have
        ``l2_reg_strength=0``.
    l2_reg_strength : float
        ``1 / (C S)``.
    """

    def __init__(self, terms, l2_reg_strength):
        self.terms = tuple(terms)
        first = self.terms[0].loss
        super().__init__(
            n_params=first.n_params,
            n_features=first.n_features,
            fit_intercept=first.fit_intercept,
            l2_reg_strength=l2_reg_strength,
            weight_sum=first.weight_sum,
            constant=sum(factor * loss.constant for factor, _, loss in self.terms),
            dtype=first.dtype,
            sparse=first.sparse,
        )

    @property
    def n_threads(self):
        return self.terms[0].loss.n_threads

    @n_threads.setter
    def n_threads(self, n_threads):
        for term in self.terms:
            term.loss.n_threads = n_threads

    def gradient_sums(self, params):
        # d/dtheta of L(theta / t): the gradient at theta / t, divided by t.
        return _added(
            (factor, factor / temperature, loss.gradient_sums(params / temperature))
            for factor, temperature, loss in self.terms
        )

    def hessian_sums(self, params, vector):
        # The Hessian of L(theta / t): that at theta / t, divided by t^2.
        return _added(
            (
                0.0,
                factor / temperature**2,
                loss.hessian_sums(params / temperature, vector),
            )
            for factor, temperature, loss in self.terms
        )


def _added(scaled_sums):
    """``(loss sum, coef part, intercept part)`` added up over
    ``(loss factor, part factor, sums)``, the parts in float64 (float32
    kernel sums are widened first)."""
    total_loss, total_coef, total_intercept = 0.0, 0.0, 0.0
    for loss_factor, part_factor, (loss, coef, intercept) in scaled_sums:
        total_loss += loss_factor * loss
        total_coef = total_coef + np.multiply(part_factor, coef, dtype=np.float64)
        total_intercept = total_intercept + np.multiply(
            part_factor, intercept, dtype=np.float64
        )
    return total_loss, total_coef, total_intercept
