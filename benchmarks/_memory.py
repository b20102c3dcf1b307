"""Peak extra memory of one fit, measured in a fresh process.

Run as ``python _memory.py PROBLEM LIBRARY SOLVER [--quick]``: builds the
problem, warms up on a slice (compilation, lazy imports, thread pools), then
fits once and prints a JSON line with two measures of the fit's peak:

- ``traced``: peak of ``tracemalloc`` during the fit (NumPy and Python
  allocations; Numba's own allocations inside kernels are not traced);
- ``rss``: growth of the peak resident set size (``VmHWM``, reset to the
  current size just before the fit through ``/proc/self/clear_refs``). The
  parent sets ``MALLOC_MMAP_THRESHOLD_`` so that freed large blocks return to
  the system and the resident size follows what is in use.

The goal, for dense data: at most ``3 * n_samples * n_classes * itemsize``
beyond ``X``. Problems with many parameters (CSR here: 20,000 x 20) add
parameter-sized vectors, among them the 2 x 10 of L-BFGS-B's history.
"""

import argparse
import json
import os
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

MAX_ITER = 5  # the peak comes with the first evaluation
CONFIGS = (
    ("dense64", "skxent", "lbfgs"),
    ("dense64", "skxent", "newton-cg"),
    ("dense32", "skxent", "lbfgs"),
    ("classes100", "skxent", "lbfgs"),
    ("csr", "skxent", "lbfgs"),
    ("dense64", "sklearn", "lbfgs"),
    ("csr", "sklearn", "lbfgs"),
)
BUDGET_FACTOR = 3
MB = 2**20


def _status_bytes(field):
    """A memory figure of ``/proc/self/status``, such as ``VmRSS``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_resident():
    """Make ``VmHWM`` the current resident size; False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def measure(problem_name, library, solver, quick):
    import scipy.sparse as sp
    from _fit_compare import make_estimator
    from _fit_data import make_problem
    from sklearn.exceptions import ConvergenceWarning

    problem = make_problem(problem_name, quick=quick)
    X, y = problem.X, problem.y
    warnings.simplefilter("ignore", ConvergenceWarning)
    make_estimator(library, solver, problem.C, max_iter=2).fit(X[:200], y[:200])
    exact = _reset_peak_resident()
    resident = _status_bytes("VmRSS")
    tracemalloc.start()
    make_estimator(library, solver, problem.C, max_iter=MAX_ITER).fit(X, y)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = _status_bytes("VmHWM")
    n_classes = problem.n_classes
    x_bytes = (
        X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
        if sp.issparse(X)
        else X.nbytes
    )
    return {
        "problem": problem_name,
        "library": library,
        "solver": solver,
        "x_mb": x_bytes / MB,
        "budget_mb": BUDGET_FACTOR * X.shape[0] * n_classes * X.dtype.itemsize / MB,
        "traced_mb": traced / MB,
        "params_mb": n_classes * (X.shape[1] + 1) * 8 / MB,
        # Without the reset, the peak may predate the fit: then only traced
        # counts.
        "rss_mb": (peak - resident) / MB if exact else None,
        "dense": not sp.issparse(X),
    }


def run_all(quick):
    """Measure every configuration of :data:`CONFIGS` in its own process."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    results = []
    for problem_name, library, solver in CONFIGS:
        command = [sys.executable, __file__, problem_name, library, solver]
        completed = subprocess.run(
            [*command, *(["--quick"] if quick else [])],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            results.append(
                {
                    "problem": problem_name,
                    "library": library,
                    "solver": solver,
                    "error": completed.stderr.strip().splitlines()[-1:],
                }
            )
        else:
            results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def peak_mb(result):
    """The larger of the two measures (RSS also sees Numba's allocations)."""
    return max(result["traced_mb"], result["rss_mb"] or 0.0)


def report(results):
    print(
        f"    {'problem':<12}{'fit':<20}{'X MB':>7}{'params MB':>10}{'budget MB':>10}"
        f"{'traced MB':>10}{'RSS MB':>8}{'peak/budget':>12}  verdict"
    )
    for r in results:
        fit = f"{r['library']} {r['solver']}"
        if "error" in r:
            print(f"    {r['problem']:<12}{fit:<20}  failed: {r['error']}")
            continue
        ratio = peak_mb(r) / r["budget_mb"]
        if r["library"] != "skxent":
            verdict = "(reference)"
        elif not r["dense"]:
            verdict = "(goal is for dense X)"
        else:
            verdict = "met" if ratio <= 1 else "NOT met"
        rss = "-" if r["rss_mb"] is None else f"{r['rss_mb']:.1f}"
        print(
            f"    {r['problem']:<12}{fit:<20}{r['x_mb']:>7.1f}{r['params_mb']:>10.1f}"
            f"{r['budget_mb']:>10.1f}{r['traced_mb']:>10.1f}{rss:>8}{ratio:>12.2f}"
            f"  {verdict}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    parser = argparse.ArgumentParser()
    parser.add_argument("problem")
    parser.add_argument("library")
    parser.add_argument("solver")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.problem, args.library, args.solver, args.quick)))
