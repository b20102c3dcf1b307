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

ScaledLoss = namedtuple("ScaledLoss", ["factor", "temperature", "loss"])
"""One term ``factor * loss(theta / temperature)`` of a :class:`LossSum`."""


class LossSum:
    """Value, gradient and Hessian-vector product of ``F`` (see the module
    docstring), with the methods :func:`skxent._solvers.minimize` and
    :meth:`skxent.SoftmaxClassifier._fit_loss` use.

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
        self.l2_reg_strength = l2_reg_strength
        self._first = self.terms[0].loss

    @property
    def dtype(self):
        return self._first.dtype

    @property
    def n_coef(self):
        return self._first.n_coef

    @property
    def n_threads(self):
        return self._first.n_threads

    @n_threads.setter
    def n_threads(self, n_threads):
        for term in self.terms:
            term.loss.n_threads = n_threads

    def initial_params(self):
        return self._first.initial_params()

    def unpack(self, params):
        return self._first.unpack(params)

    def loss_gradient(self, params):
        """Return ``(F(params), grad F(params))`` as float64."""
        penalized = params[: self.n_coef]
        value = 0.5 * self.l2_reg_strength * (penalized @ penalized)
        gradient = np.zeros(params.shape)
        gradient[: self.n_coef] = self.l2_reg_strength * penalized
        for factor, temperature, loss in self.terms:
            term_value, term_gradient = loss.loss_gradient(params / temperature)
            value += factor * term_value
            gradient += (factor / temperature) * term_gradient
        return float(value), gradient

    def hessp(self, params, vector):
        """Hessian of ``F`` at ``params`` times ``vector``."""
        product = np.zeros(params.shape)
        product[: self.n_coef] = self.l2_reg_strength * vector[: self.n_coef]
        for factor, temperature, loss in self.terms:
            product += (factor / temperature**2) * loss.hessp(
                params / temperature, vector
            )
        return product
