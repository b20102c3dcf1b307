"""The scipy driver of skxent's estimators: minimize a smooth objective given
as value-and-gradient (and a Hessian-vector product for the Newton-type
solvers)."""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

SOLVERS = ("lbfgs", "newton-cg", "trust-ncg")
# Coefficients from which solver="auto" takes Newton-CG on sparse X.
AUTO_NEWTON_COEFFICIENTS = 100_000


def resolve_solver(solver, *, sparse, n_coef):
    """The solver ``"auto"`` stands for: ``"newton-cg"`` where ``X`` is
    ``sparse`` and the model has at least :data:`AUTO_NEWTON_COEFFICIENTS`
    coefficients (``n_coef``, logit rows times features), ``"lbfgs"``
    otherwise; any other ``solver`` as given.

    Wide sparse (text-like) ``X`` makes many coefficients: L-BFGS's own
    bookkeeping, vector operations on all of them for each of its stored
    pairs at every iteration, then costs as much as the kernels' pass over
    ``X``, and with a weak penalty it needs hundreds of iterations where
    Newton-CG needs about ten. On few coefficients neither holds.
    """
    if solver != "auto":
        return solver
    return "newton-cg" if sparse and n_coef >= AUTO_NEWTON_COEFFICIENTS else "lbfgs"


EPS64 = float(np.finfo(np.float64).eps)


def minimize(
    loss, x0, *, solver, tol, max_iter, verbose=0, stacklevel=3, warn_on_stall=True
):
    """Minimize ``loss`` (a :class:`~skxent._linear_loss.LinearSoftmaxLoss`)
    with one of :data:`SOLVERS`; warn if it stops before ``tol`` is met (at
    ``max_iter``, or when the objective stops decreasing).

    Stopping rules, per solver: ``"lbfgs"`` stops when the largest absolute
    gradient entry is at most ``tol`` (scikit-learn's ``LogisticRegression``
    rule) or when the objective's relative decrease falls below the rounding
    of its evaluation (``data_eps``, machine epsilon of the data's dtype;
    at least 64 float64 epsilons); ``"newton-cg"`` when the largest absolute
    gradient entry is at most ``tol`` (scikit-learn's newton-cg rule) or
    when its steps no longer move the parameters; ``"trust-ncg"`` when the
    gradient norm is at most ``tol``. ``max_iter=0`` runs no iteration
    (scipy's L-BFGS-B and trust-ncg would take one step) and warns, as
    ``LogisticRegression`` does.
    ``stacklevel`` is that of the warning for the caller of ``minimize``.
    With ``warn_on_stall=False`` only ``max_iter`` warns, not an objective
    that stopped decreasing in floating point.

    Returns
    -------
    params : ndarray
    value : float
        The objective at ``params``.
    n_iter : int
    curve : list of float
        The objective after each iteration.
    """
    stacklevel += 2  # for the warning's caller, through _warn_unconverged
    data_eps = float(np.finfo(loss.dtype).eps)
    if max_iter == 0:
        value, _ = loss.loss_gradient(x0)
        _warn_unconverged(solver, 0, tol, "max_iter=0", "increase max_iter", stacklevel)
        return x0, float(value), 0, []
    curve = []
    # scipy's Newton-CG stops on the L1 norm of its step, summed over the
    # parameters: with 400,000 of them, tol=1e-4 allowed a step of 40 and
    # stopped a text-data fit after one iteration, 7 % above the optimum.
    # skxent stops it on the gradient instead, from the callback, which sees
    # the gradient the line search last evaluated.
    last_gradient = {"met_tol": False}

    def loss_gradient(x):
        value, gradient = loss.loss_gradient(x)
        last_gradient["at"], last_gradient["value"] = x.copy(), gradient
        return value, gradient

    def record(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"iteration {len(curve)}: objective {curve[-1]:.10g}")
        if solver == "newton-cg":
            x = intermediate_result.x
            if not np.array_equal(x, last_gradient["at"]):
                loss_gradient(x)
            if np.max(np.abs(last_gradient["value"])) <= tol:
                last_gradient["met_tol"] = True
                raise StopIteration

    if solver == "lbfgs":
        method, options, extra = (
            "L-BFGS-B",
            {
                "maxiter": max_iter,
                "maxls": 50,
                "gtol": tol,
                # A relative decrease of the objective below the rounding of
                # its evaluation (float32 data: about 1e-7) is noise; chasing it
                # costs line-search failures, not accuracy.
                "ftol": max(64 * EPS64, data_eps),
            },
            {},
        )
    elif solver == "newton-cg":
        method, options, extra = (
            "Newton-CG",
            # A step below rounding on every parameter: no progress left.
            {"maxiter": max_iter, "xtol": data_eps},
            {"hessp": loss.hessp},
        )
    else:
        method, options, extra = (
            "trust-ncg",
            {"maxiter": max_iter, "gtol": tol},
            {"hessp": loss.hessp},
        )
    result = scipy.optimize.minimize(
        loss_gradient,
        x0,
        method=method,
        jac=True,
        callback=record,
        options=options,
        **extra,
    )
    stalled = result.nit < max_iter
    # Newton-CG reports a stop from the callback as a failure.
    if not (result.success or last_gradient["met_tol"]) and (
        warn_on_stall or not stalled
    ):
        # Near the optimum the objective can stop decreasing in floating point
        # before a very small tol is met; more iterations would not help then.
        advice = (
            "increase max_iter, scale the features (e.g. with StandardScaler) or "
            "loosen tol"
            if not stalled
            else "the objective stopped decreasing in floating point; loosen tol "
            "or scale the features (e.g. with StandardScaler)"
        )
        _warn_unconverged(solver, result.nit, tol, result.message, advice, stacklevel)
    return result.x, float(result.fun), int(result.nit), curve


def _warn_unconverged(solver, n_iter, tol, reason, advice, stacklevel):
    warnings.warn(
        f"{solver} stopped after {n_iter} iterations without reaching "
        f"tol={tol} ({reason}): {advice}.",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )
