"""Tests for skxent.metrics: references, identities, scorers and input checks.

References are independent implementations: ``sklearn.metrics.log_loss`` for
hard labels, ``scipy.stats.entropy``, ``scipy.special.rel_entr``,
``scipy.special.xlogy`` and ``scipy.spatial.distance.jensenshannon`` for
probability rows.
"""

import decimal
import math

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from scipy import special, stats
from scipy.spatial.distance import jensenshannon
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer as sklearn_get_scorer
from sklearn.metrics import log_loss, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import _NotAnArray

from skxent import SoftmaxClassifier
from skxent.metrics import (
    calibration_error,
    cross_entropy,
    cross_entropy_per_sample,
    entropy,
    get_scorer,
    js_divergence,
    js_divergence_per_sample,
    kl_divergence,
    kl_divergence_per_sample,
    neg_cross_entropy,
    neg_js_divergence,
    neg_kl_divergence,
)

DIVERGENCES = [cross_entropy, kl_divergence, js_divergence]
FLOAT_DTYPES = [np.float64, np.float32]


def random_proba(rng, n_samples, n_classes, dtype=np.float64, alpha=1.0):
    """Dirichlet probability rows, drawn in float64 and then cast."""
    rows = rng.dirichlet(np.full(n_classes, alpha), size=n_samples)
    return rows.astype(dtype)


def random_labels(rng, n_samples, n_classes):
    """Integer labels in which every class occurs."""
    labels = rng.integers(0, n_classes, size=n_samples)
    labels[:n_classes] = np.arange(n_classes)
    return rng.permutation(labels)


def clipped_cross_entropy_rows(P, Q):
    """Float64 reference: ``-sum_k xlogy(p, clip(q))`` with eps of Q's dtype."""
    eps = np.finfo(Q.dtype).eps
    Q64 = np.clip(Q.astype(np.float64), eps, 1 - eps)
    return -special.xlogy(P.astype(np.float64), Q64).sum(axis=1)


def clipped_kl_rows(P, Q):
    """Float64 reference: ``sum_k rel_entr(p, clip(q))`` with eps of Q's dtype."""
    eps = np.finfo(Q.dtype).eps
    Q64 = np.clip(Q.astype(np.float64), eps, 1 - eps)
    return special.rel_entr(P.astype(np.float64), Q64).sum(axis=1)


def one_hot(codes, n_classes):
    return np.eye(n_classes)[codes]


# --------------------------------------------------------------------------
# Hard labels: cross-entropy is scikit-learn's log_loss.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("normalize", [True, False])
def test_cross_entropy_equals_log_loss(n_classes, weighted, normalize):
    rng = np.random.default_rng(n_classes)
    y = random_labels(rng, 300, n_classes)
    Q = random_proba(rng, 300, n_classes, alpha=0.3)
    Q[0] = 0.0  # exact zeros and ones exercise the clipping convention
    Q[0, y[0]] = 1.0
    Q[1] = 0.0
    Q[1, (y[1] + 1) % n_classes] = 1.0
    weights = rng.uniform(0, 3, size=300) if weighted else None

    expected = log_loss(y, Q, sample_weight=weights, normalize=normalize)
    ce = cross_entropy(y, Q, sample_weight=weights, normalize=normalize)
    kl = kl_divergence(y, Q, sample_weight=weights, normalize=normalize)
    assert_allclose(ce, expected, rtol=1e-12)
    assert_allclose(kl, expected, rtol=1e-12)
    assert_allclose(kl, ce, rtol=1e-14)  # H(one-hot) = 0


def test_binary_positive_class_vector_equals_two_columns_and_log_loss():
    rng = np.random.default_rng(0)
    y = random_labels(rng, 200, 2)
    positive = rng.uniform(size=200)
    two_columns = np.column_stack([1 - positive, positive])

    expected = log_loss(y, positive)
    assert_allclose(cross_entropy(y, positive), expected, rtol=1e-12)
    assert_allclose(cross_entropy(y, two_columns), expected, rtol=1e-12)
    assert_allclose(kl_divergence(y, positive), expected, rtol=1e-12)
    assert_allclose(log_loss(y, two_columns), expected, rtol=1e-12)


def test_string_labels_and_labels_argument_match_log_loss():
    rng = np.random.default_rng(1)
    names = np.array(["cat", "dog", "emu"])
    y = names[random_labels(rng, 120, 3)]
    Q = random_proba(rng, 120, 3)

    expected = log_loss(y, Q)
    assert_allclose(cross_entropy(y, Q), expected, rtol=1e-12)
    assert_allclose(cross_entropy(list(y), Q, labels=names), expected, rtol=1e-12)
    assert_allclose(kl_divergence(y, Q, labels=names), expected, rtol=1e-12)


def test_pandas_inputs():
    rng = np.random.default_rng(15)
    y = np.array(["a", "b", "c"])[random_labels(rng, 40, 3)]
    Q = random_proba(rng, 40, 3)
    P = random_proba(rng, 40, 3)
    y_frame = pd.Series(y, dtype="category")
    Q_frame = pd.DataFrame(Q, columns=["a", "b", "c"])

    assert_allclose(cross_entropy(y_frame, Q_frame), log_loss(y, Q), rtol=1e-12)
    assert kl_divergence(pd.DataFrame(P), Q_frame) == kl_divergence(P, Q)
    assert_allclose(entropy(pd.DataFrame(P)), entropy(P))


def test_labels_argument_supplies_classes_absent_from_y_true():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=50)  # class 2 never occurs
    y[:2] = [0, 1]
    Q = random_proba(rng, 50, 3)

    expected = log_loss(y, Q, labels=[0, 1, 2])
    assert_allclose(cross_entropy(y, Q, labels=[0, 1, 2]), expected, rtol=1e-12)
    single_class = np.zeros(50, dtype=int)
    assert_allclose(
        cross_entropy(single_class, Q, labels=[0, 1, 2]),
        log_loss(single_class, Q, labels=[0, 1, 2]),
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="2 classes but y_proba has 3 columns"):
        cross_entropy(y, Q)


def test_unsorted_labels_name_the_columns_in_the_given_order():
    # log_loss always reads columns in sorted label order; skxent reads them in
    # the order of `labels`, so permuting both leaves the value unchanged.
    rng = np.random.default_rng(3)
    y = np.array(["b", "a", "c"])[random_labels(rng, 90, 3)]
    Q = random_proba(rng, 90, 3)
    order = [2, 0, 1]  # columns for labels c, a, b

    expected = log_loss(y, Q)
    assert_allclose(
        cross_entropy(y, Q[:, order], labels=["c", "a", "b"]), expected, rtol=1e-12
    )
    assert not np.isclose(cross_entropy(y, Q, labels=["c", "a", "b"]), expected)


def test_base_two_gives_bits():
    rng = np.random.default_rng(4)
    y = random_labels(rng, 80, 4)
    Q = random_proba(rng, 80, 4)
    P = random_proba(rng, 80, 4)

    assert_allclose(cross_entropy(y, Q, base=2), log_loss(y, Q) / math.log(2))
    for metric in DIVERGENCES:
        assert_allclose(metric(P, Q, base=2), metric(P, Q) / math.log(2), rtol=1e-14)
        assert_allclose(metric(P, Q, base=10), metric(P, Q) / math.log(10))
    uniform = np.full(8, 1 / 8)
    assert entropy(uniform, base=2) == pytest.approx(3.0, rel=1e-15)
    assert cross_entropy([[1.0, 0.0]], [[0.5, 0.5]], base=2) == pytest.approx(1.0)
    assert cross_entropy([0, 1], [0.5, 0.5], base=np.int64(4)) == pytest.approx(0.5)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float32_and_float64_predictions_are_computed_in_float64(dtype):
    rng = np.random.default_rng(5)
    y = random_labels(rng, 150, 4)
    Q = random_proba(rng, 150, 4, dtype=dtype, alpha=0.05)
    Q[0, :] = [0.0, 0.0, 0.0, 1.0]  # clipped to [eps, 1 - eps] of the dtype

    # Clipping uses the eps of the prediction dtype, the sums run in float64.
    expected = clipped_cross_entropy_rows(one_hot(y, 4), Q).mean()
    assert_allclose(cross_entropy(y, Q), expected, rtol=1e-12)
    assert_allclose(kl_divergence(y, Q), expected, rtol=1e-12)
    # log_loss computes in the prediction dtype: equal to its precision.
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(cross_entropy(y, Q), log_loss(y, Q), rtol=rtol)

    P = random_proba(rng, 150, 4, dtype=dtype)
    assert_allclose(
        kl_divergence(P, Q), clipped_kl_rows(P, Q).mean(), rtol=1e-12, atol=1e-15
    )


