"""Maximum-likelihood estimation of categorical distributions, as a density estimator.

For one categorical feature with (weighted) counts :math:`n_k` summing to
:math:`N`, the likelihood :math:`\\prod_k q_k^{n_k}` is largest at the empirical
frequencies :math:`p_k = n_k / N`. Maximizing it is minimizing the cross-entropy
:math:`H(p, q)` from the empirical distribution to the model, and the KL
divergence :math:`KL(p \\,\\|\\, q) = H(p, q) - H(p)`: the closed form is the
unique minimizer of both.
"""

import contextlib
import math
import sys
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy.special import entr, log_softmax
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skxent import _dask, _entropy_estimators
from skxent._doc_link import DocLinkMixin
from skxent._encoding import category_codes, native_byte_order, small_integer_range
from skxent._kernels import counting as kernels
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES
from skxent._solvers import minimize
from skxent._targets import check_sample_weight

# Dirichlet pseudo-counts from the literature, given the number of categories K
# and the square root of the total sample weight N of a feature (N itself may
# exceed the float64 range; its square root does not).
ALPHA_PRESETS = {
    "laplace": lambda n_categories, root_total_weight: 1.0,
    "jeffreys": lambda n_categories, root_total_weight: 0.5,
    "perks": lambda n_categories, root_total_weight: 1.0 / n_categories,
    "minimax": lambda n_categories, root_total_weight: root_total_weight / n_categories,
}

_MISSING_MESSAGE = (
    "X contains a missing value (NaN, None, pandas NA or NaT) or infinity in "
    "{feature} (first at row {row}); CategoricalMLE has no category for "
    "missing or infinite values: drop or impute those rows, or encode them as "
    "a category of their own, such as the string 'missing'."
)


def _feature_columns(estimator, X, *, reset):
    """Validate ``X`` and return its columns as 1-D arrays in native byte order.

    Sets or checks ``n_features_in_`` and ``feature_names_in_``. The columns of
    a pandas DataFrame keep their own dtypes; a list holding strings becomes an
    object array, so that its numbers stay numbers (as in ``OneHotEncoder``).
    Missing values (NaN, None, pandas NA, NaT) and infinities are rejected.
    """
    if hasattr(X, "iloc") and getattr(X, "ndim", 0) == 2:
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        if X.shape[1] == 0:
            raise ValueError(
                "X has 0 features; CategoricalMLE needs at least one column."
            )
        columns = [
            _frame_column(X.iloc[:, j], estimator._feature_label(j))
            for j in range(X.shape[1])
        ]
    else:
        X_array = validate_data(
            estimator, X, reset=reset, dtype=None, ensure_all_finite=False
        )
        if not hasattr(X, "dtype") and X_array.dtype.kind == "U":
            X_array = check_array(X, dtype=object, ensure_all_finite=False)
        columns = [X_array[:, j] for j in range(X_array.shape[1])]
        for j, values in enumerate(columns):
            _check_no_missing(_missing_entries(values), estimator._feature_label(j))
    # The counting kernels type only native-endian arrays (big-endian data keep
    # their kind and size: float32 stays float32).
    return [native_byte_order(values) for values in columns]


def _frame_column(column, feature):
    """One DataFrame column as a 1-D NumPy array of its own kind of values.

    pandas' nullable dtypes (``Int64``, ``UInt64``, ``boolean``, ``Float32``,
    ...) become their NumPy dtype: ``check_array`` would turn them into
    float64, merging integers above 2**53 and booleans into floats.
    """
    _check_no_missing(column.isna().to_numpy(), feature)
    numpy_dtype = getattr(column.dtype, "numpy_dtype", None)
    if numpy_dtype is not None:
        values = column.to_numpy(dtype=numpy_dtype)
    else:
        values = check_array(
            column,
            ensure_2d=False,
            dtype=None,
            ensure_all_finite=False,
            input_name="X",
        )
    # A nullable float column may still hold NaN (distinct from NA) or inf.
    _check_no_missing(_missing_entries(values), feature)
    return values


