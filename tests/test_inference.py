"""Tests of skxent.inference.coefficient_inference.

References: statsmodels ``Logit`` and ``MNLogit`` (``C = inf``, hard labels,
``cov_type="nonrobust"`` and ``"HC0"``); for what statsmodels does not fit
(penalties, soft targets, sample weights), NumPy written out per sample:
the Hessian of the estimator's own objective in its own parametrization
(checked against finite differences of the gradient), taken to the
reference-class parametrization by the Gaussian marginalization a Laplace
approximation implies, and the sandwich from the per-sample scores; and the
identity of frequency weights with repeated rows.
"""

import copy
import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression

from skxent import SoftmaxClassifier, inference
from skxent.inference import coefficient_inference

pd = pytest.importorskip("pandas")
sm = pytest.importorskip("statsmodels.api")

# lbfgs to a tight tol lands within 1e-7 (relative) of statsmodels' Newton
# fits on these problems, so the covariances agree to 1e-5 with room to spare
# (newton-cg stops near 1e-6 here).
TIGHT = {"solver": "lbfgs", "tol": 1e-10, "max_iter": 10_000}
SUMMARY_COLUMNS = [
    "class", "feature", "coef", "std_err", "z", "p_value", "ci_lower", "ci_upper",
]  # fmt: skip


