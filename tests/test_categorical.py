"""Tests for skxent.CategoricalMLE and its counting and softmax kernels."""

import decimal
import warnings
from collections import Counter
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from packaging.version import Version
from scipy import stats
from scipy.optimize import check_grad
from scipy.special import softmax
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.naive_bayes import CategoricalNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxent import CategoricalMLE
from skxent._kernels import counting as kernels
from skxent.metrics import cross_entropy, kl_divergence


def zipf_data(n_samples, n_categories, n_features=1, seed=0):
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_categories + 1) ** 1.1
    return rng.choice(n_categories, size=(n_samples, n_features), p=p / p.sum())


def weighted_frequencies(column, weights, categories):
    totals = Counter()
    for value, weight in zip(column, weights, strict=True):
        totals[value] += weight
    counts = np.array([totals[c] for c in categories], dtype=float)
    return counts, counts.sum()


# --- closed form ------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    data=hnp.arrays(np.int64, (30, 3), elements=st.integers(-3, 4)),
    weights=hnp.arrays(np.float64, 30, elements=st.floats(0.5, 3.0)),
    alpha=st.floats(0.0, 5.0),
)
def test_closed_form_is_normalized_weighted_counts(data, weights, alpha):
    model = CategoricalMLE(alpha=alpha).fit(data, sample_weight=weights)
    for j in range(data.shape[1]):
        assert_array_equal(model.categories_[j], np.unique(data[:, j]))
        counts, total = weighted_frequencies(data[:, j], weights, model.categories_[j])
        K = counts.size
        assert_allclose(model.counts_[j], counts, rtol=1e-12)
        assert_allclose(
            model.probabilities_[j], (counts + alpha) / (total + K * alpha), rtol=1e-12
        )
        assert_allclose(model.log_probabilities_[j], np.log(model.probabilities_[j]))
    assert_allclose(model.entropy_, [stats.entropy(q) for q in model.probabilities_])
    assert model.n_iter_ == 0


def test_strings_and_objects_count_like_integers():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 5, size=(200, 2))
    names = np.array(["ant", "bee", "cat", "dog", "eel"])
    by_code = CategoricalMLE(alpha=0.5).fit(codes)
    for X in (names[codes], names[codes].astype(object), names[codes].tolist()):
        by_name = CategoricalMLE(alpha=0.5).fit(X)
        for j in range(2):
            assert_array_equal(by_name.categories_[j], names[by_code.categories_[j]])
            assert_allclose(by_name.probabilities_[j], by_code.probabilities_[j])
        assert_allclose(by_name.score_samples(X), by_code.score_samples(codes))


@pytest.mark.parametrize("alpha", [0.25, 1.0, 3.5])
def test_single_feature_matches_categorical_nb(alpha):
    X = zipf_data(500, 12, seed=2)
    weights = np.random.default_rng(3).uniform(0.1, 2.0, size=500)
    n_categories = X.max() + 1
    nb = CategoricalNB(alpha=alpha, min_categories=n_categories)
    nb.fit(X, np.zeros(500, dtype=int), sample_weight=weights)
    model = CategoricalMLE(alpha=alpha, categories=[np.arange(n_categories)])
    model.fit(X, sample_weight=weights)
    assert_allclose(model.log_probabilities_[0], nb.feature_log_prob_[0][0])


def test_score_samples_is_multinomial_log_pmf():
    X = zipf_data(300, 6, n_features=2, seed=4)
    model = CategoricalMLE(alpha="jeffreys").fit(X)
    expected = np.zeros(len(X))
    for j in range(2):
        one_hot = (X[:, [j]] == model.categories_[j]).astype(int)
        expected += stats.multinomial.logpmf(one_hot, n=1, p=model.probabilities_[j])
    assert_allclose(model.score_samples(X), expected)
    assert model.score(X) == pytest.approx(expected.mean())


def test_score_is_minus_cross_entropy_from_sample_to_model():
    X = zipf_data(400, 8, seed=5)
    model = CategoricalMLE(alpha=1.0, categories=[np.arange(8)]).fit(X[:200])
    held_out = X[200:]
    empirical = np.bincount(held_out[:, 0], minlength=8) / len(held_out)
    expected = -cross_entropy([empirical], [model.probabilities_[0]])
    assert model.score(held_out) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("laplace", lambda K, N: 1.0),
        ("jeffreys", lambda K, N: 0.5),
        ("perks", lambda K, N: 1.0 / K),
        ("minimax", lambda K, N: np.sqrt(N) / K),
    ],
)
def test_alpha_presets(preset, expected):
    X = np.array([[0, "a"], [1, "b"], [1, "c"], [2, "a"], [3, "a"]], dtype=object)
    weights = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    model = CategoricalMLE(alpha=preset).fit(X, sample_weight=weights)
    assert_allclose(model.alpha_, [expected(4, 7.5), expected(3, 7.5)])
    counts = np.array([1.0, 2.5, 1.0, 3.0])
    assert_allclose(
        model.probabilities_[0],
        (counts + model.alpha_[0]) / (7.5 + 4 * model.alpha_[0]),
    )


