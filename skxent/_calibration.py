"""Binned calibration error of probabilistic predictions.

Each column of the inputs is one binary problem: a confidence :math:`c_i` in
:math:`[0, 1]` (a predicted probability) and an outcome :math:`o_i` in
:math:`[0, 1]` (1 when the predicted event happened, 0 when not, or its
probability under a soft target). The confidences are cut into bins
:math:`B_1, \\dots, B_n`; bin :math:`b` has weight
:math:`W_b = \\sum_{i \\in B_b} w_i` and gap

.. math::

    g_b = \\left| \\frac{\\sum_{i \\in B_b} w_i (o_i - c_i)}{W_b} \\right|,

the distance between its accuracy (mean outcome) and its mean confidence.
With :math:`W = \\sum_i w_i`, a problem's error is
:math:`E = \\sum_b (W_b / W) g_b^r` (:math:`r = 1` for ``norm="l1"``,
:math:`r = 2` for ``"l2"``) or :math:`E = \\max_b g_b` (``"max"``), over bins
of positive weight. Over the :math:`K` columns the error is
:math:`\\frac1K \\sum_k E_k` (``"l1"``), :math:`\\sqrt{\\frac1K \\sum_k E_k}`
(``"l2"``) or :math:`\\max_k E_k` (``"max"``): the l1, l2 and max norms of the
calibration gap, computed by histogram.

Bins are closed on the right, as in
:func:`sklearn.calibration.calibration_curve`: with interior edges
:math:`e_1 \\le \\dots \\le e_{n-1}`, a confidence goes to the bin numbered by
how many edges lie strictly below it. Uniform edges are :math:`e_b = b / n`;
quantile edges are the weighted inverted-CDF quantiles of the confidences,
:math:`e_b` the smallest confidence whose cumulative weight reaches
:math:`b / n` of the total, so that integer weights act as repeated
samples and a zero weight as an absent one. Equal edges leave bins empty.
"""

import numpy as np


def interior_edges(confidences, weights, n_bins, strategy):
    """The ``n_bins - 1`` interior bin edges for one column of confidences."""
    if strategy == "uniform":
        # The edges of calibration_curve, bit for bit.
        return np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    order = np.argsort(confidences, kind="stable")
    cumulative = np.cumsum(weights[order])
    # cumulative >= (b / n) W compared as n * cumulative >= b * W: exact for
    # integer weights, where (b / n) * W can round above a count it equals.
    ranks = np.searchsorted(
        n_bins * cumulative, np.arange(1, n_bins) * cumulative[-1], side="left"
    )
    return confidences[order][ranks]


def binned_error(confidences, outcomes, weights, edges, norm):
    """``E`` of one column: ``sum_b (W_b / W) g_b^r``, or ``max_b g_b``."""
    bins = np.searchsorted(edges, confidences, side="left")
    n_bins = edges.size + 1
    bin_weights = np.bincount(bins, weights=weights, minlength=n_bins)
    residuals = np.bincount(
        bins, weights=weights * (outcomes - confidences), minlength=n_bins
    )
    filled = bin_weights > 0
    gaps = np.abs(residuals[filled]) / bin_weights[filled]
    if norm == "max":
        return float(gaps.max())
    power = 1 if norm == "l1" else 2
    return float(bin_weights[filled] @ gaps**power / weights.sum())


def calibration_error(confidences, outcomes, weights, *, n_bins, strategy, norm):
    """Calibration error over the columns of ``(n_samples, n_columns)``
    confidences and outcomes, with float64 ``weights`` of positive sum."""
    errors = [
        binned_error(
            column,
            outcome,
            weights,
            interior_edges(column, weights, n_bins, strategy),
            norm,
        )
        for column, outcome in zip(confidences.T, outcomes.T, strict=True)
    ]
    if norm == "max":
        return max(errors)
    mean = float(np.mean(errors))
    return mean if norm == "l1" else float(np.sqrt(mean))