@functools.cache
def softmax_data(n_samples=400, n_features=3, n_classes=3, seed=0):
    """Gaussian features and labels drawn from a softmax model (not
    separable), with its probabilities as soft targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal((n_classes, n_features)) * 0.8
    proba = softmax(X @ coef.T + rng.standard_normal(n_classes) * 0.3, axis=1)
    y = (proba.cumsum(axis=1) > rng.random((n_samples, 1))).argmax(axis=1)
    return X, y, proba


def fit(X, y, sample_weight=None, **params):
    return SoftmaxClassifier(**{"C": np.inf, **TIGHT, **params}).fit(
        X, y, sample_weight=sample_weight
    )


def statsmodels_fit(X, y, cov_type, fit_intercept=True):
    exog = sm.add_constant(X, prepend=True) if fit_intercept else X
    model = sm.Logit(y, exog) if np.unique(y).size == 2 else sm.MNLogit(y, exog)
    return model.fit(
        disp=0, method="newton", maxiter=100, tol=1e-12,
        cov_type="HC0" if cov_type == "robust" else "nonrobust",
    )  # fmt: skip


def assert_same_covariance(ours, reference, rtol=1e-5):
    """Standard errors to ``rtol`` relative; the covariance scaled to unit
    standard errors (the correlations) to ``rtol`` absolute."""
    reference_se = np.sqrt(np.diag(reference))
    assert_allclose(np.sqrt(np.diag(ours)), reference_se, rtol=rtol)
    scale = np.outer(reference_se, reference_se)
    assert_allclose(ours / scale, reference / scale, rtol=0, atol=rtol)


def stacked(result):
    """Intercepts and coefficients of a result in the order of its covariance."""
    return np.column_stack([result.intercept, result.coef]).ravel()


# --- the NumPy reference, per sample -----------------------------------------


def design(X, fit_intercept=True):
    return np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else X


def full_parameters(clf):
    """``(K, 1 + p)`` rows ``(b_k, w_k)`` in the estimator's parametrization
    (binary: the one row of the positive class)."""
    return np.column_stack([clf.intercept_, clf.coef_]).astype(np.float64)


def full_gradient(theta, Xd, targets, weight):
    """Gradient of the summed weighted cross-entropy in the estimator's
    parametrization, rows ``theta`` for all K classes (binary: 1 row)."""
    logits = Xd @ theta.T
    if theta.shape[0] == 1:
        logits = np.column_stack([np.zeros(len(Xd)), logits])
    residual = softmax(logits, axis=1) - targets
    if theta.shape[0] == 1:
        residual = residual[:, 1:]
    return (weight[:, None] * residual).T @ Xd


def full_hessian(theta, Xd, weight):
    """Hessian of the summed weighted cross-entropy in the estimator's
    parametrization, written out sample by sample."""
    logits = Xd @ theta.T
    binary = theta.shape[0] == 1
    if binary:
        logits = np.column_stack([np.zeros(len(Xd)), logits])
    hessian = 0.0
    for x, q, s in zip(Xd, softmax(logits, axis=1), weight, strict=True):
        curvature = np.diag(q) - np.outer(q, q)
        if binary:
            curvature = curvature[1:, 1:]
        hessian = hessian + s * np.kron(curvature, np.outer(x, x))
    return hessian


def penalty_hessian(n_rows, n_columns, C, fit_intercept=True):
    """``||coef||^2 / (2 C)``: ``1 / C`` on every coefficient, 0 on intercepts."""
    per_row = np.full(n_columns, 1.0 / C)
    if fit_intercept:
        per_row[0] = 0.0
    return np.diag(np.tile(per_row, n_rows))


def relative_covariance(full_covariance, n_classes, n_columns, reference=0):
    """Covariance of ``theta_k - theta_reference`` (k != reference) from that of
    all K rows: a linear map, so also the marginal of a Gaussian posterior.
    The pseudo-inverse is safe: the full Hessian's null direction (shifting
    every intercept alike) is annihilated by the differences."""
    differences = np.delete(np.eye(n_classes), reference, axis=0)
    differences[:, reference] = -1.0
    mapping = np.kron(differences, np.eye(n_columns))
    return mapping @ full_covariance @ mapping.T


def sandwich(hessian, Xd, residual, weight):
    """``H^-1 (sum_i s_i g_i g_i^T) H^-1`` with ``g_i = r_i (x) x~_i``."""
    scores = (residual[:, :, None] * Xd[:, None, :]).reshape(len(Xd), -1)
    meat = (scores * weight[:, None]).T @ scores
    inverse = np.linalg.inv(hessian)
    return inverse @ meat @ inverse


def test_reference_hessian_matches_finite_differences():
    X, y, _ = softmax_data(n_samples=60)
    Xd, targets = design(X), np.eye(3)[y]
    weight = np.random.default_rng(1).uniform(0.5, 2.0, 60)
    theta = np.random.default_rng(2).standard_normal((3, 4))
    step = 1e-6
    columns = []
    for index in range(theta.size):
        delta = np.zeros(theta.size)
        delta[index] = step
        plus = full_gradient(theta + delta.reshape(theta.shape), Xd, targets, weight)
        minus = full_gradient(theta - delta.reshape(theta.shape), Xd, targets, weight)
        columns.append(((plus - minus) / (2 * step)).ravel())
    assert_allclose(
        full_hessian(theta, Xd, weight), np.column_stack(columns), atol=1e-6
    )


# --- statsmodels, C = inf ----------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("cov_type", ["nonrobust", "robust"])
def test_unpenalized_matches_statsmodels(n_classes, cov_type):
    X, y, _ = softmax_data(n_classes=n_classes)
    clf = fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = coefficient_inference(clf, X, y, cov_type=cov_type)
    reference = statsmodels_fit(X, y, cov_type)
    params = np.asarray(reference.params).reshape(4, -1)  # (1 + p, K - 1)
    assert ours.coef.shape == (n_classes - 1, 3)
    assert ours.intercept.shape == ours.intercept_se.shape == (n_classes - 1,)
    assert_allclose(ours.coef, params[1:].T, rtol=1e-5)
    assert_allclose(ours.intercept, params[0], rtol=1e-5)
    bse = np.asarray(reference.bse).reshape(4, -1)
    assert_allclose(ours.coef_se, bse[1:].T, rtol=1e-5)
    assert_allclose(ours.intercept_se, bse[0], rtol=1e-5)
    assert_same_covariance(ours.covariance, np.asarray(reference.cov_params()))


def test_binary_row_is_coef():
    X, y, _ = softmax_data(n_classes=2)
    clf = fit(X, y)
    result = coefficient_inference(clf, X, y)
    assert_array_equal(result.coef, clf.coef_)
    assert_array_equal(result.intercept, clf.intercept_)
    flipped = coefficient_inference(clf, X, y, reference=1)
    assert_array_equal(flipped.coef, -clf.coef_)
    assert_allclose(flipped.covariance, result.covariance, rtol=1e-12)
    assert flipped.reference == 1 and flipped.classes.tolist() == [0]


@pytest.mark.parametrize("reference", [1, 3])
def test_reference_class_matches_statsmodels(reference):
    # statsmodels always takes the smallest label as reference: relabel so
    # that the chosen reference comes first.
    X, y, _ = softmax_data(n_classes=4)
    clf = fit(X, y)
    ours = coefficient_inference(clf, X, y, reference=reference)
    relabelled = (y - reference) % 4
    expected = statsmodels_fit(X, relabelled, "nonrobust")
    assert_array_equal(ours.classes, [c for c in range(4) if c != reference])
    columns = (ours.classes - reference) % 4 - 1  # statsmodels' column of each
    params = np.asarray(expected.params).T[columns]  # (K - 1, 1 + p)
    assert_allclose(stacked(ours), params.ravel(), rtol=1e-5)
    bse = np.asarray(expected.bse).T[columns]
    assert_allclose(ours.coef_se, bse[:, 1:], rtol=1e-5)


@pytest.mark.parametrize("cov_type", ["nonrobust", "robust"])
def test_no_intercept_matches_statsmodels(cov_type):
    X, y, _ = softmax_data(n_classes=3)
    clf = fit(X, y, fit_intercept=False)
    ours = coefficient_inference(clf, X, y, cov_type=cov_type)
    reference = statsmodels_fit(X, y, cov_type, fit_intercept=False)
    assert_allclose(ours.coef, np.asarray(reference.params).T, rtol=1e-5)
    assert_allclose(ours.coef_se, np.asarray(reference.bse).T, rtol=1e-5)
    assert_same_covariance(ours.covariance, np.asarray(reference.cov_params()))
    assert_array_equal(ours.intercept, 0.0)
    assert_array_equal(ours.intercept_se, 0.0)
    assert "intercept" not in set(ours.summary()["feature"])


@pytest.mark.parametrize("cov_type", ["nonrobust", "robust"])
def test_summary_matches_statsmodels(cov_type):
    X, y, _ = softmax_data(n_classes=3)
    frame = pd.DataFrame(X, columns=["age", "income", "score"])
    clf = fit(frame, y)
    table = coefficient_inference(clf, frame, y, cov_type=cov_type).summary(alpha=0.1)
    reference = statsmodels_fit(frame, y, cov_type)
    assert list(table.columns) == SUMMARY_COLUMNS
    assert table["feature"].tolist() == ["intercept", "age", "income", "score"] * 2
    assert table["class"].tolist() == [1] * 4 + [2] * 4
    # statsmodels' tables are (1 + p, K - 1): class by class is column order.
    for column, values in [
        ("coef", reference.params),
        ("std_err", reference.bse),
        ("z", reference.tvalues),
        ("p_value", reference.pvalues),
    ]:
        assert_allclose(table[column], np.asarray(values).ravel(order="F"), rtol=1e-5)
    interval = np.asarray(reference.conf_int(alpha=0.1))
    assert_allclose(table[["ci_lower", "ci_upper"]], interval, rtol=1e-5)


# --- penalized: the Laplace approximation -------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_penalized_matches_numpy(n_classes, fit_intercept):
    X, y, _ = softmax_data(n_samples=150, n_classes=n_classes)
    weight = np.random.default_rng(3).uniform(0.5, 2.0, 150)
    C = 0.05
    clf = fit(X, y, weight, C=C, fit_intercept=fit_intercept)
    Xd, targets = design(X, fit_intercept), np.eye(n_classes)[y]
    theta = full_parameters(clf)[:, 1 - fit_intercept :]
    n_rows, n_columns = theta.shape
    hessian = full_hessian(theta, Xd, weight) + penalty_hessian(
        n_rows, n_columns, C, fit_intercept
    )
    full_covariance = np.linalg.pinv(hessian, rcond=1e-13, hermitian=True)
    expected = (
        full_covariance
        if n_classes == 2
        else relative_covariance(full_covariance, n_classes, n_columns)
    )
    ours = coefficient_inference(clf, X, y, sample_weight=weight)
    assert_allclose(ours.covariance, expected, rtol=1e-8, atol=1e-12)

    # The sandwich around the same Hessian, from the reference-class scores.
    relative = theta if n_classes == 2 else theta[1:] - theta[0]
    logits = np.column_stack([np.zeros(150), Xd @ relative.T])
    residual = (softmax(logits, axis=1) - targets)[:, 1:]
    robust = coefficient_inference(clf, X, y, sample_weight=weight, cov_type="robust")
    expected_robust = sandwich(np.linalg.inv(expected), Xd, residual, weight)
    assert_allclose(robust.covariance, expected_robust, rtol=1e-7, atol=1e-12)


def test_penalty_shrinks_standard_errors():
    X, y, _ = softmax_data(n_samples=150)
    se = [
        coefficient_inference(fit(X, y, C=C), X, y).coef_se for C in (np.inf, 1.0, 0.01)
    ]
    assert np.all(se[0] > se[1]) and np.all(se[1] > se[2])


# --- soft targets, label smoothing, weights ----------------------------------


@pytest.mark.parametrize("objective", ["cross_entropy", "kl_divergence"])
@pytest.mark.parametrize("C", [np.inf, 10.0])
def test_soft_targets_robust_matches_numpy_sandwich(objective, C):
    X, _, proba = softmax_data(n_samples=200)
    weight = np.random.default_rng(4).uniform(0.5, 2.0, 200)
    clf = fit(X, proba, weight, objective=objective, C=C)
    ours = coefficient_inference(clf, X, proba, sample_weight=weight, cov_type="robust")
    Xd = design(X)
    theta = full_parameters(clf)
    relative = theta[1:] - theta[0]
    hessian_full = full_hessian(theta, Xd, weight) + penalty_hessian(3, 4, C)
    covariance = relative_covariance(
        np.linalg.pinv(hessian_full, rcond=1e-13, hermitian=True), 3, 4
    )
    logits = np.column_stack([np.zeros(200), Xd @ relative.T])
    residual = (softmax(logits, axis=1) - proba)[:, 1:]
    expected = sandwich(np.linalg.inv(covariance), Xd, residual, weight)
    assert_allclose(ours.covariance, expected, rtol=1e-7, atol=1e-12)
    assert_allclose(stacked(ours), relative.ravel(), rtol=1e-12)


def test_soft_targets_nonrobust_is_expanded_hard_labels():
    # A probability row with weight s is its K one-hot rows with weights s p_k:
    # same likelihood, same Hessian (the sandwich differs: one observation
    # per row).
    X, _, proba = softmax_data(n_samples=100)
    clf = fit(X, proba)
    expanded_X = np.repeat(X, 3, axis=0)
    expanded_y = np.tile(np.arange(3), 100)
    expanded_weight = proba.ravel()
    soft = coefficient_inference(clf, X, proba)
    hard = coefficient_inference(
        clf, expanded_X, expanded_y, sample_weight=expanded_weight
    )
    assert_allclose(soft.covariance, hard.covariance, rtol=1e-10)


def test_label_smoothing_is_smoothed_soft_targets():
    X, y, _ = softmax_data(n_samples=200)
    smoothed = 0.9 * np.eye(3)[y] + 0.1 / 3
    with_smoothing = fit(X, y, label_smoothing=0.1)
    on_soft = fit(X, smoothed)
    for cov_type in ("nonrobust", "robust"):
        a = coefficient_inference(with_smoothing, X, y, cov_type=cov_type)
        b = coefficient_inference(on_soft, X, smoothed, cov_type=cov_type)
        assert_allclose(stacked(a), stacked(b), rtol=1e-5)
        assert_allclose(a.covariance, b.covariance, rtol=1e-5)


@pytest.mark.parametrize("cov_type", ["nonrobust", "robust"])
def test_sample_weights_are_frequency_weights(cov_type):
    X, y, _ = softmax_data(n_samples=120)
    counts = np.random.default_rng(5).integers(0, 4, size=120)
    clf = fit(X, y, counts)
    weighted = coefficient_inference(clf, X, y, sample_weight=counts, cov_type=cov_type)
    repeated = coefficient_inference(
        clf, np.repeat(X, counts, axis=0), np.repeat(y, counts), cov_type=cov_type
    )
    assert_allclose(weighted.covariance, repeated.covariance, rtol=1e-10)
    # And the refit on repeated rows lands on the same coefficients.
    refit = fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    assert_allclose(refit.coef_, clf.coef_, rtol=1e-5)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_classes=st.integers(3, 5),
    references=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    C=st.sampled_from([np.inf, 0.3]),
)
def test_reference_change_is_a_linear_map(seed, n_classes, references, C):
    """Changing the reference from r to r' maps theta_k to theta_k - theta_r'
    (with theta_r = 0): the covariances are related by that linear map."""
    old, new = (r % n_classes for r in references)
    X, y, _ = softmax_data(n_samples=300, n_classes=n_classes, seed=seed)
    clf = fit(X, y, C=C)
    a = coefficient_inference(clf, X, y, reference=old)
    b = coefficient_inference(clf, X, y, reference=new)
    # Rows of theta under `old` padded with the reference's zero row, in
    # class order; `new`'s rows are differences of them.
    embed = np.delete(np.eye(n_classes), old, axis=1)  # (K, K - 1)
    differences = np.delete(np.eye(n_classes), new, axis=0)
    differences[:, new] = -1.0
    mapping = np.kron(differences @ embed, np.eye(4))
    assert_allclose(stacked(b), mapping @ stacked(a), rtol=1e-9, atol=1e-12)
    assert_allclose(
        b.covariance, mapping @ a.covariance @ mapping.T, rtol=1e-7, atol=1e-12
    )


# --- layouts, chunks, dtypes -------------------------------------------------


def test_layouts_dtypes_and_chunks_agree(monkeypatch):
    X, y, _ = softmax_data(n_samples=250)
    clf = fit(X, y, C=1.0)
    expected = coefficient_inference(clf, X, y, cov_type="robust").covariance
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    for variant in (sp.csr_matrix(X), np.asfortranarray(X), strided):
        result = coefficient_inference(clf, variant, y, cov_type="robust")
        assert_allclose(result.covariance, expected, rtol=1e-12)
    # float32 X is computed in float64: as its values widened.
    X32 = X.astype(np.float32)
    assert_allclose(
        coefficient_inference(clf, X32, y, cov_type="robust").covariance,
        coefficient_inference(
            clf, X32.astype(np.float64), y, cov_type="robust"
        ).covariance,
        rtol=1e-12,
    )
    monkeypatch.setattr(inference, "CHUNK_ELEMENTS", 7 * X.shape[1])  # 7 rows
    chunked = coefficient_inference(clf, X, y, cov_type="robust")
    assert_allclose(chunked.covariance, expected, rtol=1e-12)


def test_does_not_modify_inputs():
    X, _, proba = softmax_data(n_samples=100)
    clf = fit(X, proba, label_smoothing=0.1)
    arrays = [X.copy(), proba.copy(), np.ones(100)]
    for array in arrays:
        array.setflags(write=False)
    coefficient_inference(clf, arrays[0], arrays[1], sample_weight=arrays[2])
    assert_array_equal(arrays[0], X)
    assert_array_equal(arrays[1], proba)


def with_sorted_classes(clf):
    """A copy of a fitted ``clf`` whose ``classes_`` are sorted, with the rows
    of its coefficients to match, whatever order its ``classes`` parameter
    gives (scikit-learn's convention)."""
    clf = copy.deepcopy(clf)
    order = np.argsort(clf.classes_)
    clf.classes_, clf.coef_ = clf.classes_[order], clf.coef_[order]
    clf.intercept_ = clf.intercept_[order]
    return clf


def test_soft_target_columns_follow_the_classes_parameter():
    X, _, proba = softmax_data()
    order = ["cat", "ant", "bee"]  # the columns of proba
    given = fit(X, proba, classes=order)
    by_label = np.argsort(order)
    sorted_fit = fit(X, proba[:, by_label], classes=sorted(order))
    tables = [
        coefficient_inference(clf, X, targets, reference="ant", cov_type="robust")
        .summary()
        .set_index(["class", "feature"])
        .sort_index()
        for clf, targets in [
            (sorted_fit, proba[:, by_label]),
            (given, proba),
            (with_sorted_classes(given), proba),
        ]
    ]
    for table in tables[1:]:
        assert_allclose(table["coef"], tables[0]["coef"], rtol=1e-5)
        assert_allclose(table["std_err"], tables[0]["std_err"], rtol=1e-5)


def test_string_classes_and_repr():
    X, y, _ = softmax_data()
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = fit(X, labels)
    result = coefficient_inference(clf, X, labels, reference="bee")
    assert result.classes.tolist() == ["ant", "cat"]
    assert result.reference == "bee"
    assert result.summary()["class"].tolist() == ["ant"] * 4 + ["cat"] * 4
    text = repr(result)
    assert text.startswith(
        "CoefficientInferenceResult(cov_type='nonrobust', reference='bee', n_params=8)"
    )
    assert text.splitlines()[2].split()[:2] == ["ant", "intercept"]
    assert f"{result.intercept[0]:.6g}" in text.splitlines()[2]


def test_repr_truncates():
    X, y, _ = softmax_data(n_classes=4)
    text = repr(coefficient_inference(fit(X, y), X, y))
    assert text.splitlines()[-1] == "  ... 4 more: see summary()"
    assert len(text.splitlines()) == 1 + 1 + 8 + 1


def test_summary_alpha():
    X, y, _ = softmax_data()
    result = coefficient_inference(fit(X, y), X, y)
    narrow, wide = result.summary(alpha=0.5), result.summary(alpha=0.01)
    assert np.all(wide["ci_lower"] < narrow["ci_lower"])
    half_width = (narrow["ci_upper"] - narrow["ci_lower"]) / 2
    assert_allclose(half_width, 0.6744897501960817 * narrow["std_err"])
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        result.summary(alpha=1.0)


# --- errors ------------------------------------------------------------------


def test_refuses_other_estimators_and_unfitted():
    X, y, _ = softmax_data()
    with pytest.raises(TypeError, match=r"needs a fitted skxent\.SoftmaxClassifier"):
        coefficient_inference(LogisticRegression().fit(X, y), X, y)
    with pytest.raises(NotFittedError):
        coefficient_inference(SoftmaxClassifier(), X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"objective": "reverse_kl_divergence", "label_smoothing": 0.1},
         "does not support objective='reverse_kl_divergence'"),
        ({"class_weight": "balanced"}, "does not support class_weight"),
    ],
)  # fmt: skip
def test_refuses_unsupported_fits(params, message):
    X, y, _ = softmax_data()
    clf = fit(X, y, C=1.0, **params)
    with pytest.raises(ValueError, match=message):
        coefficient_inference(clf, X, y)