def test_integer_weights_are_repeated_rows_and_zero_weight_is_absence():
    X = zipf_data(60, 7, n_features=2, seed=6)
    weights = np.random.default_rng(7).integers(0, 4, size=60)
    weighted = CategoricalMLE(alpha=0.3).fit(X, sample_weight=weights)
    repeated = CategoricalMLE(alpha=0.3).fit(np.repeat(X, weights, axis=0))
    for j in range(2):
        assert_array_equal(weighted.categories_[j], repeated.categories_[j])
        assert_allclose(weighted.probabilities_[j], repeated.probabilities_[j])

    only_in_zero_weight_row = CategoricalMLE().fit(
        [[1], [2], [9]], sample_weight=[1.0, 1.0, 0.0]
    )
    assert_array_equal(only_in_zero_weight_row.categories_[0], [1, 2])


def test_values_of_zero_weight_need_not_be_declared():
    model = CategoricalMLE(categories=[[1, 2]])
    model.fit([[1], [2], [9]], sample_weight=[1.0, 3.0, 0.0])
    assert_allclose(model.probabilities_[0], [0.25, 0.75])
    with pytest.raises(ValueError, match=r"values \[9\] that are not among"):
        model.fit([[1], [2], [9]], sample_weight=[1.0, 3.0, 1e-300])


def test_declared_categories_keep_their_order_and_get_alpha_mass():
    X = [["b"], ["b"], ["a"]]
    model = CategoricalMLE(alpha=0.5, categories=[["c", "b", "a"]]).fit(X)
    assert_array_equal(model.categories_[0], ["c", "b", "a"])
    assert_allclose(model.probabilities_[0], np.array([0.5, 2.5, 1.5]) / 4.5)
    assert_allclose(
        model.score_samples([["c"], ["a"]]), np.log([0.5, 1.5]) - np.log(4.5)
    )


@pytest.mark.parametrize(
    "column",
    [
        np.arange(-5, 20) % 7,  # small integer range: counted as a histogram
        (np.arange(-5, 20) % 7) * 10**15,  # wide range: sorted and coded
        np.arange(25, dtype=np.uint64) % 3 + np.uint64(2**63),  # beyond int64
        np.arange(25) % 2 == 0,
        np.arange(25, dtype=np.int8) % 5,
    ],
    ids=["narrow", "wide", "uint64", "bool", "int8"],
)
def test_integer_columns_of_any_range_and_dtype(column):
    weights = np.linspace(0.5, 2.0, column.size)
    model = CategoricalMLE().fit(column[:, None], sample_weight=weights)
    categories = np.unique(column)
    assert_array_equal(model.categories_[0], categories)
    assert model.categories_[0].dtype == column.dtype
    counts, total = weighted_frequencies(column.tolist(), weights, categories.tolist())
    assert_allclose(model.probabilities_[0], counts / total)
    assert_allclose(
        model.score_samples(column[:, None]),
        np.log(counts / total)[np.searchsorted(categories, column)],
    )


def test_fit_does_not_modify_inputs():
    X = zipf_data(50, 4, n_features=2, seed=8).astype(float)
    weights = np.linspace(0.0, 1.0, 50)
    categories = [np.arange(5.0), np.arange(6.0)]
    copies = X.copy(), weights.copy(), [c.copy() for c in categories]
    model = CategoricalMLE(alpha=1.0, categories=categories, solver="lbfgs")
    model.fit(X, sample_weight=weights).score_samples(X)
    assert_array_equal(X, copies[0])
    assert_array_equal(weights, copies[1])
    for declared, copy in zip(categories, copies[2], strict=True):
        assert_array_equal(declared, copy)


def test_categories_are_copies_of_the_declared_arrays():
    X = np.array([[0, 10], [1, 10], [1, 20]])
    declared = [np.array([0, 1, 2]), np.array([10, 20])]
    model = CategoricalMLE(alpha=1.0, categories=declared).fit(X)
    scores, draws = model.score_samples(X), model.sample(30, random_state=0)
    for caller, fitted in zip(declared, model.categories_, strict=True):
        assert not np.shares_memory(caller, fitted)
        caller[:] = caller[::-1]  # the caller reuses its arrays after fit
    assert_array_equal(model.categories_[0], [0, 1, 2])
    assert_array_equal(model.score_samples(X), scores)
    assert_array_equal(model.sample(30, random_state=0), draws)