def _missing_entries(values):
    """Mask of the entries of a 1-D array that are missing or infinite."""
    if values.dtype.kind == "f":
        return ~np.isfinite(values)
    if values.dtype.kind in "mM":
        return np.isnat(values)
    if values.dtype == object:
        # pandas' NA and NaT exist only once pandas is imported.
        pandas = sys.modules.get("pandas")
        markers = (None, getattr(pandas, "NA", None), getattr(pandas, "NaT", None))
        return np.fromiter(
            (_is_missing_object(value, markers) for value in values),
            dtype=bool,
            count=values.size,
        )
    return np.zeros(values.size, dtype=bool)  # integers, booleans, strings


def _is_missing_object(value, markers):
    """Whether one entry of an object array is a missing-value marker (one of
    ``markers``, NaN, NumPy's NaT) or an infinite float."""
    if any(value is marker for marker in markers):
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def _check_no_missing(missing, feature):
    """Raise the missing-value error if the boolean mask ``missing`` is set."""
    if np.any(missing):
        row = np.flatnonzero(missing)[0]
        raise ValueError(_MISSING_MESSAGE.format(feature=feature, row=row))


def _rescaled_weights(weights):
    """``weights * 2**-exponent`` with the largest in [1, 2), and ``exponent``.

    Probabilities depend on the counts only through their ratios to each other
    and to ``alpha``, and a power of two scales exactly: sums of rescaled
    weights cannot overflow (near 1e308 they did) and subnormal weights regain
    full precision.
    """
    largest = weights.max()  # positive: validated weights are not all zero
    exponent = math.frexp(largest)[1] - 1
    scaled = np.ldexp(weights, -exponent)
    # Scaling down, a weight below 2**-1074 times the largest rounds to zero.
    if exponent > 0 and np.count_nonzero(scaled) < np.count_nonzero(weights):
        row = np.flatnonzero((scaled == 0) & (weights > 0))[0]
        raise ValueError(
            f"sample_weight[{row}] = {weights[row]} is positive but below "
            f"2**-1074 times the largest weight {largest}: float64 cannot hold "
            "their ratio, so that row would count as absent. Set such weights "
            "to zero, or drop those rows."
        )
    return scaled, exponent


def _root_total_weight(scaled_total, exponent):
    """``sqrt(scaled_total * 2**exponent)`` without forming the product, which
    may overflow."""
    half, odd = divmod(exponent, 2)
    return math.ldexp(math.sqrt(math.ldexp(scaled_total, odd)), half)


def _smoothed_frequencies(scaled_counts, exponent, alpha):
    """``(n + alpha) / sum(n + alpha)`` for the counts ``n = scaled_counts *
    2**exponent``.

    Counts and ``alpha`` are divided by a power of two at least as large as
    both: exact, and within float64's range. A term that underflows is below
    2**-1074 times the sum, so it moves no probability by more than float64's
    smallest subnormal.
    """
    # frexp(alpha)[1] is the exponent of the power of two just above alpha.
    exponent_of_sum = max(exponent, math.frexp(alpha)[1]) if alpha > 0 else exponent
    smoothed = np.ldexp(scaled_counts, exponent - exponent_of_sum) + math.ldexp(
        alpha, -exponent_of_sum
    )
    return smoothed / smoothed.sum()


def _sorted_unique(values, feature):
    """Sorted distinct values of a column and the code of each entry."""
    try:
        categories, codes = np.unique(values, return_inverse=True)
    except TypeError:
        types = sorted({type(value).__qualname__ for value in values})
        raise TypeError(
            "The X argument must be all strings or all numbers within a feature, "
            f"since categories are sorted; {feature} holds values of types "
            f"{types}."
        ) from None
    return categories, codes.reshape(-1)


