"""Uncertainty of categorical frequencies and estimators of their entropy.

Every function takes the counts :math:`n_k` of the :math:`K` categories of one
categorical variable, a 1-D array whose zeros are categories that exist but
were not observed, and :math:`N = \\sum_k n_k`. Counts may be weighted
(non-integer) unless said otherwise; weights act as frequency weights, so
:math:`N` is the total weight.

The maximum-likelihood frequencies :math:`p_k = n_k / N` have the multinomial
covariance :math:`(\\operatorname{diag}(p) - p p^\\top) / N`. Their plug-in
entropy :math:`H = -\\sum_k p_k \\log p_k` is biased low (by about
:math:`(K - 1) / (2 N)`), and :func:`estimate_entropy` offers the estimators
that correct it, with a standard error where the method defines one:

- ``"plugin"``: :math:`-\\sum_k p_k \\log p_k`; delta-method standard error;
- ``"miller_madow"``: the plug-in estimate plus :math:`(m - 1) / (2 N)`;
- ``"jackknife"``: :math:`N H - (N - 1) \\frac1N \\sum_i H_{(-i)}`; jackknife
  standard error;
- ``"chao_shen"``: :math:`-\\sum_k C p_k \\log(C p_k) / (1 - (1 - C p_k)^N)`
  with the sample coverage :math:`C = 1 - f_1 / N` [CS2003]_;
- ``"shrinkage"``: the plug-in entropy of :math:`\\lambda / K + (1 - \\lambda) p`,
  James-Stein shrinkage towards the uniform distribution [HS2009]_;
- ``"nsb"``: the posterior mean under the prior of [NSB2002]_; the posterior
  standard deviation.

Here :math:`m` is the number of observed categories, :math:`H_{(-i)}` the
plug-in entropy without observation :math:`i` and :math:`f_1` the number of
categories seen exactly once. The formulas, and what each method does with unobserved
categories, are in :func:`estimate_entropy`. The anchors are the R package
``entropy`` (Hausser and Strimmer; its ``entropy.MillerMadow``,
``entropy.ChaoShen`` and ``freqs.shrink`` are followed to the letter, edge
cases included) and the Python package ``ndd`` for NSB.

References
----------
.. [CS2003] A. Chao and T.-J. Shen, "Nonparametric estimation of Shannon's
   index of diversity when there are unseen species in sample", Environmental
   and Ecological Statistics 10, 429-443 (2003).
.. [HS2009] J. Hausser and K. Strimmer, "Entropy inference and the James-Stein
   estimator, with application to nonlinear gene association networks",
   Journal of Machine Learning Research 10, 1469-1484 (2009).
.. [NSB2002] I. Nemenman, F. Shafee and W. Bialek, "Entropy and inference,
   revisited", Advances in Neural Information Processing Systems 14 (2002).
.. [WW1995] D. H. Wolpert and D. R. Wolf, "Estimating functions of probability
   distributions from a finite set of samples", Physical Review E 52, 6841
   (1995).
.. [BCD2001] L. D. Brown, T. T. Cai and A. DasGupta, "Interval estimation for
   a binomial proportion", Statistical Science 16, 101-133 (2001).
"""

import math
import numbers
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import betaln, digamma, entr, gammaln, polygamma
from scipy.stats import beta, norm

from skxent._validation import log_of_base

__all__ = [
    "ENTROPY_METHODS",
    "INTERVAL_METHODS",
    "EntropyEstimate",
    "estimate_entropy",
    "probability_covariance",
    "probability_interval",
    "probability_std_err",
]

ENTROPY_METHODS = (
    "plugin",
    "miller_madow",
    "jackknife",
    "chao_shen",
    "shrinkage",
    "nsb",
)
INTERVAL_METHODS = ("wilson", "jeffreys", "clopper_pearson")


class EntropyEstimate(NamedTuple):
    """An entropy estimate and its standard error (NaN where none is defined)."""

    entropy: float
    std_err: float


def _check_counts(counts):
    """``counts`` as a float64 array of finite non-negative counts, and their sum."""
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            "counts must be a non-empty 1-D array with one count per category, "
            f"got shape {values.shape}."
        )
    invalid = ~(np.isfinite(values) & (values >= 0))
    if np.any(invalid):
        k = np.flatnonzero(invalid)[0]
        raise ValueError(
            f"counts must be finite and non-negative, but counts[{k}] is {values[k]}."
        )
    total = float(values.sum())
    if total == 0:
        raise ValueError("counts sum to zero; at least one count must be positive.")
    return values, total


