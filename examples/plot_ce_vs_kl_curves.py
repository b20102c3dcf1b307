"""
=====================================================
Cross-entropy and KL divergence: parallel loss curves
=====================================================

With fixed soft targets :math:`p`, the cross-entropy and the KL divergence of
a model :math:`q` differ by the target entropy, a constant:

.. math::

    H(p, q) = H(p) + KL(p \\| q).

So both objectives have the same gradient and the same minimizer. This example
trains :class:`~skxent.SoftmaxClassifier` on soft targets with each objective
and shows what that means in practice: the two training curves are the same
curve shifted by the mean target entropy, and the fitted coefficients agree to
rounding error.
"""

# %%
# Soft targets: the votes of a sample's neighbours
# ------------------------------------------------
# Each image of the digits dataset gets as target the class frequencies among
# its 15 nearest neighbours, computed out of fold so that no image votes for
# itself. Many targets are not one-hot, so their entropy :math:`H(p)` is
# positive.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from skxent import SoftmaxClassifier
from skxent.metrics import entropy

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
folds = StratifiedKFold(5, shuffle=True, random_state=0)
targets = cross_val_predict(
    KNeighborsClassifier(n_neighbors=15), X, y, cv=folds, method="predict_proba"
)
target_entropy = entropy(targets).mean()
print(f"{targets.shape[0]} soft targets over {targets.shape[1]} classes")
print(f"mean target entropy H(p): {target_entropy:.6f} nats")

# %%
# One model per objective
# -----------------------
# Same data, same regularization, same solver; only ``objective`` changes.
# ``loss_curve_`` records the objective (penalty included) after each solver
# iteration.

ce = SoftmaxClassifier("cross_entropy", C=1.0, max_iter=500).fit(X, targets)
kl = SoftmaxClassifier("kl_divergence", C=1.0, max_iter=500).fit(X, targets)

ce_curve = np.array(ce.loss_curve_)
kl_curve = np.array(kl.loss_curve_)
gap = ce_curve - kl_curve
print(f"iterations: cross-entropy {ce.n_iter_[0]}, KL divergence {kl.n_iter_[0]}")
print(f"final objective: cross-entropy {ce.loss_:.6f}, KL divergence {kl.loss_:.6f}")
print(f"CE - KL along the curves: {gap.min():.9f} .. {gap.max():.9f} nats")
print(f"largest coefficient difference: {np.abs(ce.coef_ - kl.coef_).max():.1e}")

# The facts this example illustrates, checked:
assert ce.n_iter_ == kl.n_iter_
assert np.allclose(gap, target_entropy, rtol=0, atol=1e-9)
assert np.allclose(ce.coef_, kl.coef_, rtol=0, atol=1e-8)
assert np.allclose(ce.intercept_, kl.intercept_, rtol=0, atol=1e-8)

# %%
# The curves are the same curve, shifted
# --------------------------------------
# Left: both training curves, on a linear axis, where a constant shift keeps
# two curves parallel (on a logarithmic axis the same shift would look like
# curves that converge, since it is a smaller fraction of a larger value).
# Right: their difference at every iteration, flat at the mean target entropy.
# The solver sees identical gradients, so it takes identical steps; only the
# reported value differs.

iterations = np.arange(1, ce_curve.size + 1)
fig, (ax_curves, ax_gap) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_curves.plot(iterations, ce_curve, label="objective='cross_entropy'")
ax_curves.plot(iterations, kl_curve, label="objective='kl_divergence'")
ax_curves.set(
    xlabel="solver iteration",
    ylabel="training objective (nats)",
    title="Training curves",
)
ax_curves.legend()
# Equal vertical distances look equal only on a linear axis.
assert ax_curves.get_yscale() == "linear"

ax_gap.plot(iterations, gap, "o", markersize=3, label="CE - KL")
ax_gap.axhline(target_entropy, color="black", lw=1, label="mean target entropy")
ax_gap.set(
    xlabel="solver iteration",
    ylabel="nats",
    ylim=(0, 2 * target_entropy),
    title="Difference between the curves",
)
ax_gap.legend()
plt.show()

# %%
# With hard labels the two objectives coincide
# --------------------------------------------
# A one-hot target has zero entropy, so cross-entropy and KL divergence are
# both the negative log-likelihood and report the same number.

ce_hard = SoftmaxClassifier("cross_entropy", C=1.0, max_iter=500).fit(X, y)
kl_hard = SoftmaxClassifier("kl_divergence", C=1.0, max_iter=500).fit(X, y)
print(f"hard labels: CE {ce_hard.loss_:.9f}, KL {kl_hard.loss_:.9f}")
assert abs(ce_hard.loss_ - kl_hard.loss_) < 1e-12
