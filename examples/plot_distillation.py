"""
==============================================
Knowledge distillation into a softmax student
==============================================

A neural-network teacher labels the training images with class probabilities
(soft targets); a linear :class:`~skxent.SoftmaxClassifier` student learns
from them instead of the hard labels. This example measures three things on a
held-out test set:

* the student trained on hard labels, with label smoothing, and on the
  teacher's probabilities softened by a temperature ``T``;
* calibration, pictured by reliability diagrams;
* why the temperature cannot be learned by minimizing the training loss: once
  the targets depend on a parameter, cross-entropy and KL divergence are no
  longer interchangeable.
"""

# %%
# Teacher
# -------
# A one-hidden-layer perceptron trained on 30% of the digits dataset; the
# remaining 70% is the test set. Its in-sample probabilities are nearly
# one-hot: a flexible model is confident on its own training data.

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import softmax
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skxent import SoftmaxClassifier
from skxent.metrics import cross_entropy, entropy, kl_divergence

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

teacher = MLPClassifier(
    hidden_layer_sizes=(32,), solver="lbfgs", alpha=1.0, max_iter=5000, random_state=0
)
# The matrices are small: one BLAS thread is faster than several.
with threadpool_limits(limits=1, user_api="blas"):
    teacher.fit(X_train, y_train)
teacher_log_proba = np.log(teacher.predict_proba(X_train))
print(f"{len(y_train)} training and {len(y_test)} test images")
print(
    f"teacher: test accuracy {teacher.score(X_test, y_test):.3f}, test log-loss "
    f"{cross_entropy(y_test, teacher.predict_proba(X_test)):.4f}, mean entropy "
    f"of its training targets {entropy(np.exp(teacher_log_proba)).mean():.4f} nats"
)

# %%
# Students
# --------
# Dividing the teacher's log-probabilities by ``T > 1`` softens its targets,
# ``p_T = softmax(log p / T)``, and reveals which wrong classes the teacher
# finds plausible. A student fitted to ``p_T`` learns logits about ``T`` times
# too small, so it predicts with its logits multiplied by ``T``. The penalty
# ``C`` stays the same for every student: at high temperature the data term
# and the penalty on the rescaled weights then shrink alike, by ``1 / T**2``.


def soften(log_proba, temperature):
    return softmax(log_proba / temperature, axis=1)


def student_proba(student, X, temperature=1.0):
    return softmax(temperature * student.decision_function(X), axis=1)


C = 1.0
students = {
    "hard labels": SoftmaxClassifier(C=C, max_iter=1000).fit(X_train, y_train),
    "label smoothing 0.1": SoftmaxClassifier(
        C=C, label_smoothing=0.1, max_iter=1000
    ).fit(X_train, y_train),
}
temperatures = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0])
distilled = {
    T: SoftmaxClassifier(C=C, max_iter=1000).fit(X_train, soften(teacher_log_proba, T))
    for T in temperatures
}


