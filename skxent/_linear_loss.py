"""The objective of a linear softmax model as a function of a flat parameter
vector, for the scipy optimizers.

With logits ``z_i = W x_i + b`` (``W`` of shape ``(n_params, n_features)``),
sample weights ``s_i`` summing to ``S`` and the per-sample loss ``l`` of an
objective (see :mod:`skxent._objectives`), the minimized function is

    F(W, b) = sum_i s_i l(p_i, softmax(z_i)) / S + c + ||W||_F^2 / (2 C S),

the scaling of scikit-learn's ``LogisticRegression``: the intercept is not
penalized, ``C = inf`` means no penalty and ``c`` is the objective's constant.
The parameter vector is ``W.ravel()`` followed by ``b`` when fitted.
"""

import numpy as np
import scipy.sparse as sp

from skxent._kernels import softmax as kernels


class LinearSoftmaxLoss:
    """Value, gradient and Hessian-vector product of ``F`` on fixed data.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features), float32/64
    targets : ndarray of shape (n_samples, n_classes)
        What the objective's kernels read (probabilities or their logs), in
        the dtype of ``X``.
    sample_weight : ndarray of shape (n_samples,), float64
    kind : int
        The kernel family (``FORWARD`` or ``REVERSE_KL``).
    constant : float
        Added to the value (the objective's ``c``).
    n_params : int
        Logit rows: ``n_classes``, or 1 for binary problems.
    fit_intercept : bool
    l2_reg_strength : float
        ``1 / (C S)``.
    n_threads : int, default=1
        Row shares the kernels split the work into, one per thread.
    """

    def __init__(
        self,
        X,
        targets,
        sample_weight,
        *,
        kind,
        constant,
        n_params,
        fit_intercept,
        l2_reg_strength,
        n_threads=1,
    ):
        self.X = X
        self.targets = targets
        self.sample_weight = sample_weight
        self.kind = kind
        self.constant = constant
        self.n_params = n_params
        self.fit_intercept = fit_intercept
        self.l2_reg_strength = l2_reg_strength
        self.n_threads = n_threads
        self._weight_sum = float(sample_weight.sum())
        self._proba = np.empty(targets.shape, dtype=X.dtype)
        self._proba_at = None
        self._layout = (
            "csr" if sp.issparse(X) else "fused" if X.flags.c_contiguous else "blas"
        )

    @property
    def n_coef(self):
        return self.n_params * self.X.shape[1]

    def initial_params(self):
        return np.zeros(self.n_coef + self.n_params * self.fit_intercept)

    def unpack(self, params):
        """``(coef, intercept)`` in the dtype of ``X``."""
        coef = params[: self.n_coef].reshape(self.n_params, -1).astype(self.X.dtype)
        if self.fit_intercept:
            intercept = params[self.n_coef :]
        else:
            intercept = np.zeros(self.n_params)
        return coef, intercept

    def _pack(self, grad_coef, grad_intercept):
        parts = [grad_coef.ravel()]
        if self.fit_intercept:
            parts.append(grad_intercept)
        return np.concatenate(parts).astype(np.float64, copy=False)

    def _penalty_params(self, params):
        """``params`` with the intercept entries zeroed: the penalty's view."""
        penalized = params.copy()
        penalized[self.n_coef :] = 0.0
        return penalized

    def loss_gradient(self, params):
        """Return ``(F(params), grad F(params))`` as float64."""
        coef, intercept = self.unpack(params)
        X, targets, weights = self.X, self.targets, self.sample_weight
        if self._layout == "fused":
            loss, grad_coef, grad_intercept = kernels.dense_loss_gradient(
                X,
                coef,
                intercept,
                targets,
                weights,
                self.kind,
                self._proba,
                self.n_threads,
            )
        elif self._layout == "csr":
            loss, grad_coef_t, grad_intercept = kernels.csr_loss_gradient(
                X.data, X.indices, X.indptr, np.ascontiguousarray(coef.T),
                intercept, targets, weights, self.kind, self._proba, self.n_threads,
            )  # fmt: skip
            grad_coef = grad_coef_t.T
        else:
            residual = X @ coef.T
            residual += intercept.astype(X.dtype)
            loss = kernels.logits_loss_gradient(
                residual, targets, weights, self.kind, self._proba
            )
            grad_coef = residual.T @ X
            grad_intercept = residual.sum(axis=0, dtype=np.float64)
        self._proba_at = params.copy()
        penalized = self._penalty_params(params)
        value = (
            loss / self._weight_sum
            + self.constant
            + 0.5 * self.l2_reg_strength * (penalized @ penalized)
        )
        grad = self._pack(grad_coef, grad_intercept) / self._weight_sum
        grad += self.l2_reg_strength * penalized
        return float(value), grad

    def hessp(self, params, vector):
        """Hessian of ``F`` at ``params`` times ``vector``."""
        if self._proba_at is None or not np.array_equal(params, self._proba_at):
            self.loss_gradient(params)
        direction_coef, direction_intercept = self.unpack(vector)
        X, proba, targets = self.X, self._proba, self.targets
        weights, kind = self.sample_weight, self.kind
        if self._layout == "fused":
            hess_coef, hess_intercept = kernels.dense_hessp(
                X,
                direction_coef,
                direction_intercept,
                proba,
                targets,
                weights,
                kind,
                self.n_threads,
            )
        elif self._layout == "csr":
            hess_coef_t, hess_intercept = kernels.csr_hessp(
                X.data, X.indices, X.indptr, np.ascontiguousarray(direction_coef.T),
                direction_intercept, proba, targets, weights, kind, self.n_threads,
            )  # fmt: skip
            hess_coef = hess_coef_t.T
        else:
            directions = X @ direction_coef.T
            directions += direction_intercept.astype(X.dtype)
            kernels.logits_hessp(directions, proba, targets, weights, kind)
            hess_coef = directions.T @ X
            hess_intercept = directions.sum(axis=0, dtype=np.float64)
        hess = self._pack(hess_coef, hess_intercept) / self._weight_sum
        hess += self.l2_reg_strength * self._penalty_params(vector)
        return hess
