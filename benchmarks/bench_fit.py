"""Time SoftmaxClassifier.fit against scikit-learn's LogisticRegression.

One command prints, for two thread environments (the default one, and
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``), each in a fresh child process
since thread variables must be set before the libraries load:

- fit tables: on seeded dense float64 and float32 (100,000 x 100, K = 10),
  CSR text-like (100,000 x 20,000 at 0.2%, K = 20, C = 0.01; and 50,000 x
  20,000 at C = 1, where a weak penalty takes L-BFGS hundreds of
  iterations), many classes
  (50,000 x 100, K = 100) and the bundled digits, every solver of skxent and
  the multinomial solvers of scikit-learn at the same ``C`` and ``tol``, with
  the final objective of each fit recomputed by one independent formula; a
  time counts only within 1e-6 (relative) of the best objective found;
- fixed per-fit overhead on a tiny problem, and where a fit's time goes;
- one loss-and-gradient evaluation: skxent's kernels, scikit-learn's
  ``LinearModelLoss`` and one bare ``X @ W.T`` (reading X once);
- peak extra memory of a fit, and concurrent fits (GridSearchCV with loky and
  threading, two threads at once) against serial ones;

then, once, start-up costs (imports, cold and warm Numba cache), and a summary
of the goals of both environments side by side. About five minutes on an idle
2-core machine; ``--quick`` shrinks the large problems tenfold.

The fit times and their ratios (scikit-learn's best over skxent's best, per
problem and environment) are saved to ``benchmarks/results/bench_fit.json``
(see ``_results.py``), from which the documentation's table and figure are
drawn. ``--smoke`` checks the script end to end in seconds: the dense float64
problem 100x smaller, its fits (one round) and loss micro-benchmark only, in
the single-threaded environment, results in a temporary folder.

Run from the repository root::

    python benchmarks/bench_fit.py [--quick | --smoke] [--only dense64 micro ...]
"""

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _results
from _fit_data import QUICK_DIVISOR, SMOKE_DIVISOR
from _memory import peak_mb

