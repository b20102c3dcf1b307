"""Non-native byte order (big-endian data on a little-endian machine) at every
boundary that hands arrays to a Numba kernel.

Numba types only native-endian arrays: without conversion at the boundary a
``>i8`` label vector ends in a ``TypingError``. Each test compares with the
same values in native byte order, which must give the same result.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skxent import CategoricalMLE, SoftmaxClassifier
from skxent._encoding import category_codes, small_integer_range, unique_values
from skxent._targets import check_label_vector, check_probability_rows
from skxent.metrics import cross_entropy, entropy, js_divergence, kl_divergence

DIVERGENCES = [cross_entropy, kl_divergence, js_divergence]
# Signed and unsigned, wide and narrow; the report named these three.
INTEGER_DTYPES = [np.int64, np.int32, np.uint16]
FLOAT_DTYPES = [np.float64, np.float32]


def swapped(values):
    """The same values in the byte order the machine does not use."""
    values = np.asarray(values)
    result = values.astype(values.dtype.newbyteorder("S"))
    assert not result.dtype.isnative
    return result


def proba_rows(rng, n_samples, n_classes, dtype):
    """Dirichlet rows renormalized in ``dtype``, so that they sum to one at
    the precision of that dtype."""
    rows = rng.dirichlet(np.ones(n_classes), size=n_samples).astype(dtype)
    return rows / rows.sum(axis=1, keepdims=True)


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    y = np.array([2, 0, 1, 1, 2, 0, 2, 1])
    return y, proba_rows(rng, y.size, 3, np.float64)


# --------------------------------------------------------------------------
# Metrics.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_label_metrics_take_non_native_integer_labels(metric, dtype, problem):
    y, Q = problem
    y = y.astype(dtype)
    expected = metric(y, Q)
    assert metric(swapped(y), Q) == expected
    labels = np.array([0, 1, 2], dtype=dtype)
    assert metric(swapped(y), Q, labels=swapped(labels)) == expected
    assert metric(y, Q, labels=swapped(labels)) == expected
    # Classes absent from y_true come from labels, in the given order.
    assert metric(swapped(y[y > 0]), Q[y > 0], labels=swapped(labels)) == (
        metric(y[y > 0], Q[y > 0], labels=labels)
    )


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_metrics_take_non_native_probabilities(metric, dtype, problem):
    y, _ = problem
    rng = np.random.default_rng(1)
    P = proba_rows(rng, y.size, 3, dtype)
    Q = proba_rows(rng, y.size, 3, dtype)
    Q[0] = [0.0, 1.0, 0.0]  # clipped to the eps of the prediction dtype
    weights = rng.uniform(size=y.size)

    assert metric(swapped(P), swapped(Q)) == metric(P, Q)
    assert metric(y, swapped(Q)) == metric(y, Q)
    assert metric(y, Q, sample_weight=swapped(weights)) == (
        metric(y, Q, sample_weight=weights)
    )
    binary = Q[:, 1] / (Q[:, 0] + Q[:, 1])  # positive-class probabilities
    assert metric(y > 0, swapped(binary)) == metric(y > 0, binary)
    assert_array_equal(entropy(swapped(P)), entropy(P))
    assert entropy(swapped(P[0])) == entropy(P[0])


def test_non_native_float32_rows_stay_float32():
    # Rows summing to one in float32 only: within float32's tolerance, far
    # outside float64's. Read as float64 they would be refused.
    P = np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], dtype=np.float32)
    assert np.any(np.abs(P.sum(axis=1, dtype=np.float64) - 1) > 1e-8)
    checked = check_probability_rows(swapped(P), name="P")
    assert checked.dtype == np.float32
    assert checked.dtype.isnative
    assert_array_equal(checked, P)
    assert kl_divergence(swapped(P), swapped(P)) == 0.0

    # A zero prediction is clipped at float32's eps, not float64's.
    wrong = np.array([[1.0, 0.0]], dtype=np.float32)
    expected = -np.log(np.finfo(np.float32).eps)
    assert_allclose(cross_entropy([1], swapped(wrong), labels=[0, 1]), expected)


def test_label_vector_comes_back_native():
    y = check_label_vector(swapped(np.array([3, 1, 2], dtype=np.int32)), name="y")
    assert y.dtype == np.int32
    assert y.dtype.isnative
    assert_array_equal(y, [3, 1, 2])


# --------------------------------------------------------------------------
# Encoding: the integer fast paths run a counting kernel.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [*INTEGER_DTYPES, np.uint64])
def test_encoding_takes_non_native_integers(dtype):
    values = np.array([5, 3, 3, 9, 5, 7], dtype=dtype)
    categories = np.array([9, 3, 5, 4], dtype=dtype)
    assert small_integer_range(swapped(values)) == (3, 9)

    unique = unique_values(swapped(values))
    assert unique.dtype == np.dtype(dtype)
    assert unique.dtype.isnative
    assert_array_equal(unique, [3, 5, 7, 9])

    expected = category_codes(values, categories)
    assert_array_equal(expected, [2, 1, 1, 0, 2, -1])
    for pair in [
        (swapped(values), categories),
        (values, swapped(categories)),
        (swapped(values), swapped(categories)),
    ]:
        assert_array_equal(category_codes(*pair), expected)


# --------------------------------------------------------------------------
# Estimators.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_softmax_classifier_fits_non_native_labels(dtype):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.standard_normal(60) > 0).astype(dtype)
    y[:20] = 2 * y[:20]  # three classes: 0, 1, 2

    native = SoftmaxClassifier().fit(X, y)
    model = SoftmaxClassifier().fit(X, swapped(y))
    assert model.classes_.dtype.isnative
    assert_array_equal(model.classes_, native.classes_)
    assert_array_equal(model.coef_, native.coef_)
    assert_array_equal(model.intercept_, native.intercept_)
    assert_array_equal(model.predict(X), native.predict(X))
    assert model.score(X, swapped(y)) == native.score(X, y)

    labels = swapped(np.array([2, 0, 1], dtype=dtype))
    given = SoftmaxClassifier(classes=labels).fit(X, swapped(y))
    assert given.classes_.dtype.isnative
    assert_array_equal(given.classes_, native.classes_)  # sorted
    assert_allclose(given.predict_proba(X), native.predict_proba(X))


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_categorical_mle_scores_non_native_integers(dtype):
    X = np.array([[1, 2], [3, 2], [1, 1], [3, 3], [1, 7]], dtype=dtype)
    model = CategoricalMLE().fit(X)
    assert_array_equal(model.score_samples(swapped(X)), model.score_samples(X))
    assert model.score(swapped(X)) == model.score(X)

    declared = CategoricalMLE(
        categories=[swapped(np.array([1, 3, 5], dtype=dtype)), np.arange(8)]
    ).fit(X)
    assert_array_equal(declared.score_samples(swapped(X)), declared.score_samples(X))


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_categorical_mle_fits_non_native_integers(dtype):
    X = np.array([[1, 2], [3, 2], [1, 1], [3, 3], [1, 7]], dtype=dtype)
    native = CategoricalMLE().fit(X)
    model = CategoricalMLE().fit(swapped(X))
    for categories, expected in zip(model.categories_, native.categories_, strict=True):
        assert categories.dtype.isnative
        assert_array_equal(categories, expected)
    for probabilities, expected in zip(
        model.probabilities_, native.probabilities_, strict=True
    ):
        assert_array_equal(probabilities, expected)
    assert_array_equal(model.score_samples(swapped(X)), native.score_samples(X))
