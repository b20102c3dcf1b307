"""Time every registered objective, and the entropy penalty, against
cross-entropy on the same data.

On the seeded dense float64 problem of ``bench_fit.py`` (100,000 x 100,
K = 10) with label-smoothed targets (strictly positive, so that every
objective can take them), for each objective of ``skxent._objectives``
(and cross-entropy with ``entropy_penalty=0.1``):

- one loss-and-gradient evaluation and one Hessian-vector product, the
  kernels alone, best of ``--repeats`` timed round-robin;
- a fit with lbfgs and with newton-cg at ``C = 1``, ``tol = 1e-6``: its time,
  iterations and final objective.

Ratios are to cross-entropy's times. Cross-entropy and KL divergence share
their kernels; the other objectives evaluate a logarithm per entry (reverse
KL and the penalty in the Hessian-vector product only, Jensen-Shannon in both
passes). Nothing is asserted: the script prints the times and saves them to
``benchmarks/results/bench_objectives.json`` (see ``_results.py``);
``--smoke`` runs on 1,000 samples.

Run from the repository root::

    python benchmarks/bench_objectives.py [--quick | --smoke]
"""

import argparse
import time
import warnings

import _results  # this folder is on sys.path
import numpy as np
from _common import best_times, print_environment
from _fit_data import make_problem

from skxent import SoftmaxClassifier
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES

SMOOTHING = 0.1
PENALIZED = ("cross_entropy", 0.1)


def variants():
    """``(label, objective name, entropy penalty)`` for every row."""
    rows = [(name, name, 0.0) for name in OBJECTIVES]
    name, beta = PENALIZED
    return [*rows, (f"{name}, entropy_penalty={beta}", name, beta)]


def evaluations(X, targets, name, beta):
    """The loss-and-gradient and Hessian-vector product of ``name``, as
    zero-argument functions, at a fixed point."""
    n_classes = targets.shape[1]
    loss = LinearSoftmaxLoss(
        X,
        targets,
        np.ones(X.shape[0]),
        objective=OBJECTIVES[name](),
        n_params=n_classes,
        fit_intercept=True,
        l2_reg_strength=1.0 / X.shape[0],
        entropy_penalty=beta,
        n_threads=1,
    )
    params = np.random.default_rng(0).standard_normal(loss.initial_params().shape)
    direction = np.ones_like(params)
    loss.hessp(params, direction)  # compiles both passes, stores q
    return (lambda: loss.loss_gradient(params)), (lambda: loss.hessp(params, direction))


def timed_fit(X, targets, name, beta, solver):
    model = SoftmaxClassifier(
        name, entropy_penalty=beta, solver=solver, tol=1e-6, max_iter=1000
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, targets)
    return {
        "seconds": time.perf_counter() - start,
        "n_iter": int(model.n_iter_[0]),
        "loss": model.loss_,
        "converged": not caught,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x fewer samples")
    parser.add_argument("--repeats", type=int, default=5)
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        args.repeats = 1
    problem = make_problem("dense64", quick=args.quick, smoke=args.smoke)
    X = problem.X
    n_classes = problem.n_classes
    targets = (1 - SMOOTHING) * np.eye(n_classes)[problem.y] + SMOOTHING / n_classes
    print_environment()
    print(f"\nData: {problem.description}, targets label-smoothed by {SMOOTHING}")

    rows = variants()
    kernels = {}
    for label, name, beta in rows:
        gradient, hessp = evaluations(X, targets, name, beta)
        kernels[f"{label}: loss+gradient"] = gradient
        kernels[f"{label}: hessp"] = hessp
    times = best_times(kernels, args.repeats)
    fits = {
        label: {
            solver: timed_fit(X, targets, name, beta, solver)
            for solver in ("lbfgs", "newton-cg")
        }
        for label, name, beta in rows
    }

    reference = rows[0][0]
    print(
        f"\n{'objective':42s} {'grad ms':>8s} {'ratio':>6s} {'hessp ms':>8s} "
        f"{'ratio':>6s} {'lbfgs s':>8s} {'iter':>5s} {'newton s':>8s} {'iter':>5s}"
    )
    summary = {}
    for label, _, _ in rows:
        gradient = times[f"{label}: loss+gradient"]
        hessp = times[f"{label}: hessp"]
        lbfgs, newton = fits[label]["lbfgs"], fits[label]["newton-cg"]
        summary[label] = {
            "loss_gradient_seconds": gradient,
            "loss_gradient_ratio": gradient / times[f"{reference}: loss+gradient"],
            "hessp_seconds": hessp,
            "hessp_ratio": hessp / times[f"{reference}: hessp"],
            "fits": fits[label],
        }
        print(
            f"{label:42s} {gradient * 1e3:8.2f} "
            f"{summary[label]['loss_gradient_ratio']:6.2f} {hessp * 1e3:8.2f} "
            f"{summary[label]['hessp_ratio']:6.2f} {lbfgs['seconds']:8.2f} "
            f"{lbfgs['n_iter']:5d} {newton['seconds']:8.2f} {newton['n_iter']:5d}"
        )
    _results.save("bench_objectives", args, {"objectives": summary})


if __name__ == "__main__":
    main()
