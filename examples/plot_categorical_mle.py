"""
=====================================================
Categorical MLE: smoothing and the entropy estimate
=====================================================

:class:`~skxent.CategoricalMLE` fits a categorical distribution by maximum
likelihood, the empirical frequencies, optionally smoothed with Dirichlet
pseudo-counts ``alpha``. Two questions come with it:

* how much smoothing? Choose ``alpha`` by cross-validated log-likelihood,
  which is what :meth:`~skxent.CategoricalMLE.score` reports;
* how good is the entropy of the fitted distribution as an estimate of the
  true entropy? The plug-in estimate from the empirical frequencies is biased
  low, by about ``(K - 1) / (2 N)`` for ``K`` categories and ``N`` samples.

The data are draws from a known Zipf-like distribution over 200 categories,
so every estimate can be compared with the truth.
"""

# %%
# A long-tailed distribution, sparsely sampled
# --------------------------------------------
# 400 draws from 200 categories whose probabilities fall off like ``1 / k``:
# many categories are never seen.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skxent import CategoricalMLE
from skxent.metrics import cross_entropy, entropy

rng = np.random.default_rng(0)
n_categories = 200
true_proba = 1.0 / np.arange(1, n_categories + 1) ** 1.1
true_proba /= true_proba.sum()
true_entropy = entropy(true_proba)
all_categories = [np.arange(n_categories)]

X = rng.choice(n_categories, size=(400, 1), p=true_proba)
print(f"true entropy: {true_entropy:.4f} nats")
print(f"categories seen in {len(X)} draws: {np.unique(X).size} of {n_categories}")

# %%
# Maximum likelihood fails on held-out data
# -----------------------------------------
# Declaring all 200 categories makes every fold score the same set of values.
# Without smoothing, a category absent from a training fold gets probability
# zero, and a held-out draw of it has log-likelihood ``-inf``.

folds = KFold(5, shuffle=True, random_state=0)
mle_scores = cross_val_score(CategoricalMLE(categories=all_categories), X, cv=folds)
print(f"alpha=0, held-out log-likelihood per fold: {mle_scores}")
assert np.all(np.isneginf(mle_scores))

# %%
# Choosing alpha by cross-validated log-likelihood
# ------------------------------------------------
# :class:`~sklearn.model_selection.GridSearchCV` maximizes ``score``, the mean
# held-out log-likelihood per draw, over numeric pseudo-counts and the named
# presets (whose value depends on ``K`` and ``N``).
#
# Because the true distribution is known, each fit on all 400 draws also has
# an exact expected log-loss on new draws: the cross-entropy
# ``H(p, q) = H(p) + KL(p || q)`` from the truth ``p`` to the fit ``q``, at
# least ``H(p)``.

numeric_alphas = np.logspace(-3, 1, 17)
presets = ["perks", "minimax", "jeffreys", "laplace"]
search = GridSearchCV(
    CategoricalMLE(categories=all_categories),
    {"alpha": [*numeric_alphas, *presets]},
    cv=folds,
).fit(X)
cv_log_loss = -search.cv_results_["mean_test_score"]
print(f"best by cross-validation: alpha = {search.best_params_['alpha']}")


def exact_log_loss(alpha):
    model = CategoricalMLE(alpha, categories=all_categories).fit(X)
    return cross_entropy([true_proba], model.probabilities_), model.alpha_[0]


exact = np.array([exact_log_loss(alpha)[0] for alpha in numeric_alphas])
for preset in presets:
    loss, value = exact_log_loss(preset)
    print(f"{preset:>9}: alpha = {value:.4g}, expected log-loss {loss:.4f} nats")
best_alpha = numeric_alphas[exact.argmin()]
print(f"best on the exact curve: alpha = {best_alpha:.3g}")
assert np.all(exact > true_entropy)

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
n_numeric = numeric_alphas.size
ax.plot(numeric_alphas, cv_log_loss[:n_numeric], "o-", label="5-fold CV estimate")
ax.plot(numeric_alphas, exact, "s-", label="exact, fit on all draws")
ax.axhline(true_entropy, color="black", lw=1, label="true entropy H(p)")
for preset, loss in zip(presets, cv_log_loss[n_numeric:], strict=True):
    value = CategoricalMLE(preset, categories=all_categories).fit(X).alpha_[0]
    ax.plot(value, loss, "k*", ms=10)
    below = preset == "jeffreys"  # keeps its label clear of laplace's
    ax.annotate(
        preset,
        (value, loss),
        textcoords="offset points",
        xytext=(-20, -18) if below else (4, 6),
    )
