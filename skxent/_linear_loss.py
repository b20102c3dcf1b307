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


class PenalizedRowSums:
    """``F``, its gradient and Hessian-vector products from sums over rows.

    The rows' part of ``F`` is a sum, so it can be computed in pieces (the
    kernels on one array, or the row blocks of a dask array on their workers)
    and added up. A subclass gives the sums, unscaled and without the penalty:
    ``gradient_sums(params)`` returns ``(loss sum, coef part, intercept
    part)`` of the gradient, and ``hessian_sums(params, vector)`` the parts
    of the Hessian at ``params`` times ``vector``. This class
    applies the scaling by the weight sum ``S``, the objective's constant and
    the L2 penalty.

    Parameters
    ----------
    n_params : int
        Logit rows: ``n_classes``, or 1 for binary problems.
    n_features : int
    fit_intercept : bool
    l2_reg_strength : float
        ``1 / (C S)``.
    weight_sum : float
        ``S``.
    constant : float
        ``c``, the objective's constant.
    dtype : dtype
        The dtype of the data, in which the sums are computed.
    sparse : bool, default=False
        Whether the data is sparse (``solver="auto"`` chooses by it).
    """

    def __init__(
        self,
        *,
        n_params,
        n_features,
        fit_intercept,
        l2_reg_strength,
        weight_sum,
        constant,
        dtype,
        sparse=False,
    ):
        self.n_params = n_params
        self.n_features = n_features
        self.fit_intercept = fit_intercept
        self.l2_reg_strength = l2_reg_strength
        self.weight_sum = weight_sum
        self.constant = constant
        self.dtype = np.dtype(dtype)
        self.sparse = sparse

    @property
    def n_coef(self):
        return self.n_params * self.n_features

    def initial_params(self):
        return np.zeros(self.n_coef + self.n_params * self.fit_intercept)

    def unpack(self, params):
        """``(coef, intercept)``: ``coef`` in the dtype of the data, both
        views of ``params`` where the dtype allows."""
        coef, intercept = self._split(params)
        return coef.astype(self.dtype, copy=False), intercept

    def _split(self, params):
        """``(coef, intercept)`` as float64 views of ``params``, the intercept
        zeros when not fitted."""
        coef = params[: self.n_coef].reshape(self.n_params, -1)
        if self.fit_intercept:
            return coef, params[self.n_coef :]
        return coef, np.zeros(self.n_params)

    def _scaled(self, params, part_coef, part_intercept):
        """Gradient (or Hessian-vector product) of ``F`` in float64 from the
        sums and the penalty's share at ``params``."""
        out = np.empty(params.shape)
        # Divided in float64: float32 kernel sums are widened first.
        out[: self.n_coef].reshape(part_coef.shape)[...] = part_coef
        out[: self.n_coef] /= self.weight_sum
        out[: self.n_coef] += self.l2_reg_strength * params[: self.n_coef]
        if self.fit_intercept:
            out[self.n_coef :] = part_intercept / self.weight_sum
        return out

    def loss_gradient(self, params):
        """Return ``(F(params), grad F(params))`` as float64."""
        loss, grad_coef, grad_intercept = self.gradient_sums(params)
        penalized = params[: self.n_coef]
        value = (
            loss / self.weight_sum
            + self.constant
            + 0.5 * self.l2_reg_strength * (penalized @ penalized)
        )
        return float(value), self._scaled(params, grad_coef, grad_intercept)

    def hessp(self, params, vector):
        """Hessian of ``F`` at ``params`` times ``vector``."""
        _, hess_coef, hess_intercept = self.hessian_sums(params, vector)
        return self._scaled(vector, hess_coef, hess_intercept)