@pytest.mark.parametrize(
    "column",
    [
        np.array([3, 1, 3, 7, 3], dtype=">i8"),
        np.array([3, 1, 3, 7, 3], dtype=">i4"),
        np.array([3, 1, 3, 7, 3], dtype=">u2"),
        # Wide range: sorted and coded rather than counted in a histogram.
        (np.array([3, 1, 3, 7, 3]) * 10**15).astype(">i8"),
        np.array([0.5, 0.25, 0.5, 2.0, 0.5], dtype=">f8"),
        np.array([0.5, 0.25, 0.5, 2.0, 0.5], dtype=">f4"),
    ],
    ids=["i8", "i4", "u2", "i8-wide", "f8", "f4"],
)
def test_big_endian_columns_count_like_native_ones(column):
    # Numba kernels type only native-endian arrays; the dtype's kind and size
    # are kept (float32 stays float32).
    native = column.astype(column.dtype.newbyteorder("="))
    weights = np.array([1.0, 2.0, 0.5, 1.0, 1.5], dtype=">f8")
    declared = [np.unique(column).astype(column.dtype)]  # big-endian as well
    for categories in ("auto", declared):
        model = CategoricalMLE(alpha=0.5, categories=categories)
        model.fit(column[:, None], sample_weight=weights)
        reference = CategoricalMLE(alpha=0.5).fit(
            native[:, None], sample_weight=weights.astype(float)
        )
        assert model.categories_[0].dtype == native.dtype
        assert_array_equal(model.categories_[0], reference.categories_[0])
        assert_array_equal(model.probabilities_[0], reference.probabilities_[0])
        assert_array_equal(
            model.score_samples(column[:, None]),
            reference.score_samples(native[:, None]),
        )


def exact_fit(column, weights, categories, alpha):
    """Pseudo-count, category totals, smoothed frequencies, their logarithms
    and entropy, in 50-digit decimal arithmetic (whose exponent range has no
    overflow or underflow), rounded to float64 at the end."""
    with decimal.localcontext(prec=50):
        totals = [
            sum(
                (Decimal(w) for x, w in zip(column, weights, strict=True) if x == c),
                Decimal(0),
            )
            for c in categories
        ]
        total, K = sum(totals), len(categories)
        presets = {
            "laplace": Decimal(1),
            "jeffreys": Decimal("0.5"),
            "perks": Decimal(1) / K,
            "minimax": total.sqrt() / K,
        }
        pseudo_count = presets[alpha] if alpha in presets else Decimal(alpha)
        q = [(n + pseudo_count) / (total + K * pseudo_count) for n in totals]
        log_q = [x.ln() for x in q]  # -Infinity for q = 0
        entropy = -sum(x * y for x, y in zip(q, log_q, strict=True) if x > 0)
    return (
        float(pseudo_count),
        np.array(totals, dtype=float),
        np.array(q, dtype=float),
        np.array(log_q, dtype=float),
        float(entropy),
    )


@pytest.mark.parametrize(
    "alpha", [0.0, 0.5, 3.0, "laplace", "jeffreys", "perks", "minimax"]
)
@pytest.mark.parametrize(
    "exponent",
    [-1070, -1040, -1000, 0, 1000, 1021],
    ids=["subnormal", "subnormal-wide", "tiny", "unit", "huge", "overflowing-sums"],
)
def test_weights_of_any_magnitude_give_exact_probabilities(exponent, alpha):
    # Weights 2**exponent * [0.5, 2): the largest near 1.8e308 (whose sums
    # overflow) down to subnormal (few significant bits, rounded once here).
    rng = np.random.default_rng(15)
    column = rng.integers(0, 3, size=60)
    weights = np.ldexp(rng.uniform(0.5, 2.0, size=60), exponent)
    categories = [0, 1, 2, 3]  # 3 is never seen: its mass is alpha's alone
    model = CategoricalMLE(alpha=alpha, categories=[categories])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(column[:, None], sample_weight=weights)
        scores = model.score_samples(np.array(categories)[:, None])
    pseudo_count, totals, q, log_q, entropy = exact_fit(
        column, weights, categories, alpha
    )
    assert model.alpha_[0] == pytest.approx(pseudo_count, rel=1e-15, abs=0)
    assert_allclose(model.counts_[0], totals, rtol=1e-14)
    assert_allclose(model.probabilities_[0], q, rtol=1e-14)
    assert_allclose(model.log_probabilities_[0], log_q, rtol=1e-14)
    assert_allclose(scores, log_q, rtol=1e-14)
    assert model.entropy_[0] == pytest.approx(entropy, rel=1e-14)
    assert np.all(np.isfinite(model.loss_))
    if alpha == 0.0:
        # Only ratios matter: the same weights scaled (exactly) to about 1
        # give bit for bit the same fit.
        unit = CategoricalMLE(categories=[categories])
        unit.fit(column[:, None], sample_weight=np.ldexp(weights, -exponent))
        assert_array_equal(model.probabilities_[0], unit.probabilities_[0])
        assert_array_equal(scores, unit.score_samples(np.array(categories)[:, None]))
        assert model.score(column[:, None]) == unit.score(column[:, None])