def _count_categories(values, sample_weight, declared, feature):
    """Categories of one column and the total sample weight of each.

    With ``declared=None`` the categories are the values of positive weight (a
    row of weight zero counts as absent), sorted; otherwise ``declared``, in its
    order, and a value of positive weight outside it is an error.
    """
    # Integer columns of a small range are counted straight into a histogram.
    integer_range = small_integer_range(values)
    if integer_range is not None:
        low, high = integer_range
        counts = kernels.weighted_bincount(values, low, high - low + 1, sample_weight)
        present = np.flatnonzero(counts)
        distinct = (low + present).astype(values.dtype)
    else:
        distinct, codes = _sorted_unique(values, feature)
        counts = kernels.weighted_bincount(codes, 0, distinct.size, sample_weight)
        present = np.flatnonzero(counts)
        distinct = distinct[present]
    if declared is None:
        return distinct, counts[present]
    # Only the distinct values need looking up among the declared categories.
    codes = category_codes(distinct, declared)
    unknown = codes < 0
    if np.any(unknown):
        raise ValueError(
            f"{feature} contains values {_some_values(distinct[unknown])} that "
            f"are not among its declared categories {declared.tolist()}; add "
            "them to categories, or use categories='auto'."
        )
    declared_counts = np.zeros(declared.size)
    declared_counts[codes] = counts[present]
    return declared, declared_counts


def _some_values(values, limit=5):
    """The first ``limit`` distinct values, sorted when they can be."""
    distinct = list(dict.fromkeys(values.tolist()))
    with contextlib.suppress(TypeError):  # values of mixed types stay in order
        distinct.sort()
    return distinct[:limit] + (["..."] if len(distinct) > limit else [])


def _softmax_log_probabilities(targets, *, objective, tol, max_iter):
    """Fit one softmax model per target distribution with L-BFGS.

    Minimizes ``objective`` between each target ``p_j`` and ``softmax(z_j)``
    over the logits ``z_j``: the intercepts of a softmax model without
    features, through the loss and solver of :class:`~skxent.SoftmaxClassifier`.
    Only categories with positive target mass get a logit: for the others the
    infimum lies at logit ``-inf``, so their probability is set to exactly 0.
    Returns the log-probabilities and the largest number of iterations.
    """
    log_probabilities, n_iter = [], 0
    for target in targets:
        support = np.flatnonzero(target)
        log_q = np.full(target.size, -np.inf)
        log_q[support] = 0.0  # a single category has probability 1
        if support.size > 1:
            log_q[support], iterations = _fit_logits(
                target[support], objective, tol, max_iter
            )
            n_iter = max(n_iter, iterations)
        log_probabilities.append(log_q)
    return log_probabilities, n_iter


def _feature_loss(objective, target, q):
    """``objective`` between a feature's smoothed distribution ``target`` and
    its fit ``q``, over the categories of positive target mass: both solvers
    give the others probability 0, where every objective's term is 0. A
    single such category (``q = target = 1`` there) has loss 0, which the
    metrics, reading one column as a binary problem's positive class, could
    not be asked for."""
    support = target > 0
    if support.sum() < 2:
        return 0.0
    return objective.metric(target[None, support], q[None, support])


def _fit_logits(target, objective, tol, max_iter):
    """``(log softmax(z), iterations)`` for the logits ``z`` that minimize
    ``objective`` to the positive distribution ``target``."""
    n_params = 1 if target.size == 2 else target.size
    loss = LinearSoftmaxLoss(
        np.zeros((1, 0)),
        target[None, :],
        np.ones(1),
        objective=objective,
        n_params=n_params,
        fit_intercept=True,
        l2_reg_strength=0.0,
    )
    # gtol bounds max_k |q_k - p_k|, the gap in probability.
    params, _, n_iter, _ = minimize(
        loss,
        loss.initial_params(),
        solver="lbfgs",
        tol=tol,
        max_iter=max_iter,
        # The caller of CategoricalMLE.fit, through scikit-learn's fit
        # context and _softmax_log_probabilities.
        stacklevel=5,
        # Near q = p the loss flattens below float64's resolution (a change of
        # about gap**2) before a gap as small as the default tol=1e-10; the
        # gap is then about 1e-8, and there are no features to scale.
        warn_on_stall=False,
    )
    _, intercept = loss.unpack(params)
    logits = np.concatenate([[0.0], intercept]) if n_params == 1 else intercept
    return log_softmax(logits), n_iter