def test_refuses_data_unlike_the_fit():
    X, y, proba = softmax_data()
    clf = fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features"):
        coefficient_inference(clf, X[:, :2], y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among"):
        coefficient_inference(clf, X, np.where(y == 0, 7, y))
    with pytest.raises(ValueError, match="4 probability columns but the estimator"):
        coefficient_inference(clf, X, np.column_stack([proba, np.zeros(400)]))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        coefficient_inference(clf, X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        coefficient_inference(clf, X, y, sample_weight=np.zeros(400))


def test_refuses_bad_arguments():
    X, y, _ = softmax_data()
    clf = fit(X, y)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        coefficient_inference(clf, X, y, cov_type="HC0")
    with pytest.raises(ValueError, match=r"reference must be one of the classes"):
        coefficient_inference(clf, X, y, reference=5)


def test_refuses_too_many_parameters():
    X, y, _ = softmax_data()
    clf = fit(X, y)  # 2 x (1 + 3) = 8 parameters
    with pytest.raises(ValueError, match=r"8 parameters.*above max_params=7"):
        coefficient_inference(clf, X, y, max_params=7)
    assert coefficient_inference(clf, X, y, max_params=8).covariance.shape == (8, 8)
    message = f"about {4 * 8 * 6000**2 / 1e9:.1f} GB"
    with pytest.raises(ValueError, match=message):
        inference._check_size(6000, inference.MAX_PARAMS)


@pytest.mark.parametrize("targets", ["labels", "one-hot rows"])
def test_perfect_separation(targets):
    X, _, _ = softmax_data()
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    y = y if targets == "labels" else np.eye(2)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fit(X, y, tol=1e-4)
    with pytest.raises(ValueError, match=r"Perfect separation.*Fit with a finite C"):
        coefficient_inference(clf, X, y)
    # A penalty, or targets without zeros, make the estimate exist.
    for clf in (fit(X, y, C=1.0), fit(X, y, label_smoothing=0.2)):
        assert np.all(np.isfinite(coefficient_inference(clf, X, y).coef_se))


def test_quasi_complete_separation():
    # Class 1 wherever the dummy is 1, both classes elsewhere: the dummy's
    # coefficient diverges, and the fitted probabilities saturate.
    X, _, _ = softmax_data(n_samples=300)
    rng = np.random.default_rng(6)
    dummy = (rng.random(300) < 0.2).astype(float)
    y = np.where(dummy == 1, 1, rng.integers(0, 2, 300))
    X = np.column_stack([X, dummy])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fit(X, y)
    with pytest.raises(ValueError, match="quasi-complete separation") as error:
        coefficient_inference(clf, X, y)
    assert "class 1" in str(error.value) and "feature 'x3'" in str(error.value)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("zero", "feature 'x3' is zero on every sample"),
        ("duplicate", "The columns of X .* are linearly dependent"),
        ("constant", "The columns of X .* are linearly dependent"),
    ],
)
def test_singular_information(column, message):
    X, y, _ = softmax_data(n_samples=300)
    extra = {"zero": 0.0 * X[:, 0], "duplicate": X[:, 0], "constant": 1 + 0 * X[:, 0]}
    X = np.column_stack([X, extra[column]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fit(X, y)
    with pytest.raises(ValueError, match=f"Singular information matrix.*{message}"):
        coefficient_inference(clf, X, y)


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_class_without_samples(C):
    X, y, _ = softmax_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fit(X, y, C=C, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"Classes \[3\] have no samples in y"):
        coefficient_inference(clf, X, y)
    # Without an intercept, a penalized estimate exists.
    clf = fit(X, y, C=1.0, classes=[0, 1, 2, 3], fit_intercept=False)
    assert np.all(np.isfinite(coefficient_inference(clf, X, y).coef_se))


def test_saturated_combination_is_not_called_collinear():
    # Iris: setosa is separable from the others, but no column is redundant.
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fit(X, y)
    with pytest.raises(ValueError, match="not collinear, so fitted probabilities"):
        coefficient_inference(clf, X, y)


def test_warns_when_not_at_the_optimum():
    X, y, _ = softmax_data()
    clf = fit(X, y)
    shifted = X + np.random.default_rng(7).normal(scale=0.5, size=X.shape)
    with pytest.warns(ConvergenceWarning, match="not the optimum.*standard errors"):
        coefficient_inference(clf, shifted, y)
    loose = fit(X, y, tol=1e-1)
    with pytest.warns(ConvergenceWarning, match="Refit with a smaller tol"):
        coefficient_inference(loose, X, y)
