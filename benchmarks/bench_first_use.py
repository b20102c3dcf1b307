"""First use: the first call of each configuration on a cold kernel cache.

Each configuration (a fit on iris, a metric call, a ``CategoricalMLE`` fit)
runs alone in a fresh process whose ``NUMBA_CACHE_DIR`` is a new, empty
folder (cold: every kernel it uses is compiled), then in a second fresh
process on the cache the first one wrote (warm: every kernel is loaded). A
last fresh process on an empty cache runs every configuration in turn: the
full cold compile. Printed for each: the first call, the best of later calls,
the time Numba spent compiling (its ``numba:compile`` events), and whether
the cold first call meets the goal of at most 5 s. Then where the cold
compile goes: each kernel's own compile time (its callees' excluded) and
number of compiled signatures, and the compiler passes that take it.

Compile times scale with the load: on a shared machine they are inflated.
The first-call times are saved to ``benchmarks/results/bench_first_use.json``
(see ``_results.py``); ``--smoke`` runs the metric configuration only.

Run from the repository root::

    python benchmarks/bench_first_use.py [--only dense64 ...] [--signatures] [--smoke]
"""

import argparse
import contextlib
import io
import json
import os
import tempfile
import time
import warnings
from collections import defaultdict

import _results  # this folder is on sys.path
from _common import print_environment
from _startup import run_python
from numba.core import event

COLD_FIRST_CALL_GOAL = 5.0  # seconds, the first call of one configuration
LATER_CALLS = 3
TOP_KERNELS = 12
TOP_PASSES = 6
SMOKE_CONFIGURATIONS = ["metric"]  # the fewest kernels to compile


# ------------------------------------------------------------ configurations


def _iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def _softmax_fit(X, y, **params):
    from skxent import SoftmaxClassifier

    return lambda: SoftmaxClassifier(**params).fit(X, y)


def _dense64():
    return _softmax_fit(*_iris())


def _dense32():
    X, y = _iris()
    return _softmax_fit(X.astype("float32"), y)


def _soft_targets():
    import numpy as np

    X, y = _iris()
    # Label smoothing by hand: probability rows that are not one-hot.
    targets = np.full((y.size, 3), 0.05)
    targets[np.arange(y.size), y] = 0.9
    return _softmax_fit(X, targets)


def _csr():
    import scipy.sparse as sp

    X, y = _iris()
    return _softmax_fit(sp.csr_matrix(X), y)


def _newton_cg():
    return _softmax_fit(*_iris(), solver="newton-cg")


def _trust_ncg():
    return _softmax_fit(*_iris(), solver="trust-ncg")


def _metric():
    import numpy as np

    from skxent.metrics import cross_entropy

    X, y = _iris()
    logits = X[:, :3] - X[:, :3].max(axis=1, keepdims=True)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return lambda: cross_entropy(y, proba)


def _categorical():
    from skxent import CategoricalMLE

    _, y = _iris()
    return lambda: CategoricalMLE().fit(y[:, None])


# name -> (label, function returning the call to time)
CONFIGURATIONS = {
    "dense64": ("SoftmaxClassifier, dense float64 labels", _dense64),
    "dense32": ("SoftmaxClassifier, dense float32 labels", _dense32),
    "soft": ("SoftmaxClassifier, soft targets float64", _soft_targets),
    "csr": ("SoftmaxClassifier, CSR float64 labels", _csr),
    "newton-cg": ("SoftmaxClassifier, newton-cg", _newton_cg),
    "trust-ncg": ("SoftmaxClassifier, trust-ncg", _trust_ncg),
    "metric": ("cross_entropy(labels, probabilities)", _metric),
    "categorical": ("CategoricalMLE.fit", _categorical),
}


# --------------------------------------------------------------------- child