def _check_integer_counts(counts, method):
    fractional = counts != np.floor(counts)
    if np.any(fractional):
        k = np.flatnonzero(fractional)[0]
        raise ValueError(
            f"method={method!r} counts single observations and needs integer "
            f"counts, but counts[{k}] is {counts[k]}. For weighted counts use "
            "'plugin', 'miller_madow', 'shrinkage' or 'nsb'; round the counts "
            "first if they are integers up to floating-point error."
        )


def probability_covariance(counts):
    """Covariance of the maximum-likelihood frequencies :math:`p = n / N`.

    Under multinomial sampling of :math:`N` observations,
    :math:`\\operatorname{Cov}(p) = (\\operatorname{diag}(p) - p p^\\top) / N`,
    evaluated at the estimate :math:`p`. It is singular (its rows sum to zero,
    since :math:`\\sum_k p_k = 1`); an unobserved
    category has variance zero.

    Parameters
    ----------
    counts : array-like of shape (n_categories,)
        Non-negative (weighted) count of each category.

    Returns
    -------
    covariance : ndarray of shape (n_categories, n_categories)

    Examples
    --------
    >>> from skxent._entropy_estimators import probability_covariance
    >>> probability_covariance([3, 1]) * 4  # diag(p) - p p^T
    array([[ 0.1875, -0.1875],
           [-0.1875,  0.1875]])
    """
    counts, total = _check_counts(counts)
    p = counts / total
    return (np.diag(p) - np.outer(p, p)) / total


def probability_std_err(counts):
    """Standard error :math:`\\sqrt{p (1 - p) / N}` of each frequency :math:`p`.

    The square root of the diagonal of :func:`probability_covariance`. It is
    zero for a category with count 0 or :math:`N`, where the normal approximation
    fails: use :func:`probability_interval` for small counts.

    Parameters
    ----------
    counts : array-like of shape (n_categories,)
        Non-negative (weighted) count of each category.

    Returns
    -------
    std_err : ndarray of shape (n_categories,)

    Examples
    --------
    >>> from skxent._entropy_estimators import probability_std_err
    >>> probability_std_err([30, 10])  # sqrt(0.75 * 0.25 / 40)
    array([0.06846532, 0.06846532])
    """
    counts, total = _check_counts(counts)
    p = counts / total
    return np.sqrt(p * (1 - p) / total)


