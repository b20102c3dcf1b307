"""Start-up costs, each measured in fresh processes: import times, whether
anything is compiled at import, and the first fits of a process against later
ones with a cold and with a warm Numba cache.

``bench_first_use.py`` times each configuration alone on a cold cache.

Run as ``python _startup.py first-fits`` or ``python _startup.py
compiled-at-import`` to print one JSON line (what :func:`measure` does in
subprocesses).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

IMPORT_REPEATS = 5
IMPORTS = {
    "import sklearn.base": "import sklearn.base",
    "import skxent": "import skxent",
    "from skxent import SoftmaxClassifier": "from skxent import SoftmaxClassifier",
    "from sklearn.linear_model import LogisticRegression": (
        "from sklearn.linear_model import LogisticRegression"
    ),
}
IMPORT_GOAL = 1.5  # import skxent at most this many times import sklearn.base
WARM_FIRST_FIT_GOAL = 1.0  # seconds more than a later fit
# (label, layout, dtype, solver), in the order a fresh process fits them: each
# step compiles (or loads from the cache) the kernels it is the first to use.
FIT_STEPS = (
    ("dense float64, lbfgs", "dense", "float64", "lbfgs"),
    ("dense float64, newton-cg", "dense", "float64", "newton-cg"),
    ("dense float32, lbfgs", "dense", "float32", "lbfgs"),
    ("dense float32, newton-cg", "dense", "float32", "newton-cg"),
    ("CSR float64, lbfgs", "csr", "float64", "lbfgs"),
    ("CSR float64, newton-cg", "csr", "float64", "newton-cg"),
)


def run_python(code_or_args, env=None):
    """Run Python code (a string) or a script with arguments (a list) in a
    fresh process; return the JSON of its last line of output."""
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    completed = subprocess.run(
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def import_times():
    """Best time of each import statement, each in a fresh process."""
    template = (
        "import time, json; start = time.perf_counter(); {}; "
        "print(json.dumps(time.perf_counter() - start))"
    )
    return {
        name: min(run_python(template.format(statement)) for _ in range(IMPORT_REPEATS))
        for name, statement in IMPORTS.items()
    }


def compiled_at_import():
    """Compiled (or cache-loaded) kernel signatures after importing every
    public object: the Numba dispatchers of ``skxent._kernels`` modules."""
    from numba.core.registry import CPUDispatcher

    import skxent

    for name in skxent.__all__:
        getattr(skxent, name)
    dispatchers = {
        f"{module_name}.{name}": len(value.signatures)
        for module_name, module in list(sys.modules.items())
        if module_name.startswith("skxent._kernels.")
        for name, value in vars(module).items()
        if isinstance(value, CPUDispatcher)
    }
    return {
        "dispatchers": len(dispatchers),
        "compiled": {k: v for k, v in dispatchers.items() if v},
    }


def _step_data(layout, dtype):
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    if layout == "csr":
        X = sp.random(2000, 200, density=0.05, format="csr", random_state=0)
    else:
        X = rng.standard_normal((2000, 20)).astype(dtype)
    return X, rng.integers(0, 3, size=2000)


def first_fits():
    """For each of :data:`FIT_STEPS`, in order: the first fit's time and the
    best of three later fits of the same kind."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skxent import SoftmaxClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    times = {}
    for label, layout, dtype, solver in FIT_STEPS:
        X, y = _step_data(layout, dtype)
        fit_times = []
        for _ in range(4):
            start = time.perf_counter()
            SoftmaxClassifier(solver=solver).fit(X, y)
            fit_times.append(time.perf_counter() - start)
        times[label] = {"first": fit_times[0], "later": min(fit_times[1:])}
    return times


def measure():
    """Everything, in fresh processes; the first fits use a new, empty
    ``NUMBA_CACHE_DIR`` (cold), then the same one again (warm)."""
    results = {
        "imports": import_times(),
        "compiled_at_import": run_python([__file__, "compiled-at-import"]),
    }
    with tempfile.TemporaryDirectory(prefix="skxent-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        results["cold"] = run_python([__file__, "first-fits"], env=env)
        results["warm"] = run_python([__file__, "first-fits"], env=env)
    return results


def report(results):
    imports = results["imports"]
    base = imports["import sklearn.base"]
    print(f"    import times (best of {IMPORT_REPEATS} fresh processes):")
    for name, seconds in imports.items():
        print(f"      {name:<55}{1e3 * seconds:>8.1f} ms{seconds / base:>7.2f}x")
    # import skxent loads nothing until an attribute is used: the class
    # import is the cost users see.
    ratios = {
        name: imports[name] / base
        for name in ("import skxent", "from skxent import SoftmaxClassifier")
    }
    for name, ratio in ratios.items():
        verdict = "met" if ratio <= IMPORT_GOAL else "NOT met"
        print(
            f"    -> {name} / import sklearn.base = {ratio:.2f} "
            f"(goal <= {IMPORT_GOAL:g}: {verdict})"
        )
    compiled = results["compiled_at_import"]
    verdict = "nothing compiled or loaded" if not compiled["compiled"] else "COMPILED"
    print(
        f"    -> after importing every public object: {verdict} "
        f"({compiled['dispatchers']} kernel dispatchers; compiled: "
        f"{compiled['compiled'] or 'none'})"
    )
    print(
        "    first fits of a fresh process (2,000 rows; s = first fit minus best "
        "later fit):"
    )
    print(f"      {'step, in order':<28}{'cold cache':>12}{'warm cache':>12}")
    cold, warm = results["cold"], results["warm"]
    for label in cold:
        extra = [r[label]["first"] - r[label]["later"] for r in (cold, warm)]
        print(f"      {label:<28}{extra[0]:>11.2f}s{extra[1]:>11.2f}s")
    total = sum(r["first"] - r["later"] for r in cold.values())
    print(f"      {'total (cold compile time)':<28}{total:>11.2f}s")
    first_label = next(iter(warm))
    warm_extra = warm[first_label]["first"] - warm[first_label]["later"]
    verdict = "met" if warm_extra <= WARM_FIRST_FIT_GOAL else "NOT met"
    print(
        f"    -> first fit with a warm cache is {warm_extra:.2f} s slower than later "
        f"fits (goal <= {WARM_FIRST_FIT_GOAL:g} s: {verdict})"
    )
    print(
        "    Read-only installs: the cache lives next to the kernels' sources; "
        "set NUMBA_CACHE_DIR to a writable folder or every process recompiles."
    )
    return [
        *(
            (f"{name} / import sklearn.base <= {IMPORT_GOAL:g}", ratio, IMPORT_GOAL)
            for name, ratio in ratios.items()
        ),
        (
            f"warm-cache first fit minus later fit, s <= {WARM_FIRST_FIT_GOAL:g}",
            warm_extra,
            WARM_FIRST_FIT_GOAL,
        ),
    ]


if __name__ == "__main__":
    action = {"first-fits": first_fits, "compiled-at-import": compiled_at_import}
    print(json.dumps(action[sys.argv[1]]()))
