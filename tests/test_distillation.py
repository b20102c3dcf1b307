"""DistillationClassifier and its objective, against independent references."""

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import entr, log_softmax, rel_entr, softmax
from sklearn.base import clone
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxent import DistillationClassifier, SoftmaxClassifier
from skxent._distillation import distillation_loss, soften
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import Distillation
from skxent.metrics import kl_divergence

TIGHT = {"tol": 1e-10, "max_iter": 1000}
# GaussianNB: a quick teacher whose probabilities are far from one-hot.
TEACHER = GaussianNB()


def problem(name="wine", n_samples=None):
    load = {"wine": load_wine, "iris": load_iris}[name]
    X, y = load(return_X_y=True)
    X = scale(X)
    if n_samples is not None:
        rows = np.random.default_rng(0).permutation(len(y))[:n_samples]
        X, y = X[rows], y[rows]
    return X, y


def out_of_fold(X, y, temperature):
    proba = cross_val_predict(TEACHER, X, y, cv=KFold(4), method="predict_proba")
    return soften(proba, temperature)


def _kl(soft, q_t):
    return rel_entr(soft, q_t).sum(axis=1)


def _reverse_kl(soft, q_t):
    return rel_entr(q_t, soft).sum(axis=1)


def _js(soft, q_t):
    mixture = (soft + q_t) / 2
    return (rel_entr(soft, mixture) + rel_entr(q_t, mixture)).sum(axis=1) / 2


# D(p_T || q_T) of each student objective, per sample, by scipy.
DIVERGENCES = {
    "kl_divergence": _kl,
    "reverse_kl_divergence": _reverse_kl,
    "js_divergence": _js,
}


def data_term(logits, y, soft, weights, temperature, alpha, objective, beta=0.0):
    """The weighted mean of ``alpha CE(y, q) + (1 - alpha) T^2 D(p_T || q_T)
    - beta H(q)`` in NumPy and SciPy, from full logits."""
    log_q = log_softmax(logits, axis=1)
    hard = -log_q[np.arange(len(y)), y]
    q_t = softmax(logits / temperature, axis=1)
    soft_term = DIVERGENCES[objective](soft, q_t)
    entropy = entr(np.exp(log_q)).sum(axis=1)
    per_sample = alpha * hard + (1 - alpha) * temperature**2 * soft_term
    return weights @ (per_sample - beta * entropy) / weights.sum()


def hinton_objective(
    params, X, y, soft, weights, temperature, alpha, C, objective="kl_divergence",
    beta=0.0,
):  # fmt: skip
    """The objective of the docstring (the entropy penalty ``beta``
    included), from the flat parameters (coefficients then intercepts, one
    row per class)."""
    n_classes = soft.shape[1]
    coef = params[: n_classes * X.shape[1]].reshape(n_classes, -1)
    logits = X @ coef.T + params[n_classes * X.shape[1] :]
    value = data_term(logits, y, soft, weights, temperature, alpha, objective, beta)
    return value + coef.ravel() @ coef.ravel() / (2 * C * weights.sum())


def assert_derivatives_match_finite_differences(loss, params, grad, rng):
    """``grad`` (the gradient of ``loss`` at ``params``) against forward
    differences of its value, and its Hessian-vector product with a random
    direction against central differences of the gradient."""
    numeric = scipy.optimize.approx_fprime(
        params, lambda p: loss.loss_gradient(p)[0], 1e-7
    )
    assert_allclose(grad, numeric, atol=2e-6)
    direction = rng.normal(size=params.size)
    step = 1e-6
    central = (
        loss.loss_gradient(params + step * direction)[1]
        - loss.loss_gradient(params - step * direction)[1]
    ) / (2 * step)
    assert_allclose(loss.hessp(params, direction), central, atol=1e-7)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(("temperature", "alpha"), [(2.5, 0.3), (0.7, 0.0), (1, 1)])
