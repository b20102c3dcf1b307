"""Seeded problems for ``bench_fit.py`` and the objective both libraries minimize.

Labels are drawn from a softmax model with random coefficients, so every
problem has signal and a unique, well-defined optimum. The label draw goes in
blocks of rows, so that building a problem peaks at little more than ``X``
itself (the memory measurement relies on it).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax


@dataclass(frozen=True)
class Problem:
    """A classification problem and the penalty ``C`` both libraries fit at."""

    name: str
    description: str
    X: object
    y: np.ndarray
    C: float

    @property
    def n_classes(self):
        return int(self.y.max()) + 1


# name: (description, n_samples, n_features, n_classes, dtype, layout, C).
# C is chosen so that lbfgs converges in tens of iterations on each problem,
# but for csr_c1: the weak penalty of the default C, on text-like data.
SHAPES = {
    "dense64": ("dense float64", 100_000, 100, 10, np.float64, "dense", 1.0),
    "dense32": ("dense float32", 100_000, 100, 10, np.float32, "dense", 1.0),
    "csr": ("CSR text-like, 0.2% dense", 100_000, 20_000, 20, np.float64, "csr", 0.01),
    "csr_c1": ("CSR text-like, 0.2% dense", 50_000, 20_000, 20, np.float64, "csr", 1.0),
    "classes100": ("many classes", 50_000, 100, 100, np.float64, "dense", 1.0),
}
QUICK_DIVISOR = 10
SMOKE_DIVISOR = 100
CSR_DENSITY = 0.002
_BLOCK_ROWS = 10_000


def make_problem(name, *, quick=False, smoke=False):
    """Build problem ``name`` (a key of :data:`SHAPES` or ``"digits"``), with
    :data:`QUICK_DIVISOR` times fewer samples if ``quick``, :data:`SMOKE_DIVISOR`
    times fewer if ``smoke``."""
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return Problem(name, "digits (bundled)", X / 16.0, y, 1.0)
    description, n_samples, n_features, n_classes, dtype, layout, C = SHAPES[name]
    if smoke:
        n_samples //= SMOKE_DIVISOR
    elif quick:
        n_samples //= QUICK_DIVISOR
    rng = np.random.default_rng(0)
    if layout == "csr":
        X = _text_like(rng, n_samples, n_features)
        scale = 3.0
    else:
        X = np.empty((n_samples, n_features), dtype=dtype)
        for start in range(0, n_samples, _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS]
            block[...] = rng.standard_normal(block.shape)
        scale = 3.0 / np.sqrt(n_features)
    coef = rng.standard_normal((n_classes, n_features)) * scale
    y = _draw_labels(rng, X, coef)
    shape = f"{n_samples:,} x {n_features:,}, K = {n_classes}"
    return Problem(name, f"{description}, {shape}", X, y, C)


def _text_like(rng, n_samples, n_features):
    """CSR with Zipf-distributed column popularity, ``log(1 + count)`` values
    and unit-norm rows (tf-idf-like), at exactly :data:`CSR_DENSITY`."""
    n_stored = round(CSR_DENSITY * n_samples * n_features)
    popularity = 1.0 / np.arange(1, n_features + 1)
    popularity /= popularity.sum()
    # Draw with repeats, then keep a random subset of the distinct cells; the
    # repeats of a kept cell make its count.
    n_draws = 2 * n_stored
    rows = rng.integers(0, n_samples, size=n_draws)
    cols = rng.choice(n_features, size=n_draws, p=popularity)
    cells, counts = np.unique(rows * n_features + cols, return_counts=True)
    keep = np.sort(rng.choice(cells.size, size=n_stored, replace=False))
    rows, cols = np.divmod(cells[keep], n_features)
    X = sp.csr_matrix(
        (np.log1p(counts[keep].astype(np.float64)), (rows, cols)),
        shape=(n_samples, n_features),
    )
    norms = np.sqrt(X.multiply(X).sum(axis=1)).A1
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)


def _draw_labels(rng, X, coef):
    """One label per row from ``softmax(X @ coef.T)``, in blocks of rows."""
    labels = np.empty(X.shape[0], dtype=np.intp)
    for start in range(0, X.shape[0], _BLOCK_ROWS):
        logits = X[start : start + _BLOCK_ROWS] @ coef.T
        proba = np.exp(log_softmax(np.asarray(logits), axis=1))
        uniform = rng.random((proba.shape[0], 1))
        drawn = (proba.cumsum(axis=1) > uniform).argmax(axis=1)
        labels[start : start + _BLOCK_ROWS] = drawn
    # Every class occurs, so both libraries see the same K.
    labels[: coef.shape[0]] = np.arange(coef.shape[0])
    return labels


def objective(problem, coef, intercept):
    """Mean cross-entropy plus ``||coef||^2 / (2 C n)``, in float64.

    Computed here from the fitted parameters alone, independently of both
    libraries, with the full K-row parametrization (K > 2) that both use.
    """
    X, y = problem.X, problem.y
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    total = 0.0
    for start in range(0, X.shape[0], _BLOCK_ROWS):
        block = X[start : start + _BLOCK_ROWS]
        block = block.astype(np.float64) if block.dtype != np.float64 else block
        logits = np.asarray(block @ coef.T) + intercept
        log_proba = log_softmax(logits, axis=1)
        total -= log_proba[
            np.arange(logits.shape[0]), y[start : start + _BLOCK_ROWS]
        ].sum()
    return total / X.shape[0] + (coef**2).sum() / (2 * problem.C * X.shape[0])