ENVIRONMENTS = {
    "default": {},
    "single-threaded": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
}
FIT_PROBLEMS = ("digits", "dense64", "dense32", "classes100", "csr", "csr_c1")
MICRO_PROBLEMS = ("dense64", "dense32", "classes100", "csr")
CHILD_SECTIONS = ("overhead", *FIT_PROBLEMS, "micro", "memory", "concurrency")
SECTIONS = (*CHILD_SECTIONS, "startup")
# A smoke run: one small problem, fitted in one round, in the environment
# where BLAS pools cannot oversubscribe the cores.
SMOKE_SECTIONS = ("dense64", "micro")
SMOKE_ENVIRONMENTS = ("single-threaded",)
LABEL_WIDTH = 66
GOALS = {
    "dense_fit": 3.0,  # sklearn best / skxent best, dense float64
    "float32_fit": 1.5,  # skxent float64 best / skxent float32 best
    "loss_gradient": 1.5,  # skxent loss + gradient / one X @ W.T, at most
    "csr_fit": 3.0,  # sklearn best / skxent best, CSR
    "csr_default_fit": 3.0,  # sklearn default / skxent default, CSR, each C
    "small_fit": 1.0,  # sklearn best / skxent best, digits
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="large problems 10x smaller"
    )
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=SECTIONS, metavar="SECTION",
        help=f"run only these sections, among: {', '.join(SECTIONS)}",
    )  # fmt: skip
    parser.add_argument(
        "--environments", nargs="+", choices=ENVIRONMENTS, default=list(ENVIRONMENTS)
    )
    parser.add_argument(
        "--slow-solvers",
        action="store_true",
        help="also time scikit-learn's newton-cholesky, sag and saga (minutes)",
    )
    parser.add_argument("--child", choices=ENVIRONMENTS, help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.smoke and not args.child:
        args.only = [s for s in args.only if s in SMOKE_SECTIONS]
        args.environments = [e for e in args.environments if e in SMOKE_ENVIRONMENTS]
    return args


# --------------------------------------------------------------------- child


@functools.cache
def problem(name, quick, smoke):
    from _fit_data import make_problem

    return make_problem(name, quick=quick, smoke=smoke)


def _warm_up_kernels():
    """One tiny fit: loads the kernels and starts Numba's threading layer."""
    import numpy as np

    from skxent import SoftmaxClassifier

    X = np.random.default_rng(0).standard_normal((50, 3))
    SoftmaxClassifier().fit(X, np.arange(50) % 3)


def run_fits(name, args):
    import _fit_compare

    current = problem(name, args.quick, args.smoke)
    results, best_objective = _fit_compare.compare(
        current, slow_solvers=args.slow_solvers, rounds=1 if args.smoke else None
    )
    _fit_compare.print_table(current, results, best_objective)
    print_time_shares(current, results)
    summary = {
        "description": f"{current.description}, C = {current.C:g}",
        "best_objective": best_objective,
    }
    for library in _fit_compare.LIBRARIES:
        default = _fit_compare.default_solver(library, current)
        for kind, solver in (("default", default), ("best", None)):
            fit = _fit_compare.fastest(results, library, solver)
            summary[f"{library} {kind}"] = None if fit is None else fit.seconds
            if kind == "best" and fit is not None:
                summary[f"{library} best solver"] = fit.solver
    return summary


def print_time_shares(current, results):
    """Where the time of skxent's default and fastest solvers goes."""
    import _fit_compare
    import _overhead

    solvers = {"lbfgs", _fit_compare.default_solver("skxent", current)}
    fastest = _fit_compare.fastest(results, "skxent")
    if fastest is not None:
        solvers.add(fastest.solver)
    for solver in sorted(solvers):
        estimator = _fit_compare.make_estimator("skxent", solver, current.C)
        result = _overhead.profile(
            lambda estimator=estimator: estimator.fit(current.X, current.y),
            1,
            warm_up=False,
        )
        print(f"    skxent {solver}, one profiled fit: {_overhead.describe(result)}")


def run_micro(args):
    import _loss_micro

    print(
        f"\n  One loss + gradient evaluation (best of {_loss_micro.ROUNDS} rounds of "
        f"{_loss_micro.REPEATS}, skxent and the others in turn; floor = "
        "X @ W.T, the faster of BLAS at 1 and at all threads; scipy.sparse for CSR)"
    )
    _loss_micro.print_header()
    results = {}
    names = [n for n in MICRO_PROBLEMS if n in args.only] if args.smoke else None
    for name in names or MICRO_PROBLEMS:
        results[name] = _loss_micro.measure(problem(name, args.quick, args.smoke))
        _loss_micro.print_row(name, results[name])
    print(
        f"    -> goal: skxent/floor <= {_loss_micro.GOAL:g} on dense X; "
        "sklearn/skxent > 1 means skxent is faster"
    )
    return results


def run_overhead(args):
    import _overhead

    print("\n  Fixed per-fit overhead")
    tiny = _overhead.measure_tiny()
    shares = _overhead.measure_shares(problem("digits", args.quick, args.smoke))
    _overhead.report(tiny, shares)
    return tiny


def run_memory(args):
    import _memory

    print(
        f"\n  Peak extra memory of one fit beyond X ({_memory.MAX_ITER} iterations, "
        "fresh process each; budget = 3 n K itemsize; traced = tracemalloc, "
        "RSS = peak resident growth)"
    )
    results = _memory.run_all(args.quick)
    _memory.report(results)
    return results


def run_concurrency(args):
    import _concurrency

    print(
        "\n  Concurrent fits (20,000 x 50, K = 5; fresh process, "
        f"{_concurrency.TIMEOUT_SECONDS} s timeout)"
    )
    results = _concurrency.run()
    _concurrency.report(results)
    return results


def run_child(args):
    from _machine import LoadMonitor, print_environment

    monitor = LoadMonitor()
    _warm_up_kernels()
    title = f"Thread settings: {args.child}"
    print(f"\n{title}\n{'=' * len(title)}")
    print_environment()
    results = {"fits": {}}
    sections = [s for s in CHILD_SECTIONS if s in args.only]
    if "overhead" in sections:
        results["overhead"] = run_overhead(args)
    fit_names = [s for s in sections if s in FIT_PROBLEMS]
    if fit_names:
        import _fit_compare

        print(
            f"\n  Fits (time: best of {_fit_compare.ROUNDS} rounds of fits, "
            f"round-robin, each round repeating a fit for up to "
            f"~{_fit_compare.ROUND_SECONDS:g} s; iter: "
            "solver iterations; to 1e-6: first iteration whose objective, from "
            "loss_curve_, is within 1e-6 of the best)"
        )
    for name in fit_names:
        results["fits"][name] = run_fits(name, args)
    if "micro" in sections:
        results["micro"] = run_micro(args)
    if "memory" in sections:
        results["memory"] = run_memory(args)
    if "concurrency" in sections:
        results["concurrency"] = run_concurrency(args)
    busy = monitor.other_cores_busy()
    results["other_cores_busy"] = busy
    print(
        f"\n  During this run other processes kept {busy:.2f} of {os.cpu_count()} "
        f"cores busy (load average now {os.getloadavg()[0]:.2f})"
    )
    Path(args.results).write_text(json.dumps(results))


# -------------------------------------------------------------------- parent


def run_environment(name, args, folder):
    results_path = Path(folder) / f"{name}.json"
    command = [
        sys.executable,
        __file__,
        "--child",
        name,
        "--results",
        str(results_path),
    ]
    command += ["--only", *args.only]
    command += ["--quick"] * args.quick + ["--slow-solvers"] * args.slow_solvers
    command += ["--smoke"] * args.smoke
    env = {**os.environ, **ENVIRONMENTS[name]}
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        if variable not in ENVIRONMENTS[name]:
            env.pop(variable, None)
    completed = subprocess.run(command, env=env, check=False)
    if completed.returncode:
        print(f"\n{name} environment: child failed with status {completed.returncode}")
        return None
    return json.loads(results_path.read_text())


def _ratio(numerator, denominator):
    if numerator is None or denominator is None:
        return None
    return numerator / denominator


def goal_rows(results):
    """``(goal, value, verdict)`` for one environment's results."""
    fits = results.get("fits", {})

    def fit(problem_name, key):
        return fits.get(problem_name, {}).get(key)

    rows = []
    for label, problem_name, goal in (
        ("dense float64 fit: sklearn best / skxent best", "dense64", "dense_fit"),
        ("CSR fit: sklearn best / skxent best", "csr", "csr_fit"),
        ("digits fit: sklearn best / skxent best", "digits", "small_fit"),
    ):
        value = _ratio(
            fit(problem_name, "sklearn best"), fit(problem_name, "skxent best")
        )
        rows.append(
            (f"{label} >= {GOALS[goal]:g}", value, _at_least(value, GOALS[goal]))
        )
    goal = GOALS["csr_default_fit"]
    for problem_name in ("csr", "csr_c1"):
        value = _ratio(
            fit(problem_name, "sklearn default"), fit(problem_name, "skxent default")
        )
        label = f"{problem_name} fit: sklearn default / skxent default >= {goal:g}"
        rows.append((label, value, _at_least(value, goal)))
    value = _ratio(fit("classes100", "sklearn best"), fit("classes100", "skxent best"))
    rows.append(("many classes fit: sklearn best / skxent best", value, ""))
    goal = GOALS["float32_fit"]
    for kind in ("best", "default"):
        value = _ratio(
            fit("dense64", f"skxent {kind}"), fit("dense32", f"skxent {kind}")
        )
        label = f"skxent {kind} fit, float64 / float32 >= {goal:g}"
        rows.append((label, value, _at_least(value, goal)))
    micro = results.get("micro", {})
    goal = GOALS["loss_gradient"]
    for name in ("dense64", "dense32"):
        value = _ratio(
            micro.get(name, {}).get("skxent"), micro.get(name, {}).get("floor")
        )
        rows.append(
            (
                f"loss+gradient / X @ W.T, {name} <= {goal:g}",
                value,
                _at_most(value, goal),
            )
        )
    if "overhead" in results:
        value = 1e3 * results["overhead"]["skxent fit"]
        rows.append(("tiny fit, ms < 5", value, _at_most(value, 5.0)))
    for r in results.get("memory", []):
        if r["library"] == "skxent" and r.get("dense"):
            value = peak_mb(r) / r["budget_mb"]
            label = f"memory {r['problem']} {r['solver']}: peak / (3 n K itemsize) <= 1"
            rows.append((label, value, _at_most(value, 1.0)))
    if "concurrency" in results:
        outcome = results["concurrency"]
        ok = "error" not in outcome and all(
            v.get("max_difference", 0.0) == 0.0 and v.get("before") == v.get("after")
            for v in outcome.values()
        )
        rows.append(
            (
                "concurrent fits: same as serial, no abort, BLAS limits restored",
                None,
                "met" if ok else "NOT met",
            )
        )
    return rows


def _at_least(value, goal):
    return "" if value is None else ("met" if value >= goal else "NOT met")


def _at_most(value, goal):
    return "" if value is None else ("met" if value <= goal else "NOT met")


def print_summary(all_results):
    names = [name for name, results in all_results.items() if results is not None]
    if not names:
        return
    title = "Summary: goals in each environment"
    print(f"\n{title}\n{'=' * len(title)}")
    print(f"  {'':<{LABEL_WIDTH}}" + "".join(f"{name:>24}" for name in names))
    rows = {name: goal_rows(all_results[name]) for name in names}
    for i, (label, _, _) in enumerate(rows[names[0]]):
        cells = []
        for name in names:
            _, value, verdict = rows[name][i]
            text = "-" if value is None else f"{value:.2f}"
            cells.append(f"{text} {verdict}".rstrip())
        print(f"  {label:<{LABEL_WIDTH}}" + "".join(f"{cell:>24}" for cell in cells))
    if len(names) == 2:
        print_oversubscription(*(all_results[name] for name in names), names)


def print_oversubscription(default, single, names):
    """Each library's fit time in the default environment over that with one
    BLAS/OpenMP thread: above 1, the default threads slow it down."""
    print(f"\n  Fit time, {names[0]} / {names[1]} environment (> 1: slowed by threads)")
    keys = ("skxent default", "skxent best", "sklearn default", "sklearn best")
    print(f"    {'problem':<12}" + "".join(f"{key:>17}" for key in keys))
    for name, fits in default.get("fits", {}).items():
        other = single.get("fits", {}).get(name, {})
        cells = [_ratio(fits.get(key), other.get(key)) for key in keys]
        print(
            f"    {name:<12}"
            + "".join("{:>17}".format("-" if c is None else f"{c:.2f}") for c in cells)
        )


def fit_ratios(all_results):
    """scikit-learn's best fit time over skxent's, per environment and problem."""
    return {
        environment: {
            name: _ratio(fits.get("sklearn best"), fits.get("skxent best"))
            for name, fits in results.get("fits", {}).items()
        }
        for environment, results in all_results.items()
        if results is not None
    }


def summary(all_results, startup):
    """What the results file keeps: the fit ratios that the documentation
    shows, and each environment's raw results."""
    problems = {
        name: fits["description"]
        for results in all_results.values()
        if results is not None
        for name, fits in results.get("fits", {}).items()
    }
    return {
        "ratio": "scikit-learn's best fit time / skxent's best fit time (above 1: "
        "skxent is faster)",
        "environments": {
            name: ", ".join(f"{k}={v}" for k, v in ENVIRONMENTS[name].items())
            or "default threads"
            for name in all_results
        },
        "problems": problems,
        "fit_ratios": fit_ratios(all_results),
        "results": all_results,
        "startup": startup,
    }


def main():
    args = parse_args()
    if args.child:
        run_child(args)
        return
    start = time.perf_counter()
    print(__doc__.split("\n\n")[0])
    if args.quick:
        print(f"Quick run: large problems {QUICK_DIVISOR}x smaller.")
    if args.smoke:
        print(
            f"Smoke run: problems {SMOKE_DIVISOR}x smaller, sections "
            f"{', '.join(args.only)}; the times mean nothing."
        )
    all_results = {}
    if any(section in CHILD_SECTIONS for section in args.only):
        with tempfile.TemporaryDirectory(prefix="bench-fit-") as folder:
            for name in args.environments:
                all_results[name] = run_environment(name, args, folder)
    startup = None
    if "startup" in args.only:
        import _startup

        title = "Start-up (default environment, fresh processes)"
        print(f"\n{title}\n{'=' * len(title)}")
        startup = _startup.report(_startup.measure())
    print_summary(all_results)
    if startup is not None:
        print("\n  Start-up (default environment)")
        for label, value, goal in startup:
            cell = f"{value:.2f} {_at_most(value, goal)}"
            print(f"  {label:<{LABEL_WIDTH}}{cell:>24}")
    _results.save("bench_fit", args, summary(all_results, startup))
    print(f"\nTotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
