"""
=========================================================
Choosing the objective and C in one grid search
=========================================================

:class:`~skxent.SoftmaxClassifier` takes its training objective as a
parameter, so a single :class:`~sklearn.model_selection.GridSearchCV` can
compare objectives and regularization strengths. skxent's scorers
``neg_cross_entropy`` and ``neg_kl_divergence`` score held-out soft targets,
next to accuracy against each target's most probable class.

The held-out cross-entropy and KL divergence of a model differ by the entropy
of the held-out targets, whatever the model. Both scorers therefore rank the
candidates identically; they report different numbers, not different choices.
"""

# %%
# Soft targets from annotator votes
# ---------------------------------
# Five simulated annotators label each sample, each drawing a label from the
# true class probabilities of that sample. The target of a sample is the
# fraction of votes per class. Only 4 of the 60 features are informative and
# there are 400 samples, so regularization matters.

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import softmax
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

from skxent import SoftmaxClassifier
from skxent.metrics import entropy, get_scorer, kl_divergence

rng = np.random.default_rng(0)
n_samples, n_features, n_classes, n_annotators = 400, 60, 4, 5
true_weights = rng.normal(scale=1.5, size=(4, n_classes))


def simulate(n):
    """Features, true class probabilities and annotator vote fractions."""
    X = rng.normal(size=(n, n_features))
    true_proba = softmax(X[:, :4] @ true_weights, axis=1)
    # A vote is the number of cumulative probabilities below a uniform draw.
    cumulative = true_proba.cumsum(axis=1)[:, None, :-1]
    votes = (rng.random((n, n_annotators, 1)) > cumulative).sum(axis=2)
    fractions = (votes[:, :, None] == np.arange(n_classes)).mean(axis=1)
    return X, true_proba, fractions


X, true_proba, targets = simulate(n_samples)
print(f"{n_samples} samples, {n_features} features, {n_classes} classes")
print(f"mean entropy of the vote fractions: {entropy(targets).mean():.4f} nats")
print(f"targets with a zero entry: {np.mean(np.any(targets == 0, axis=1)):.0%}")

# %%
# One grid search over objective and C
# ------------------------------------
# Reverse KL divergence, ``KL(q || p)``, evaluates ``log p`` and needs targets
# without zeros; ``label_smoothing=0.05`` gives every class a little mass, and
# is applied to all objectives alike so that only the objective changes. The
# scorers compare predictions with the unsmoothed vote fractions.
#
# :meth:`SoftmaxClassifier.score <skxent.SoftmaxClassifier.score>` is the
# accuracy against each target's most probable class. The data are small, so
# each fit runs on one thread.


def accuracy(estimator, X, y):
    return estimator.score(X, y)


objectives = ["cross_entropy", "kl_divergence", "reverse_kl_divergence"]
C_values = np.logspace(-3, 2, 11)
folds = KFold(5, shuffle=True, random_state=0)
search = GridSearchCV(
    SoftmaxClassifier(label_smoothing=0.05, max_iter=1000, n_jobs=1),
    {"objective": objectives, "C": C_values},
    scoring={
        "neg_cross_entropy": get_scorer("neg_cross_entropy"),
        "neg_kl_divergence": get_scorer("neg_kl_divergence"),
        "accuracy": accuracy,
    },
    refit="neg_kl_divergence",
    cv=folds,
).fit(X, targets)
results = search.cv_results_

# %%
# What the search measured
# ------------------------
# The best C of each training objective, by held-out KL divergence, and the
# gap between the two held-out scores.

candidate_objective = np.array([params["objective"] for params in results["params"]])
candidate_C = np.array([params["C"] for params in results["params"]])
held_out_ce = -results["mean_test_neg_cross_entropy"]
held_out_kl = -results["mean_test_neg_kl_divergence"]
held_out_entropy = np.mean(
    [entropy(targets[test]).mean() for _, test in folds.split(X)]
)

