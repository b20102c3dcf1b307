"""Frequency uncertainty and entropy estimators from counts, against references.

Each estimator is checked against its published formula written out here
independently (R ``entropy`` 1.3.2's ``entropy.ChaoShen``, ``freqs.shrink``
and ``entropy.MillerMadow``; a brute-force jackknife; NSB by adaptive
quadrature of the posterior over the Dirichlet concentration), against the
values published by the R ``entropy`` package and by ``ndd`` (its README and
its test reference file), and against ``pyitlib``, ``statsmodels`` and SciPy
where they implement the same thing.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special, stats

from skxent._entropy_estimators import (
    ENTROPY_METHODS,
    INTERVAL_METHODS,
    estimate_entropy,
    probability_covariance,
    probability_interval,
    probability_std_err,
)

# The example counts of the R entropy package's help pages.
R_EXAMPLE = np.array([4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1])
WEIGHTED_METHODS = ("plugin", "miller_madow", "shrinkage", "nsb")
INTEGER_METHODS = ("jackknife", "chao_shen")


def random_counts(seed, n_categories, n_samples, concentration=1.0):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n_categories, concentration))
    return rng.multinomial(n_samples, p)


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


def plugin_reference(counts):
    return stats.entropy(counts)


def jackknife_reference(counts):
    """Leave each observation out of the expanded sample, literally."""
    sample = np.repeat(np.arange(counts.size), counts)
    n = sample.size
    leave_one_out = np.array(
        [
            stats.entropy(np.bincount(np.delete(sample, i), minlength=counts.size))
            for i in range(n)
        ]
    )
    estimate = n * stats.entropy(counts) - (n - 1) * leave_one_out.mean()
    std_err = math.sqrt(
        (n - 1) / n * ((leave_one_out - leave_one_out.mean()) ** 2).sum()
    )
    return estimate, std_err


def chao_shen_reference(y):
    """R entropy 1.3.2, R/entropy.ChaoShen.R, line by line."""
    yx = y[y > 0]
    n = yx.sum()
    p = yx / n
    f1 = np.sum(yx == 1)
    if f1 == n:
        f1 = n - 1
    coverage = 1 - f1 / n
    pa = coverage * p
    la = 1 - (1 - pa) ** n
    return -np.sum(pa * np.log(pa) / la)


def shrinkage_reference(y):
    """Hausser and Strimmer (2009), eq. 5 and 8, as R's freqs.shrink applies it."""
    n = y.sum()
    u = y / n
    target = 1 / y.size
    if n <= 1:
        intensity = 1.0
    else:
        msp = np.sum((target - u) ** 2)
        intensity = 1.0 if msp == 0 else (1 - np.sum(u**2)) / ((n - 1) * msp)
        intensity = min(1.0, max(0.0, intensity))
    shrunk = intensity * target + (1 - intensity) * u
    return stats.entropy(shrunk)