def probability_interval(counts, *, confidence_level=0.95, method="wilson"):
    """Confidence interval of each category's probability, inside [0, 1].

    Each category is treated as a binomial proportion, :math:`n` successes in
    :math:`N` trials; the intervals are marginal, one category at a time, not
    simultaneous. With :math:`\\alpha` = ``1 - confidence_level`` and :math:`z`
    the :math:`1 - \\alpha / 2` normal quantile:

    - ``"wilson"``: the score interval of Wilson (1927), the set of :math:`p`
      that a two-sided score test does not reject,
      :math:`(n + z^2 / 2 \\pm z \\sqrt{n (N - n) / N + z^2 / 4}) / (N + z^2)`;
      recommended by [BCD2001]_ for its coverage close to nominal at every
      :math:`N`. It is not centred on :math:`n / N`: it moves towards 1/2.
    - ``"jeffreys"``: the equal-tailed interval of the
      :math:`\\operatorname{Beta}(n + 1/2, N - n + 1/2)` posterior under
      Jeffreys' prior [BCD2001]_, with the lower end 0 when :math:`n = 0` and
      the upper end 1 when :math:`n = N`.
    - ``"clopper_pearson"``: the "exact" interval of Clopper and Pearson
      (1934), quantiles :math:`\\alpha / 2` of
      :math:`\\operatorname{Beta}(n, N - n + 1)` and :math:`1 - \\alpha / 2` of
      :math:`\\operatorname{Beta}(n + 1, N - n)`. Its coverage is at least
      ``confidence_level`` for integer counts, and often well above.

    All three are defined for weighted counts, with :math:`N` the total weight.

    Parameters
    ----------
    counts : array-like of shape (n_categories,)
        Non-negative (weighted) count of each category.
    confidence_level : float in (0, 1), default=0.95
        Coverage of each interval (:math:`1 - \\alpha` in the usual notation).
    method : {"wilson", "jeffreys", "clopper_pearson"}, default="wilson"
        How the interval is computed.

    Returns
    -------
    lower, upper : ndarray of shape (n_categories,)
        Ends of the interval of each category, ``0 <= lower <= upper <= 1``.

    Examples
    --------
    >>> from skxent._entropy_estimators import probability_interval
    >>> lower, upper = probability_interval([0, 3, 7])
    >>> lower
    array([0.        , 0.10779127, 0.39677815])
    >>> upper
    array([0.2775328 , 0.60322185, 0.89220873])
    >>> probability_interval([0, 3, 7], method="clopper_pearson")[1]
    array([0.30849711, 0.65245285, 0.93326049])
    """
    if method not in INTERVAL_METHODS:
        raise ValueError(
            f"method must be one of {list(INTERVAL_METHODS)}, got {method!r}."
        )
    if not (isinstance(confidence_level, numbers.Real) and 0 < confidence_level < 1):
        raise ValueError(
            "confidence_level must be a number strictly between 0 and 1, got "
            f"{confidence_level!r}; 0.95 gives 95 % intervals."
        )
    counts, total = _check_counts(counts)
    tail = (1 - confidence_level) / 2
    if method == "wilson":
        z2 = norm.isf(tail) ** 2
        centre = (counts + z2 / 2) / (total + z2)
        half_width = np.sqrt(z2 * (counts * (total - counts) / total + z2 / 4)) / (
            total + z2
        )
        lower, upper = centre - half_width, centre + half_width
    else:
        shift = 0.5 if method == "jeffreys" else 0.0
        with np.errstate(invalid="ignore"):  # Beta(0, .) at the ends, set below
            lower = beta.ppf(tail, counts + shift, total - counts + 1 - shift)
            upper = beta.isf(tail, counts + 1 - shift, total - counts + shift)
        lower[counts == 0] = 0.0
        upper[counts == total] = 1.0
    # Clipping removes only the rounding of the Wilson ends at n = 0 and n = N.
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _plugin(counts, total):
    p = counts / total
    entropy = float(entr(p).sum())
    # Delta method: the gradient of H is -(log p + 1), and the multinomial
    # covariance turns g^T Cov g into sum p (log p + H)^2 / N, the variance
    # of log p under p. Centred, not as sum p log^2 p - H^2: that difference
    # cancels to rounding noise (7e-9 for four equal counts, where the
    # variance is 0).
    deviation = np.log(np.where(p > 0, p, 1.0)) + entropy
    variance = float(p @ deviation**2) / total
    return entropy, math.sqrt(variance)


def _miller_madow(counts, total):
    observed = np.count_nonzero(counts)
    entropy = _plugin(counts, total)[0] + (observed - 1) / (2 * total)
    return entropy, math.nan


def _jackknife(counts, total):
    if total < 2:
        raise ValueError(
            "method='jackknife' leaves out one observation at a time and needs "
            f"at least 2 observations; the counts sum to {total:g}."
        )
    seen = counts[counts > 0]
    # Without one observation of category k, the other N - 1 have the counts
    # n with n_k lowered by one: one term of their plug-in entropy changes,
    # the same for every observation of k. (entr is -x log x, also for x > 1.)
    shares = seen / (total - 1)
    leave_one_out = entr(shares).sum() - entr(shares) + entr((seen - 1) / (total - 1))
    mean = float(seen @ leave_one_out) / total
    entropy = total * _plugin(counts, total)[0] - (total - 1) * mean
    variance = (total - 1) / total * float(seen @ (leave_one_out - mean) ** 2)
    return entropy, math.sqrt(variance)


def _chao_shen(counts, total):
    seen = counts[counts > 0]
    singletons = np.count_nonzero(seen == 1)
    # Only singletons (N of them) would give coverage 0; R's entropy.ChaoShen
    # then counts one fewer singleton.
    if singletons == total:
        singletons -= 1
    adjusted = (1 - singletons / total) * seen / total
    # 1 - (1 - p)^N, the probability that the category is in the sample (1
    # for the single category of coverage 1, where log1p(-1) = -inf).
    with np.errstate(divide="ignore"):
        inclusion = -np.expm1(total * np.log1p(-adjusted))
    return float((entr(adjusted) / inclusion).sum()), math.nan