def renormalized(rows):
    """Rows divided by their sum in their own dtype: they sum to one at the
    precision of that dtype, and (below float64) not at float64's."""
    return rows / rows.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float16, ">f4"])
def test_low_precision_predictions_are_clipped_at_their_own_eps(dtype):
    # log_loss clips at the eps of the prediction dtype and so does skxent:
    # a confidently wrong float16 prediction costs -log(eps16) = 6.93, not
    # the -log(eps64) = 36.04 of a conversion before clipping. log_loss
    # itself reads big-endian float32 as float64, so its reference for ">f4"
    # is the same values in native float32.
    native = np.dtype(dtype).newbyteorder("=")
    wrong = np.array([[1.0, 0.0], [0.3, 0.7]], dtype=dtype)
    expected = -0.5 * (math.log(np.finfo(native).eps) + math.log(0.7))
    # log_loss takes its logarithms in float16: equal to that precision.
    rtol = 1e-3 if native == np.float16 else 1e-6
    for metric in (cross_entropy, kl_divergence):
        value = metric([1, 1], wrong, labels=[0, 1])
        assert_allclose(value, expected, rtol=rtol)
        reference = log_loss([1, 1], wrong.astype(native), labels=[0, 1])
        assert_allclose(value, reference, rtol=rtol)
    assert cross_entropy([1], wrong[:, 1][:1], labels=[0, 1]) == pytest.approx(
        -math.log(np.finfo(native).eps), rel=1e-6
    )

    rng = np.random.default_rng(21)
    y = random_labels(rng, 200, 4)
    Q = renormalized(random_proba(rng, 200, 4, alpha=0.05).astype(dtype))
    Q[0] = [0.0, 0.0, 1.0, 0.0]
    reference = clipped_cross_entropy_rows(one_hot(y, 4), Q).mean()
    assert_allclose(cross_entropy(y, Q), reference, rtol=1e-12)
    assert_allclose(cross_entropy(y, Q), log_loss(y, Q.astype(native)), rtol=rtol)
    P = renormalized(random_proba(rng, 200, 4).astype(dtype))
    assert_allclose(
        kl_divergence(P, Q), clipped_kl_rows(P, Q).mean(), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("dtype", [np.float16, ">f4"])
def test_low_precision_rows_are_judged_by_the_tolerance_of_their_dtype(metric, dtype):
    # Renormalized in their own dtype, rows sum to one within sqrt(eps) of
    # that dtype (3.1e-2 in float16, 3.5e-4 in float32), not of float64.
    rng = np.random.default_rng(22)
    P = renormalized(random_proba(rng, 100, 3).astype(dtype))
    Q = renormalized(random_proba(rng, 100, 3).astype(dtype))
    float64_tolerance = math.sqrt(np.finfo(np.float64).eps)
    assert np.abs(Q.sum(axis=1, dtype=np.float64) - 1).max() > float64_tolerance
    assert np.isfinite(metric(P, Q))
    assert np.isfinite(metric(random_labels(rng, 100, 3), Q))
    assert entropy(P).shape == (100,)

    native = np.dtype(dtype).newbyteorder("=")
    tolerance = math.sqrt(np.finfo(native).eps)
    off = np.array([[0.3, 0.7 + 2 * tolerance], [0.5, 0.5]], dtype=dtype)
    message = rf"row 0 sums to .*tolerance {tolerance:.1e}"
    with pytest.raises(ValueError, match=message):
        metric([1, 0], off)
    with pytest.raises(ValueError, match=message):
        metric(off, Q[:2])


# --------------------------------------------------------------------------
# Entropy against scipy.stats.entropy.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_entropy_per_row_matches_scipy(dtype):
    rng = np.random.default_rng(6)
    P = random_proba(rng, 60, 5, dtype=dtype, alpha=0.5)
    P[0] = [0.0, 0.0, 1.0, 0.0, 0.0]
    P[1] = [0.5, 0.0, 0.5, 0.0, 0.0]

    rows = entropy(P)
    assert rows.shape == (60,)
    assert rows.dtype == np.float64
    # scipy renormalizes rows (float32 rows sum to 1 only within ~1e-7);
    # skxent takes the float32 values as they are.
    P64 = P.astype(np.float64)
    assert_allclose(rows, -special.xlogy(P64, P64).sum(axis=1), rtol=1e-12)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_allclose(rows, stats.entropy(P, axis=1), rtol=rtol, atol=1e-15)
    assert_allclose(entropy(P, base=2), stats.entropy(P, base=2, axis=1), rtol=1e-5)
    assert rows[0] == 0.0
    assert rows[1] == pytest.approx(math.log(2))


def test_entropy_of_a_single_distribution_is_a_float():
    p = [0.1, 0.2, 0.3, 0.4]
    value = entropy(p)
    assert isinstance(value, float)
    assert value == pytest.approx(stats.entropy(p), rel=1e-14)
    assert entropy(p, base=2) == pytest.approx(stats.entropy(p, base=2), rel=1e-14)
    assert entropy([1.0]) == 0.0


# --------------------------------------------------------------------------
# Soft targets.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n_classes", [2, 6])
def test_soft_targets_match_scipy(dtype, n_classes):
    rng = np.random.default_rng(7 + n_classes)
    P = random_proba(rng, 100, n_classes, dtype=dtype)
    Q = random_proba(rng, 100, n_classes, dtype=dtype)
    P64, Q64 = P.astype(np.float64), Q.astype(np.float64)

    assert_allclose(
        cross_entropy(P, Q), -special.xlogy(P64, Q64).sum(axis=1).mean(), rtol=1e-12
    )
    assert_allclose(kl_divergence(P, Q), stats.entropy(P64, Q64, axis=1).mean())
    assert_allclose(
        kl_divergence(P, Q), special.rel_entr(P64, Q64).sum(axis=1).mean(), rtol=1e-12
    )
    M = (P64 + Q64) / 2
    js_rows = (special.rel_entr(P64, M) + special.rel_entr(Q64, M)).sum(axis=1) / 2
    assert_allclose(js_divergence(P, Q), js_rows.mean(), rtol=1e-12)
    # jensenshannon renormalizes rows: equal to the float32 row-sum rounding.
    rtol = 1e-10 if dtype == np.float64 else 1e-6
    js_scipy = jensenshannon(P64, Q64, axis=1, base=2) ** 2
    assert_allclose(js_divergence(P, Q, base=2), js_scipy.mean(), rtol=rtol)


@pytest.mark.parametrize("weighted", [False, True])
def test_kl_is_cross_entropy_minus_target_entropy(weighted):
    rng = np.random.default_rng(8)
    P = random_proba(rng, 200, 5, alpha=0.4)
    Q = random_proba(rng, 200, 5, alpha=0.4)
    weights = rng.uniform(0, 2, size=200) if weighted else None

    target_entropy = np.average(entropy(P), weights=weights)
    ce = cross_entropy(P, Q, sample_weight=weights)
    kl = kl_divergence(P, Q, sample_weight=weights)
    assert kl > 0
    assert_allclose(kl, ce - target_entropy, rtol=1e-12)
    total_kl = kl_divergence(P, Q, sample_weight=weights, normalize=False)
    total_weight = 200 if weights is None else weights.sum()
    assert_allclose(total_kl, kl * total_weight, rtol=1e-12)


def test_hard_labels_and_one_hot_targets_agree():
    rng = np.random.default_rng(9)
    y = random_labels(rng, 100, 4)
    Q = random_proba(rng, 100, 4)
    for metric in DIVERGENCES:
        assert_allclose(metric(y, Q), metric(one_hot(y, 4), Q), rtol=1e-14)


def test_zero_probabilities_follow_zero_log_zero():
    P = np.array([[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]])
    Q = np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])

    ce_rows = [
        -(0.25 * math.log(0.5) + 0.75 * math.log(0.5)),
        -math.log(0.5),
    ]
    kl_rows = [
        0.25 * math.log(0.5) + 0.75 * math.log(1.5),
        math.log(2.0),
    ]
    js_rows = [
        0.5 * (0.25 * math.log(0.25 / 0.375) + 0.75 * math.log(0.75 / 0.625))
        + 0.5 * (0.5 * math.log(0.5 / 0.375) + 0.5 * math.log(0.5 / 0.625)),
        0.5 * math.log(1 / 0.75)
        + 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)),
    ]
    assert_allclose(cross_entropy(P, Q, normalize=False), sum(ce_rows), rtol=1e-14)
    assert_allclose(kl_divergence(P, Q, normalize=False), sum(kl_rows), rtol=1e-14)
    assert_allclose(js_divergence(P, Q, normalize=False), sum(js_rows), rtol=1e-14)
    assert_allclose(entropy(P), [-special.xlogy(P[0], P[0]).sum(), 0.0])


