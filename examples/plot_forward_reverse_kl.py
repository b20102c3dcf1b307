"""
===================================================
Forward and reverse KL: mean-seeking, mode-seeking
===================================================

Cross-entropy and the forward KL divergence ``KL(p || q)`` average over the
target ``p``: the model ``q`` must put mass wherever ``p`` has some, so a model
too simple for a multimodal target spreads over all modes. The reverse KL
divergence ``KL(q || p)`` averages over the model: it is harmed wherever ``q``
has mass that ``p`` lacks, and prefers to sit on one mode. When the model can
represent the target exactly both reach it; the choice matters when it
cannot.

Here the target of every sample ``x`` is a distribution over 40 ordered
classes with two modes that move apart as ``|x|`` grows, one branch rising and
one falling. A linear :class:`~skxent.SoftmaxClassifier` on the single feature
``x`` has log-probabilities linear in ``x`` for every class. That is enough to
move one bump along a line (a bump centred at ``a + b x`` has such
log-probabilities, up to normalization), but not to follow two branches.
"""

# %%
# The target: two branches
# ------------------------
# Class ``k`` of sample ``x`` has probability proportional to a mixture of two
# bumps centred at ``20 + 12 x`` (weight 0.6) and ``20 - 12 x`` (weight 0.4).
# Label smoothing of 1e-3 (mixing in 0.1% of the uniform distribution) keeps
# every target probability positive, which the reverse KL objective requires,
# since it evaluates ``log p``. The divergences below compare the fits with
# these smoothed targets.

import matplotlib.pyplot as plt
import numpy as np

from skxent import SoftmaxClassifier
from skxent.metrics import kl_divergence

n_classes = 40
classes = np.arange(n_classes)


def bump(centres, width=3.0):
    density = np.exp(-0.5 * ((classes - centres[:, None]) / width) ** 2)
    return density / density.sum(axis=1, keepdims=True)


def branch_target(x):
    return 0.6 * bump(20 + 12 * x) + 0.4 * bump(20 - 12 * x)


rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, size=400)
X = x[:, None]
targets = branch_target(x)

# %%
# Forward and reverse fits
# ------------------------
# ``objective="kl_divergence"`` minimizes ``KL(p || q)``, with the same
# minimizer as cross-entropy; ``objective="reverse_kl_divergence"`` minimizes
# ``KL(q || p)``. A large ``C`` leaves the shape of the fits to the objective.

fits = {
    objective: SoftmaxClassifier(
        objective, C=1e4, label_smoothing=1e-3, max_iter=2000
    ).fit(X, targets)
    for objective in ["kl_divergence", "reverse_kl_divergence"]
}
smoothed = (1 - 1e-3) * targets + 1e-3 / n_classes
for objective, model in fits.items():
    q = model.predict_proba(X)
    print(
        f"{objective:>22}: KL(p || q) = {kl_divergence(smoothed, q):.3f}, "
        f"KL(q || p) = {kl_divergence(q, smoothed):.3f}  "
        f"({model.n_iter_[0]} iterations)"
    )

forward = fits["kl_divergence"].predict_proba(X)
reverse = fits["reverse_kl_divergence"].predict_proba(X)
# Each fit is best under its own criterion.
assert kl_divergence(smoothed, forward) < kl_divergence(smoothed, reverse)
assert kl_divergence(reverse, smoothed) < kl_divergence(forward, smoothed)

# %%
# Where the probability goes
# --------------------------
# Mass within 5 classes of each branch centre, averaged over the samples with
# ``|x| > 0.5`` (where the branches are far apart):


def mass_near(q, centres, radius=5):
    near = np.abs(classes - centres[:, None]) <= radius
    return float(np.mean(np.sum(q * near, axis=1)))


apart = np.abs(x) > 0.5
rising, falling = 20 + 12 * x[apart], 20 - 12 * x[apart]
mass = {}
for name, q in [("target", targets), ("forward KL", forward), ("reverse KL", reverse)]:
    mass[name] = mass_near(q[apart], rising), mass_near(q[apart], falling)
    print(
        f"{name:>10}: {mass[name][0]:.2f} near the rising branch, "
        f"{mass[name][1]:.2f} near the falling one"
    )

# Reverse KL follows one branch; forward KL keeps mass on both, but cannot
# concentrate it near either.
assert mass["reverse KL"][0] > mass["forward KL"][0]
assert mass["reverse KL"][1] < mass["forward KL"][1]
assert mass["reverse KL"][0] > mass["reverse KL"][1]  # the heavier branch

# %%
# Pictured
# --------
# Top: the target and both fits over ``x`` (horizontal) and the class
# (vertical). Bottom: the three distributions at ``x = 0.7``. The forward fit
# is a broad compromise covering both branches (mean-seeking); the reverse fit
# follows the heavier branch and ignores the other (mode-seeking).

grid = np.linspace(-1, 1, 201)
panels = {
    "target p": branch_target(grid),
    "forward KL(p || q)": fits["kl_divergence"].predict_proba(grid[:, None]),
    "reverse KL(q || p)": fits["reverse_kl_divergence"].predict_proba(grid[:, None]),
}
shared_max = max(proba.max() for proba in panels.values())
fig = plt.figure(figsize=(11, 7), layout="constrained")
top = fig.subfigures(2, 1, height_ratios=[1.2, 1])
heat_axes = top[0].subplots(1, 3, sharey=True)
for ax, (title, proba) in zip(heat_axes, panels.items(), strict=True):
    ax.imshow(
        proba.T,
        origin="lower",
        aspect="auto",
        extent=(-1, 1, -0.5, n_classes - 0.5),
        cmap="viridis",
        vmax=shared_max,
    )
    ax.axvline(0.7, color="white", ls=":", lw=1)
    ax.set(title=title, xlabel="feature x")
heat_axes[0].set_ylabel("class")

slice_ax = top[1].subplots()
at = np.array([[0.7]])
slice_ax.fill_between(
    classes, branch_target(at[0])[0], step="mid", alpha=0.3, label="target p"
)
for (objective, model), marker in zip(fits.items(), "os", strict=True):
    slice_ax.plot(
        classes, model.predict_proba(at)[0], marker + "-", ms=3, label=objective
    )
slice_ax.set(xlabel="class", ylabel="probability", title="At x = 0.7")
slice_ax.legend()
plt.show()

# %%
# Reverse KL is not convex in the logits, so a different starting point could
# lock onto the other branch; starting from zero, the heavier branch wins here.
# Forward KL (and cross-entropy) is convex: one optimum, found from anywhere.