def test_weights_beyond_float64_ratio_are_an_error():
    # 1e-20 / 1e308 has no float64: the row would silently count as absent.
    with pytest.raises(ValueError, match=r"sample_weight\[1\] = 1e-20 is positive"):
        CategoricalMLE().fit([[0], [1]], sample_weight=[1e308, 1e-20])


def test_scalar_sample_weight_weighs_every_row_alike():
    X = [[0], [1], [1]]
    model = CategoricalMLE(alpha="minimax").fit(X, sample_weight=4.0)
    assert_allclose(model.counts_[0], [4.0, 8.0])
    assert_allclose(model.alpha_, [np.sqrt(12.0) / 2])
    repeated = CategoricalMLE(alpha="minimax").fit(np.repeat(X, 4, axis=0))
    assert_allclose(model.probabilities_[0], repeated.probabilities_[0])
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        CategoricalMLE().fit(X, sample_weight=0)
    with pytest.raises(ValueError, match=r"non-negative .* sample_weight\[0\] is -1"):
        CategoricalMLE().fit(X, sample_weight=-1.0)


# --- lbfgs --------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["cross_entropy", "kl_divergence"])
@pytest.mark.parametrize("alpha", [0.0, 0.5, "perks"])
def test_lbfgs_reaches_the_closed_form(objective, alpha):
    # Declared categories 0..29, some never observed: with alpha=0 they get
    # probability exactly 0 from both solvers.
    X = zipf_data(2000, 25, n_features=2, seed=9)
    categories = [np.arange(30)] * 2
    closed = CategoricalMLE(alpha=alpha, categories=categories).fit(X)
    lbfgs = CategoricalMLE(
        alpha=alpha, categories=categories, solver="lbfgs", objective=objective
    ).fit(X)
    assert lbfgs.n_iter_ > 0
    for q_closed, q_lbfgs in zip(
        closed.probabilities_, lbfgs.probabilities_, strict=True
    ):
        assert_allclose(q_lbfgs, q_closed, rtol=0, atol=1e-7)
        assert_array_equal(q_lbfgs == 0, q_closed == 0)
    assert_allclose(lbfgs.score_samples(X), closed.score_samples(X), atol=1e-4)


@pytest.mark.parametrize("solver", ["closed_form", "lbfgs"])
def test_loss_is_the_metric_between_empirical_and_fitted(solver):
    X = zipf_data(500, 10, n_features=2, seed=10)
    fits = {
        objective: CategoricalMLE(
            alpha=0.5,
            solver=solver,
            objective=objective,
            categories=[np.arange(12)] * 2,
        ).fit(X)
        for objective in ("cross_entropy", "kl_divergence")
    }
    for j in range(2):
        counts = np.bincount(X[:, j], minlength=12) + 0.5
        empirical = counts / counts.sum()
        fitted = fits["cross_entropy"].probabilities_[j]
        assert fits["cross_entropy"].loss_[j] == pytest.approx(
            cross_entropy([empirical], [fitted]), rel=1e-9
        )
        fitted = fits["kl_divergence"].probabilities_[j]
        assert fits["kl_divergence"].loss_[j] == pytest.approx(
            kl_divergence([empirical], [fitted]), abs=1e-12
        )
        # H(p, q) = H(p) + KL(p || q), and KL vanishes at the optimum.
        assert fits["cross_entropy"].loss_[j] == pytest.approx(
            stats.entropy(empirical) + fits["kl_divergence"].loss_[j], rel=1e-9
        )
        assert fits["kl_divergence"].loss_[j] < 1e-12


def test_lbfgs_warns_when_max_iter_is_too_small():
    X = zipf_data(500, 20, seed=11)
    with pytest.warns(Warning, match="increase max_iter"):
        CategoricalMLE(solver="lbfgs", max_iter=2).fit(X)


# --- kernels ------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    values=hnp.arrays(np.int32, st.integers(1, 200), elements=st.integers(-20, 20)),
    weighted=st.booleans(),
)
def test_weighted_bincount_matches_numpy(values, weighted):
    weights = np.linspace(0.0, 3.0, values.size) if weighted else None
    low, high = kernels.value_range(values)
    assert (low, high) == (values.min(), values.max())
    counts = kernels.weighted_bincount(values, low - 2, high - low + 5, weights)
    expected = np.bincount(values - low + 2, weights, minlength=high - low + 5)
    assert_allclose(counts, expected)
    assert counts.dtype == np.float64