def test_target_mass_on_a_zero_prediction_is_clipped_not_infinite():
    eps = np.finfo(np.float64).eps
    value = cross_entropy([[0.5, 0.5]], [[1.0, 0.0]])
    assert value == pytest.approx(-0.5 * math.log(1 - eps) - 0.5 * math.log(eps))
    assert np.isfinite(kl_divergence([[0.5, 0.5]], [[1.0, 0.0]]))
    assert js_divergence([[1.0, 0.0]], [[0.0, 1.0]]) == pytest.approx(math.log(2))


def test_kl_is_never_negative_even_where_rounding_says_so():
    # Identical rows with many classes, most of them below eps: the clipped
    # reference sum comes out slightly negative.
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.full(1000, 0.01))
    eps = np.finfo(np.float64).eps
    assert special.rel_entr(p, np.clip(p, eps, 1 - eps)).sum() < 0
    assert kl_divergence([p], [p.copy()]) == 0.0
    assert kl_divergence([p], [p.copy()], normalize=False) == 0.0

    # A prediction summing to 1 + 2e-10 (accepted) makes the exact sum negative.
    half = np.array([0.5, 0.5])
    assert special.rel_entr(half, half + 1e-10).sum() < 0
    assert kl_divergence([half], [half + 1e-10]) == 0.0
    assert js_divergence([half], [half + 1e-10]) >= 0.0


# --------------------------------------------------------------------------
# Properties (hypothesis).
# --------------------------------------------------------------------------


@st.composite
def probability_pairs(draw, max_rows=4):
    """Two probability matrices of one shape; entries span exact zeros,
    subnormals and values below eps (where predictions get clipped)."""
    n_samples = draw(st.integers(1, max_rows))
    n_classes = draw(st.integers(2, 8))

    def matrix():
        raw = draw(
            arrays(np.float64, (n_samples, n_classes), elements=st.floats(0.0, 1.0))
        )
        raw[:, draw(st.integers(0, n_classes - 1))] += 1e-3  # no all-zero row
        return raw / raw.sum(axis=1, keepdims=True)

    return matrix(), matrix()


# The properties below hold row by row, so most draw one row pair at a time.
SETTINGS = settings(max_examples=50, deadline=None)


@SETTINGS
@given(probability_pairs(max_rows=1))
def test_property_kl_is_non_negative(pair):
    P, Q = pair
    assert kl_divergence(P, Q) >= 0.0
    assert kl_divergence(Q, P) >= 0.0


@SETTINGS
@given(probability_pairs(max_rows=1))
def test_property_kl_of_a_distribution_with_itself_is_zero(pair):
    P, _ = pair
    assert kl_divergence(P, P.copy()) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(P, P.copy()) == pytest.approx(0.0, abs=1e-12)


@SETTINGS
@given(probability_pairs())
def test_property_cross_entropy_is_entropy_plus_kl(pair):
    P, Q = pair
    expected = entropy(P).mean() + kl_divergence(P, Q)
    assert cross_entropy(P, Q) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@SETTINGS
@given(probability_pairs(max_rows=1))
def test_property_js_is_symmetric_and_bounded_by_log_two(pair):
    P, Q = pair
    forward, backward = js_divergence(P, Q), js_divergence(Q, P)
    assert forward == pytest.approx(backward, rel=1e-12, abs=1e-15)
    assert 0.0 <= forward <= math.log(2) + 1e-12
    assert js_divergence(P, Q, base=2) <= 1.0 + 1e-12


# --------------------------------------------------------------------------
# Bad input: a ValueError that names the problem; nothing renormalized.
# --------------------------------------------------------------------------

GOOD_Q = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
GOOD_P = np.array([[0.1, 0.9], [1.0, 0.0], [0.5, 0.5]])
GOOD_Y = np.array([1, 0, 1])


def with_value(array, index, value):
    changed = np.array(array, dtype=np.float64)
    changed[index] = value
    return changed


BAD_INPUTS = {
    "nan in y_proba": (GOOD_Y, with_value(GOOD_Q, (1, 0), np.nan), {}, "NaN"),
    "inf in y_proba": (GOOD_Y, with_value(GOOD_Q, (2, 1), np.inf), {}, "infinity"),
    "nan in 1-D y_proba": (GOOD_Y, [0.2, np.nan, 0.5], {}, "NaN"),
    "1-D y_proba above one": (GOOD_Y, [0.2, 1.5, 0.5], {}, r"\[0, 1\]"),
    "nan in soft y_true": (with_value(GOOD_P, (0, 1), np.nan), GOOD_Q, {}, "NaN"),
    "inf in soft y_true": (with_value(GOOD_P, (2, 0), -np.inf), GOOD_Q, {}, "inf"),
    "negative y_proba": (
        GOOD_Y,
        [[0.2, 0.8], [1.1, -0.1], [0.5, 0.5]],
        {},
        "row 1 contains a negative probability",
    ),
    "negative soft y_true": (
        [[0.1, 0.9], [1.2, -0.2], [0.5, 0.5]],
        GOOD_Q,
        {},
        "y_true .* row 1 contains a negative probability",
    ),
    "y_proba rows of counts": (
        GOOD_Y,
        [[2.0, 8.0], [6.0, 4.0], [5.0, 5.0]],
        {},
        "row 0 sums to 10.0, not 1.*divide each row by its sum",
    ),
    "soft y_true row sum off by 1e-6": (
        with_value(GOOD_P, (2, 0), 0.5 + 1e-6),
        GOOD_Q,
        {},
        "y_true .* row 2 sums to",
    ),
    "y_proba row sum off by 1e-6": (
        GOOD_Y,
        with_value(GOOD_Q, (1, 1), 0.4 - 1e-6),
        {},
        "y_proba .* row 1 sums to",
    ),
    "lengths differ": (GOOD_Y[:2], GOOD_Q, {}, "inconsistent numbers of samples"),
    "soft lengths differ": (GOOD_P, GOOD_Q[:2], {}, "inconsistent numbers of samples"),
    "sample_weight length": (
        GOOD_Y,
        GOOD_Q,
        {"sample_weight": [1.0, 2.0]},
        "inconsistent numbers of samples",
    ),
    "negative sample_weight": (
        GOOD_Y,
        GOOD_Q,
        {"sample_weight": [1.0, -1.0, 1.0]},
        r"finite and non-negative .* sample_weight\[1\] is -1.0",
    ),
    "nan sample_weight": (
        GOOD_Y,
        GOOD_Q,
        {"sample_weight": [1.0, np.nan, 1.0]},
        r"finite and non-negative .* sample_weight\[1\] is nan",
    ),
    "all-zero sample_weight": (
        GOOD_Y,
        GOOD_Q,
        {"sample_weight": [0.0, 0.0, 0.0]},
        "sample_weight sums to zero",
    ),
    "column counts differ": (
        [[0.2, 0.3, 0.5]] * 3,
        GOOD_Q,
        {},
        "y_true has 3 columns .* y_proba has 2",
    ),
    "more classes in y_true than columns": (
        [0, 1, 2],
        GOOD_Q,
        {},
        "3 classes but y_proba has 2 columns",
    ),
    "label missing from labels": (
        ["a", "b", "z"],
        GOOD_Q,
        {"labels": ["a", "b"]},
        r"labels \['z'\] that are not among the classes",
    ),
    "labels too long": (GOOD_Y, GOOD_Q, {"labels": [0, 1, 2]}, "labels has 3"),
    "duplicate labels": (GOOD_Y, GOOD_Q, {"labels": [1, 1]}, "labels must be unique"),
    "one class without labels": (
        [1, 1, 1],
        GOOD_Q,
        {},
        "only one label .*labels argument",
    ),
    "nan label": ([0.0, np.nan, 1.0], GOOD_Q, {}, "y_true contains NaN"),
    "None label": ([1, None, 0], GOOD_Q, {}, "y_true contains NaN, None"),
    "1-D soft y_true": (
        [0.1, 0.9, 0.5],
        GOOD_Q,
        {},
        r"non-integral values.*\(n_samples, 2\) probability rows",
    ),
    "None in labels": (
        GOOD_Y,
        GOOD_Q,
        {"labels": [None, 1]},
        "labels contains NaN, None or infinity",
    ),
    "None in string labels": (
        ["a", "b", "a"],
        GOOD_Q,
        {"labels": ["b", None]},
        "labels contains NaN, None or infinity",
    ),
    "nan in labels": (
        GOOD_Y,
        GOOD_Q,
        {"labels": [np.nan, 1.0]},
        "labels contains NaN, None or infinity",
    ),
    "duplicate labels of mixed types": (
        GOOD_Y,
        GOOD_Q,
        {"labels": np.array([1, "a", 1], dtype=object)},
        "labels must be unique",
    ),
    "empty input": ([], np.empty((0, 2)), {}, "0 sample"),
    "empty soft input": (np.empty((0, 2)), np.empty((0, 2)), {}, "0 sample"),
    "base one": (GOOD_Y, GOOD_Q, {"base": 1}, "base must be a finite positive number"),
    "base zero": (GOOD_Y, GOOD_Q, {"base": 0}, "base must be a finite positive number"),
    "negative base": (GOOD_Y, GOOD_Q, {"base": -2.0}, "base must be a finite positive"),
    "nan base": (GOOD_Y, GOOD_Q, {"base": np.nan}, "base must be a finite positive"),
    "infinite base": (
        GOOD_Y,
        GOOD_Q,
        {"base": np.inf},
        "base must be a finite positive",
    ),
    "string base": (GOOD_Y, GOOD_Q, {"base": "2"}, "base must be a finite positive"),
}


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    ("y_true", "y_proba", "kwargs", "message"),
    list(BAD_INPUTS.values()),
    ids=list(BAD_INPUTS),
)
def test_bad_input_raises_a_value_error_naming_the_problem(
    metric, y_true, y_proba, kwargs, message
):
    with pytest.raises(ValueError, match=message):
        metric(y_true, y_proba, **kwargs)