class _CompileRecorder(event.Listener):
    """Numba's compile and compiler-pass events, timed with ``perf_counter``.

    Each pass's own time (the compilations and passes nested in it excluded)
    is charged to the innermost skxent kernel being compiled: compiling a
    kernel compiles each of its callees first, inside its own type inference,
    and Numba's implementations of the NumPy functions it calls (``np.empty``,
    ...) are its cost too.
    """

    KINDS = ("numba:compile", "numba:run_pass")

    def __init__(self):
        self.kernels = defaultdict(lambda: {"seconds": 0.0, "signatures": []})
        self.passes = defaultdict(float)
        self.compile_seconds = 0.0
        self._stack = []  # [kind, name, start, time of nested events]

    def on_start(self, numba_event):
        data = numba_event.data
        if numba_event.kind == "numba:compile":
            dispatcher = data["dispatcher"]
            name = f"{dispatcher.py_func.__module__}.{dispatcher.__name__}"
            if name.startswith("skxent."):
                signature = ", ".join(str(arg) for arg in data["args"])
                self.kernels[name]["signatures"].append(signature)
        else:
            # "native_lowering [function]": the pass, then what it compiles.
            name = data["name"].split(" [")[0]
        self._stack.append([numba_event.kind, name, time.perf_counter(), 0.0])

    def on_end(self, numba_event):
        kind, name, start, nested = self._stack.pop()
        elapsed = time.perf_counter() - start
        if self._stack:
            self._stack[-1][3] += elapsed
        else:
            self.compile_seconds += elapsed
        if kind == "numba:run_pass":
            own = elapsed - nested
            self.passes[name] += own
            self.kernels[self._innermost_kernel()]["seconds"] += own

    def _innermost_kernel(self):
        for kind, name, *_ in reversed(self._stack):
            if kind == "numba:compile" and name.startswith("skxent."):
                return name
        return "(Numba's own functions, outside any skxent kernel)"

    def __enter__(self):
        for kind in self.KINDS:
            event.register(kind, self)
        return self

    def __exit__(self, *exc):
        for kind in self.KINDS:
            event.unregister(kind, self)

    def summary(self):
        return {
            "compile": self.compile_seconds,
            "kernels": dict(self.kernels),
            "passes": dict(self.passes),
        }


def _time_first_and_later(call):
    with _CompileRecorder() as recorder:
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
    later = float("inf")
    for _ in range(LATER_CALLS):
        start = time.perf_counter()
        call()
        later = min(later, time.perf_counter() - start)
    return {"first": first, "later": later, **recorder.summary()}


def child(names):
    """Time each configuration of ``names`` in turn; one JSON line."""
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    calls = {name: CONFIGURATIONS[name][1]() for name in names}
    results = {"setup": time.perf_counter() - start}
    for name, call in calls.items():
        results[name] = _time_first_and_later(call)
    # After the calls: the threading layer is known once a kernel has run.
    with contextlib.redirect_stdout(io.StringIO()) as environment:
        print_environment()
    results["environment"] = environment.getvalue()
    return results


# -------------------------------------------------------------------- parent