def _shrinkage(counts, total):
    target = 1.0 / counts.size
    p = counts / total
    # The unbiased variance estimate p (1 - p) / (N - 1) needs N > 1; R's
    # freqs.shrink shrinks fully for N = 1.
    if total <= 1:
        intensity = 1.0
    else:
        misfit = float(((p - target) ** 2).sum())
        variance = (1 - float(p @ p)) / (total - 1)
        intensity = 1.0 if misfit == 0 else min(max(variance / misfit, 0.0), 1.0)
    shrunk = intensity * target + (1 - intensity) * p
    return float(entr(shrunk).sum()), math.nan


# NSB: the entropy of p ~ Dirichlet(a, ..., a) averaged over a, with a prior on
# a that makes the prior mean entropy xi(a) = psi(K a + 1) - psi(a + 1)
# uniform, p(a) ~ xi'(a) = K psi_1(K a + 1) - psi_1(a + 1). The integrals run
# over x = log(a), on Gauss-Legendre panels: one across the peak, where the
# log-density is within _NSB_CORE_DROP of its maximum, then panels doubling in
# width out to where it has fallen by _NSB_TAIL.
_NSB_CORE_DROP = 0.5
_NSB_TAIL = 50.0
_NSB_SMALLEST_OFFSET = 1e-6  # from the mode, in log(a)
# At most 28 panels on each side, out to 134 from the mode in log(a): far
# enough, since the density falls at least like exp(-|log a|) in both tails,
# and near enough that a^2 does not overflow.
_NSB_DOUBLINGS = 28
_NSB_NODES, _NSB_WEIGHTS = np.polynomial.legendre.leggauss(20)
# Bernoulli-number coefficients of psi_1(z) - 1/z = 1/(2 z^2) + 1/(6 z^3) -
# 1/(30 z^5) + ..., accurate to 1e-14 relative for z >= 20.
_TRIGAMMA_SERIES = (
    (2, 1 / 2),
    (3, 1 / 6),
    (5, -1 / 30),
    (7, 1 / 42),
    (9, -1 / 30),
    (11, 5 / 66),
)


def _trigamma_minus_reciprocal(z):
    """``psi_1(z) - 1/z`` for ``z >= 1``, without cancellation at large ``z``."""
    small = np.minimum(z, 20.0)
    direct = polygamma(1, small) - 1 / small
    inverse = 1 / np.maximum(z, 20.0)
    series = sum(c * inverse**power for power, c in _TRIGAMMA_SERIES)
    return np.where(z < 20, direct, series)


def _log_rising(x, n):
    """``log Gamma(x + n) - log Gamma(x)``, with SciPy's ``betaln`` series for
    ``x >> n`` where the difference of log-gammas would cancel."""
    positive = n > 0
    safe_n = np.where(positive, n, 1.0)
    return np.where(positive, gammaln(safe_n) - betaln(x, safe_n), 0.0)