def nsb_reference(counts):
    """NSB by adaptive quadrature over log(a), straight from the formulas.

    Posterior of a: xi'(a) times the Dirichlet-multinomial evidence; first and
    second posterior moments of H given a from Wolpert and Wolf (1995), the
    second as the double sum over categories, with no rearrangement.
    """
    n = counts.astype(float)
    k, total = n.size, n.sum()

    def log_weight(x):
        a = math.exp(x)
        evidence = (
            special.gammaln(k * a)
            - k * special.gammaln(a)
            - special.gammaln(total + k * a)
            + special.gammaln(n + a).sum()
        )
        prior = k * special.polygamma(1, k * a + 1) - special.polygamma(1, a + 1)
        return evidence + math.log(prior) + x

    def moments(x):
        ai = n + math.exp(x)
        big_a = ai.sum()
        mean = special.digamma(big_a + 1) - (ai / big_a * special.digamma(ai + 1)).sum()
        phi = special.digamma(ai + 1) - special.digamma(big_a + 2)
        c = special.polygamma(1, big_a + 2)
        pairs = np.outer(ai, ai) * (np.outer(phi, phi) - c)
        np.fill_diagonal(pairs, 0.0)
        same = (
            ai
            * (ai + 1)
            * (
                (special.digamma(ai + 2) - special.digamma(big_a + 2)) ** 2
                + special.polygamma(1, ai + 2)
                - c
            )
        )
        return mean, (pairs.sum() + same.sum()) / (big_a * (big_a + 1))

    # Moderate examples only: the direct formulas lose precision for large a,
    # so the range stops at a = e^20, where these posteriors are negligible.
    low, high = -25.0, 20.0
    grid = np.linspace(low, high, 901)
    log_w = np.array([log_weight(x) for x in grid])
    peak, top = grid[log_w.argmax()], log_w.max()
    options = {"points": [peak - 1, peak, peak + 1], "limit": 400, "epsabs": 0.0}

    def integral(f):
        return integrate.quad(
            lambda x: math.exp(log_weight(x) - top) * f(x), low, high, **options
        )[0]

    norm = integral(lambda x: 1.0)
    mean = integral(lambda x: moments(x)[0]) / norm
    second = integral(lambda x: moments(x)[1]) / norm
    return mean, math.sqrt(second - mean**2)


# ---------------------------------------------------------------------------
# Frequencies: covariance, standard errors, intervals
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("counts", [[3, 1], R_EXAMPLE, [0, 5, 0], [2.5, 0.5, 1.0]])
def test_covariance_is_that_of_the_mean_of_one_hot_rows(counts):
    # The frequencies are the mean of N one-hot rows; with frequency weights,
    # the weighted population covariance of the rows divided by N.
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    one_hot = np.eye(counts.size)
    expected = np.cov(one_hot, aweights=counts, bias=True, rowvar=False) / total
    np.testing.assert_allclose(probability_covariance(counts), expected, atol=1e-15)
    np.testing.assert_allclose(
        probability_std_err(counts), np.sqrt(np.diag(expected)), atol=1e-15
    )


def test_covariance_matches_sampling_covariance():
    rng = np.random.default_rng(0)
    p, n = np.array([0.5, 0.3, 0.15, 0.05]), 200
    draws = rng.multinomial(n, p, size=20000) / n
    expected = probability_covariance(p * n)  # at the true frequencies
    np.testing.assert_allclose(np.cov(draws, rowvar=False), expected, atol=3e-5)


@pytest.mark.parametrize(
    ("method", "statsmodels_method"),
    [("wilson", "wilson"), ("clopper_pearson", "beta"), ("jeffreys", "jeffreys")],
)
@pytest.mark.parametrize("confidence_level", [0.95, 0.8, 0.999])
def test_intervals_match_statsmodels(method, statsmodels_method, confidence_level):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    counts = np.array([0, 1, 2, 5, 13, 40, 60, 0, 1])
    total = counts.sum()
    lower, upper = probability_interval(
        counts, confidence_level=confidence_level, method=method
    )
    expected_lower, expected_upper = proportion.proportion_confint(
        counts, total, alpha=1 - confidence_level, method=statsmodels_method
    )
    # statsmodels' Jeffreys interval keeps the Beta quantile at n = 0 and
    # n = N; Brown, Cai and DasGupta (2001) set the ends to 0 and 1 there.
    interior = (counts > 0) & (counts < total)
    inside = interior if method == "jeffreys" else slice(None)
    np.testing.assert_allclose(lower[inside], expected_lower[inside], atol=1e-14)
    np.testing.assert_allclose(upper[inside], expected_upper[inside], atol=1e-14)


