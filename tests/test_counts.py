"""SoftmaxClassifier(target_type="counts"): rows of votes fitted as repeated rows."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skxent import SoftmaxClassifier

TIGHT = {"tol": 1e-10, "max_iter": 1000}


def vote_counts(n_samples=80, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4))
    logits = X @ rng.normal(size=(4, n_classes))
    counts = np.stack(
        [rng.multinomial(rng.integers(1, 7), p) for p in np.exp(logits) / np.exp(
            logits).sum(axis=1, keepdims=True)]
    )  # fmt: skip
    return X, counts


def repeated(X, counts, sample_weight):
    """One row per vote, with its label and its row's weight."""
    rows, labels = np.nonzero(counts)
    times = counts[rows, labels].astype(int)
    return (
        np.repeat(X[rows], times, axis=0),
        np.repeat(labels, times),
        np.repeat(sample_weight[rows], times),
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("params", [{}, {"C": 0.3}, {"class_weight": "balanced"}])
def test_counts_equal_the_repeated_rows(n_classes, params):
    X, counts = vote_counts(n_classes=n_classes)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(X))
    model = SoftmaxClassifier(target_type="counts", **params, **TIGHT)
    model.fit(X, counts, sample_weight=weights)
    reference = SoftmaxClassifier(**params, **TIGHT).fit(*repeated(X, counts, weights))
    assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
    assert_allclose(model.loss_, reference.loss_, rtol=1e-9)


def test_counts_are_not_probability_rows():
    # Normalized, the rows lose their totals: another model.
    X, counts = vote_counts()
    model = SoftmaxClassifier(target_type="counts").fit(X, counts)
    rows = SoftmaxClassifier().fit(X, counts / counts.sum(axis=1, keepdims=True))
    assert not np.allclose(model.coef_, rows.coef_, atol=1e-3)


def test_fractional_counts_and_caller_arrays_untouched():
    X, counts = vote_counts()
    halves = counts / 2.0
    before = halves.copy()
    model = SoftmaxClassifier(target_type="counts", **TIGHT).fit(X, halves)
    doubled = SoftmaxClassifier(target_type="counts", **TIGHT).fit(
        X, counts, sample_weight=np.full(len(X), 0.5)
    )
    assert_allclose(model.coef_, doubled.coef_, atol=1e-7)
    assert np.array_equal(halves, before)


def test_score_takes_the_most_voted_class():
    X, counts = vote_counts()
    model = SoftmaxClassifier(target_type="counts").fit(X, counts)
    expected = np.mean(model.predict(X) == counts.argmax(axis=1))
    assert model.score(X, counts) == expected


def test_rows_of_zeros_are_an_error_naming_the_first():
    X, counts = vote_counts()
    counts[[5, 9]] = 0
    with pytest.raises(ValueError, match=r"2 rows of y count nothing.*first row 5"):
        SoftmaxClassifier(target_type="counts").fit(X, counts)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (-1.0, "finite and non-negative.*-1.0 in row 3, column 1"),
        (np.nan, "NaN"),
        (np.inf, "infinity|finite"),
    ],
)
def test_negative_or_missing_counts_are_errors(bad, match):
    X, counts = vote_counts()
    counts = counts.astype(float)
    counts[3, 1] = bad
    with pytest.raises(ValueError, match=match):
        SoftmaxClassifier(target_type="counts").fit(X, counts)


def test_labels_are_not_counts():
    X, counts = vote_counts()
    with pytest.raises(ValueError, match="2-D array of counts"):
        SoftmaxClassifier(target_type="counts").fit(X, counts.argmax(axis=1))