class _NsbPosterior:
    """Posterior over ``x = log(a)`` of the NSB mixture of Dirichlet priors."""

    def __init__(self, counts, total):
        self.values, self.multiplicities = np.unique(counts, return_counts=True)
        self.n_categories = counts.size
        self.total = total

    def log_weight(self, x):
        """Unnormalized log-density of ``x = log(a)``: prior, likelihood, Jacobian."""
        a = np.exp(x)[:, None]
        k = self.n_categories
        ka = k * a[:, 0]
        # xi'(a), written so that nothing cancels when a is large.
        prior = (k - 1) / (ka + 1) / (a[:, 0] + 1) + (
            k * _trigamma_minus_reciprocal(ka + 1)
            - _trigamma_minus_reciprocal(a[:, 0] + 1)
        )
        likelihood = _log_rising(a, self.values) @ self.multiplicities - _log_rising(
            ka, self.total
        )
        return np.log(prior) + likelihood + x

    def moments(self, x):
        """Posterior mean and variance of the entropy given ``a = exp(x)``.

        With ``a_k = n_k + a`` and ``A = N + K a`` the Dirichlet posterior has
        ``E[H] = psi(A + 1) - sum_k a_k psi(a_k + 1) / A`` [WW1995]_; the
        variance is the second moment of [WW1995]_ minus ``E[H]^2``, rearranged
        so that the terms of order ``H^2`` cancel on paper, not in floating
        point.
        """
        a = self.values + np.exp(x)[:, None]
        z = self.multiplicities
        big_a = self.total + self.n_categories * np.exp(x)
        digamma_a = digamma(a + 1)
        mean = digamma(big_a + 1) - (a * digamma_a) @ z / big_a
        phi = digamma_a - digamma(big_a + 2)[:, None]
        s = (a * phi) @ z
        spread = (a * phi**2 + a / (a + 1) + a * (a + 1) * polygamma(1, a + 2)) @ z
        variance = (
            spread / (big_a * (big_a + 1))
            - s**2 / (big_a**2 * (big_a + 1))
            - polygamma(1, big_a + 1)
        )
        return mean, np.maximum(variance, 0.0)

    def mode(self):
        """``x`` of largest posterior density: a grid, then Brent's method."""
        k, total = self.n_categories, self.total
        # The density rises like a^m (m observed categories) from a = 0 and
        # falls like 1/a once K a >> N: the mode lies between.
        step = 0.5
        grid = np.arange(-50.0, math.log1p(total) + 50.0, step) - math.log(k)
        best = grid[np.argmax(self.log_weight(grid))]
        # The mode only anchors the panels: a small fraction of the width of
        # the peak is close enough.
        result = minimize_scalar(
            lambda x: -self.log_weight(np.array([x]))[0],
            bounds=(best - step, best + step),
            method="bounded",
            options={"xatol": 1e-7},
        )
        return result.x

    def panels(self, mode):
        """Panel edges, doubling in width away from the central panel."""
        offsets = _NSB_SMALLEST_OFFSET * 2.0 ** np.arange(_NSB_DOUBLINGS)
        peak = self.log_weight(np.array([mode]))[0]
        edges = []
        for side in (-1.0, 1.0):
            candidates = mode + side * offsets
            drop = peak - self.log_weight(candidates)
            core = max(np.count_nonzero(drop <= _NSB_CORE_DROP) - 1, 0)
            beyond = np.flatnonzero(drop > _NSB_TAIL)
            last = beyond[0] if beyond.size else offsets.size - 1
            edges.append(candidates[core : last + 1])
        return np.sort(np.concatenate(edges))

    def integrate(self):
        """Posterior mean and standard deviation of the entropy."""
        edges = self.panels(self.mode())
        half_widths = np.diff(edges)[:, None] / 2
        centres = (edges[:-1] + edges[1:])[:, None] / 2
        x = (centres + half_widths * _NSB_NODES).ravel()
        log_w = self.log_weight(x)
        weights = (half_widths * _NSB_WEIGHTS).ravel() * np.exp(log_w - log_w.max())
        weights /= weights.sum()
        mean, variance = self.moments(x)
        estimate = float(weights @ mean)
        # Law of total variance, around the estimate so that nothing cancels.
        total_variance = float(weights @ (variance + (mean - estimate) ** 2))
        return estimate, math.sqrt(total_variance)


def _nsb(counts, total):
    if counts.size == 1:
        return 0.0, 0.0
    return _NsbPosterior(counts, total).integrate()


_ESTIMATORS = {
    "plugin": (_plugin, False),
    "miller_madow": (_miller_madow, False),
    "jackknife": (_jackknife, True),
    "chao_shen": (_chao_shen, True),
    "shrinkage": (_shrinkage, False),
    "nsb": (_nsb, False),
}


