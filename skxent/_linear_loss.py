"""The objective of a linear softmax model as a function of a flat parameter
vector, for the scipy optimizers.

With logits ``z_i = W x_i + b`` (``W`` of shape ``(n_params, n_features)``),
sample weights ``s_i`` summing to ``S`` and the per-sample loss ``l`` of an
objective (see :mod:`skxent._objectives`), the minimized function is

    F(W, b) = sum_i s_i [l(p_i, q_i) - beta H(q_i)] / S + c + ||W||_F^2 / (2 C S),

with ``q_i = softmax(z_i)`` and the entropy penalty ``beta``; the scaling
is that of scikit-learn's ``LogisticRegression``: the intercept is not
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
    targets : ndarray of shape (n_samples, n_classes) or (n_samples,)
        Validated probability rows in the dtype of ``X``, or the integer
        class of each sample; the loss keeps what the objective's kernels
        read (class-major), so the caller may drop its own.
    sample_weight : ndarray of shape (n_samples,), float64
    objective : skxent._objectives.Objective
        Which has checked ``targets``.
    n_params : int
        Logit rows: ``n_classes``, or 1 for binary problems.
    fit_intercept : bool
    l2_reg_strength : float
        ``1 / (C S)``.
    entropy_penalty : float, default=0.0
        ``beta``: the objective minus ``beta`` times the weighted mean
        prediction entropy.
    n_threads : int, default=1
        Row shares the kernels split the work into, one per thread.
    """

    def __init__(
        self,
        X,
        targets,
        sample_weight,
        *,
        objective,
        n_params,
        fit_intercept,
        l2_reg_strength,
        entropy_penalty=0.0,
        n_threads=1,
    ):
        self.X = X
        self.sample_weight = sample_weight
        self.n_params = n_params
        self.fit_intercept = fit_intercept
        self.l2_reg_strength = l2_reg_strength
        self.n_threads = n_threads
        self.constant = objective.constant(targets, sample_weight)
        self._objective = objective.kernel(entropy_penalty)
        self._weight_sum = float(sample_weight.sum())
        n_classes = max(n_params, 2)
        values, labels = objective.kernel_targets(targets, X.dtype, n_classes)
        self._targets = kernels.Targets(values, labels, sample_weight)
        # Probabilities are stored only once Hessian-vector products ask for
        # them: the gradient pass then writes n_samples * n_classes more.
        self._proba = np.empty((n_classes, 0), dtype=X.dtype)
        self._proba_at = None
        if sp.issparse(X):
            _check_column_indices(X)
            self._X = kernels.CSRMatrix(X.data, X.indices, X.indptr)
            self._pass = kernels.csr_pass
        else:
            self._X, self._pass = X, kernels.dense_pass

    @property
    def dtype(self):
        """The dtype of ``X``, in which the kernels compute."""
        return self.X.dtype

    @property
    def n_coef(self):
        return self.n_params * self.X.shape[1]

    def initial_params(self):
        return np.zeros(self.n_coef + self.n_params * self.fit_intercept)

    def unpack(self, params):
        """``(coef, intercept)``: ``coef`` in the dtype of ``X``, both views
        of ``params`` where the dtype allows."""
        coef, intercept = self._split(params)
        return coef.astype(self.X.dtype, copy=False), intercept

    def _split(self, params):
        """``(coef, intercept)`` as float64 views of ``params``, the intercept
        zeros when not fitted."""
        coef = params[: self.n_coef].reshape(self.n_params, -1)
        if self.fit_intercept:
            return coef, params[self.n_coef :]
        return coef, np.zeros(self.n_params)

    def data_sums(self, params, hessian_product):
        """The kernels' ``(loss sum, coef part, intercept part)`` at
        ``params``: the gradient, or the Hessian-vector product with the
        direction ``params``. Sums over the rows of ``X``, unscaled and
        without the penalty: those of row chunks add up to the whole's.

        The softmax sees only differences of logits. With a row of
        coefficients per class and dense ``X``, the kernels take them
        relative to the first class's, whose logit is then 0: one row fewer
        to multiply with ``X``. The first class's part is minus the sum of
        the others': a sample's logit gradient sums to 0 over the classes,
        and so does its Hessian times any direction.
        """
        coef, intercept = self._split(params)
        # Sparse rows cost per register of classes, not per class: there one
        # row fewer rarely saves anything.
        relative = self.n_params > 1 and not sp.issparse(self.X)
        if relative:
            coef, intercept = coef[1:] - coef[0], intercept[1:] - intercept[0]
        loss, part_coef, part_intercept = self._pass(
            self._X,
            kernels.LinearModel(coef.astype(self.X.dtype, copy=False), intercept),
            self._targets,
            self._objective,
            self._proba,
            kernels.PassMode(hessian_product, self.n_threads),
        )
        if relative:
            part_coef = _with_first_class(part_coef)
            part_intercept = _with_first_class(part_intercept)
        return loss, part_coef, part_intercept

    def _scaled(self, params, part_coef, part_intercept):
        """Gradient (or Hessian-vector product) of ``F`` in float64 from the
        kernels' sums and the penalty's share at ``params``."""
        out = np.empty(params.shape)
        # Divided in float64: float32 kernel sums are widened first.
        out[: self.n_coef].reshape(part_coef.shape)[...] = part_coef
        out[: self.n_coef] /= self._weight_sum
        out[: self.n_coef] += self.l2_reg_strength * params[: self.n_coef]
        if self.fit_intercept:
            out[self.n_coef :] = part_intercept / self._weight_sum
        return out

    def loss_gradient(self, params):
        """Return ``(F(params), grad F(params))`` as float64."""
        loss, grad_coef, grad_intercept = self.data_sums(params, hessian_product=False)
        if self._proba.shape[1]:
            self._proba_at = params.copy()
        penalized = params[: self.n_coef]
        value = (
            loss / self._weight_sum
            + self.constant
            + 0.5 * self.l2_reg_strength * (penalized @ penalized)
        )
        return float(value), self._scaled(params, grad_coef, grad_intercept)

    def hessp(self, params, vector):
        """Hessian of ``F`` at ``params`` times ``vector``."""
        if self._proba.shape[1] == 0:
            self._proba = np.empty(
                (self._proba.shape[0], self.X.shape[0]), self.X.dtype
            )
        if self._proba_at is None or not np.array_equal(params, self._proba_at):
            self.loss_gradient(params)
        _, hess_coef, hess_intercept = self.data_sums(vector, hessian_product=True)
        return self._scaled(vector, hess_coef, hess_intercept)


def _with_first_class(part):
    """The parts of the classes after the first, in float64, preceded by the
    first class's: minus their sum."""
    full = np.empty((part.shape[0] + 1, *part.shape[1:]))
    full[1:] = part
    full[0] = -full[1:].sum(axis=0)
    return full


def _check_column_indices(X):
    """Raise if CSR ``X`` stores a column index outside ``0..n_features - 1``
    (scipy checks them only on request); the sparse kernels index the
    coefficients with them unchecked."""
    if X.nnz and not (X.indices.min() >= 0 and X.indices.max() < X.shape[1]):
        raise ValueError(
            f"The sparse X stores column indices outside 0..{X.shape[1] - 1} "
            f"(it has {X.shape[1]} columns): it is malformed. Rebuild it; "
            "scipy's X.check_format(full_check=True) reports such faults."
        )