@pytest.mark.parametrize(
    ("method", "scipy_method"), [("wilson", "wilson"), ("clopper_pearson", "exact")]
)
def test_intervals_match_scipy_binomtest(method, scipy_method):
    counts = np.array([0, 1, 4, 15])
    lower, upper = probability_interval(counts, confidence_level=0.9, method=method)
    for k, count in enumerate(counts):
        expected = stats.binomtest(int(count), int(counts.sum())).proportion_ci(
            confidence_level=0.9, method=scipy_method
        )
        assert lower[k] == pytest.approx(expected.low, abs=1e-12)
        assert upper[k] == pytest.approx(expected.high, abs=1e-12)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("counts", [[0, 1], [1, 0, 0, 0], [3, 0, 2], [0.2, 0.7]])
def test_intervals_stay_in_unit_interval_at_small_counts(method, counts):
    counts = np.asarray(counts, dtype=float)
    p = counts / counts.sum()
    lower, upper = probability_interval(counts, method=method)
    assert np.all(lower >= 0) and np.all(upper <= 1) and np.all(lower <= upper)
    if method != "jeffreys":  # a Bayesian interval need not contain n / N
        assert np.all((lower <= p) & (p <= upper))
    # Unobserved categories start at 0, certain ones end at 1, exactly.
    assert np.all(lower[counts == 0] == 0)
    assert np.all(upper[counts == counts.sum()] == 1)
    assert np.all(upper[counts == 0] > 0)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
def test_interval_coverage_for_a_rare_category(method):
    # Wald's p +- z se covers p = 0.02 at N = 50 far less often than 95 %;
    # these three stay near or above it (Brown, Cai and DasGupta 2001, fig. 5).
    p, n = 0.02, 50
    successes = np.arange(n + 1)
    lower, upper = zip(
        *(probability_interval([s, n - s], method=method) for s in successes),
        strict=True,
    )
    covered = (np.array(lower)[:, 0] <= p) & (p <= np.array(upper)[:, 0])
    coverage = stats.binom.pmf(successes, n, p) @ covered
    assert coverage >= (0.95 if method == "clopper_pearson" else 0.9)


def test_narrower_confidence_level_nests_inside_wider():
    counts = [3, 10, 1]
    for method in INTERVAL_METHODS:
        lo90, hi90 = probability_interval(counts, confidence_level=0.9, method=method)
        lo99, hi99 = probability_interval(counts, confidence_level=0.99, method=method)
        assert np.all(lo99 <= lo90) and np.all(hi90 <= hi99)


@pytest.mark.parametrize("confidence_level", [0, 1, 95, -0.5, "0.95", math.nan])
def test_interval_rejects_bad_confidence_level(confidence_level):
    with pytest.raises(ValueError, match="confidence_level must be a number"):
        probability_interval([1, 2], confidence_level=confidence_level)


def test_interval_rejects_unknown_method():
    with pytest.raises(ValueError, match=r"method must be one of \['wilson'"):
        probability_interval([1, 2], method="wald")


# ---------------------------------------------------------------------------
# Entropy estimators against their formulas
# ---------------------------------------------------------------------------

FORMULA_CASES = [
    R_EXAMPLE,
    np.array([1, 1, 1, 1]),
    np.array([10, 1, 0, 3, 1, 1, 0, 2]),
    random_counts(1, 30, 60),
    random_counts(2, 8, 500, concentration=0.3),
]


@pytest.mark.parametrize("counts", FORMULA_CASES, ids=range(len(FORMULA_CASES)))
def test_plugin_and_its_delta_method_std_err(counts):
    estimate = estimate_entropy(counts, "plugin")
    assert estimate.entropy == pytest.approx(plugin_reference(counts), rel=1e-14)
    # g^T Cov g with the gradient g = -(log p + 1) over observed categories;
    # the covariance from one-hot rows, not from probability_covariance.
    total, seen = counts.sum(), counts > 0
    gradient = -(np.log(counts[seen] / total) + 1)
    rows = np.eye(counts.size)[:, seen]
    covariance = np.cov(rows, aweights=counts, bias=True, rowvar=False) / total
    assert estimate.std_err == pytest.approx(
        math.sqrt(max(gradient @ covariance @ gradient, 0.0)), rel=1e-10, abs=1e-15
    )


