"""polars data frames go in wherever arrays do (the README says so).

Each case is checked against the same data as NumPy arrays: the fitted
model, or the metric's value, must be the same, and the column names must
become ``feature_names_in_`` as with pandas.
"""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import scale

from skxent import CategoricalMLE, SoftmaxClassifier
from skxent.metrics import cross_entropy, kl_divergence

pl = pytest.importorskip("polars")

COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return scale(X), y


def test_softmax_classifier_on_polars_features_and_labels(iris):
    X, y = iris
    frame = pl.DataFrame(X, schema=COLUMNS)
    fitted = SoftmaxClassifier().fit(frame, pl.Series("y", y))
    reference = SoftmaxClassifier().fit(X, y)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(fitted.intercept_, reference.intercept_, rtol=1e-10)
    assert list(fitted.feature_names_in_) == COLUMNS
    np.testing.assert_allclose(
        fitted.predict_proba(frame), reference.predict_proba(X), rtol=1e-10
    )


def test_softmax_classifier_on_polars_probability_targets(iris):
    X, y = iris
    soft = np.eye(3)[y] * 0.9 + 0.1 / 3
    targets = pl.DataFrame(soft, schema=["setosa", "versicolor", "virginica"])
    fitted = SoftmaxClassifier().fit(pl.DataFrame(X, schema=COLUMNS), targets)
    reference = SoftmaxClassifier().fit(X, soft)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-10)
    assert fitted.loss_ == pytest.approx(reference.loss_, rel=1e-12)


def test_metrics_on_polars(iris):
    X, y = iris
    proba = SoftmaxClassifier().fit(X, y).predict_proba(X)
    soft = np.eye(3)[y] * 0.9 + 0.1 / 3
    assert cross_entropy(pl.Series(y), pl.DataFrame(proba)) == pytest.approx(
        cross_entropy(y, proba), rel=1e-12
    )
    assert kl_divergence(pl.DataFrame(soft), pl.DataFrame(proba)) == pytest.approx(
        kl_divergence(soft, proba), rel=1e-12
    )


def test_categorical_mle_on_polars_strings():
    colors = ["red", "red", "blue", "green"]
    fitted = CategoricalMLE().fit(pl.DataFrame({"color": colors}))
    reference = CategoricalMLE().fit(np.array(colors)[:, None])
    assert list(fitted.categories_[0]) == list(reference.categories_[0])
    np.testing.assert_array_equal(fitted.probabilities_[0], reference.probabilities_[0])
    assert list(fitted.feature_names_in_) == ["color"]