def test_kernel_gradient_and_hessp_match_finite_differences(
    n_classes, temperature, alpha
):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))  # more than one block of rows
    y = rng.integers(0, n_classes, 300)
    soft = rng.dirichlet(np.ones(n_classes), 300)
    weights = rng.uniform(0.5, 2.0, 300)
    objective = Distillation(soft, temperature, alpha)
    loss = LinearSoftmaxLoss(
        X, y, weights, objective=objective, n_params=n_classes if n_classes > 2 else 1,
        fit_intercept=True, l2_reg_strength=0.01,
    )  # fmt: skip
    params = rng.normal(size=loss.initial_params().size)
    value, grad = loss.loss_gradient(params)
    assert_derivatives_match_finite_differences(loss, params, grad, rng)
    coef, intercept = loss.unpack(params)
    logits = X @ coef.T + intercept
    if n_classes == 2:
        logits = np.column_stack([np.zeros(300), logits[:, 0]])
    penalty = 0.005 * params[: coef.size] @ params[: coef.size]
    metric = objective.metric(y, softmax(logits, axis=1), sample_weight=weights)
    assert_allclose(value - penalty, metric, rtol=1e-12)


def test_cross_entropy_student_reports_the_constant_offset():
    X, y = problem("iris")
    soft = out_of_fold(X, y, 2.0)
    weights = np.ones(len(y))
    entropy = entr(soft).sum(axis=1).mean()
    kl, ce = (
        Distillation(soft, 2.0, 0.25, divergence=d)
        for d in ("kl_divergence", "cross_entropy")
    )
    assert_allclose(
        ce.constant(y, weights) - kl.constant(y, weights), 0.75 * 4 * entropy
    )


def test_temperature_one_without_labels_is_the_soft_target_fit():
    X, y = problem()
    cv = KFold(4)
    model = DistillationClassifier(
        TEACHER, SoftmaxClassifier(**TIGHT), temperature=1.0, alpha=0.0, cv=cv
    ).fit(X, y)
    proba = cross_val_predict(TEACHER, X, y, cv=cv, method="predict_proba")
    # soften(., 1) renormalizes only: the rows the teacher gives, within rounding.
    assert_allclose(model.teacher_proba_, proba, atol=1e-12)
    reference = SoftmaxClassifier(**TIGHT).fit(X, proba)
    assert_allclose(model.student_.coef_, reference.coef_, atol=1e-7)
    assert_allclose(model.student_.intercept_, reference.intercept_, atol=1e-7)
    assert_allclose(model.student_.loss_, reference.loss_, rtol=1e-9)


@pytest.mark.parametrize("temperature", [0.5, 3.0])
def test_alpha_one_is_the_hard_label_fit(temperature):
    X, y = problem()
    model = DistillationClassifier(
        TEACHER, SoftmaxClassifier(C=0.5, **TIGHT), temperature=temperature, alpha=1.0
    ).fit(X, y)
    reference = SoftmaxClassifier(C=0.5, **TIGHT).fit(X, y)
    assert_allclose(model.student_.coef_, reference.coef_, atol=1e-7)
    assert_allclose(model.student_.loss_, reference.loss_, rtol=1e-9)
    assert_array_equal(model.predict(X), reference.predict(X))


def assert_minimizes_directly(
    objective, temperature, alpha, solver, entropy_penalty=0.0
):  # fmt: skip
    """The fitted student against SciPy's BFGS on :func:`hinton_objective`,
    both from zero coefficients (a stationary point of the non-convex
    objectives is compared with the one reached from the same start)."""
    X, y = problem("wine", n_samples=60)
    X = X[:, :4]
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    cv = KFold(3)
    C = 2.0
    student = SoftmaxClassifier(
        objective, C=C, solver=solver, entropy_penalty=entropy_penalty, **TIGHT
    )
    model = DistillationClassifier(
        TEACHER, student, temperature=temperature, alpha=alpha, cv=cv
    ).fit(X, y, sample_weight=weights)
    soft = soften(
        cross_val_predict(
            TEACHER, X, y, cv=cv, method="predict_proba",
            params={"sample_weight": weights},
        ),
        temperature,
    )  # fmt: skip
    args = (X, y, soft, weights, temperature, alpha, C, objective, entropy_penalty)
    start = np.zeros(3 * X.shape[1] + 3)
    direct = scipy.optimize.minimize(
        hinton_objective, start, args=args, method="BFGS", options={"gtol": 1e-10}
    )
    coef = direct.x[: 3 * X.shape[1]].reshape(3, -1)
    # The intercepts are unpenalized: identified up to a common shift.
    intercept = direct.x[3 * X.shape[1] :]
    assert_allclose(model.student_.coef_, coef, atol=1e-5)
    assert_allclose(
        model.student_.intercept_ - model.student_.intercept_.mean(),
        intercept - intercept.mean(),
        atol=1e-5,
    )
    assert_allclose(model.student_.loss_, direct.fun, rtol=1e-9)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