for objective in objectives:
    rows = np.flatnonzero(candidate_objective == objective)
    best = rows[np.argmin(held_out_kl[rows])]
    print(
        f"{objective:>22}: best C = {candidate_C[best]:<7.3g} held-out CE "
        f"{held_out_ce[best]:.4f}, KL {held_out_kl[best]:.4f}, accuracy "
        f"{results['mean_test_accuracy'][best]:.3f}"
    )
gap = held_out_ce - held_out_kl
print(f"CE - KL for all {gap.size} candidates: {gap.min():.9f} .. {gap.max():.9f}")
print(f"mean entropy of the held-out targets:   {held_out_entropy:.9f}")

is_ce = candidate_objective == "cross_entropy"
is_kl = candidate_objective == "kl_divergence"
is_reverse = candidate_objective == "reverse_kl_divergence"
# Cross-entropy and KL training give the same models, hence the same scores.
assert np.allclose(held_out_ce[is_ce], held_out_ce[is_kl], rtol=0, atol=1e-9)
# The scorers differ by the same constant for every model, reverse KL included,
assert np.allclose(gap, held_out_entropy, rtol=0, atol=1e-9)
# so they rank the candidates identically.
assert candidate_C[np.argmin(held_out_ce)] == candidate_C[np.argmin(held_out_kl)]
# Reverse KL is a different objective: its models score differently.
assert not np.allclose(held_out_kl[is_reverse], held_out_kl[is_ce], atol=1e-3)

# %%
# Scores against C
# ----------------
# Cross-entropy and KL training draw the same line (the markers of one cover
# the other). The two left panels have the same shape, shifted by the held-out
# target entropy. Reverse KL is a different objective with a different best C;
# with a weak penalty its held-out scores degrade, because its mode-seeking
# fits grow overconfident (measured at the end of this example).

panels = [
    ("held-out cross-entropy (nats)", held_out_ce),
    ("held-out KL divergence (nats)", held_out_kl),
    ("held-out accuracy", results["mean_test_accuracy"]),
]
styles = {
    "cross_entropy": dict(marker="o", markersize=8, lw=3),
    "kl_divergence": dict(marker="x", markersize=6, lw=1),
    "reverse_kl_divergence": dict(marker="s", markersize=4, lw=1.5),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
for ax, (label, values) in zip(axes, panels, strict=True):
    for objective in objectives:
        rows = candidate_objective == objective
        ax.plot(candidate_C[rows], values[rows], label=objective, **styles[objective])
    ax.set(xscale="log", xlabel="C", title=label)
axes[0].legend()
plt.show()

# %%
# The refitted model against the truth
# ------------------------------------
# ``refit="neg_kl_divergence"`` refits the best candidate on all samples
# (cross-entropy and KL training tie; either may be reported). Fresh samples
# from the simulation show how far its probabilities are from the true class
# probabilities, the quantity the votes estimate.

X_new, true_proba_new, _ = simulate(2000)
model = search.best_estimator_
best = search.best_params_
print(f"selected: objective={best['objective']!r}, C={best['C']:g}")
print(
    "KL(true || model) on fresh samples: "
    f"{kl_divergence(true_proba_new, model.predict_proba(X_new)):.4f} nats"
)

# %%
# The same comparison for the weakest penalty shows why reverse KL degrades:
# its fit is more confident than the truth (mean probability of the most
# probable class), and pays for it in divergence from the truth.

print(
    f"true class probabilities: mean confidence {true_proba_new.max(axis=1).mean():.3f}"
)
confidence = {}
for objective in ["cross_entropy", "reverse_kl_divergence"]:
    weak = clone(search.estimator).set_params(objective=objective, C=C_values[-1])
    proba = weak.fit(X, targets).predict_proba(X_new)
    confidence[objective] = proba.max(axis=1).mean()
    print(
        f"{objective:>22}, C={C_values[-1]:g}: mean confidence "
        f"{confidence[objective]:.3f}, KL(true || model) "
        f"{kl_divergence(true_proba_new, proba):.4f}"
    )
assert confidence["reverse_kl_divergence"] > confidence["cross_entropy"]