class CategoricalMLE(DocLinkMixin, DensityMixin, BaseEstimator):
    """Maximum-likelihood (add-alpha smoothed) categorical density estimator.

    Each column of ``X`` is an independent categorical feature; the fitted
    model gives category :math:`k` of a feature the probability

    .. math::

        \\hat q_k = \\frac{n_k + \\alpha}{N + K \\alpha},

    where :math:`n_k` is the total ``sample_weight`` of the rows holding
    :math:`k`, :math:`N` their sum, :math:`K` the number of categories and
    :math:`\\alpha` the pseudo-count ``alpha``. With ``alpha=0`` this
    is the maximum-likelihood estimate, the empirical frequencies, which is
    also the distribution of smallest cross-entropy (and KL divergence) from
    the empirical distribution. With ``alpha > 0`` it is the posterior mean
    under a symmetric :math:`\\operatorname{Dirichlet}(\\alpha)` prior, not the
    posterior mode (the MAP estimate adds :math:`\\alpha - 1` and does not exist
    for :math:`\\alpha < 1`).
    The log-likelihood of a row is the sum over features.

    Parameters
    ----------
    alpha : float >= 0 or {"laplace", "jeffreys", "perks", "minimax"}, \
            default=0.0
        Pseudo-count added to every category of every feature. Named choices
        set it per feature from :math:`K` and :math:`N`: ``"laplace"`` 1
        (rule of succession), ``"jeffreys"`` 1/2 (Jeffreys prior, the
        Krichevsky-Trofimov estimator), ``"perks"`` :math:`1/K`,
        ``"minimax"`` :math:`\\sqrt{N}/K` (minimax for squared error).
    categories : "auto" or list of array-like, default="auto"
        ``"auto"``: the values seen in ``fit`` with positive weight, sorted.
        A list: ``categories[j]`` holds the allowed values of feature ``j``,
        in the order of ``probabilities_[j]``. Declared categories absent from
        the training data get probability :math:`\\alpha / (N + K \\alpha)` (zero when
        ``alpha=0``); a training value outside the list is an error (unless
        its weight is zero).
    solver : {"closed_form", "lbfgs"}, default="closed_form"
        ``"closed_form"``: the normalized smoothed counts. ``"lbfgs"``: minimize
        ``objective`` over softmax logits with L-BFGS. The closed form is the
        exact minimizer, so both give the same probabilities; the solver is
        there to show it. Categories with smoothed count zero get probability
        exactly zero without a logit (their optimal logit is :math:`-\\infty`).
    objective : {"cross_entropy", "kl_divergence", "reverse_kl_divergence", \
            "js_divergence"}, default="cross_entropy"
        The loss between the smoothed empirical distribution :math:`p` and
        the model :math:`q` that ``"lbfgs"`` minimizes and ``loss_`` reports,
        one of :class:`~skxent.SoftmaxClassifier`'s objectives:
        :math:`H(p, q)`, :math:`KL(p \\,\\|\\, q) = H(p, q) - H(p)`,
        :math:`KL(q \\,\\|\\, p)` or :math:`JS(p, q)`. Each is minimized by
        :math:`q = p`, the closed form.
    handle_unknown : {"error", "zero"}, default="error"
        What :meth:`score_samples` does with a value that is not a category:
        raise a ``ValueError``, or give it probability zero (log-likelihood
        :math:`-\\infty`).
    tol : float > 0, default=1e-10
        ``"lbfgs"`` stops when every fitted probability is within ``tol`` of
        its target (the largest gradient entry), or earlier when the loss stops
        changing in floating point.
    max_iter : int >= 1, default=1000
        Most L-BFGS iterations.

    Attributes
    ----------
    categories_ : list of ndarray
        The categories of each feature (copies, never the caller's arrays),
        of the column's dtype (a pandas nullable dtype gives its NumPy dtype).
    counts_ : list of ndarray of float64
        Total sample weight of each category (its count, without weights),
        aligned with ``categories_``, the data behind :meth:`estimate_entropy`,
        :meth:`probability_std_err` and :meth:`probability_interval`
        (``inf`` where it exceeds float64's range; the probabilities are
        computed from rescaled weights and stay exact).
    alpha_ : ndarray of shape (n_features,)
        The pseudo-count used for each feature.
    probabilities_ : list of ndarray of float64
        Fitted probability of each category, aligned with ``categories_``.
    log_probabilities_ : list of ndarray of float64
        Their natural logarithms (``-inf`` for probability zero).
    entropy_ : ndarray of shape (n_features,)
        Entropy of each fitted distribution, in nats.
    loss_ : ndarray of shape (n_features,)
        ``objective`` between the smoothed empirical distribution and the
        fitted one, per feature.
    n_iter_ : int
        L-BFGS iterations, the most any feature took (0 for the closed
        form).
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during :meth:`fit`, when ``X`` has string
        column names (a pandas DataFrame).

    See Also
    --------
    sklearn.naive_bayes.CategoricalNB : The same smoothed estimate, per class.
    sklearn.preprocessing.OneHotEncoder : Same ``categories`` convention.

    Examples
    --------
    >>> import numpy as np
    >>> from skxent import CategoricalMLE
    >>> X = np.array([["red", "S"], ["red", "M"], ["blue", "M"], ["red", "L"]])
    >>> model = CategoricalMLE().fit(X)
    >>> model.categories_[0], model.probabilities_[0]
    (array(['blue', 'red'], dtype='<U4'), array([0.25, 0.75]))
    >>> model.score_samples([["red", "M"]])  # log(3/4) + log(2/4)
    array([-0.98082925])

    Declared categories and Laplace smoothing give unseen colors a chance:

    >>> colors, sizes = ["blue", "green", "red"], ["S", "M", "L"]
    >>> smoothed = CategoricalMLE(alpha="laplace", categories=[colors, sizes])
    >>> smoothed.fit(X).probabilities_[0]  # (counts + 1) / (4 + 3)
    array([0.28571429, 0.14285714, 0.57142857])
    """

    _parameter_constraints: ClassVar[dict] = {
        "alpha": [
            Interval(Real, 0, math.inf, closed="left"),
            StrOptions(set(ALPHA_PRESETS)),
        ],
        "categories": [StrOptions({"auto"}), list],
        "solver": [StrOptions({"closed_form", "lbfgs"})],
        "objective": [StrOptions(set(OBJECTIVES))],
        "handle_unknown": [StrOptions({"error", "zero"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        alpha=0.0,
        *,
        categories="auto",
        solver="closed_form",
        objective="cross_entropy",
        handle_unknown="error",
        tol=1e-10,
        max_iter=1000,
    ):
        self.alpha = alpha
        self.categories = categories
        self.solver = solver
        self.objective = objective
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter

    def _feature_label(self, j):
        names = getattr(self, "feature_names_in_", None)
        return f"feature {names[j]!r}" if names is not None else f"feature {j}"

    def _declared_categories(self, n_features):
        """One array of allowed values per feature, or ``None`` for each."""
        if isinstance(self.categories, str):
            return [None] * n_features
        if len(self.categories) != n_features:
            raise ValueError(
                f"categories has {len(self.categories)} entries but X has "
                f"{n_features} features; give one array of allowed values per "
                "feature."
            )
        declared = []
        for j, values in enumerate(self.categories):
            # A copy: editing the caller's array after fit must not change
            # the fitted categories_.
            values = check_array(
                values,
                ensure_2d=False,
                dtype=None,
                copy=True,
                input_name=f"categories[{j}]",
            )
            if values.ndim != 1:
                raise ValueError(
                    f"categories[{j}] must be 1-D, got shape {values.shape}."
                )
            if len(set(values.tolist())) != values.size:
                raise ValueError(
                    f"categories[{j}] contains duplicates: {values.tolist()}."
                )
            declared.append(native_byte_order(values))
        return declared

    def _pseudo_count(self, n_categories, root_total_weight):
        if isinstance(self.alpha, str):
            return float(ALPHA_PRESETS[self.alpha](n_categories, root_total_weight))
        return float(self.alpha)

    def _count(self, X, sample_weight):
        """The counting step of :meth:`fit`: ``(categories, scaled_counts,
        scaled_total, exponent)`` of the validated ``X``.

        Counts are in units of ``2**exponent`` (the true counts may exceed
        float64's range); exponent 0 without weights. Sets no attribute but
        ``n_features_in_`` (and ``feature_names_in_``), as validation does.
        """
        if _dask.has_dask_array(X):
            return _dask.count_categories(self, X, sample_weight)
        columns = _feature_columns(self, X, reset=True)
        exponent = 0
        if sample_weight is not None:
            sample_weight, exponent = _rescaled_weights(
                check_sample_weight(sample_weight, columns[0].size)
            )
        scaled_total = (
            columns[0].size if sample_weight is None else float(sample_weight.sum())
        )
        declared = self._declared_categories(len(columns))
        categories, scaled_counts = [], []
        for j, values in enumerate(columns):
            feature_categories, counts = _count_categories(
                values, sample_weight, declared[j], self._feature_label(j)
            )
            categories.append(feature_categories)
            scaled_counts.append(counts)
        return categories, scaled_counts, scaled_total, exponent

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit one categorical distribution per feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Categorical values: integers, floats, strings or objects (all
            strings or all numbers within a feature). A missing value (NaN,
            None, pandas NA or NaT) or an infinity raises a ``ValueError``.
            The columns of a pandas DataFrame keep their dtypes; nullable
            ``Int64``, ``UInt64``, ``boolean`` and ``Float64`` columns count
            like their NumPy dtypes (integers above :math:`2^{53}` stay
            distinct).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Non-negative finite weights, acting as counts: weight 2 is the
            row twice, weight 0 is the row left out. A number weighs every
            row alike (as in scikit-learn). Only the ratios of the weights to
            each other and to ``alpha`` matter, and they are kept exact over
            float64's whole range, subnormal weights and weights near 1e308
            included.

        Returns
        -------
        self : CategoricalMLE
        """
        # Every check passes before the first fitted attribute is set.
        categories, scaled_counts, scaled_total, exponent = self._count(
            X, sample_weight
        )
        root_total_weight = _root_total_weight(scaled_total, exponent)
        self.categories_ = categories
        with np.errstate(over="ignore"):  # documented: inf beyond float64's range
            self.counts_ = [np.ldexp(c, exponent) for c in scaled_counts]
        self.alpha_ = np.array(
            [self._pseudo_count(c.size, root_total_weight) for c in categories]
        )
        # The smoothed empirical distributions: the fit's targets.
        targets = [
            _smoothed_frequencies(counts, exponent, alpha)
            for counts, alpha in zip(scaled_counts, self.alpha_, strict=True)
        ]

        objective = OBJECTIVES[self.objective]()
        if self.solver == "closed_form":
            self.probabilities_ = targets
            with np.errstate(divide="ignore"):
                self.log_probabilities_ = [np.log(target) for target in targets]
            self.n_iter_ = 0
        else:
            self.log_probabilities_, self.n_iter_ = _softmax_log_probabilities(
                targets, objective=objective, tol=self.tol, max_iter=self.max_iter
            )
            self.probabilities_ = [np.exp(log_q) for log_q in self.log_probabilities_]

        self.entropy_ = np.array([entr(q).sum() for q in self.probabilities_])
        self.loss_ = np.array(
            [
                _feature_loss(objective, target, q)
                for target, q in zip(targets, self.probabilities_, strict=True)
            ]
        )
        return self

    def score_samples(self, X):
        """Log-likelihood of each row: the sum of its features' log-probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            ``-inf`` for rows holding a category of probability zero, or an
            unknown value under ``handle_unknown="zero"``; never NaN.
        """
        check_is_fitted(self)
        columns = _feature_columns(self, X, reset=False)
        log_likelihood = np.zeros(columns[0].size)
        for j, values in enumerate(columns):
            codes = category_codes(values, self.categories_[j])
            unknown = codes < 0
            if self.handle_unknown == "error" and np.any(unknown):
                raise ValueError(
                    f"{self._feature_label(j)} contains values "
                    f"{_some_values(values[unknown])} not seen during fit; "
                    "declare every possible value through categories, or set "
                    "handle_unknown='zero' to give unknown values probability zero."
                )
            # Code -1 picks the appended -inf: an unknown value has probability 0.
            log_likelihood += np.append(self.log_probabilities_[j], -np.inf)[codes]
        return log_likelihood

    def score(self, X, y=None):
        """Mean log-likelihood per row: higher is better.

        This is minus the cross-entropy from the empirical distribution of
        ``X`` to the model, so model selection by held-out ``score`` (e.g.
        :class:`~sklearn.model_selection.GridSearchCV` over ``alpha``)
        maximizes held-out likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
            May be ``-inf`` when a row has probability zero.
        """
        return float(np.mean(self.score_samples(X)))

    def probability_std_err(self):
        """Standard error of each maximum-likelihood frequency :math:`n_k / N`.

        Under multinomial sampling the frequencies :math:`p = n / N` of a
        feature (:math:`n` its ``counts_``) have covariance
        :math:`(\\operatorname{diag}(p) - p p^\\top) / N`; this is the square
        root of its diagonal, :math:`\\sqrt{p_k (1 - p_k) / N}`, with :math:`N`
        the total sample weight (frequency weights). It describes the
        unsmoothed frequencies, which are ``probabilities_`` when ``alpha=0``.
        It is zero for a category with count 0 or :math:`N`, where the normal
        approximation fails: use :meth:`probability_interval` for small
        counts.

        Returns
        -------
        std_err : list of ndarray of float64
            One array per feature, aligned with ``categories_``.
        """
        check_is_fitted(self)
        return [_entropy_estimators.probability_std_err(n) for n in self.counts_]

    def probability_interval(self, confidence_level=0.95, *, method="wilson"):
        """Confidence interval of each category's probability, inside [0, 1].

        One binomial interval per category for the frequency :math:`n / N`,
        :math:`n` its count in ``counts_`` and :math:`N` the feature's total
        (marginal, not simultaneous over categories):

        - ``"wilson"``: Wilson's score interval, recommended by Brown, Cai and
          DasGupta (2001, Statistical Science 16, 101-133) for coverage close
          to nominal at every :math:`N`;
        - ``"jeffreys"``: the equal-tailed
          :math:`\\operatorname{Beta}(n + 1/2, N - n + 1/2)` posterior
          interval, with ends 0 at :math:`n = 0` and 1 at :math:`n = N`;
        - ``"clopper_pearson"``: the "exact" interval, coverage at least
          ``confidence_level`` for integer counts.

        Parameters
        ----------
        confidence_level : float in (0, 1), default=0.95
            Coverage of each interval (:math:`1 - \\alpha` in the notation
            of tests; not this estimator's smoothing ``alpha``).
        method : {"wilson", "jeffreys", "clopper_pearson"}, default="wilson"

        Returns
        -------
        intervals : list of (ndarray, ndarray)
            ``(lower, upper)`` for each feature, aligned with ``categories_``.

        Examples
        --------
        >>> from skxent import CategoricalMLE
        >>> X = [["a"]] * 7 + [["b"]] * 3
        >>> lower, upper = CategoricalMLE().fit(X).probability_interval()[0]
        >>> lower, upper
        (array([0.39677815, 0.10779127]), array([0.89220873, 0.60322185]))
        """
        check_is_fitted(self)
        return [
            _entropy_estimators.probability_interval(
                n, confidence_level=confidence_level, method=method
            )
            for n in self.counts_
        ]

    def estimate_entropy(self, method="plugin", *, base=None, return_std=False):
        """Estimate the entropy of each feature's distribution from its counts.

        ``entropy_`` is the entropy of the fitted distribution, which is the
        plug-in estimate when ``alpha=0`` and biased low: by about
        :math:`(K - 1) / (2 N)` when every category is well sampled, by more
        when many are not. The other methods correct it from the counts
        :math:`n_k` in ``counts_`` (total :math:`N`), whatever ``alpha`` is:

        - ``"plugin"``: :math:`H = -\\sum_k p_k \\log p_k` with
          :math:`p_k = n_k / N`; delta-method standard error
          :math:`\\sqrt{(\\sum_k p_k \\log^2 p_k - H^2) / N}`;
        - ``"miller_madow"``: plug-in :math:`+ (m - 1) / (2 N)`, :math:`m` the
          number of observed categories;
        - ``"jackknife"``: the jackknife bias correction over the :math:`N`
          leave-one-out samples, with the jackknife standard error;
        - ``"chao_shen"``: the coverage-adjusted estimator of Chao and Shen
          (2003), which allows for unseen categories;
        - ``"shrinkage"``: the plug-in entropy of the James-Stein shrinkage of
          :math:`p` towards the uniform distribution (Hausser and Strimmer,
          2009);
        - ``"nsb"``: the posterior mean of Nemenman, Shafee and Bialek (2002),
          with the posterior standard deviation as standard error.

        ``"shrinkage"`` and ``"nsb"`` depend on the number of categories :math:`K`
        of each feature, ``len(categories_[j])``: declare ``categories`` to
        include those possible but not observed. ``"jackknife"`` and
        ``"chao_shen"`` count single observations and need integer counts
        (no fractional ``sample_weight``); ``"jackknife"`` needs
        :math:`N \\ge 2`. How each bias shrinks with :math:`N`:
        :ref:`sphx_glr_auto_examples_plot_entropy_estimators.py`.

        Parameters
        ----------
        method : {"plugin", "miller_madow", "jackknife", "chao_shen", \
                "shrinkage", "nsb"}, default="plugin"
            The estimator.
        base : float, default=None
            Base of the logarithm: ``None`` for nats, 2 for bits.
        return_std : bool, default=False
            Also return the standard error of each estimate (NaN for
            ``"miller_madow"``, ``"chao_shen"`` and ``"shrinkage"``, which have
            none).

        Returns
        -------
        entropy : ndarray of shape (n_features,)
        std_err : ndarray of shape (n_features,)
            Only with ``return_std=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from skxent import CategoricalMLE
        >>> counts = [4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1]
        >>> X = np.repeat(np.arange(11), counts)[:, None]
        >>> model = CategoricalMLE(categories=[np.arange(11)]).fit(X)
        >>> model.estimate_entropy()  # entropy_, for alpha=0
        array([1.96838241])
        >>> model.estimate_entropy("nsb", return_std=True)
        (array([2.18777446]), array([0.14089254]))
        """
        check_is_fitted(self)
        estimates = [
            _entropy_estimators.estimate_entropy(n, method, base=base)
            for n in self.counts_
        ]
        entropy = np.array([estimate.entropy for estimate in estimates])
        if not return_std:
            return entropy
        return entropy, np.array([estimate.std_err for estimate in estimates])

    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the fitted distributions (features independent).

        Parameters
        ----------
        n_samples : int >= 1, default=1
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Category values; the dtype of ``categories_`` when all features
            share its kind, object otherwise.
        """
        check_is_fitted(self)
        # bool is an Integral, but sample(True) is a mistake, not one row.
        if (
            not isinstance(n_samples, Integral)
            or isinstance(n_samples, bool)
            or n_samples < 1
        ):
            raise ValueError(
                f"n_samples must be an integer >= 1, got {n_samples!r} of type "
                f"{type(n_samples).__name__}."
            )
        random_state = check_random_state(random_state)
        dtypes = [categories.dtype for categories in self.categories_]
        same_kind = len({dtype.kind for dtype in dtypes}) == 1
        X = np.empty(
            (n_samples, len(dtypes)),
            dtype=np.result_type(*dtypes) if same_kind else object,
        )
        for j, (categories, q) in enumerate(
            zip(self.categories_, self.probabilities_, strict=True)
        ):
            X[:, j] = categories[random_state.choice(categories.size, n_samples, p=q)]
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        return tags