@pytest.mark.parametrize("counts", FORMULA_CASES, ids=range(len(FORMULA_CASES)))
def test_miller_madow_adds_observed_categories_minus_one_over_2n(counts):
    estimate = estimate_entropy(counts, "miller_madow")
    m, n = np.count_nonzero(counts), counts.sum()
    assert estimate.entropy == pytest.approx(
        plugin_reference(counts) + (m - 1) / (2 * n), rel=1e-14
    )
    assert math.isnan(estimate.std_err)


@pytest.mark.parametrize("counts", FORMULA_CASES, ids=range(len(FORMULA_CASES)))
def test_jackknife_matches_brute_force_leave_one_out(counts):
    estimate = estimate_entropy(counts, "jackknife")
    expected, expected_std_err = jackknife_reference(counts)
    assert estimate.entropy == pytest.approx(expected, rel=1e-12)
    assert estimate.std_err == pytest.approx(expected_std_err, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize(
    "counts",
    [*FORMULA_CASES, np.array([1, 1, 1]), np.array([1, 0, 0])],
    ids=range(len(FORMULA_CASES) + 2),
)
def test_chao_shen_matches_r_entropy(counts):
    estimate = estimate_entropy(counts, "chao_shen")
    assert estimate.entropy == pytest.approx(chao_shen_reference(counts), rel=1e-13)
    assert math.isnan(estimate.std_err)


@pytest.mark.parametrize(
    "counts",
    [*FORMULA_CASES, np.array([0, 1, 0]), np.array([5, 5, 5])],
    ids=range(len(FORMULA_CASES) + 2),
)
def test_shrinkage_matches_hausser_strimmer(counts):
    estimate = estimate_entropy(counts, "shrinkage")
    assert estimate.entropy == pytest.approx(shrinkage_reference(counts), rel=1e-13)
    assert math.isnan(estimate.std_err)


def test_shrinkage_intensity_hand_computed_on_r_example():
    # Hausser-Strimmer lambda for the R example: N = 19, sum n^2 = 55, so
    # sum u^2 = 55/361 and sum (1/11 - u)^2 = 55/361 - 1/11.
    u2 = 55 / 361
    intensity = (1 - u2) / (18 * (u2 - 1 / 11))
    shrunk = intensity / 11 + (1 - intensity) * R_EXAMPLE / 19
    assert 0 < intensity < 1
    assert estimate_entropy(R_EXAMPLE, "shrinkage").entropy == pytest.approx(
        stats.entropy(shrunk), rel=1e-14
    )


@pytest.mark.parametrize(
    "counts",
    [
        R_EXAMPLE,
        np.array([5, 0, 0]),
        np.array([1, 0]),
        random_counts(3, 20, 1000, concentration=0.1),
        random_counts(4, 50, 20, concentration=0.05),
        random_counts(5, 30, 5000, concentration=10.0),
    ],
    ids=["r-example", "one-category", "n=1", "k=20", "k>n", "k=30-n=5000"],
)
def test_nsb_matches_quadrature_of_the_posterior(counts):
    estimate = estimate_entropy(counts, "nsb")
    expected, expected_std_err = nsb_reference(counts)
    assert estimate.entropy == pytest.approx(expected, rel=1e-8)
    assert estimate.std_err == pytest.approx(expected_std_err, rel=1e-7)


# ---------------------------------------------------------------------------
# Published values
# ---------------------------------------------------------------------------


def test_nsb_matches_r_entropy_documented_value():
    # R entropy's man/entropy.NSB.Rd: "entropy.NSB(y) # 2.187774", computed by
    # Nemenman's nsb-entropy program with K = length(y) = 11.
    assert estimate_entropy(R_EXAMPLE, "nsb").entropy == pytest.approx(
        2.187774, abs=5e-7
    )


def test_nsb_matches_ndd_readme_and_tests():
    # ndd 1.10.6: the README's ndd.entropy(counts, k=100, return_std=True)
    # and test_error_estimate's std. ndd integrates over +-4 posterior
    # standard deviations of log(a) with a relative tolerance of 1e-3.
    readme = [4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2]
    estimate = estimate_entropy(np.pad(readme, (0, 100 - len(readme))), "nsb")
    assert estimate.entropy == pytest.approx(2.8060922529931225, rel=1e-5)
    assert estimate.std_err == pytest.approx(0.11945501149743358, rel=1e-3)
    tests = [12, 4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2]
    estimate = estimate_entropy(np.pad(tests, (0, 100 - len(tests))), "nsb")
    assert estimate.std_err == pytest.approx(0.10884840411906187, rel=1e-3)


# ndd 1.10.6, tests/data.json: ndd.entropy(counts, k=len(counts)) for
# counts from tests/make_test_ref.py, for n, k in {10, 100, 1000}^2 and
# alpha in logspace(-2, 1, 4); NSB, and the plug-in to confirm the counts.
NDD_NSB = [
    0.11449120309893697, 0.11449120309893697, 1.856458257509872,
    2.1037748476440403, 0.12255897355956423, 2.4128449695598504,
    4.08382215400336, 4.08382215400336, 2.4710398838812986,
    5.5707066345707625, 5.5707066345707625, 5.5707066345707625,
    0.010243733836881113, 0.2551459643740541, 1.9060130106651811,
    2.2516153617637182, 0.2162271214097148, 2.5694139516689356,
    4.322047380401459, 4.515552991539801, 2.9741381198911987,
    5.174995648556112, 6.403202312772666, 6.7857583934506955,
    0.0009924199000196441, 0.20236733989041933, 1.951464972650243,
    2.2394510997441825, 0.16334285580263153, 2.5444460533817916,
    4.269356953978328, 4.5486604051318995, 2.96316780332867,
    5.011193857699235, 6.512818620730908, 6.891987339898856,
]  # fmt: skip
NDD_PLUGIN = [
    0.0, 0.0, 1.4978661367769956, 1.834371970281624, 0.0, 1.6094379124341005,
    2.302585092994046, 2.302585092994046, 1.6094379124341005, 2.302585092994046,
    2.302585092994046, 2.302585092994046, 0.0, 0.23216582669633556,
    1.859322495021051, 2.2258698366515177, 0.190437553518926, 2.410527694792209,
    3.8335357838634647, 4.0106270907407096, 2.758896703859347, 4.1181326588943925,
    4.466540749876103, 4.577444298765694, 0.0, 0.1990081849712695,
    1.9467517367477356, 2.2366982579266557, 0.15876743673285532,
    2.5200099354087824, 4.216459923244882, 4.499393265655103, 2.934170578401427,
    4.832834503946499, 6.037442368873068, 6.337760381056404,
]  # fmt: skip


def ndd_cases():
    for n in (10, 100, 1000):
        for k in (10, 100, 1000):
            for alpha in np.logspace(-2, 1, 4):
                # ndd reseeds NumPy's legacy generator (whose stream is frozen)
                # with 123 before each case.
                legacy = np.random.RandomState(123)
                p = legacy.dirichlet([alpha] * k)
                yield legacy.multinomial(n, p)


def test_nsb_matches_ndd_reference_values():
    relative_errors = []
    for counts, nsb, plugin in zip(ndd_cases(), NDD_NSB, NDD_PLUGIN, strict=True):
        assert estimate_entropy(counts).entropy == pytest.approx(plugin, abs=1e-13)
        estimate = estimate_entropy(counts, "nsb").entropy
        relative_errors.append(abs(estimate - nsb) / nsb)
    # Measured: at most 6.3e-4, where ndd's window cuts the long tail of the
    # posterior towards large a; at most 1e-6 on 23 of the 36 cases.
    assert max(relative_errors) < 1e-3
    assert np.median(relative_errors) < 1e-5


@pytest.mark.parametrize(
    ("estimator", "method"), [("ML", "plugin"), ("JAMES-STEIN", "shrinkage")]
)
@pytest.mark.parametrize("counts", [R_EXAMPLE, random_counts(6, 40, 30)])
def test_matches_pyitlib(estimator, method, counts):
    drv = pytest.importorskip("pyitlib.discrete_random_variable")
    sample = np.repeat(np.arange(counts.size), counts)
    expected = drv.entropy(
        sample, base=np.e, estimator=estimator, Alphabet_X=np.arange(counts.size)
    )
    assert estimate_entropy(counts, method).entropy == pytest.approx(
        expected, rel=1e-13
    )


# ---------------------------------------------------------------------------
# Standard errors against sampling variation
# ---------------------------------------------------------------------------


def test_std_errs_match_the_sampling_spread():
    rng = np.random.default_rng(7)
    p, n = rng.dirichlet(np.ones(12)), 2000
    draws = rng.multinomial(n, p, size=1000)
    for method in ("plugin", "jackknife"):
        estimates = np.array([estimate_entropy(c, method) for c in draws])
        spread = estimates[:, 0].std()
        assert np.median(estimates[:, 1]) == pytest.approx(spread, rel=0.1)


def test_nsb_posterior_sd_approaches_delta_method_for_large_n():
    counts = random_counts(8, 10, 10**6)
    nsb, plugin = estimate_entropy(counts, "nsb"), estimate_entropy(counts)
    assert nsb.std_err == pytest.approx(plugin.std_err, rel=1e-3)
    assert nsb.entropy == pytest.approx(plugin.entropy, abs=plugin.std_err)


# ---------------------------------------------------------------------------
# Edge cases and input handling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_single_category_has_zero_entropy(method):
    estimate = estimate_entropy([7], method)
    assert estimate.entropy == 0
    assert estimate.std_err == 0 or math.isnan(estimate.std_err)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_all_counts_in_one_of_several_categories(method):
    estimate = estimate_entropy([0, 9, 0, 0], method)
    if method == "nsb":  # the prior keeps some mass on spread distributions
        expected = nsb_reference(np.array([0, 9, 0, 0]))
        assert estimate == pytest.approx(expected, rel=1e-8)
        assert 0 < estimate.entropy < math.log(4) / 4
    else:
        assert estimate.entropy == 0
        assert estimate.std_err == 0 or math.isnan(estimate.std_err)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_single_observation(method):
    counts = [0, 1, 0]
    if method == "jackknife":
        with pytest.raises(ValueError, match="at least 2 observations"):
            estimate_entropy(counts, method)
        return
    estimate = estimate_entropy(counts, method)
    if method == "nsb":
        expected = nsb_reference(np.array(counts))[0]
    else:  # the uniform distribution for full shrinkage (R's freqs.shrink)
        expected = math.log(3) if method == "shrinkage" else 0.0
    assert estimate.entropy == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_which_methods_depend_on_unobserved_categories(method):
    counts = np.array([5, 2, 1, 1])
    padded = np.concatenate([counts, np.zeros(6)])
    short, long = estimate_entropy(counts, method), estimate_entropy(padded, method)
    if method in ("shrinkage", "nsb"):  # K is part of the target or prior
        assert long.entropy > short.entropy
    else:
        assert long.entropy == pytest.approx(short.entropy, rel=1e-14)


@pytest.mark.parametrize("method", INTEGER_METHODS)
def test_integer_methods_reject_weighted_counts(method):
    with pytest.raises(ValueError, match=f"method='{method}'.*integer counts"):
        estimate_entropy([2.5, 1.0, 3.0], method)


WEIGHTED = np.array([2.5, 1.0, 3.0, 0.0, 0.25])


def test_weighted_counts_follow_the_formulas_with_n_the_total_weight():
    n, m = WEIGHTED.sum(), np.count_nonzero(WEIGHTED)
    plugin = plugin_reference(WEIGHTED)
    expected = {
        "plugin": plugin,
        "miller_madow": plugin + (m - 1) / (2 * n),
        "shrinkage": shrinkage_reference(WEIGHTED),
        "nsb": nsb_reference(WEIGHTED)[0],
    }
    for method in WEIGHTED_METHODS:
        estimate = estimate_entropy(WEIGHTED, method).entropy
        assert estimate == pytest.approx(expected[method], rel=1e-8), method


def test_weights_scale_the_plugin_std_err():
    # Doubling every weight is the sample twice over: the same frequencies,
    # a standard error smaller by sqrt(2).
    once, twice = estimate_entropy(WEIGHTED), estimate_entropy(2 * WEIGHTED)
    assert twice.entropy == pytest.approx(once.entropy, rel=1e-14)
    assert twice.std_err == pytest.approx(once.std_err / math.sqrt(2), rel=1e-12)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_base_divides_by_log_base(method):
    nats = estimate_entropy(R_EXAMPLE, method)
    bits = estimate_entropy(R_EXAMPLE, method, base=2)
    assert bits.entropy == pytest.approx(nats.entropy / math.log(2), rel=1e-14)
    if not math.isnan(nats.std_err):
        assert bits.std_err == pytest.approx(nats.std_err / math.log(2), rel=1e-14)


@pytest.mark.parametrize(
    "counts",
    [
        random_counts(9, 1000, 10**7),
        np.array([10**6, 0, 0, 0]),
        random_counts(10, 10**5, 100),
        np.full(4 * 10**4, 1),
        np.full(10, 10**6),
    ],
    ids=["k=1000-n=1e7", "one-category-n=1e6", "k=1e5-n=100", "singletons", "flat"],
)
def test_nsb_extreme_inputs_are_finite_without_warnings(counts):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimate = estimate_entropy(counts, "nsb")
    assert 0 <= estimate.entropy <= math.log(counts.size) + 1e-12
    assert 0 <= estimate.std_err < 1


def test_nsb_flat_counts_give_log_k():
    estimate = estimate_entropy(np.full(10, 10**6), "nsb")
    assert estimate.entropy == pytest.approx(math.log(10), abs=1e-6)


def test_returns_python_floats():
    for method in ENTROPY_METHODS:
        estimate = estimate_entropy(R_EXAMPLE, method)
        assert type(estimate.entropy) is float and type(estimate.std_err) is float


def test_caller_array_is_not_modified():
    counts = np.array([3.0, 0.0, 2.0])
    before = counts.copy()
    for method in ENTROPY_METHODS:
        estimate_entropy(counts, method)
    probability_interval(counts)
    probability_covariance(counts)
    np.testing.assert_array_equal(counts, before)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([], "non-empty 1-D array"),
        ([[1, 2], [3, 4]], "non-empty 1-D array"),
        ([1, -1], r"counts\[1\] is -1.0"),
        ([1, np.nan], r"counts\[1\] is nan"),
        ([np.inf, 1], r"counts\[0\] is inf"),
        ([0, 0], "counts sum to zero"),
    ],
)
@pytest.mark.parametrize(
    "function", [estimate_entropy, probability_interval, probability_std_err]
)
def test_rejects_invalid_counts(function, counts, message):
    with pytest.raises(ValueError, match=message):
        function(counts)


def test_rejects_unknown_method_and_bad_base():
    with pytest.raises(ValueError, match=r"method must be one of \['plugin'"):
        estimate_entropy([1, 2], "grassberger")
    for base in (1, 0, -2, math.inf, "2"):
        with pytest.raises(ValueError, match="base must be a finite positive"):
            estimate_entropy([1, 2], base=base)