def reliability(y_true, proba, n_bins=10):
    """Mean confidence, accuracy and share of the samples in each occupied bin
    of the confidence of the predicted class."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    occupied = np.unique(bins)
    return (
        np.array([confidence[bins == b].mean() for b in occupied]),
        np.array([correct[bins == b].mean() for b in occupied]),
        np.array([np.mean(bins == b) for b in occupied]),
    )


def expected_calibration_error(y_true, proba):
    """Mean |accuracy - confidence| over the bins, weighted by their share."""
    confidence, accuracy, share = reliability(y_true, proba)
    return float(np.sum(share * np.abs(accuracy - confidence)))


test_proba = {name: model.predict_proba(X_test) for name, model in students.items()}
test_proba.update(
    {f"distilled, T={T:g}": student_proba(m, X_test, T) for T, m in distilled.items()}
)
print(f"\n{'student':<22}{'accuracy':>10}{'log-loss':>10}{'ECE':>8}")
for name, proba in test_proba.items():
    print(
        f"{name:<22}{np.mean(proba.argmax(axis=1) == y_test):>10.3f}"
        f"{cross_entropy(y_test, proba):>10.4f}"
        f"{expected_calibration_error(y_test, proba):>8.4f}"
    )

# %%
# Test log-loss against temperature
# ---------------------------------
# The teacher's near one-hot training targets (``T = 1``) teach the student
# about as much as the hard labels, and sharpened ones (``T < 1``) harm it.
# Moderately softened targets give a lower test log-loss than the hard labels;
# very flat ones do worse again. The curve shows the test log-loss for every
# temperature; in practice, choose ``T`` on validation data.

test_log_loss = np.array(
    [cross_entropy(y_test, test_proba[f"distilled, T={T:g}"]) for T in temperatures]
)
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(temperatures, test_log_loss, "o-", label="distilled student")
for name, style in [("hard labels", "--"), ("label smoothing 0.1", ":")]:
    ax.axhline(cross_entropy(y_test, test_proba[name]), ls=style, c="k", label=name)
ax.set(
    xscale="log",
    xlabel="temperature T",
    ylabel="test log-loss (nats)",
    title="Student log-loss on the test set",
)
ax.set_xticks(temperatures, [f"{T:g}" for T in temperatures])
ax.minorticks_off()
ax.legend()
plt.show()

hard_log_loss = cross_entropy(y_test, test_proba["hard labels"])
print(f"best temperature on the test set: T = {temperatures[test_log_loss.argmin()]:g}")
assert test_log_loss.min() < hard_log_loss
assert test_log_loss[0] > hard_log_loss and test_log_loss[-1] > hard_log_loss
assert abs(test_log_loss[temperatures == 1.0][0] - hard_log_loss) < 0.02

# %%
# Calibration
# -----------
# A reliability diagram bins test images by the confidence of the predicted
# class and plots the accuracy in each bin against the mean confidence; a
# calibrated model follows the diagonal. Label smoothing trains the student
# towards targets of at most ``0.9 + 0.1 / 10 = 0.91``, so it is
# underconfident: its curve lies above the diagonal.

shown = ["hard labels", "label smoothing 0.1", "distilled, T=2"]
fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
ax.plot([0, 1], [0, 1], c="gray", lw=1)
for name in shown:
    confidence, accuracy, _ = reliability(y_test, test_proba[name])
    ece = expected_calibration_error(y_test, test_proba[name])
    ax.plot(confidence, accuracy, "o-", label=f"{name} (ECE {ece:.3f})")
ax.set(
    xlabel="confidence of the predicted class",
    ylabel="accuracy",
    title="Reliability diagram (test set)",
    xlim=(0, 1),
    ylim=(0, 1.02),
)
ax.legend(loc="upper left")
plt.show()

smoothed = test_proba["label smoothing 0.1"]
assert smoothed.max(axis=1).mean() < np.mean(smoothed.argmax(axis=1) == y_test)

# %%
# A learned temperature: cross-entropy and KL disagree
# ----------------------------------------------------
# For fixed targets, cross-entropy and KL divergence have the same minimizer.
# If ``T`` were a parameter trained with the student, the targets ``p_T``
# would move with it, and
#
# .. math::
#
#     H(p_T, q) = H(p_T) + KL(p_T \| q)
#
# has an extra term, the target entropy ``H(p_T)``, that depends on ``T``.
# Below, the training loss of each fitted student, as a function of ``T``:
# cross-entropy grows with ``T`` (it rewards sharp targets and would push
# ``T`` down), KL divergence shrinks (flat targets are easy to match, it would
# push ``T`` up). Neither is a criterion for ``T``; held-out log-likelihood on
# hard labels is.

train_ce, train_kl, target_entropy = [], [], []
for T, student in distilled.items():
    targets = soften(teacher_log_proba, T)
    fitted = student.predict_proba(X_train)
    train_ce.append(cross_entropy(targets, fitted))
    train_kl.append(kl_divergence(targets, fitted))
    target_entropy.append(entropy(targets).mean())
train_ce, train_kl = np.array(train_ce), np.array(train_kl)
for T, ce, kl in zip(temperatures, train_ce, train_kl, strict=True):
    print(f"T = {T:<4g} training CE {ce:.4f}   training KL {kl:.4f}")

assert np.allclose(train_ce - train_kl, target_entropy, rtol=0, atol=1e-9)
assert np.all(np.diff(train_ce) > 0) and np.all(np.diff(train_kl) < 0)

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(temperatures, train_ce, "o-", label="cross-entropy H(p_T, q)")
ax.plot(temperatures, train_kl, "s-", label="KL divergence KL(p_T || q)")
ax.plot(temperatures, target_entropy, "k:", label="target entropy H(p_T)")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="temperature T",
    ylabel="training loss of the fitted student (nats)",
    title="Training losses move in opposite directions",
)
ax.set_xticks(temperatures, [f"{T:g}" for T in temperatures])
ax.minorticks_off()
ax.legend()
plt.show()