@pytest.mark.parametrize(
    ("p", "kwargs", "message"),
    [
        ([0.5, np.nan], {}, "p must hold one probability distribution.*NaN"),
        ([[0.5, 0.6]], {}, "p must hold .* row 0 sums to"),
        ([-0.5, 1.5], {}, "negative probability"),
        (np.empty((0, 3)), {}, "0 sample"),
        ([0.5, 0.5], {"base": 1.0}, "base must be a finite positive number"),
    ],
)
def test_entropy_bad_input(p, kwargs, message):
    with pytest.raises(ValueError, match=message):
        entropy(p, **kwargs)


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_row_sum_tolerance(metric):
    # Documented tolerance: sqrt(eps) of the dtype (1.5e-8 float64, 3.5e-4 float32).
    near = np.array([[0.3, 0.7 + 1e-10], [0.5, 0.5]])
    off = np.array([[0.3, 0.7 + 1e-6], [0.5, 0.5]])
    Q = np.array([[0.4, 0.6], [0.9, 0.1]])
    assert np.isfinite(metric(near, Q))
    assert np.isfinite(metric([1, 0], near))
    with pytest.raises(ValueError, match="row 0 sums to"):
        metric(off, Q)
    with pytest.raises(ValueError, match="row 0 sums to"):
        metric([1, 0], off)

    assert np.isfinite(metric(off.astype(np.float32), Q.astype(np.float32)))
    off32 = np.array([[0.3, 0.7 + 1e-3], [0.5, 0.5]], dtype=np.float32)
    with pytest.raises(ValueError, match=r"y_proba .* row 0 sums to"):
        metric([1, 0], off32)


def test_rows_are_not_renormalized():
    # A row summing to 1 + 1e-10 is used as given, not divided by its sum.
    Q = np.array([[0.5, 0.5 + 1e-10]])
    expected = -math.log(0.5 + 1e-10)
    assert cross_entropy([1], Q, labels=[0, 1]) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_all_zero_sample_weight_is_rejected(metric, normalize):
    # skxent's own check: scikit-learn 1.6 lets all-zero weights through to a
    # weighted mean of 0 / 0 = NaN; newer releases refuse them.
    for y_true in (GOOD_Y, GOOD_P):
        with pytest.raises(ValueError, match="sample_weight sums to zero"):
            metric(y_true, GOOD_Q, sample_weight=[0.0, 0.0, 0.0], normalize=normalize)
    partly_zero = metric(GOOD_Y, GOOD_Q, sample_weight=[0.0, 1.0, 0.0])
    assert partly_zero == pytest.approx(metric(GOOD_Y[1:2], GOOD_Q[1:2], labels=[0, 1]))


def test_one_dimensional_soft_targets_are_refused_not_read_as_labels():
    # Binary soft targets given as 1-D floats, the mirror of the 1-D y_proba
    # that is accepted: read as labels they gave the hard-label value, 0.299.
    soft = np.array([0.05, 0.95, 0.95, 0.05])
    positive = np.array([0.2, 0.7, 0.9, 0.4])
    for metric in DIVERGENCES:
        with pytest.raises(ValueError, match=r"\(n_samples, 2\) probability rows"):
            metric(soft, positive)
        with (
            pytest.warns(sklearn.exceptions.DataConversionWarning),
            pytest.raises(ValueError, match="non-integral"),
        ):
            metric(soft[:, np.newaxis], positive)
    with pytest.raises(ValueError):
        log_loss(soft, positive)  # scikit-learn refuses them too

    # The rows the message asks for give the soft KL.
    rows = np.column_stack([1 - soft, soft])
    expected = special.rel_entr(rows, np.column_stack([1 - positive, positive]))
    assert kl_divergence(rows, positive) == pytest.approx(expected.sum(1).mean())
    assert kl_divergence(rows, positive) == pytest.approx(0.161, abs=5e-4)

    # Floats with integral values remain class labels.
    hard = [0.0, 1.0, 1.0, 0.0]
    assert_allclose(cross_entropy(hard, positive), log_loss(hard, positive))
    assert_allclose(kl_divergence(hard, positive), 0.299, atol=5e-4)


@pytest.mark.parametrize("read_only", [False, True])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("metric", [*DIVERGENCES, entropy], ids=lambda m: m.__name__)
def test_callers_arrays_are_never_modified(metric, dtype, read_only):
    rng = np.random.default_rng(10)
    y = random_labels(rng, 40, 2)
    positive = rng.uniform(size=40).astype(dtype)
    positive[:2] = [0.0, 1.0]  # values that clipping would change
    Q = random_proba(rng, 40, 2, dtype=dtype, alpha=0.2)
    Q[0] = [0.0, 1.0]
    P = random_proba(rng, 40, 2, dtype=dtype)
    P[0] = [1.0, 0.0]
    weights = rng.uniform(size=40).astype(dtype)
    arrays_in = [y, positive, Q, P, weights]
    originals = [array.copy() for array in arrays_in]
    for array in arrays_in:
        array.flags.writeable = not read_only  # read-only: a write would raise

    if metric is entropy:
        metric(P)
        metric(P[3])
    else:
        metric(y, positive, sample_weight=weights)
        metric(y, Q, sample_weight=weights, base=2)
        metric(P, Q, sample_weight=weights)
        metric(P, positive)

    for array, original in zip(arrays_in, originals, strict=True):
        assert array.dtype == original.dtype
        np.testing.assert_array_equal(array, original)