ax.set(
    xscale="log",
    xlabel="pseudo-count alpha",
    ylabel="log-loss per draw (nats)",
    title="Held-out log-loss of smoothed estimates (stars: presets, CV)",
)
ax.legend()
plt.show()

# %%
# The cross-validation curve lies above the exact one, mostly because each
# fold fits on 320 draws instead of 400, but both have their minimum at the
# same moderate ``alpha``: enough to cover the unseen tail, not so much that
# the frequent categories are flattened.

cv_best = numeric_alphas[cv_log_loss[:n_numeric].argmin()]
assert np.all(cv_log_loss[:n_numeric] > exact)
assert cv_best == best_alpha and 0.01 < best_alpha < 10

# %%
# Bias of the plug-in entropy
# ---------------------------
# ``entropy_`` is the entropy of the fitted distribution. Each column of ``X``
# is an independent feature, so one fit on 200 columns gives 200 independent
# estimates. The empirical frequencies never give mass to unseen categories
# and underestimate the entropy; the Miller-Madow correction adds
# ``(K_seen - 1) / (2 N)``. Smoothing with ``alpha = 1/2`` (Jeffreys) over all
# declared categories errs the other way at small ``N``.

sample_sizes = np.array([10, 30, 100, 300, 1000, 3000, 10000])
n_repeats = 200
bias = {"maximum likelihood": [], "Miller-Madow": [], "Jeffreys, alpha=1/2": []}
spread = []
for n in sample_sizes:
    draws = rng.choice(n_categories, size=(n, n_repeats), p=true_proba)
    mle = CategoricalMLE(categories=all_categories * n_repeats).fit(draws)
    jeffreys = CategoricalMLE("jeffreys", categories=all_categories * n_repeats)
    jeffreys.fit(draws)
    n_seen = np.array([np.count_nonzero(c) for c in mle.counts_])
    bias["maximum likelihood"].append(mle.entropy_.mean() - true_entropy)
    bias["Miller-Madow"].append(
        np.mean(mle.entropy_ + (n_seen - 1) / (2 * n)) - true_entropy
    )
    bias["Jeffreys, alpha=1/2"].append(jeffreys.entropy_.mean() - true_entropy)
    spread.append(mle.entropy_.std())

print(f"{'N':>6}" + "".join(f"{name:>22}" for name in bias))
for i, n in enumerate(sample_sizes):
    print(f"{n:>6}" + "".join(f"{values[i]:>22.4f}" for values in bias.values()))

mle_bias = np.array(bias["maximum likelihood"])
# The plug-in estimate is biased low, less so as N grows,
assert np.all(mle_bias < 0) and np.all(np.diff(np.abs(mle_bias)) < 0)
# and for large N the bias approaches -(K - 1) / (2 N).
assert np.isclose(mle_bias[-1], -(n_categories - 1) / (2 * sample_sizes[-1]), rtol=0.3)

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, values in bias.items():
    ax.plot(sample_sizes, values, "o-", label=name)
ax.fill_between(
    sample_sizes,
    mle_bias - np.array(spread),
    mle_bias + np.array(spread),
    alpha=0.2,
    label="maximum likelihood, ±1 std of one estimate",
)
first_order = -(n_categories - 1) / (2 * sample_sizes)
shown = first_order > mle_bias.min()  # the approximation fails for small N
ax.plot(sample_sizes[shown], first_order[shown], "k:", label="-(K - 1) / (2N)")
ax.axhline(0, color="black", lw=1)
ax.set(
    xscale="log",
    xlabel="number of draws N",
    ylabel="mean estimate - true entropy (nats)",
    title=f"Bias of entropy estimates, K = {n_categories}, {n_repeats} repeats",
)
ax.legend()
plt.show()
