"""Tests for skxent.metrics.calibration_error and its scorer.

References: a direct NumPy computation written here bin by bin (edges from
``np.quantile(..., method="inverted_cdf")``, membership by explicit
comparisons), ``sklearn.calibration.calibration_curve`` where its bins are the
same, and torchmetrics where it is installed (a local check; it needs torch).
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy import special
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxent.metrics import calibration_error, get_scorer, neg_calibration_error

NORMS = ["l1", "l2", "max"]
KINDS = ["top_label", "class_wise"]
STRATEGIES = ["uniform", "quantile"]


def random_problem(rng, n_samples, n_classes, concentration=1.0):
    """Labels drawn from a tempered version of the predictions, so that the
    predictions are miscalibrated by a known, moderate amount."""
    logits = rng.normal(scale=2.0, size=(n_samples, n_classes))
    proba = special.softmax(logits, axis=1)
    truth = special.softmax(concentration * logits, axis=1)
    y = np.array([rng.choice(n_classes, p=row) for row in truth])
    return y, proba


# --------------------------------------------------------------------------
# The reference: one binary problem at a time, bin by bin.
# --------------------------------------------------------------------------


def reference_edges(confidences, weights, n_bins, strategy):
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("the reference's weighted np.quantile needs NumPy 2")
    quantiles = np.arange(n_bins + 1) / n_bins
    edges = np.quantile(confidences, quantiles, weights=weights, method="inverted_cdf")
    edges[0], edges[-1] = 0.0, 1.0
    return edges


def reference_problem_error(confidences, outcomes, weights, n_bins, strategy, norm):
    """``(sum_b (W_b / W) g_b^r, max_b g_b)`` from explicit bin masks."""
    edges = reference_edges(confidences, weights, n_bins, strategy)
    weighted_powers, largest = 0.0, 0.0
    for b in range(n_bins):
        low, high = edges[b], edges[b + 1]
        inside = (confidences > low) & (confidences <= high)
        if b == 0:
            inside |= confidences <= low
        if b == n_bins - 1:
            inside |= confidences > high
        bin_weight = weights[inside].sum()
        if bin_weight == 0:
            continue
        accuracy = np.average(outcomes[inside], weights=weights[inside])
        confidence = np.average(confidences[inside], weights=weights[inside])
        gap = abs(accuracy - confidence)
        largest = max(largest, gap)
        weighted_powers += (
            bin_weight / weights.sum() * gap ** (1 if norm == "l1" else 2)
        )
    return largest if norm == "max" else weighted_powers


def reference_calibration_error(
    y, proba, *, n_bins, strategy, kind, norm, weights=None, soft=None
):
    n_samples, n_classes = proba.shape
    weights = np.ones(n_samples) if weights is None else weights
    outcomes = np.eye(n_classes)[y] if soft is None else soft
    if kind == "top_label":
        predicted = proba.argmax(axis=1)
        problems = [
            (
                proba[np.arange(n_samples), predicted],
                outcomes[np.arange(n_samples), predicted],
            )
        ]
    else:
        problems = [(proba[:, k], outcomes[:, k]) for k in range(n_classes)]
    errors = [
        reference_problem_error(c, o, weights, n_bins, strategy, norm)
        for c, o in problems
    ]
    if norm == "max":
        return max(errors)
    return np.mean(errors) if norm == "l1" else np.sqrt(np.mean(errors))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("n_classes", "n_bins"), [(2, 10), (4, 15), (6, 7)])
def test_matches_the_direct_numpy_computation(
    kind, strategy, norm, weighted, n_classes, n_bins
):
    rng = np.random.default_rng(n_classes * 100 + n_bins)
    y, proba = random_problem(rng, 400, n_classes, concentration=0.6)
    weights = rng.uniform(0.0, 3.0, size=400) if weighted else None

    value = calibration_error(
        y,
        proba,
        n_bins=n_bins,
        strategy=strategy,
        kind=kind,
        norm=norm,
        sample_weight=weights,
    )
    expected = reference_calibration_error(
        y,
        proba,
        n_bins=n_bins,
        strategy=strategy,
        kind=kind,
        norm=norm,
        weights=weights,
    )
    assert isinstance(value, float)
    assert value > 0.01  # the tempered labels make the predictions miscalibrated
    assert_allclose(value, expected, rtol=1e-12)


def test_soft_targets_use_the_target_probability_as_outcome():
    rng = np.random.default_rng(1)
    y, proba = random_problem(rng, 300, 3)
    soft = rng.dirichlet(np.ones(3), size=300)
    for kind in KINDS:
        for strategy in STRATEGIES:
            value = calibration_error(soft, proba, kind=kind, strategy=strategy)
            expected = reference_calibration_error(
                y,
                proba,
                n_bins=15,
                strategy=strategy,
                kind=kind,
                norm="l1",
                soft=soft,
            )
            assert_allclose(value, expected, rtol=1e-12)
            # One-hot rows are the labels.
            assert calibration_error(
                np.eye(3)[y], proba, kind=kind, strategy=strategy
            ) == calibration_error(y, proba, kind=kind, strategy=strategy)


# --------------------------------------------------------------------------
# Against scikit-learn's calibration_curve.
# --------------------------------------------------------------------------


def curve_ece(outcome, confidence, n_bins, strategy):
    """l1 error from calibration_curve's per-bin means, weighted by bin counts.

    calibration_curve returns no counts: for uniform bins they come from
    np.histogram (bins closed on the left, the same bins when no confidence
    lies on an edge); quantile bins hold n / n_bins samples each when n is a
    multiple of n_bins and the confidences are distinct.
    """
    prob_true, prob_pred = calibration_curve(
        outcome, confidence, n_bins=n_bins, strategy=strategy
    )
    if strategy == "quantile":
        assert prob_true.size == n_bins
        return np.mean(np.abs(prob_true - prob_pred))
    counts, _ = np.histogram(confidence, bins=np.linspace(0, 1, n_bins + 1))
    counts = counts[counts > 0]
    return counts @ np.abs(prob_true - prob_pred) / confidence.size


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_class_wise_matches_calibration_curve_per_class(n_classes, strategy):
    # 600 samples: a multiple of every n_bins below, for the quantile bins.
    rng = np.random.default_rng(n_classes)
    y, proba = random_problem(rng, 600, n_classes, concentration=0.5)
    for n_bins in (5, 10):
        per_class = [
            curve_ece(y == k, proba[:, k], n_bins, strategy) for k in range(n_classes)
        ]
        value = calibration_error(
            y, proba, n_bins=n_bins, strategy=strategy, kind="class_wise"
        )
        assert_allclose(value, np.mean(per_class), rtol=1e-12)


def test_binary_class_wise_is_the_positive_class_error():
    # Uniform bins: the negative class's curve mirrors the positive one's.
    rng = np.random.default_rng(3)
    y, proba = random_problem(rng, 500, 2, concentration=0.5)
    positive = curve_ece(y == 1, proba[:, 1], 10, "uniform")
    for y_proba in (proba, proba[:, 1]):
        value = calibration_error(y, y_proba, n_bins=10, kind="class_wise")
        assert_allclose(value, positive, rtol=1e-12)


# --------------------------------------------------------------------------
# Against torchmetrics (local check: torch is not a test dependency).
# --------------------------------------------------------------------------


def away_from_edges(proba, n_bins):
    """Whether no probability lies within 1e-6 of a uniform edge: torchmetrics
    closes its bins on the left and computes in float32."""
    scaled = proba * n_bins
    return bool(np.all(np.abs(scaled - np.round(scaled)) > 1e-6 * n_bins))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_top_label_matches_torchmetrics(n_classes, norm):
    torch = pytest.importorskip("torch")
    classification = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(10 + n_classes)
    y, proba = random_problem(rng, 1000, n_classes, concentration=0.5)
    proba = proba.astype(np.float32).astype(np.float64)  # torch's precision
    proba /= proba.sum(axis=1, keepdims=True)
    assert away_from_edges(proba, 15)

    expected = classification.multiclass_calibration_error(
        torch.from_numpy(proba), torch.from_numpy(y), num_classes=n_classes, norm=norm
    ).item()
    value = calibration_error(y, proba, norm=norm)
    assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
    if n_classes == 2:
        binary = classification.binary_calibration_error(
            torch.from_numpy(proba[:, 1]), torch.from_numpy(y), norm=norm
        ).item()
        class_wise = calibration_error(y, proba, norm=norm, kind="class_wise")
        assert_allclose(class_wise, binary, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------
# Bins, ties and closed forms.
# --------------------------------------------------------------------------


def test_a_confidence_on_an_edge_belongs_to_the_bin_below():
    # Four uniform bins, whose edges 0.25, 0.5 and 0.75 are exact in binary.
    y = np.array([1, 0, 1, 0])
    positive = np.array([0.3, 0.5, 0.6, 0.75])
    value = calibration_error(y, positive, n_bins=4, kind="class_wise")
    # Positive class: bins (0.25, 0.5] = {0.3, 0.5}, accuracy 1/2 against
    # confidence 0.4, and (0.5, 0.75] = {0.6, 0.75}, 1/2 against 0.675.
    positive_error = 0.5 * 0.1 + 0.5 * 0.175
    # Negative class, confidences 0.7, 0.5, 0.4, 0.25: bins (0, 0.25] = {0.25}
    # (outcome 1), (0.25, 0.5] = {0.5, 0.4} (1/2 against 0.45), (0.5, 0.75] =
    # {0.7} (outcome 0).
    negative_error = 0.25 * 0.75 + 0.5 * 0.05 + 0.25 * 0.7
    assert value == pytest.approx((positive_error + negative_error) / 2, rel=1e-12)

    # Top label: confidences 0.7, 0.5 (a tie, predicting class 0), 0.6, 0.75
    # with outcomes 0, 1, 1, 0; (0.25, 0.5] = {0.5} and (0.5, 0.75] holds the
    # rest. Bins closed on the left, as torchmetrics', would give
    # [0.5, 0.75) = {0.7, 0.5, 0.6} and [0.75, 1] = {0.75}: 0.2375.
    top_label = calibration_error(y, positive, n_bins=4)
    assert top_label == pytest.approx(
        0.25 * 0.5 + 0.75 * abs(1 / 3 - 0.205 / 0.3), rel=1e-12
    )
    assert top_label == pytest.approx(0.3875, rel=1e-12)


def test_confidence_one_is_in_the_last_bin_and_ties_pick_the_first_class():
    # Top-label confidences 1.0 and 0.95 share the last of 10 bins;
    # [0.5, 0.5] predicts class 0.
    y = [0, 1, 0, 1]
    proba = [[1.0, 0.0], [0.05, 0.95], [0.5, 0.5], [0.5, 0.5]]
    # Bins (0.9, 1]: accuracy 1, confidence 0.975; (0.4, 0.5]: 1/2, 0.5.
    expected = 0.5 * 0.025 + 0.5 * 0.0
    assert calibration_error(y, proba, n_bins=10) == pytest.approx(expected, rel=1e-12)


def test_perfect_calibration_and_closed_forms():
    # Confidence 0.8 with 4 right out of 5: calibrated in every norm.
    y = [0, 0, 0, 0, 1]
    proba = np.tile([0.8, 0.2], (5, 1))
    for kind in KINDS:
        for norm in NORMS:
            for strategy in STRATEGIES:
                assert calibration_error(
                    y, proba, kind=kind, norm=norm, strategy=strategy
                ) == pytest.approx(0.0, abs=1e-15)
    # Always 90% confident, always wrong: the gap is 0.9 in every norm.
    for norm in NORMS:
        value = calibration_error(
            [1, 1, 0], [[0.9, 0.1], [0.9, 0.1], [0.1, 0.9]], norm=norm
        )
        assert value == pytest.approx(0.9, rel=1e-12)


def test_norms_are_ordered_and_l2_is_the_root_mean_square():
    rng = np.random.default_rng(4)
    for seed in range(5):
        y, proba = random_problem(np.random.default_rng(seed), 300, 3, 0.4)
        for kind in KINDS:
            l1, l2, top = (
                calibration_error(y, proba, kind=kind, norm=norm) for norm in NORMS
            )
            assert 0 < l1 <= l2 <= top <= 1
    y, proba = random_problem(rng, 200, 3, 0.4)
    assert calibration_error(y, proba, n_bins=1, norm="l2") == pytest.approx(
        calibration_error(y, proba, n_bins=1, norm="l1"), rel=1e-12
    )


def test_quantile_edges_are_weighted_inverted_cdf_quantiles():
    # 10 quantile bins over 1000 distinct confidences hold 100 samples each.
    rng = np.random.default_rng(5)
    positive = rng.uniform(size=1000)
    y = (rng.uniform(size=1000) < positive**2).astype(int)
    value = calibration_error(
        y, positive, n_bins=10, strategy="quantile", kind="class_wise"
    )
    order = np.argsort(positive)
    chunks = np.array_split(order, 10)
    expected = np.mean([abs(y[c].mean() - positive[c].mean()) for c in chunks])
    assert_allclose(value, expected, rtol=1e-12)


def test_quantile_edges_are_exact_for_integer_counts():
    # 42 samples in 14 bins: 3 a bin. The 9th edge's share, (9 / 14) * 42,
    # rounds to 27.000000000000004 and would move that edge one sample up.
    rng = np.random.default_rng(12)
    positive = np.sort(rng.uniform(size=42))
    y = (rng.uniform(size=42) < positive).astype(int)
    chunks = positive.reshape(14, 3), y.reshape(14, 3)
    expected = np.mean(np.abs(chunks[1].mean(axis=1) - chunks[0].mean(axis=1)))
    value = calibration_error(
        y, positive, n_bins=14, strategy="quantile", kind="class_wise"
    )
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", KINDS)
def test_sample_weight_acts_as_counts(kind, strategy):
    rng = np.random.default_rng(6)
    y, proba = random_problem(rng, 150, 3, 0.5)
    counts = rng.integers(0, 4, size=150)
    counts[:3] = [0, 1, 2]  # zeros, ones and repeats all occur
    options = {"kind": kind, "strategy": strategy, "n_bins": 8}

    repeated = calibration_error(
        np.repeat(y, counts), np.repeat(proba, counts, axis=0), **options
    )
    weighted = calibration_error(y, proba, sample_weight=counts, **options)
    assert_allclose(weighted, repeated, rtol=1e-12)
    kept = counts > 0
    assert_allclose(
        calibration_error(y, proba, sample_weight=kept.astype(float), **options),
        calibration_error(y[kept], proba[kept], **options),
        rtol=1e-12,
    )
    assert calibration_error(
        y, proba, sample_weight=np.ones(150), **options
    ) == calibration_error(y, proba, **options)
    assert calibration_error(y, proba, sample_weight=2.5, **options) == pytest.approx(
        calibration_error(y, proba, **options), rel=1e-12
    )


def test_invariant_to_sample_order_and_to_column_order_with_labels():
    rng = np.random.default_rng(7)
    names = np.array(["a", "b", "c"])
    y, proba = random_problem(rng, 200, 3, 0.5)
    order = rng.permutation(200)
    for kind in KINDS:
        value = calibration_error(names[y], proba, kind=kind)
        assert calibration_error(names[y][order], proba[order], kind=kind) == (
            pytest.approx(value, rel=1e-12)
        )
        columns = [2, 0, 1]
        assert calibration_error(
            names[y], proba[:, columns], labels=["c", "a", "b"], kind=kind
        ) == pytest.approx(value, rel=1e-12)


def test_log_probabilities_and_logits_give_the_probability_value():
    rng = np.random.default_rng(8)
    logits = rng.normal(scale=2.0, size=(300, 4))
    proba = special.softmax(logits, axis=1)
    y = rng.integers(0, 4, size=300)
    y[:4] = np.arange(4)
    assert away_from_edges(proba, 15)
    for kind in KINDS:
        value = calibration_error(y, proba, kind=kind)
        log_proba = special.log_softmax(logits, axis=1)
        assert_allclose(
            calibration_error(y, log_proba, kind=kind, input="log_proba"),
            value,
            rtol=1e-12,
        )
        assert_allclose(
            calibration_error(y, logits, kind=kind, input="logits"), value, rtol=1e-12
        )
    binary_logit = logits[:, 0]
    binary_y = (y == 0).astype(int)
    assert_allclose(
        calibration_error(binary_y, binary_logit, input="logits"),
        calibration_error(binary_y, special.expit(binary_logit)),
        rtol=1e-12,
    )


# --------------------------------------------------------------------------
# Scorer.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_neg_calibration_error_scorer(problem, iris):
    if problem == "binary":
        X, y = load_breast_cancer(return_X_y=True)
    else:
        X, y = iris
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    proba = model.predict_proba(X)

    expected = -calibration_error(y, proba)
    assert expected < 0
    assert neg_calibration_error(model, X, y) == pytest.approx(expected, rel=1e-12)
    scorer = get_scorer("neg_calibration_error")
    assert scorer is not neg_calibration_error
    assert scorer(model, X, y) == pytest.approx(expected, rel=1e-12)

    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv, scoring=scorer)
    folds = []
    for train, test in cv.split(X, y):
        fitted = make_pipeline(StandardScaler(), LogisticRegression()).fit(
            X[train], y[train]
        )
        folds.append(-calibration_error(y[test], fitted.predict_proba(X[test])))
    assert_allclose(scores, folds, rtol=1e-12)


def test_scorer_sample_weight_routing(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    weights = np.random.default_rng(9).uniform(0.1, 5.0, size=len(y))
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = get_scorer("neg_calibration_error").set_score_request(
            sample_weight=True
        )
        model = LogisticRegression().set_fit_request(sample_weight=False)
        results = cross_validate(
            model, X, y, cv=cv, scoring=scorer, params={"sample_weight": weights}
        )
    expected = [
        -calibration_error(
            y[test],
            LogisticRegression().fit(X[train], y[train]).predict_proba(X[test]),
            sample_weight=weights[test],
        )
        for train, test in cv.split(X, y)
    ]
    assert_allclose(results["test_score"], expected, rtol=1e-12)


# --------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------

Y = np.array([0, 1, 1])
PROBA = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])

BAD_INPUTS = {
    "n_bins zero": ({"n_bins": 0}, "n_bins must be a positive integer"),
    "n_bins float": ({"n_bins": 2.5}, "n_bins must be a positive integer"),
    "n_bins bool": ({"n_bins": True}, "n_bins must be a positive integer"),
    "strategy": (
        {"strategy": "equal"},
        "strategy must be one of 'uniform', 'quantile'",
    ),
    "kind": ({"kind": "marginal"}, "kind must be one of 'top_label', 'class_wise'"),
    "norm": ({"norm": "L1"}, "norm must be one of 'l1', 'l2', 'max'"),
    "input": ({"input": "probability"}, "input must be one of 'proba'"),
    "weights": ({"sample_weight": [1.0, -1.0, 1.0]}, "finite and non-negative"),
    "zero weights": ({"sample_weight": [0.0, 0.0, 0.0]}, "sums to zero"),
    "weight length": ({"sample_weight": [1.0, 1.0]}, "inconsistent numbers"),
    "labels": ({"labels": [0, 1, 2]}, "labels has 3 classes"),
    "log input": ({"input": "log_proba"}, "holds probabilities"),
}


@pytest.mark.parametrize(
    ("kwargs", "message"), list(BAD_INPUTS.values()), ids=list(BAD_INPUTS)
)
def test_bad_options_raise_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        calibration_error(Y, PROBA, **kwargs)


@pytest.mark.parametrize(
    ("y_true", "y_proba", "message"),
    [
        (Y, [[0.2, 0.8], [0.6, 0.5], [0.5, 0.5]], "row 1 sums to"),
        (Y, [[0.2, 0.8], [np.nan, 0.4], [0.5, 0.5]], "NaN"),
        (Y, [0.2, 1.2, 0.5], r"\[0, 1\]"),
        ([0, 1, 2], PROBA, "3 classes but y_proba has 2 columns"),
        ([[0.5, 0.6]] * 3, PROBA, "y_true .* row 0 sums to"),
        ([1, 1, 1], PROBA, "only one label"),
    ],
)
def test_bad_predictions_and_targets_raise_a_value_error(y_true, y_proba, message):
    with pytest.raises(ValueError, match=message):
        calibration_error(y_true, y_proba)


def test_callers_arrays_are_never_modified():
    rng = np.random.default_rng(11)
    y, proba = random_problem(rng, 50, 3)
    weights = rng.uniform(size=50)
    arrays = [y, proba, weights]
    originals = [array.copy() for array in arrays]
    for array in arrays:
        array.flags.writeable = False
    for kind in KINDS:
        for strategy in STRATEGIES:
            calibration_error(
                y, proba, kind=kind, strategy=strategy, sample_weight=weights
            )
    for array, original in zip(arrays, originals, strict=True):
        np.testing.assert_array_equal(array, original)