def measure(names):
    """Cold then warm for each configuration, then all of them cold (for a
    single configuration, its cold process is that run)."""
    results = {}
    for name in names:
        with tempfile.TemporaryDirectory(prefix="skxent-numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            command = [__file__, "--child", name]
            cold = run_python(command, env=env)
            results[name] = {
                "cold": cold[name],
                "warm": run_python(command, env=env)[name],
            }
    if len(names) == 1:
        results["everything"] = cold
        return results
    with tempfile.TemporaryDirectory(prefix="skxent-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        results["everything"] = run_python([__file__, "--child", *names], env=env)
    return results


def _verdict(seconds):
    return "met" if seconds <= COLD_FIRST_CALL_GOAL else "NOT met"


def report_configurations(results, names):
    print(
        f"\nFirst call in a fresh process (iris; compile = Numba's compile "
        f"events; goal: cold first call <= {COLD_FIRST_CALL_GOAL:g} s)"
    )
    header = (
        f"  {'configuration':<42}{'cold first':>11}{'compile':>9}"
        f"{'warm first':>12}{'later':>9}  goal"
    )
    print(header)
    for name in names:
        cold, warm = results[name]["cold"], results[name]["warm"]
        print(
            f"  {CONFIGURATIONS[name][0]:<42}{cold['first']:>10.2f}s"
            f"{cold['compile']:>8.2f}s{warm['first']:>11.3f}s"
            f"{cold['later']:>8.4f}s  {_verdict(cold['first'])}"
        )
    everything = results["everything"]
    total = sum(everything[name]["first"] for name in names)
    compile_total = sum(everything[name]["compile"] for name in names)
    print(
        f"  {'everything above, in turn, one process':<42}{total:>10.2f}s"
        f"{compile_total:>8.2f}s"
    )
    print("  in that process, each configuration's first call (new kernels only):")
    for name in names:
        print(
            f"    {CONFIGURATIONS[name][0]:<40}{everything[name]['first']:>10.2f}s"
            f"{everything[name]['compile']:>8.2f}s"
        )


def report_kernels(results, names, signatures):
    kernels = defaultdict(lambda: {"seconds": 0.0, "signatures": []})
    passes = defaultdict(float)
    for name in names:
        for kernel, record in results["everything"][name]["kernels"].items():
            kernels[kernel]["seconds"] += record["seconds"]
            kernels[kernel]["signatures"] += record["signatures"]
        for pass_name, seconds in results["everything"][name]["passes"].items():
            passes[pass_name] += seconds
    total = sum(record["seconds"] for record in kernels.values())
    print(
        f"\nWhere the full cold compile goes ({total:.1f} s in compiler passes, "
        f"{len(kernels)} kernels and helpers compiled): each one's own time"
    )
    ranked = sorted(kernels.items(), key=lambda item: -item[1]["seconds"])
    for kernel, record in ranked[:TOP_KERNELS]:
        share = record["seconds"] / total
        print(
            f"  {kernel:<52}{record['seconds']:>7.2f}s{share:>6.0%}"
            f"{len(record['signatures']):>4} signature(s)"
        )
        if signatures:
            for signature in record["signatures"]:
                print(f"      ({signature})")
    if len(ranked) > TOP_KERNELS:
        rest = sum(record["seconds"] for _, record in ranked[TOP_KERNELS:])
        print(f"  {f'the other {len(ranked) - TOP_KERNELS}':<52}{rest:>7.2f}s")
    print("  by compiler pass:")
    for pass_name, seconds in sorted(passes.items(), key=lambda item: -item[1])[
        :TOP_PASSES
    ]:
        print(f"    {pass_name:<50}{seconds:>7.2f}s{seconds / total:>6.0%}")


def summary(results, names):
    """What the results file keeps: per configuration, the cold and warm first
    call, the time Numba spent compiling and a later call, in seconds."""
    return {
        "goal": f"cold first call <= {COLD_FIRST_CALL_GOAL:g} s",
        "configurations": {
            name: {
                "label": CONFIGURATIONS[name][0],
                "cold_first": results[name]["cold"]["first"],
                "cold_compile": results[name]["cold"]["compile"],
                "warm_first": results[name]["warm"]["first"],
                "later": results[name]["cold"]["later"],
            }
            for name in names
        },
        "everything_cold_first": sum(
            results["everything"][name]["first"] for name in names
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=CONFIGURATIONS, default=list(CONFIGURATIONS)
    )
    parser.add_argument(
        "--signatures", action="store_true", help="list each kernel's signatures"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    _results.add_arguments(parser)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    if args.smoke:
        args.only = SMOKE_CONFIGURATIONS
    print(__doc__.split("\n\n")[0])
    start = time.perf_counter()
    results = measure(args.only)
    print(results["everything"]["environment"], end="")
    report_configurations(results, args.only)
    report_kernels(results, args.only, args.signatures)
    _results.save("bench_first_use", args, summary(results, args.only))
    print(f"\nTotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