class LinearSoftmaxLoss(PenalizedRowSums):
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
        super().__init__(
            n_params=n_params,
            n_features=X.shape[1],
            fit_intercept=fit_intercept,
            l2_reg_strength=l2_reg_strength,
            weight_sum=float(sample_weight.sum()),
            constant=objective.constant(targets, sample_weight),
            dtype=X.dtype,
            sparse=sp.issparse(X),
        )
        self._n_samples = X.shape[0]
        self.n_threads = n_threads
        self._objective = objective.kernel(entropy_penalty)
        n_classes = max(n_params, 2)
        values, labels = objective.kernel_targets(targets, X.dtype, n_classes)
        self._targets = kernels.Targets(
            *map(_read_only, (values, labels, sample_weight))
        )
        # Probabilities are stored only once Hessian-vector products ask for
        # them: the gradient pass then writes n_samples * n_classes more.
        self._proba = np.empty((n_classes, 0), dtype=X.dtype)
        self._proba_at = None
        if self.sparse:
            _check_column_indices(X)
            self._X = kernels.CSRMatrix(*map(_read_only, _csr_arrays(X)))
        else:
            self._X = _read_only(X)

    @property
    def nbytes(self):
        """Bytes of the arrays the loss holds: ``X``, the targets, the
        weights and the stored probabilities."""
        arrays = [*self._targets, self._proba]
        arrays += list(self._X) if self.sparse else [self._X]
        return sum(array.nbytes for array in arrays)

    def data_sums(self, params, hessian_product):
        """The kernels' ``(loss sum, coef part, intercept part)`` at
        ``params``: the gradient, or the Hessian-vector product with the
        direction ``params`` at the probabilities of the last gradient pass.
        Sums over the rows of ``X``, unscaled and without the penalty: those
        of row chunks add up to the whole's.

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
        relative = self.n_params > 1 and not self.sparse
        if relative:
            coef, intercept = coef[1:] - coef[0], intercept[1:] - intercept[0]
        # The pass is looked up here, not stored: a stored Numba dispatcher
        # would be pickled with the loss (as a copy of its Python function,
        # whose helpers Numba then cannot type) when Dask moves it.
        kernel = kernels.csr_pass if self.sparse else kernels.dense_pass
        loss, part_coef, part_intercept = kernel(
            self._X,
            kernels.LinearModel(coef.astype(self.dtype, copy=False), intercept),
            self._targets,
            self._objective,
            self._proba,
            kernels.PassMode(hessian_product, self.n_threads),
        )
        if self._proba.shape[1] and not hessian_product:
            self._proba_at = params.copy()
        if relative:
            part_coef = _with_first_class(part_coef)
            part_intercept = _with_first_class(part_intercept)
        return loss, part_coef, part_intercept

    def gradient_sums(self, params):
        """:meth:`data_sums` of the gradient at ``params``."""
        return self.data_sums(params, hessian_product=False)

    def hessian_sums(self, params, vector):
        """:meth:`data_sums` of the Hessian at ``params`` times ``vector``,
        after a gradient pass at ``params`` unless the last one was there."""
        if self._proba.shape[1] == 0:
            self._proba = np.empty((self._proba.shape[0], self._n_samples), self.dtype)
        if self._proba_at is None or not np.array_equal(params, self._proba_at):
            self.gradient_sums(params)
        return self.data_sums(vector, hessian_product=True)


def _with_first_class(part):
    """The parts of the classes after the first, in float64, preceded by the
    first class's: minus their sum."""
    full = np.empty((part.shape[0] + 1, *part.shape[1:]))
    full[1:] = part
    full[0] = -full[1:].sum(axis=0)
    return full


def _read_only(array):
    """A read-only view of ``array``, for the kernels.

    They never write their inputs, and Numba compiles a variant of a kernel
    for each combination of writable and read-only arguments (a pass takes 18
    to 33 s to compile): seeing read-only views only, one variant serves the
    caller's arrays, read-only ones (memory maps, dask blocks) and those
    validation made. The caller's array keeps its flags.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def _csr_arrays(X):
    """``(data, indices, indptr)`` of CSR ``X``, the indices as int32 where
    scipy made them int64 but every index and offset fits: one variant of the
    sparse kernels serves both (int64 remains for matrices of 2**31 stored
    values or columns and more), and a pass reads 4 bytes fewer per stored
    value."""
    indices, indptr = X.indices, X.indptr
    limit = np.iinfo(np.int32).max
    if indices.dtype == np.int64 and max(X.nnz, X.shape[1]) <= limit:
        indices, indptr = indices.astype(np.int32), indptr.astype(np.int32)
    return X.data, indices, indptr


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