@pytest.mark.parametrize(("temperature", "alpha"), [(2.0, 0.3), (4.0, 0.7), (0.5, 0.1)])
def test_student_minimizes_hintons_objective(temperature, alpha, solver):
    assert_minimizes_directly("kl_divergence", temperature, alpha, solver)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
@pytest.mark.parametrize("objective", ["reverse_kl_divergence", "js_divergence"])
@pytest.mark.parametrize(
    ("temperature", "alpha", "entropy_penalty"),
    [(2.0, 0.3, 0.0), (0.5, 0.0, 0.0), (3.0, 0.6, 0.05)],
)
def test_other_divergence_takes_the_place_of_kl(
    objective, temperature, alpha, entropy_penalty, solver
):
    assert_minimizes_directly(objective, temperature, alpha, solver, entropy_penalty)


def fitted_loss_sum(model, X, y, sample_weight=None):
    """A clone of ``model``'s student fitted to :func:`distillation_loss` for
    its objective, whatever it is, on the teacher probabilities of ``model``."""
    student = clone(model.student_)
    classes, codes, weights = student._targets(X, y, sample_weight)
    loss = distillation_loss(
        student, X, classes, codes, weights, model.teacher_proba_,
        model.temperature, model.alpha,
    )  # fmt: skip
    return student._fit_loss(loss, classes)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    ("alpha", "entropy_penalty"), [(0.0, 0.0), (0.4, 0.0), (1.0, 0.0), (0.0, 0.1)]
)
def test_loss_sum_of_a_kl_student_is_the_fused_fit(n_classes, alpha, entropy_penalty):
    X, y = problem("wine")
    X, y = X[y < n_classes], y[y < n_classes]
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    # newton-cg stops on the gradient, the same for both.
    student = SoftmaxClassifier(
        "kl_divergence", C=3.0, solver="newton-cg", entropy_penalty=entropy_penalty,
        **TIGHT,
    )  # fmt: skip
    fused = DistillationClassifier(TEACHER, student, temperature=2.5, alpha=alpha).fit(
        X, y, sample_weight=weights
    )
    summed = fitted_loss_sum(fused, X, y, weights)
    # Two routes to one minimizer, each stopped at tol, that add up the rows
    # in another order: the coefficients agree within 1e-5 of the largest
    # (8.6e-7 apart, 3e-7 of the largest, on Numba 0.62), the objective to
    # rounding.
    atol = 1e-5 * np.abs(fused.student_.coef_).max()
    assert_allclose(summed.coef_, fused.student_.coef_, rtol=0, atol=atol)
    assert_allclose(summed.intercept_, fused.student_.intercept_, rtol=0, atol=atol)
    assert_allclose(summed.loss_, fused.student_.loss_, rtol=1e-10)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("objective", ["reverse_kl_divergence", "js_divergence"])
@pytest.mark.parametrize(("temperature", "alpha"), [(2.5, 0.3), (0.7, 0.0), (1.5, 1.0)])
def test_loss_sum_value_gradient_and_hessp(n_classes, objective, temperature, alpha):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))  # more than one block of rows
    y = rng.integers(0, n_classes, 300)
    soft = rng.dirichlet(np.ones(n_classes), 300)
    weights = rng.uniform(0.5, 2.0, 300)
    student = SoftmaxClassifier(objective, C=4.0, entropy_penalty=0.2)
    classes = np.arange(n_classes)
    loss = distillation_loss(student, X, classes, y, weights, soft, temperature, alpha)
    params = rng.normal(size=loss.initial_params().size)
    value, grad = loss.loss_gradient(params)
    coef, intercept = loss.unpack(params)
    logits = X @ coef.T + intercept
    if n_classes == 2:
        logits = np.column_stack([np.zeros(300), logits[:, 0]])
    penalty = coef.ravel() @ coef.ravel() / (2 * 4.0 * weights.sum())
    reference = data_term(logits, y, soft, weights, temperature, alpha, objective, 0.2)
    assert_allclose(value, reference + penalty, rtol=1e-12)
    assert_derivatives_match_finite_differences(loss, params, grad, rng)