# --------------------------------------------------------------------------
# Scorers and model selection.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[::2], y[::2]  # half the rows keep the fits fast


def scaled_logistic_regression():
    return make_pipeline(StandardScaler(), LogisticRegression())


def label_smoothed(y, n_classes, rng):
    """Soft targets: one-hot rows mixed with random distributions."""
    noise = random_proba(rng, len(y), n_classes)
    return 0.7 * one_hot(y, n_classes) + 0.3 * noise


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_make_scorer_on_kl_divergence_works_as_is(problem, iris, breast_cancer):
    X, y = breast_cancer if problem == "binary" else iris
    model = scaled_logistic_regression().fit(X, y)
    scorer = make_scorer(
        kl_divergence, response_method="predict_proba", greater_is_better=False
    )
    proba = model.predict_proba(X)

    score = scorer(model, X, y)
    assert score < 0
    assert_allclose(score, -kl_divergence(y, proba), rtol=1e-12)
    assert_allclose(score, sklearn_get_scorer("neg_log_loss")(model, X, y), rtol=1e-12)

    # Soft targets: y is a probability matrix with one column per class.
    P = label_smoothed(y, proba.shape[1], np.random.default_rng(11))
    soft_score = scorer(model, X, P)
    assert_allclose(soft_score, -kl_divergence(P, proba), rtol=1e-10)
    assert_allclose(
        soft_score,
        -stats.entropy(P, np.clip(proba, 1e-300, 1), axis=1).mean(),
        rtol=1e-10,
    )


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_ready_made_scorers(problem, iris, breast_cancer):
    X, y = breast_cancer if problem == "binary" else iris
    model = scaled_logistic_regression().fit(X, y)
    proba = model.predict_proba(X)
    neg_log_loss = sklearn_get_scorer("neg_log_loss")(model, X, y)

    assert_allclose(neg_cross_entropy(model, X, y), neg_log_loss, rtol=1e-12)
    assert_allclose(neg_kl_divergence(model, X, y), neg_log_loss, rtol=1e-12)
    assert_allclose(neg_js_divergence(model, X, y), -js_divergence(y, proba))
    P = label_smoothed(y, proba.shape[1], np.random.default_rng(12))
    assert_allclose(
        neg_cross_entropy(model, X, P), -cross_entropy(P, proba), rtol=1e-10
    )
    assert_allclose(neg_js_divergence(model, X, P), -js_divergence(P, proba))
    assert neg_kl_divergence(model, X, P) > neg_cross_entropy(model, X, P)


def test_get_scorer_returns_fresh_copies_and_defers_to_sklearn(iris):
    X, y = iris
    model = scaled_logistic_regression().fit(X, y)
    for name, shared in [
        ("neg_cross_entropy", neg_cross_entropy),
        ("neg_kl_divergence", neg_kl_divergence),
        ("neg_js_divergence", neg_js_divergence),
    ]:
        scorer = get_scorer(name)
        assert scorer is not shared
        assert scorer is not get_scorer(name)
        assert scorer(model, X, y) == shared(model, X, y)

    assert get_scorer("accuracy")(model, X, y) == sklearn_get_scorer("accuracy")(
        model, X, y
    )
    assert get_scorer("accuracy")(model, X, y) == pytest.approx(model.score(X, y))
    assert get_scorer(neg_kl_divergence) is neg_kl_divergence
    with pytest.raises(ValueError, match="not a valid scoring value"):
        get_scorer("neg_kl_divergance")


def test_set_score_request_on_a_copy_leaves_the_shared_scorer_alone():
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = get_scorer("neg_cross_entropy").set_score_request(sample_weight=True)
        assert scorer.get_metadata_routing().score.requests["sample_weight"] is True
        for fresh in (neg_cross_entropy, get_scorer("neg_cross_entropy")):
            requests = fresh.get_metadata_routing().score.requests
            # scikit-learn 1.6 lists no entry for a metadata never requested.
            assert requests.get("sample_weight") is None


class KernelSmoothingClassifier(ClassifierMixin, BaseEstimator):
    """Test estimator for soft targets: predicts the Gaussian-kernel-weighted
    mean of the training target rows, a probability row for any target."""

    def __init__(self, bandwidth=1.0):
        self.bandwidth = bandwidth

    def fit(self, X, y):
        self.X_ = np.asarray(X, dtype=np.float64)
        self.targets_ = np.asarray(y, dtype=np.float64)
        self.classes_ = np.arange(self.targets_.shape[1])
        return self

    def predict_proba(self, X):
        sq_dist = ((np.asarray(X)[:, None, :] - self.X_[None]) ** 2).sum(axis=-1)
        sq_dist -= sq_dist.min(axis=1, keepdims=True)
        weights = np.exp(-sq_dist / self.bandwidth)
        weights /= weights.sum(axis=1, keepdims=True)
        return weights @ self.targets_

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cross_val_score_with_soft_targets(n_classes, iris):
    X, y = iris
    keep = y < n_classes
    X, y = X[keep], y[keep]
    P = label_smoothed(y, n_classes, np.random.default_rng(13))
    model = KernelSmoothingClassifier(bandwidth=2.0)
    cv = KFold(4, shuffle=True, random_state=0)

    scores = cross_val_score(model, X, P, cv=cv, scoring=neg_kl_divergence)
    expected = []
    for train, test in cv.split(X):
        proba = KernelSmoothingClassifier(bandwidth=2.0).fit(X[train], P[train])
        expected.append(-kl_divergence(P[test], proba.predict_proba(X[test])))
    assert_allclose(scores, expected, rtol=1e-10)
    assert np.all(scores < 0)

    results = cross_validate(
        model,
        X,
        P,
        cv=cv,
        scoring={"ce": neg_cross_entropy, "kl": neg_kl_divergence},
    )
    assert_allclose(results["test_kl"], expected, rtol=1e-10)
    assert np.all(results["test_ce"] < results["test_kl"])


def test_cross_val_score_and_cross_validate_match_neg_log_loss(breast_cancer):
    X, y = breast_cancer
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    reference = cross_val_score(
        scaled_logistic_regression(), X, y, cv=cv, scoring="neg_log_loss"
    )

    ours = cross_val_score(
        scaled_logistic_regression(), X, y, cv=cv, scoring=neg_cross_entropy
    )
    assert_allclose(ours, reference, rtol=1e-12)

    results = cross_validate(
        scaled_logistic_regression(),
        X,
        y,
        cv=cv,
        scoring={
            "ce": neg_cross_entropy,
            "kl": get_scorer("neg_kl_divergence"),
            "js": neg_js_divergence,
            "log_loss": "neg_log_loss",
            "accuracy": "accuracy",
        },
    )
    assert_allclose(results["test_ce"], reference, rtol=1e-12)
    assert_allclose(results["test_kl"], reference, rtol=1e-12)
    assert_allclose(results["test_log_loss"], reference, rtol=1e-12)
    assert np.all((results["test_js"] < 0) & (results["test_js"] > -math.log(2)))
    assert np.all(results["test_accuracy"] > 0.9)