def estimate_entropy(counts, method="plugin", *, base=None):
    """Estimate the entropy of a categorical distribution from its counts.

    ``counts`` holds one entry per category, zeros included: the number of
    categories :math:`K` is ``len(counts)``, which matters to ``"shrinkage"``
    and ``"nsb"`` only. With :math:`p_k = n_k / N`:

    - ``"plugin"``: the entropy of the empirical frequencies,
      :math:`H = -\\sum_k p_k \\log p_k`, with the delta-method standard error
      :math:`\\sqrt{(\\sum_k p_k \\log^2 p_k - H^2) / N}`. Biased low, by about
      :math:`(K - 1) / (2 N)` when every category is well sampled, by more
      when many are not.
    - ``"miller_madow"``: :math:`H + (m - 1) / (2 N)`, the first-order bias
      correction with :math:`m` the number of observed categories (R
      ``entropy.MillerMadow``). No standard error.
    - ``"jackknife"``: :math:`N H - (N - 1) \\bar H_{(-\\cdot)}` over the
      :math:`N` leave-one-out plug-in entropies :math:`H_{(-i)}` of mean
      :math:`\\bar H_{(-\\cdot)}`, with the jackknife standard error
      :math:`\\sqrt{\\frac{N - 1}{N} \\sum_i (H_{(-i)} - \\bar H_{(-\\cdot)})^2}`.
      Integer counts, :math:`N \\ge 2`.
    - ``"chao_shen"``: the coverage-adjusted estimator of [CS2003]_,
      :math:`-\\sum_k C p_k \\log(C p_k) / (1 - (1 - C p_k)^N)` over observed
      categories, with the Good-Turing sample coverage
      :math:`C = 1 - f_1 / N` (:math:`f_1` categories seen once; when all
      :math:`N` are, :math:`f_1 = N - 1`, as in R ``entropy.ChaoShen``). It
      allows for unseen categories without knowing :math:`K`. Integer counts.
      No standard error (the authors use the bootstrap).
    - ``"shrinkage"``: the plug-in entropy of
      :math:`\\lambda / K + (1 - \\lambda) p`, James-Stein shrinkage towards
      the uniform distribution over all :math:`K` categories with the
      intensity of [HS2009]_,
      :math:`\\lambda = (1 - \\sum_k p_k^2) / ((N - 1) \\sum_k (1/K - p_k)^2)`
      clipped to :math:`[0, 1]` (1 when :math:`N \\le 1` or :math:`p` is
      uniform; R ``freqs.shrink``). No standard error.
    - ``"nsb"``: the posterior mean of the entropy of [NSB2002]_: a mixture
      over :math:`a` of symmetric :math:`\\operatorname{Dirichlet}(a)` priors
      on the :math:`K` probabilities, weighted so that the prior on the
      entropy is nearly uniform on :math:`[0, \\log K]`; the standard error is
      the posterior standard deviation. :math:`K = 1` gives 0 exactly. The
      integral over :math:`\\log a` is computed to about 1e-9 relative.
      Declaring categories that cannot occur raises the estimate: :math:`K`
      is part of the prior.

    Weighted (non-integer) counts are accepted where the formula is defined
    for them (all but ``"jackknife"`` and ``"chao_shen"``, which count single
    observations); :math:`N` is then the total weight, which makes the standard
    errors and bias corrections right for frequency weights only.

    Parameters
    ----------
    counts : array-like of shape (n_categories,)
        Non-negative count of each category, zero for a category not observed.
    method : {"plugin", "miller_madow", "jackknife", "chao_shen", \
            "shrinkage", "nsb"}, default="plugin"
        The estimator.
    base : float, default=None
        Base of the logarithm: ``None`` for nats, 2 for bits.

    Returns
    -------
    estimate : EntropyEstimate
        A named tuple ``(entropy, std_err)`` of floats; ``std_err`` is NaN for
        the methods without one.

    Examples
    --------
    The example counts of the R ``entropy`` package's help pages:

    >>> from skxent._entropy_estimators import estimate_entropy
    >>> y = [4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1]
    >>> estimate_entropy(y)
    EntropyEstimate(entropy=1.96838..., std_err=0.10228...)
    >>> estimate_entropy(y, "miller_madow")  # 1.96838 + (8 - 1) / (2 * 19)
    EntropyEstimate(entropy=2.15259..., std_err=nan)
    >>> estimate_entropy(y, "nsb")  # R: entropy.NSB(y) # 2.187774
    EntropyEstimate(entropy=2.187774..., std_err=0.14089...)
    >>> estimate_entropy(y, "jackknife", base=2)  # in bits
    EntropyEstimate(entropy=3.21904..., std_err=0.23290...)
    """
    if method not in _ESTIMATORS:
        raise ValueError(
            f"method must be one of {list(ENTROPY_METHODS)}, got {method!r}."
        )
    log_base = log_of_base(base)
    counts, total = _check_counts(counts)
    estimator, needs_integers = _ESTIMATORS[method]
    if needs_integers:
        _check_integer_counts(counts, method)
    entropy, std_err = estimator(counts, total)
    return EntropyEstimate(float(entropy) / log_base, float(std_err) / log_base)