def test_reverse_kl_student_needs_positive_teacher_probabilities():
    X, y = problem("iris")
    # One neighbour: one-hot rows, zeros that softening keeps.
    model = DistillationClassifier(
        KNeighborsClassifier(n_neighbors=1),
        SoftmaxClassifier("reverse_kl_divergence"),
        temperature=2.0,
    )
    with pytest.raises(ValueError, match="teacher whose probabilities are all"):
        model.fit(X, y)
    assert not hasattr(model, "student_")
    # The labels alone (alpha=1) never read them.
    model.set_params(alpha=1.0).fit(X, y)


@pytest.mark.parametrize("objective", ["kl_divergence", "js_divergence"])
def test_convergence_warning_points_at_the_caller_of_fit(objective):
    X, y = problem("iris")
    model = DistillationClassifier(
        TEACHER, SoftmaxClassifier(objective, max_iter=1), temperature=2.0
    )
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    assert record[0].filename == __file__


def test_teacher_is_out_of_fold_and_refitted_on_all_rows():
    X, y = problem("iris")
    teacher = KNeighborsClassifier(n_neighbors=1)  # one-hot on its own rows
    model = DistillationClassifier(teacher, temperature=2.0, cv=KFold(5)).fit(X, y)
    in_sample = soften(clone(teacher).fit(X, y).predict_proba(X), 2.0)
    assert not np.allclose(model.teacher_proba_, in_sample)
    assert_allclose(
        model.teacher_proba_,
        soften(
            cross_val_predict(teacher, X, y, cv=KFold(5), method="predict_proba"), 2.0
        ),
    )
    assert_array_equal(model.teacher_.predict(X), y)