def test_grid_search_with_several_scorers_and_refit(iris):
    X, y = iris
    search = GridSearchCV(
        scaled_logistic_regression(),
        {"logisticregression__C": [0.001, 0.1, 10.0]},
        scoring={
            "ce": neg_cross_entropy,
            "kl": neg_kl_divergence,
            "js": neg_js_divergence,
            "log_loss": "neg_log_loss",
        },
        refit="kl",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    results = search.cv_results_

    for name in ("ce", "kl"):
        assert_allclose(
            results[f"mean_test_{name}"], results["mean_test_log_loss"], rtol=1e-12
        )
    best = int(np.argmax(results["mean_test_log_loss"]))
    assert search.best_index_ == best
    assert search.best_score_ == results["mean_test_kl"][best]
    assert search.best_params_ == {"logisticregression__C": 10.0}
    proba = search.best_estimator_.predict_proba(X)
    assert_allclose(search.score(X, y), -kl_divergence(y, proba), rtol=1e-12)


@pytest.mark.parametrize("fit_weighted", [False, True])
def test_sample_weight_routed_to_the_scorer(fit_weighted, iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)  # lets lbfgs converge in a few steps
    weights = np.random.default_rng(14).uniform(0.1, 5.0, size=len(y))
    cv = StratifiedKFold(3, shuffle=True, random_state=1)

    with sklearn.config_context(enable_metadata_routing=True):
        model = LogisticRegression().set_fit_request(sample_weight=fit_weighted)
        scorers = {
            "ce": get_scorer("neg_cross_entropy").set_score_request(sample_weight=True),
            "kl": get_scorer("neg_kl_divergence").set_score_request(sample_weight=True),
            "log_loss": sklearn_get_scorer("neg_log_loss").set_score_request(
                sample_weight=True
            ),
        }
        weighted = cross_validate(
            model, X, y, cv=cv, scoring=scorers, params={"sample_weight": weights}
        )
        unweighted = cross_validate(
            model, X, y, cv=cv, scoring={"ce": get_scorer("neg_cross_entropy")}
        )

    expected = []
    for train, test in cv.split(X, y):
        fit_params = {"sample_weight": weights[train]} if fit_weighted else {}
        fitted = LogisticRegression().fit(X[train], y[train], **fit_params)
        proba = fitted.predict_proba(X[test])
        expected.append(-cross_entropy(y[test], proba, sample_weight=weights[test]))

    assert_allclose(weighted["test_ce"], expected, rtol=1e-12)
    assert_allclose(weighted["test_kl"], expected, rtol=1e-12)
    assert_allclose(weighted["test_log_loss"], expected, rtol=1e-12)
    if not fit_weighted:
        # Same models, different averaging: the weights must show.
        assert not np.allclose(weighted["test_ce"], unweighted["test_ce"], rtol=1e-6)


def test_js_divergence_with_subnormal_probabilities():
    # The mixture (p + q) / 2 underflows to 0 for a subnormal p and q = 0.
    tiny = np.nextafter(0.0, 1.0)
    p = np.array([[tiny, 1.0]])
    q = np.array([[0.0, 1.0]])
    assert js_divergence(p, q) == pytest.approx(0.0, abs=1e-300)
    assert js_divergence(q, p) == js_divergence(p, q)


# --------------------------------------------------------------------------
# Array-likes that convert to arrays but refuse NumPy's functions, as in
# scikit-learn's test_permutation_importance_array_function_not_called.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_metrics_take_array_likes_that_refuse_numpy_functions(metric):
    weights = [1.0, 2.0, 0.5]
    assert metric(
        _NotAnArray(GOOD_Y), _NotAnArray(GOOD_Q), sample_weight=_NotAnArray(weights)
    ) == metric(GOOD_Y, GOOD_Q, sample_weight=weights)
    assert metric(
        _NotAnArray(GOOD_Y[1:2]), _NotAnArray(GOOD_Q[1:2]), labels=_NotAnArray([0, 1])
    ) == metric(GOOD_Y[1:2], GOOD_Q[1:2], labels=[0, 1])
    assert metric(_NotAnArray(GOOD_Y), _NotAnArray(GOOD_Q[:, 1])) == (
        metric(GOOD_Y, GOOD_Q[:, 1])
    )
    assert metric(_NotAnArray(GOOD_P), _NotAnArray(GOOD_Q)) == metric(GOOD_P, GOOD_Q)


def test_entropy_takes_array_likes_that_refuse_numpy_functions():
    assert_allclose(entropy(_NotAnArray(GOOD_P)), entropy(GOOD_P), rtol=0)
    assert entropy(_NotAnArray(GOOD_P[0])) == entropy(GOOD_P[0])


@pytest.mark.parametrize("scoring", [None, "neg_kl_divergence"])
def test_softmax_score_and_permutation_importance_with_such_array_likes(scoring, iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    model = SoftmaxClassifier().fit(X, y)
    assert model.score(_NotAnArray(X), _NotAnArray(y)) == model.score(X, y)
    P = model.predict_proba(X)
    assert model.score(_NotAnArray(X), _NotAnArray(P)) == model.score(X, P)

    scorer = None if scoring is None else get_scorer(scoring)
    importances = [
        permutation_importance(
            model, X_, y_, scoring=scorer, n_repeats=2, random_state=0
        ).importances
        for X_, y_ in [(_NotAnArray(X), _NotAnArray(y)), (X, y)]
    ]
    assert_allclose(importances[0], importances[1], rtol=1e-12)
    assert np.all(importances[1].mean(axis=1) > 0)  # every feature matters


# --------------------------------------------------------------------------
# Per-sample values.
# --------------------------------------------------------------------------

PER_SAMPLE = {
    cross_entropy: cross_entropy_per_sample,
    kl_divergence: kl_divergence_per_sample,
    js_divergence: js_divergence_per_sample,
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_per_sample_values_match_scipy_row_by_row(dtype):
    rng = np.random.default_rng(30)
    P = random_proba(rng, 80, 4, dtype=dtype, alpha=0.5)
    Q = random_proba(rng, 80, 4, dtype=dtype, alpha=0.5)
    P[0] = [0.0, 1.0, 0.0, 0.0]
    P64, Q64 = P.astype(np.float64), Q.astype(np.float64)

    ce = cross_entropy_per_sample(P, Q)
    kl = kl_divergence_per_sample(P, Q)
    js = js_divergence_per_sample(P, Q)
    for values in (ce, kl, js):
        assert values.shape == (80,)
        assert values.dtype == np.float64
    assert_allclose(ce, -special.xlogy(P64, Q64).sum(axis=1), rtol=1e-12)
    assert_allclose(kl, special.rel_entr(P64, Q64).sum(axis=1), rtol=1e-12, atol=1e-15)
    # jensenshannon renormalizes rows: equal to the float32 row-sum rounding.
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    js_scipy = jensenshannon(P64, Q64, axis=1) ** 2
    assert_allclose(js, js_scipy, rtol=rtol, atol=1e-15)
    assert_allclose(
        js_divergence_per_sample(P, Q, base=2),
        jensenshannon(P64, Q64, axis=1, base=2) ** 2,
        rtol=rtol,
        atol=1e-15,
    )

    y = random_labels(rng, 80, 4)
    expected = clipped_cross_entropy_rows(one_hot(y, 4), Q)
    assert_allclose(cross_entropy_per_sample(y, Q), expected, rtol=1e-12)
    assert_allclose(kl_divergence_per_sample(y, Q), expected, rtol=1e-12)


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_weighted_mean_of_per_sample_values_is_the_metric(metric):
    rng = np.random.default_rng(31)
    P = random_proba(rng, 60, 3)
    Q = random_proba(rng, 60, 3)
    y = random_labels(rng, 60, 3)
    weights = rng.uniform(0, 2, size=60)
    per_sample = PER_SAMPLE[metric]
    for y_true in (P, y):
        values = per_sample(y_true, Q)
        assert_allclose(
            np.average(values, weights=weights),
            metric(y_true, Q, sample_weight=weights),
            rtol=1e-12,
        )
        assert_allclose(values.mean(), metric(y_true, Q), rtol=1e-12)
        assert_allclose(values.sum(), metric(y_true, Q, normalize=False), rtol=1e-12)
        assert_allclose(per_sample(y_true, Q, base=2), values / math.log(2))
    # 1-D positive-class probabilities, and labels naming the columns.
    binary = random_proba(rng, 60, 2)
    labels = np.array(["no", "yes"])[random_labels(rng, 60, 2)]
    assert_allclose(
        per_sample(labels, binary[:, 1]), per_sample(labels, binary), rtol=1e-12
    )
    assert_allclose(
        per_sample(labels, binary[:, ::-1], labels=["yes", "no"]),
        per_sample(labels, binary),
        rtol=1e-15,
    )


PER_SAMPLE_BAD_INPUTS = {
    name: case
    for name, case in BAD_INPUTS.items()
    if "sample_weight" not in case[2] and "normalize" not in case[2]
}


@pytest.mark.parametrize("per_sample", PER_SAMPLE.values(), ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    ("y_true", "y_proba", "kwargs", "message"),
    list(PER_SAMPLE_BAD_INPUTS.values()),
    ids=list(PER_SAMPLE_BAD_INPUTS),
)
def test_per_sample_bad_input(per_sample, y_true, y_proba, kwargs, message):
    with pytest.raises(ValueError, match=message):
        per_sample(y_true, y_proba, **kwargs)


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_a_single_number_is_the_weight_of_every_sample(metric):
    # check_sample_weight documents it; the length check used to refuse it.
    assert metric(GOOD_Y, GOOD_Q, sample_weight=2.5) == pytest.approx(
        metric(GOOD_Y, GOOD_Q), rel=1e-15
    )
    assert metric(GOOD_P, GOOD_Q, sample_weight=2.0, normalize=False) == (
        pytest.approx(2 * metric(GOOD_P, GOOD_Q, normalize=False), rel=1e-15)
    )


# --------------------------------------------------------------------------
# Log-probability and logit inputs.
# --------------------------------------------------------------------------

INPUTS = ["log_proba", "logits"]


def log_reference_rows(P, log_q, metric):
    """Float64 NumPy reference of each divergence from ``log q``."""
    P = P.astype(np.float64)
    log_q = log_q.astype(np.float64)
    q = np.exp(log_q)
    if metric is cross_entropy:
        return -(P * log_q).sum(axis=1)
    if metric is kl_divergence:
        with np.errstate(divide="ignore"):
            log_p = np.where(P > 0, np.log(P), 0.0)
        return (P * (log_p - log_q)).sum(axis=1)
    M = (P + q) / 2
    return (special.rel_entr(P, M) + special.rel_entr(q, M)).sum(axis=1) / 2


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_log_inputs_match_numpy_and_the_probability_path(metric, dtype):
    rng = np.random.default_rng(32)
    logits = (3 * rng.standard_normal((120, 5))).astype(dtype)
    log_q = special.log_softmax(logits.astype(np.float64), axis=1)
    Q = np.exp(log_q)
    P = random_proba(rng, 120, 5, alpha=0.5)
    y = random_labels(rng, 120, 5)
    weights = rng.uniform(0, 2, size=120)
    per_sample = PER_SAMPLE[metric]

    for y_true, targets in ((P, P), (y, one_hot(y, 5))):
        # The log-softmax of the caller's logits, computed in float64.
        from_logits = per_sample(y_true, logits, input="logits")
        assert_allclose(
            from_logits,
            log_reference_rows(targets, log_q, metric),
            rtol=1e-12,
            atol=1e-15,
        )
        # Log-probabilities in the caller's dtype are used as they are.
        stored = log_q.astype(dtype)
        from_log_proba = per_sample(y_true, stored, input="log_proba")
        assert_allclose(
            from_log_proba,
            log_reference_rows(targets, stored, metric),
            rtol=1e-12,
            atol=1e-15,
        )
        # No value here is clipped: all three paths agree in float64.
        assert_allclose(from_logits, per_sample(y_true, Q), rtol=1e-10, atol=1e-15)
        assert_allclose(
            metric(y_true, logits, input="logits", sample_weight=weights),
            metric(y_true, Q, sample_weight=weights),
            rtol=1e-10,
        )


def exact_log_softmax(row):
    """The log-softmax of a row of floats to 50 digits, with ``decimal``."""
    with decimal.localcontext() as context:
        context.prec = 50
        values = [decimal.Decimal(float(value)) for value in row]
        high = max(values)
        log_total = sum((value - high).exp() for value in values).ln()
        return [(value - high) - log_total for value in values]


def exact_divergence(p_row, log_q_row, metric):
    """Cross-entropy, KL or Jensen-Shannon to 50 digits, from exact ``log q``."""
    with decimal.localcontext() as context:
        context.prec = 50
        total = decimal.Decimal(0)
        for p, log_q in zip(p_row, log_q_row, strict=True):
            p = decimal.Decimal(float(p))
            if metric is cross_entropy:
                total -= p * log_q
            elif metric is kl_divergence:
                total += p * (p.ln() - log_q) if p > 0 else 0
            else:
                q = log_q.exp()
                log_m = ((p + q) / 2).ln()
                if p > 0:
                    total += p * (p.ln() - log_m) / 2
                total += q * (log_q - log_m) / 2
        return float(total)


# Rows where exp underflows (-1000, -800), where the top class is near 1
# (1 - q_top of 1e-13 and 4e-18, below the rounding of q), and large logits.
EXTREME_LOGITS = np.array(
    [
        [0.0, -1000.0, 5.0],
        [-1000.0, 0.0, 0.0],
        [800.0, -800.0, 0.0],
        [30.0, 0.0, 0.0],
        [1e6, 1e6 - 40, 1e6 - 45],
        [-745.0, -700.0, -1e4],
    ]
)


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_extreme_logits_against_fifty_digit_references(metric):
    y = np.array([1, 0, 1, 0, 0, 2])
    P = np.array(
        [
            [0.2, 0.8, 0.0],
            [0.5, 0.25, 0.25],
            [0.0, 0.5, 0.5],
            [1.0, 0.0, 0.0],
            [0.999, 0.001, 0.0],
            [0.1, 0.2, 0.7],
        ]
    )
    exact = [exact_log_softmax(row) for row in EXTREME_LOGITS]
    per_sample = PER_SAMPLE[metric]
    # Jensen-Shannon of a one-hot target and q_top = 1 - d: the two terms of
    # the top class, each about d / 2, cancel to O(d^2), so its value is
    # exact to the rounding of those terms (as with probability input), not
    # to relative precision.
    atol = 2e-16 if metric is js_divergence else 1e-300
    for y_true, targets in ((y, np.eye(3)[y]), (P, P)):
        expected = [
            exact_divergence(p, log_q, metric)
            for p, log_q in zip(targets, exact, strict=True)
        ]
        from_logits = per_sample(y_true, EXTREME_LOGITS, input="logits")
        assert_allclose(from_logits, expected, rtol=1e-14, atol=atol)
        log_q = np.array([[float(v) for v in row] for row in exact])
        from_log_proba = per_sample(y_true, log_q, input="log_proba")
        assert_allclose(from_log_proba, expected, rtol=1e-13, atol=atol)


def test_log_inputs_are_not_clipped_where_probabilities_are():
    # The probability of class 1 is exp(-1000), 0 in float64: as a
    # probability it is clipped to eps and costs -log(eps) = 36.04 nats.
    logits = np.array([[0.0, -1000.0]])
    eps = np.finfo(np.float64).eps
    for metric in (cross_entropy, kl_divergence):
        assert metric([1], logits, labels=[0, 1], input="logits") == 1000.0
        assert metric([1], [[0.0, -1000.0]], labels=[0, 1], input="log_proba") == 1000.0
        clipped = metric([1], special.softmax(logits, axis=1), labels=[0, 1])
        assert clipped == pytest.approx(-math.log(eps), rel=1e-12)
    # -800 lies below the smallest subnormal, exp(-745): exp then log gives
    # -inf, the log input keeps every digit.
    log_q = np.array([[-math.exp(-800.0), -800.0]])  # log1p(-exp(-800)), -800
    assert np.exp(log_q[0, 1]) == 0.0
    assert cross_entropy([1], log_q, labels=[0, 1], input="log_proba") == 800.0
    assert cross_entropy([0], log_q, labels=[0, 1], input="log_proba") == math.exp(
        -800.0
    )


def test_minus_infinity_is_a_probability_of_zero():
    log_q = np.array([[0.0, -np.inf], [-np.inf, 0.0]])
    P = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert_allclose(cross_entropy_per_sample(P, log_q, input="log_proba"), [0, np.inf])
    assert_allclose(kl_divergence_per_sample(P, log_q, input="log_proba"), [0, np.inf])
    assert_allclose(
        js_divergence_per_sample(P, log_q, input="log_proba"),
        js_divergence_per_sample(P, np.exp(log_q)),
        rtol=1e-15,
    )
    assert cross_entropy_per_sample([0, 1], log_q, input="logits").tolist() == [0, 0]
    # A sample of weight 0 is absent, even with an infinite divergence.
    assert kl_divergence(P, log_q, input="log_proba", sample_weight=[1, 0]) == 0.0
    assert kl_divergence(P, log_q, input="log_proba") == np.inf


@pytest.mark.parametrize("metric", DIVERGENCES, ids=lambda m: m.__name__)
def test_binary_one_dimensional_log_inputs(metric):
    rng = np.random.default_rng(33)
    z = 4 * rng.standard_normal(100)
    z[:2] = [-1000.0, 40.0]
    y = random_labels(rng, 100, 2)
    P = random_proba(rng, 100, 2)
    columns = np.column_stack([np.zeros(100), z])
    # log_expit keeps log q_1 = -4.2e-18 at z = 40, which log_softmax rounds
    # to 0 (and log(1 - exp(0)) is -inf).
    log_q = np.column_stack([special.log_expit(-z), special.log_expit(z)])
    for y_true in (y, P):
        assert_allclose(
            metric(y_true, z, input="logits"),
            metric(y_true, columns, input="logits"),
            rtol=1e-15,
        )
        # log(1 - exp(l)) is rebuilt to full precision from l alone.
        assert_allclose(
            metric(y_true, log_q[:, 1], input="log_proba"),
            metric(y_true, log_q, input="log_proba"),
            rtol=1e-13,
        )
    assert metric([1, 0], [0.0, -np.inf], input="log_proba") == pytest.approx(
        metric([1, 0], [1.0, 0.0]), abs=1e-15
    )


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_scorer_from_decision_function_and_predict_log_proba(
    problem, iris, breast_cancer
):
    # The softmax of LogisticRegression's decision_function (binary: the
    # sigmoid of its 1-D values) is its predict_proba.
    X, y = breast_cancer if problem == "binary" else iris
    model = scaled_logistic_regression().fit(X, y)
    reference = sklearn_get_scorer("neg_log_loss")(model, X, y)
    scorer = make_scorer(
        kl_divergence,
        response_method="decision_function",
        greater_is_better=False,
        input="logits",
    )
    assert_allclose(scorer(model, X, y), reference, rtol=1e-9)
    log_proba = model.predict_log_proba(X)
    assert_allclose(
        -cross_entropy(y, log_proba, input="log_proba"), reference, rtol=1e-9
    )


@pytest.mark.parametrize("input", INPUTS)
def test_probabilities_passed_as_log_probabilities_or_logits_are_refused(input):
    # The trap behind pytorch#5282: KLDivLoss takes log-probabilities, and
    # probabilities passed instead give a wrong, even negative, number.
    message = rf"y_proba holds probabilities .* input='{input}' .* pass input='proba'"
    for metric in [*DIVERGENCES, *PER_SAMPLE.values(), calibration_error]:
        with pytest.raises(ValueError, match=message):
            metric(GOOD_Y, GOOD_Q, input=input)
        with pytest.raises(ValueError, match=message):
            metric(GOOD_P, GOOD_Q.astype(np.float32), input=input)
    # 1-D positive-class probabilities are refused as log-probabilities;
    # as logits any real number is one.
    with pytest.raises(ValueError, match=r"lie in \[0, 1\], as probabilities do"):
        cross_entropy(GOOD_Y, GOOD_Q[:, 1], input="log_proba")
    assert np.isfinite(cross_entropy(GOOD_Y, GOOD_Q[:, 1], input="logits"))


def test_log_probabilities_and_logits_passed_as_probabilities_get_a_hint():
    log_q = np.log(GOOD_Q)
    for metric in [*DIVERGENCES, *PER_SAMPLE.values(), calibration_error]:
        with pytest.raises(
            ValueError,
            match=r"negative probability .* logsumexp 0, .* pass input='log_proba'",
        ):
            metric(GOOD_Y, log_q)
        with pytest.raises(ValueError, match="logits or decision_function values"):
            metric(GOOD_Y, log_q + 1)
        with pytest.raises(ValueError, match=r"input='log_proba' .*input='logits'"):
            metric(GOOD_Y, log_q[:, 1])
    # Rows of counts get the advice they had, without a hint.
    with pytest.raises(ValueError, match="divide each row by its sum") as error:
        cross_entropy(GOOD_Y, [[2.0, 8.0], [6.0, 4.0], [5.0, 5.0]])
    assert "input=" not in str(error.value)


LOG_BAD_INPUTS = {
    "unnormalized log-probabilities": (
        np.log(GOOD_Q) + np.array([[0.0], [1e-6], [0.0]]),
        "log_proba",
        r"log-probabilities .* row 1 has logsumexp 1.0\d*e-06, not 0 .*"
        r"pass input='logits' \(1 invalid",
    ),
    "nan log-probability": (
        with_value(np.log(GOOD_Q), (2, 0), np.nan),
        "log_proba",
        "row 2 contains NaN or",
    ),
    "+inf logit": (with_value(GOOD_Q, (0, 1), np.inf), "logits", r"row 0 .* \+inf"),
    "all -inf logits": (
        with_value(GOOD_Q, (1, slice(None)), -np.inf),
        "logits",
        "row 1 is -inf everywhere",
    ),
    "all -inf log-probabilities": (
        with_value(np.log(GOOD_Q), (1, slice(None)), -np.inf),
        "log_proba",
        "row 1 is -inf everywhere",
    ),
    "positive 1-D log-probability": (
        [-0.1, 2.0, -0.5],
        "log_proba",
        "<= 0, but some are above 0",
    ),
    "nan 1-D log-probability": ([-0.1, np.nan, -0.5], "log_proba", "above 0 .or NaN"),
    "nan 1-D logit": ([0.1, np.nan, -0.5], "logits", "row 1 contains NaN"),
    "unknown input": (GOOD_Q, "probability", "input must be one of 'proba', "),
    "input None": (GOOD_Q, None, "input must be one of"),
}


@pytest.mark.parametrize("metric", [*DIVERGENCES, *PER_SAMPLE.values()])
@pytest.mark.parametrize(
    ("y_proba", "input", "message"),
    list(LOG_BAD_INPUTS.values()),
    ids=list(LOG_BAD_INPUTS),
)
def test_bad_log_inputs_raise_a_value_error(metric, y_proba, input, message):
    with pytest.raises(ValueError, match=message):
        metric(GOOD_Y, y_proba, input=input)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, ">f8"])
def test_log_probability_rows_are_judged_by_the_tolerance_of_their_dtype(dtype):
    native = np.dtype(dtype).newbyteorder("=")
    tolerance = math.sqrt(np.finfo(native).eps)
    base = np.log(np.array([[0.3, 0.7], [0.5, 0.5]]))
    near = (base + np.array([[tolerance / 4], [0.0]])).astype(dtype)
    off = (base + np.array([[2 * tolerance], [0.0]])).astype(dtype)
    value = cross_entropy([1, 0], near, input="log_proba")
    expected = -(float(near[0, 1]) + float(near[1, 0])) / 2
    assert value == pytest.approx(expected, rel=1e-12)  # used as given
    with pytest.raises(ValueError, match=rf"row 0 has logsumexp .*{tolerance:.1e}"):
        cross_entropy([1, 0], off, input="log_proba")
    # Logits need no normalization at any precision.
    assert np.isfinite(cross_entropy([1, 0], off, input="logits"))


@pytest.mark.parametrize("input", INPUTS)
def test_log_inputs_leave_callers_arrays_alone(input):
    rng = np.random.default_rng(34)
    for dtype in FLOAT_DTYPES:
        scores = rng.standard_normal((30, 3))
        scores[0, 0] = -np.inf  # a probability of 0
        log_q = special.log_softmax(scores, axis=1).astype(dtype)
        binary = np.log(rng.uniform(size=30)).astype(dtype)
        arrays = [log_q, binary]
        originals = [array.copy() for array in arrays]
        for array in arrays:
            array.flags.writeable = False
        for metric in [*DIVERGENCES, calibration_error]:
            metric(random_labels(rng, 30, 3), log_q, input=input)
            metric(random_labels(rng, 30, 2), binary, input=input)
        for array, original in zip(arrays, originals, strict=True):
            assert array.dtype == original.dtype
            np.testing.assert_array_equal(array, original)


def test_log_inputs_take_pandas_and_array_likes():
    log_q = np.log(GOOD_Q)
    expected = kl_divergence(GOOD_Y, GOOD_Q)
    assert kl_divergence(
        GOOD_Y, pd.DataFrame(log_q), input="log_proba"
    ) == pytest.approx(expected, rel=1e-14)
    assert kl_divergence(
        _NotAnArray(GOOD_Y), _NotAnArray(log_q), input="logits"
    ) == pytest.approx(expected, rel=1e-14)