@settings(max_examples=50, deadline=None)
@given(
    weights=hnp.arrays(
        np.float64,
        st.integers(0, 100),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_count_invalid_weights_matches_numpy(weights):
    expected = np.count_nonzero(~(np.isfinite(weights) & (weights >= 0)))
    assert kernels.count_invalid_weights(weights) == expected


def test_weighted_bincount_skips_values_outside_the_range():
    counts = kernels.weighted_bincount(np.array([-1, 0, 1, 5]), 0, 2, None)
    assert_array_equal(counts, [1.0, 1.0])


def test_softmax_cross_entropy_kernel():
    rng = np.random.default_rng(12)
    offsets = np.array([0, 3, 4, 9], dtype=np.intp)
    targets = np.concatenate([rng.dirichlet(np.ones(n)) for n in np.diff(offsets)])
    logits = rng.normal(scale=3.0, size=9)
    losses, gradient = np.empty(3), np.empty(9)
    kernels.softmax_cross_entropy(logits, targets, offsets, losses, gradient)
    for j in range(3):
        block = slice(offsets[j], offsets[j + 1])
        q = softmax(logits[block])
        assert losses[j] == pytest.approx(-targets[block] @ np.log(q))
        assert_allclose(gradient[block], q - targets[block], atol=1e-15)

    def total_loss(z):
        kernels.softmax_cross_entropy(z, targets, offsets, losses, np.empty(9))
        return losses.sum()

    def total_gradient(z):
        out = np.empty(9)
        kernels.softmax_cross_entropy(z, targets, offsets, np.empty(3), out)
        return out

    assert check_grad(total_loss, total_gradient, logits) < 1e-6
    # Large logits do not overflow: the log-sum-exp is shifted by the maximum.
    kernels.softmax_cross_entropy(logits + 800.0, targets, offsets, losses, gradient)
    assert np.all(np.isfinite(losses)) and np.all(np.isfinite(gradient))


# --- zero probabilities and unknown values ------------------------------------


def test_zero_probability_scores_minus_inf_never_nan():
    model = CategoricalMLE(categories=[[0, 1, 2], ["x", "y"]]).fit([[0, "x"], [1, "x"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = model.score_samples(
            np.array([[0, "x"], [2, "x"], [0, "y"], [2, "y"]], dtype=object)
        )
    assert_allclose(scores, [np.log(0.5), -np.inf, -np.inf, -np.inf])
    assert model.score([[2, "y"], [0, "x"]]) == -np.inf
    assert_array_equal(model.log_probabilities_[1], [0.0, -np.inf])


def test_handle_unknown():
    X = np.array([["red", 1], ["blue", 2], ["red", 2]], dtype=object)
    strict = CategoricalMLE().fit(X)
    with pytest.raises(ValueError, match=r"feature 0 contains values \['green'\]"):
        strict.score_samples([["green", 1]])
    with pytest.raises(ValueError, match=r"feature 1 contains values \[3, 7\]"):
        strict.score_samples([["red", 7], ["red", 3]])

    lenient = CategoricalMLE(handle_unknown="zero").fit(X)
    scores = lenient.score_samples(
        np.array([["green", 1], ["red", 7], ["red", "1"], ["red", 1]], dtype=object)
    )
    assert_allclose(scores[:3], -np.inf)
    assert scores[3] == pytest.approx(np.log(2 / 3) + np.log(1 / 3))


# --- sampling -----------------------------------------------------------------


def test_sample_frequencies_converge_to_probabilities():
    model = CategoricalMLE(categories=[np.arange(8), ["a", "b", "c"]])
    model.fit(
        np.array([[0, "a"], [0, "b"], [1, "b"], [3, "b"], [7, "a"]], dtype=object)
    )
    n_samples = 200_000
    draws = model.sample(n_samples, random_state=0)
    assert draws.shape == (n_samples, 2)
    for j in range(2):
        q = model.probabilities_[j]
        frequencies = np.array(
            [np.mean(draws[:, j] == c) for c in model.categories_[j]]
        )
        # Five binomial standard errors (about 0.005 at most here): a seeded
        # check that fails if the sampler draws from anything but q.
        tolerance = 5 * np.sqrt(q * (1 - q) / n_samples)
        assert np.all(np.abs(frequencies - q) <= tolerance)
        assert np.all(frequencies[q == 0] == 0)
    assert_array_equal(
        model.sample(50, random_state=1), model.sample(50, random_state=1)
    )


def test_sample_dtype_follows_categories():
    same_kind = CategoricalMLE().fit(np.array([[1, 10], [2, 20]])).sample(3)
    assert same_kind.dtype == np.int64
    strings = CategoricalMLE().fit(np.array([["a", "bb"], ["c", "dd"]])).sample(3)
    assert strings.dtype.kind == "U"
    mixed = CategoricalMLE().fit(pd.DataFrame({"n": [1, 2], "s": ["u", "v"]}))
    draws = mixed.sample(4, random_state=0)
    assert draws.dtype == object
    assert set(draws[:, 0]) <= {1, 2} and set(draws[:, 1]) <= {"u", "v"}


# --- scikit-learn integration ---------------------------------------------------


def rare_category_data():
    """Ten common categories, and five rare ones seen once each: a held-out
    fold holding a rare category never saw it in training."""
    rng = np.random.default_rng(13)
    column = np.concatenate([rng.integers(0, 10, size=295), np.arange(10, 15)])
    return rng.permutation(column)[:, None]


def test_grid_search_selects_smoothing_by_held_out_likelihood():
    X = rare_category_data()
    search = GridSearchCV(
        CategoricalMLE(categories=[np.arange(15)]),
        {"alpha": [0.0, 0.5, 1.0, "jeffreys"]},
        cv=KFold(5, shuffle=True, random_state=0),
    )
    # Unsmoothed, each rare category has probability zero in the fold that
    # did not train on it: held-out log-likelihood -inf.
    with pytest.warns(UserWarning, match="non-finite"), warnings.catch_warnings():
        # The spread of scores that include -inf is NaN.
        warnings.filterwarnings("ignore", "invalid value", RuntimeWarning)
        search.fit(X)
    assert search.cv_results_["mean_test_score"][0] == -np.inf
    assert search.best_params_["alpha"] != 0.0
    assert np.isfinite(search.best_score_)

    scores = cross_val_score(
        CategoricalMLE(alpha="jeffreys", categories=[np.arange(15)]), X, cv=5
    )
    assert scores.shape == (5,) and np.all(np.isfinite(scores)) and np.all(scores < 0)


def test_cross_val_score_with_unknown_values_scored_zero():
    scores = cross_val_score(
        CategoricalMLE(alpha=1.0, handle_unknown="zero"), rare_category_data(), cv=5
    )
    assert np.any(scores == -np.inf)


def test_pipeline_histogram_density():
    rng = np.random.default_rng(14)
    X = rng.normal(size=(400, 2))
    pipeline = make_pipeline(
        KBinsDiscretizer(n_bins=6, encode="ordinal", strategy="uniform"),
        CategoricalMLE(alpha=1.0, categories=[np.arange(6.0)] * 2),
    ).fit(X)
    bins = pipeline[0].transform(X).astype(int)
    model = pipeline[-1]
    expected = sum(model.log_probabilities_[j][bins[:, j]] for j in range(2))
    assert_allclose(pipeline.score_samples(X), expected)
    assert pipeline.score(X) == pytest.approx(expected.mean())


def test_dataframe_keeps_feature_names_and_column_dtypes():
    frame = pd.DataFrame(
        {"color": ["red", "blue", "red"], "size": [3, 1, 3], "ok": [True, False, True]}
    )
    model = CategoricalMLE().fit(frame)
    assert_array_equal(model.feature_names_in_, ["color", "size", "ok"])
    assert model.n_features_in_ == 3
    assert model.categories_[1].dtype == np.int64
    assert model.categories_[2].dtype == bool
    assert_allclose(model.score_samples(frame), 3 * np.log([2 / 3, 1 / 3, 2 / 3]))
    with pytest.raises(ValueError, match=r"feature 'size' contains values \[2\]"):
        model.score_samples(frame.assign(size=[2, 1, 3]))
    with pytest.raises(ValueError, match="feature names"):
        model.score_samples(frame[["size", "color", "ok"]])


@pytest.mark.parametrize(
    ("values", "dtype", "numpy_dtype"),
    [
        ([2**53, 2**53 + 1, 2**53 + 1, -7], "Int64", np.int64),
        ([2**64 - 1, 2**64 - 2, 2**53 + 1, 2**53], "UInt64", np.uint64),
        ([3, -2, 3, 3], "Int8", np.int8),
        ([True, False, True, True], "boolean", bool),
        ([0.1, 0.2, 0.1, 1e300], "Float64", np.float64),
        ([0.1, 0.2, 0.1, 0.1], "Float32", np.float32),
        (["b", "a", "b", "ccc"], "string", object),
    ],
)
def test_nullable_pandas_columns_count_like_numpy(values, dtype, numpy_dtype):
    # pandas' nullable dtypes must not detour through float64: IDs 2**53 and
    # 2**53 + 1 would merge, booleans and float32 would become float64.
    column = np.array(values, dtype=numpy_dtype)
    frame = pd.DataFrame({"x": pd.array(values, dtype=dtype)})
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    by_frame = CategoricalMLE(alpha=0.5).fit(frame, sample_weight=weights)
    by_array = CategoricalMLE(alpha=0.5).fit(column[:, None], sample_weight=weights)
    assert by_frame.categories_[0].dtype == numpy_dtype
    assert_array_equal(by_frame.categories_[0], by_array.categories_[0])
    assert by_frame.categories_[0].size == len(set(values))
    assert_array_equal(by_frame.probabilities_[0], by_array.probabilities_[0])
    assert_array_equal(
        by_frame.score_samples(frame), by_array.score_samples(column[:, None])
    )
    draws = by_frame.sample(20, random_state=0)
    assert draws.dtype == numpy_dtype
    assert_array_equal(draws, by_array.sample(20, random_state=0))


def _checks_broken_in_scikit_learn(estimator):
    """Checks that fail in scikit-learn itself: before 1.7.1 this one casts X
    to int32 for estimators with a categorical input tag, then subtracts a
    float mean from it in place."""
    if Version(sklearn.__version__) < Version("1.7.1"):
        return {"check_positive_only_tag_during_fit": "int32 X -= float mean"}
    return {}


@parametrize_with_checks(
    [
        CategoricalMLE(),
        CategoricalMLE(alpha="perks", solver="lbfgs", objective="kl_divergence"),
        CategoricalMLE(alpha=0.5, handle_unknown="zero"),
    ],
    expected_failed_checks=_checks_broken_in_scikit_learn,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --- bad input ----------------------------------------------------------------


MISSING = r"missing value \(NaN, None, pandas NA or NaT\) or infinity in "


@pytest.mark.parametrize(
    ("X", "feature"),
    [
        (np.array([[1.0], [np.nan]]), "feature 0"),
        (np.array([[1.0, 2.0], [2.0, np.inf]]), "feature 1"),
        (np.array([["a"], [None]], dtype=object), "feature 0"),
        (np.array([["a"], [np.nan]], dtype=object), "feature 0"),
        (np.array([["a"], [pd.NA]], dtype=object), "feature 0"),
        (np.array([[1, 2], [3, np.datetime64("NaT")]], dtype=object), "feature 1"),
        (np.array([["2020-01-01"], ["NaT"]], dtype="datetime64[s]"), "feature 0"),
        ([[1], [pd.NA]], "feature 0"),
        ([["a"], [pd.NA]], "feature 0"),
        ([[pd.Timestamp(0)], [pd.NaT]], "feature 0"),
        ([["a"], [None]], "feature 0"),
        (pd.DataFrame({"w": [1.0, None]}), "feature 'w'"),
        (pd.DataFrame({"s": pd.array(["a", None], dtype="string")}), "feature 's'"),
        (pd.DataFrame({"i": pd.array([2**53, None], dtype="Int64")}), "feature 'i'"),
        (pd.DataFrame({"u": pd.array([1, None], dtype="UInt64")}), "feature 'u'"),
        (pd.DataFrame({"b": pd.array([True, None], dtype="boolean")}), "feature 'b'"),
        (pd.DataFrame({"f": pd.array([1.5, None], dtype="Float64")}), "feature 'f'"),
        (pd.DataFrame({"f": pd.array([1.5, np.inf], dtype="Float64")}), "feature 'f'"),
        (
            # NaN, not NA, inside a nullable float column: isna() misses it.
            pd.DataFrame(
                {
                    "f": pd.arrays.FloatingArray(
                        np.array([1.0, np.nan]), np.zeros(2, bool)
                    )
                }
            ),
            "feature 'f'",
        ),
        (pd.DataFrame({"c": pd.Categorical(["x", None])}), "feature 'c'"),
        (pd.DataFrame({"o": np.array([1, pd.NA], dtype=object)}), "feature 'o'"),
        (pd.DataFrame({"t": [pd.Timestamp(0), pd.NaT]}), "feature 't'"),
    ],
)
def test_missing_values_are_rejected(X, feature):
    match = MISSING + feature
    with pytest.raises(ValueError, match=match):
        CategoricalMLE().fit(X)
    if hasattr(X, "columns"):
        valid = pd.DataFrame(np.ones((2, X.shape[1])), columns=X.columns)
    else:
        valid = np.ones((2, np.asarray(X, dtype=object).shape[1]))
    model = CategoricalMLE(handle_unknown="zero").fit(valid)
    with pytest.raises(ValueError, match=match):
        model.score_samples(X)


@pytest.mark.parametrize(
    ("sample_weight", "match"),
    [
        ([1.0, -1.0, 1.0], r"non-negative .* sample_weight\[1\] is -1.0"),
        ([1.0, 1.0, np.nan], r"finite .* sample_weight\[2\] is nan"),
        ([np.inf, 1.0, 1.0], r"finite .* sample_weight\[0\] is inf"),
        ([0.0, 0.0, 0.0], "sample_weight sums to zero"),
        ([1.0, 1.0], r"sample_weight has shape \(2,\) but there are 3 samples"),
        ([[1.0, 1.0, 1.0]], r"sample_weight has shape \(1, 3\)"),
    ],
)
def test_bad_sample_weight(sample_weight, match):
    with pytest.raises(ValueError, match=match):
        CategoricalMLE().fit([[1], [2], [3]], sample_weight=sample_weight)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"alpha": -0.5}, "'alpha' parameter"),
        ({"alpha": np.inf}, "'alpha' parameter"),
        ({"alpha": "dirichlet"}, "'alpha' parameter"),
        ({"solver": "newton"}, "'solver' parameter"),
        ({"objective": "nll"}, "'objective' parameter"),
        ({"handle_unknown": "ignore"}, "'handle_unknown' parameter"),
        ({"categories": [[1, 2], [1]]}, "categories has 2 entries but X has 1"),
        ({"categories": [[1, 2, 1]]}, r"categories\[0\] contains duplicates"),
        ({"categories": [[1.0, np.nan]]}, r"categories\[0\]"),
        ({"categories": [[1, 2]]}, r"values \[3\] that are not among its declared"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        CategoricalMLE(**params).fit([[1], [2], [3]])


def test_bad_shapes_and_types():
    model = CategoricalMLE().fit([[1, 2], [2, 2]])
    with pytest.raises(ValueError, match="X has 3 features, but CategoricalMLE is"):
        model.score([[1, 2, 3]])
    with pytest.raises(ValueError, match="Expected 2D array"):
        model.score_samples([1, 2])
    with pytest.raises(TypeError, match="all strings or all numbers"):
        CategoricalMLE().fit(np.array([["a"], [1]], dtype=object))
    for n_samples in (0, 2.0, True, np.True_):
        with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
            model.sample(n_samples)


def test_counts_are_the_weighted_category_counts():
    X = np.array([["a", "x"], ["b", "x"], ["a", "y"], ["a", "x"]])
    weights = np.array([1.0, 2.0, 0.5, 1.5])
    model = CategoricalMLE().fit(X, sample_weight=weights)
    assert_allclose(model.counts_[0], [3.0, 2.0])
    assert_allclose(model.counts_[1], [4.5, 0.5])


def test_probability_std_err_and_interval_per_feature():
    from skxent import _entropy_estimators as estimators

    X = np.array([[0, 1], [0, 1], [1, 1], [2, 0]])
    model = CategoricalMLE(categories=[[0, 1, 2, 3], [0, 1]]).fit(X)
    std_errs = model.probability_std_err()
    intervals = model.probability_interval(0.9, method="jeffreys")
    assert len(std_errs) == len(intervals) == 2
    for j, counts in enumerate(model.counts_):
        assert_allclose(std_errs[j], estimators.probability_std_err(counts))
        expected = estimators.probability_interval(
            counts, confidence_level=0.9, method="jeffreys"
        )
        assert_allclose(intervals[j], expected)
    # The declared category never seen: no spread, interval from 0.
    assert std_errs[0][3] == 0 and intervals[0][0][3] == 0 < intervals[0][1][3]


@pytest.mark.parametrize(
    "method", ["plugin", "miller_madow", "jackknife", "chao_shen", "shrinkage", "nsb"]
)
def test_estimate_entropy_is_the_module_estimate_per_feature(method):
    from skxent import _entropy_estimators as estimators

    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(60, 3))
    model = CategoricalMLE(categories=[np.arange(6)] * 3).fit(X)
    entropy, std_err = model.estimate_entropy(method, base=2, return_std=True)
    assert entropy.shape == std_err.shape == (3,)
    for j, counts in enumerate(model.counts_):
        expected = estimators.estimate_entropy(counts, method, base=2)
        assert entropy[j] == pytest.approx(expected.entropy, rel=1e-14)
        assert std_err[j] == pytest.approx(expected.std_err, rel=1e-14, nan_ok=True)
    assert_array_equal(model.estimate_entropy(method, base=2), entropy)


def test_plugin_entropy_is_entropy_for_alpha_zero_only():
    X = np.array([[0], [0], [1], [2]])
    assert_allclose(
        CategoricalMLE().fit(X).estimate_entropy(), CategoricalMLE().fit(X).entropy_
    )
    smoothed = CategoricalMLE("laplace").fit(X)
    assert smoothed.estimate_entropy()[0] < smoothed.entropy_[0]


def test_estimate_entropy_errors():
    X = np.array([[0], [1], [1]])
    with pytest.raises(NotFittedError):
        CategoricalMLE().estimate_entropy()
    with pytest.raises(NotFittedError):
        CategoricalMLE().probability_interval()
    model = CategoricalMLE().fit(X, sample_weight=[0.5, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"method='jackknife'.*integer counts"):
        model.estimate_entropy("jackknife")
    with pytest.raises(ValueError, match="method must be one of"):
        model.estimate_entropy("grassberger")