def test_softening_is_renormalized_power_of_the_teacher():
    proba = np.array([[0.7, 0.2, 0.1], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    for temperature in (0.01, 0.5, 3.0):
        expected = proba ** (1 / temperature)
        expected /= expected.sum(axis=1, keepdims=True)
        assert_allclose(soften(proba, temperature), expected, rtol=1e-12)
    # A sharpening that underflows every entry of the row taken as it is.
    row = np.array([[1e-3, 1e-3 / 2]])
    with np.errstate(invalid="ignore"):
        assert np.isnan((row**1e3) / (row**1e3).sum()).all()
    assert_allclose(soften(row, 1e-3), [[1.0, 0.5**1e3]], rtol=1e-12, atol=0)


def test_predictions_and_classes_are_the_students():
    X, y = problem("iris")
    labels = np.array(["virginica", "setosa", "versicolor"])[y]
    model = DistillationClassifier(TEACHER, temperature=2.0, alpha=0.5).fit(X, labels)
    assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    assert_array_equal(model.predict(X), model.student_.predict(X))
    assert_allclose(model.predict_proba(X), model.student_.predict_proba(X))
    assert_allclose(model.decision_function(X), model.student_.decision_function(X))
    assert model.score(X, labels) == model.student_.score(X, labels)
    # The soft targets' columns follow classes_.
    assert_array_equal(
        model.classes_[model.teacher_proba_.argmax(axis=1)][:5],
        [model.classes_[k] for k in model.teacher_proba_[:5].argmax(axis=1)],
    )


def test_student_classes_beyond_the_labels_get_zero_teacher_probability():
    X, y = problem("iris")
    student = SoftmaxClassifier(classes=[0, 1, 2, 3])
    model = DistillationClassifier(TEACHER, student, alpha=0.5).fit(X, y)
    assert_array_equal(model.classes_, [0, 1, 2, 3])
    assert_array_equal(model.teacher_proba_[:, 3], 0.0)
    assert model.predict_proba(X)[:, 3].max() < 0.05


def test_cross_entropy_student_is_the_same_model():
    X, y = problem("iris")
    fits = [
        DistillationClassifier(
            # newton-cg: lbfgs's stopping rule relative to the objective
            # sees the constant offset.
            TEACHER, SoftmaxClassifier(name, solver="newton-cg", **TIGHT),
            temperature=3.0, alpha=0.2,
        ).fit(X, y)
        for name in ("kl_divergence", "cross_entropy")
    ]  # fmt: skip
    assert_allclose(fits[0].student_.coef_, fits[1].student_.coef_, atol=1e-7)
    soft = fits[0].teacher_proba_
    entropy = entr(soft).sum(axis=1).mean()
    gap = fits[1].student_.loss_ - fits[0].student_.loss_
    assert_allclose(gap, 0.8 * 9 * entropy, rtol=1e-8)


@pytest.mark.parametrize(
    ("student", "match"),
    [
        (SoftmaxClassifier(label_smoothing=0.1), "raise the temperature"),
        (SoftmaxClassifier(target_type="counts"), "target_type='auto'"),
    ],
)
def test_unsupported_students_raise(student, match):
    X, y = problem("iris")
    model = DistillationClassifier(TEACHER, student)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "student_")


def test_sample_weight_needs_a_teacher_that_takes_it():
    X, y = problem("iris")
    model = DistillationClassifier(KNeighborsClassifier())
    with pytest.raises(ValueError, match="does not take sample_weight"):
        model.fit(X, y, sample_weight=np.ones(len(y)))
    model.fit(X, y)  # without weights, fine


def test_pipeline_and_grid_search_over_temperature_alpha_and_student_C():
    X, y = load_iris(return_X_y=True)
    # The student given explicitly: student=None has no parameters to set.
    pipe = make_pipeline(
        StandardScaler(), DistillationClassifier(TEACHER, SoftmaxClassifier(), cv=3)
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    grid = GridSearchCV(
        pipe,
        {
            "distillationclassifier__temperature": [1.0, 4.0],
            "distillationclassifier__alpha": [0.0, 0.5],
            "distillationclassifier__student__C": [0.1, 10.0],
        },
        scoring="neg_log_loss",
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # The parameters reach the fitted student.
    best = grid.best_estimator_[-1]
    assert grid.best_params_["distillationclassifier__student__C"] == best.student_.C
    scores = grid.cv_results_["mean_test_score"]
    assert np.unique(scores).size == 8


def test_refit_validates_before_setting_anything():
    X, y = problem("iris")
    model = DistillationClassifier(TEACHER).fit(X, y)
    coef = model.student_.coef_.copy()
    model.set_params(student=SoftmaxClassifier(label_smoothing=0.1))
    with pytest.raises(ValueError, match="label_smoothing"):
        model.fit(X[:, :2], y)
    assert_array_equal(model.student_.coef_, coef)


def test_kl_to_the_teacher_decreases_as_alpha_falls():
    X, y = problem()
    kls = [
        kl_divergence(
            m.teacher_proba_,
            softmax(m.decision_function(X) / 2.0, axis=1),
        )
        for m in (
            DistillationClassifier(TEACHER, temperature=2.0, alpha=a).fit(X, y)
            for a in (0.9, 0.5, 0.0)
        )
    ]
    assert kls[0] > kls[1] > kls[2]


@parametrize_with_checks(
    [
        DistillationClassifier(LogisticRegression(max_iter=200), cv=2),
        DistillationClassifier(
            GaussianNB(), SoftmaxClassifier(C=10.0), temperature=2.0, alpha=0.5, cv=2
        ),
    ],
    expected_failed_checks=lambda estimator: (
        {
            # Rows repeated in place of a weight fall into different folds of
            # the teacher's cross-validation (and copies of one row then teach
            # each other out of fold): other soft targets, another student.
            # LogisticRegression's out-of-fold probabilities happen to stay
            # within the check's tolerance.
            "check_sample_weight_equivalence_on_dense_data": (
                "weights and repeated rows give different out-of-fold targets"
            )
        }
        if isinstance(estimator.teacher, GaussianNB)
        else {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
