"""The counting step of ``CategoricalMLE.fit`` on a dask array, as a map-reduce.

Counts add over rows. Each block of rows is counted by the in-memory step
(``CategoricalMLE._count``: the same checks, the same kernels), which gives
its categories, their weights in units of ``2**e`` for the block's own
exponent ``e`` and the block's total weight. Two such parts merge exactly:
rescale both to the larger exponent (a power of two, exact) and count the
concatenated categories weighted by their counts, with the function that
counts a column. The merges run on the workers as a tree, and the driver
receives one part per feature, the size of the fitted model, never the data:
with ``categories="auto"`` the categories are found in that same pass.
"""

from functools import partial
from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.base import clone

from skxent._categorical import _count_categories, _feature_columns
from skxent._dask._blocks import reduce_rows


class _Counts(NamedTuple):
    """Categories of each feature and their weights, in units of
    ``2**exponent``, with the total weight of the rows counted."""

    categories: list
    counts: list
    total: float
    exponent: int


def _block_counts(*, X, estimator, sample_weight=None, weight=None):
    """The in-memory counting step on one block of rows (``weight``: one
    number for every row)."""
    if sample_weight is None:
        sample_weight = weight
    estimator = clone(estimator)  # tasks sharing a process share ``estimator``
    if sample_weight is not None and not np.any(sample_weight):
        # Weights of zero are valid and count nothing (their rows are still
        # checked); only weights that are zero everywhere are an error, which
        # the caller checks on the total.
        columns = _feature_columns(estimator, X, reset=True)
        return _Counts([c[:0] for c in columns], [np.zeros(0)] * len(columns), 0, 0)
    return _Counts(*estimator._count(X, sample_weight))


def _rescaled(counts, shift):
    """``counts * 2**shift``; raises if a positive count becomes 0."""
    rescaled = np.ldexp(counts, shift)
    if np.any((rescaled == 0) & (counts > 0)):
        raise ValueError(
            "sample_weight holds positive weights below 2**-1074 times the "
            "largest weight: float64 cannot hold their ratio, so those rows "
            "would count as absent. Set such weights to zero, or drop those rows."
        )
    return rescaled


def _merged_counts(parts, *, declared, labels):
    """One part counting the rows of all ``parts``."""
    exponent = max((part.exponent for part in parts if part.total > 0), default=0)
    categories, counts = [], []
    for j, (feature_declared, label) in enumerate(zip(declared, labels, strict=True)):
        values = np.concatenate([part.categories[j] for part in parts])
        weights = np.concatenate(
            [_rescaled(part.counts[j], part.exponent - exponent) for part in parts]
        )
        feature_categories, feature_counts = _count_categories(
            values, weights, feature_declared, label
        )
        categories.append(feature_categories)
        counts.append(feature_counts)
    total = float(
        _rescaled(
            np.array([part.total for part in parts], dtype=np.float64),
            np.array([part.exponent - exponent for part in parts]),
        ).sum()
    )
    return _Counts(categories, counts, total, exponent)


def count_categories(estimator, X, sample_weight):
    """``estimator._count(X, sample_weight)`` for a dask array ``X`` (and dask,
    NumPy or scalar ``sample_weight``).

    Sets ``n_features_in_`` (and removes ``feature_names_in_``: dask arrays
    have none) as the in-memory validation does, then raises any error of the
    in-memory step, naming the rows of the block it was found in.
    """
    if X.ndim != 2:
        raise ValueError(
            "X must be a 2-D dask array of shape (n_samples, n_features), got "
            f"shape {X.shape}."
        )
    n_features = X.shape[1]
    estimator.n_features_in_ = n_features
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    declared = estimator._declared_categories(n_features)  # raises before any pass
    arrays = {"X": X}
    weight = sample_weight if isinstance(sample_weight, Real) else None
    if sample_weight is not None and weight is None:
        arrays["sample_weight"] = sample_weight
    model = clone(estimator)
    merged = reduce_rows(
        partial(_block_counts, weight=weight),
        partial(
            _merged_counts,
            declared=declared,
            labels=[model._feature_label(j) for j in range(n_features)],
        ),
        arrays,
        {"estimator": model},
    ).compute()
    if sample_weight is not None and merged.total == 0:
        raise ValueError(
            "sample_weight sums to zero (every weight is 0); at least one weight "
            "must be positive."
        )
    scaled_total = merged.total if sample_weight is not None else int(merged.total)
    return merged.categories, merged.counts, scaled_total, merged.exponent
