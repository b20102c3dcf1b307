"""Run every benchmark script in turn, each in its own process.

Without options, a full run: about ten minutes on an idle 2-core machine, and
each script rewrites its file in ``benchmarks/results/`` (the numbers the
documentation shows; commit them with a note of the machine). With
``--smoke``, every script runs on tiny problems (seconds each, a cold Numba
compile aside) and writes its results to one temporary folder, each file then
checked to be a smoke result of the shared format, and those the documentation
shows to render as its tables do; CI runs this.

Run from the repository root::

    python benchmarks/run_all.py [--smoke]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDER = Path(__file__).parent
DOCS_EXTENSIONS = FOLDER.parent / "docs" / "sphinxext"
SCRIPTS = (
    "bench_fit.py",
    "bench_metrics.py",
    "bench_categorical.py",
    "bench_inference.py",
    "bench_objectives.py",
    "bench_first_use.py",
)
HEADER = ("benchmark", "schema", "source", "date", "smoke", "machine")


def run(script, extra):
    print(f"\n+ python benchmarks/{script} {' '.join(extra)}", flush=True)
    start = time.perf_counter()
    completed = subprocess.run([sys.executable, FOLDER / script, *extra], check=False)
    print(f"  ({script}: {time.perf_counter() - start:.0f} s)", flush=True)
    return completed.returncode


def check_smoke_results(path, benchmark):
    """The problem with a smoke run's results file, or None."""
    if not path.is_file():
        return f"{path} was not written"
    document = json.loads(path.read_text())
    missing = [key for key in HEADER if key not in document]
    if missing:
        return f"{path} lacks {', '.join(missing)}"
    if document["benchmark"] != benchmark or document["smoke"] is not True:
        return f"{path} is not a smoke result of {benchmark}"
    return table_problem(document)


def table_problem(document):
    """Why the documentation could not draw its table from ``document``, or
    None (also None for the results that it does not show)."""
    sys.path.insert(0, str(DOCS_EXTENSIONS))
    try:
        import benchmark_results
    except ImportError:  # Sphinx is not installed: the docs build checks it.
        return None
    finally:
        sys.path.remove(str(DOCS_EXTENSIONS))
    tables = {
        "bench_fit": benchmark_results.fit_table,
        "bench_metrics": benchmark_results.ratio_table,
        "bench_categorical": benchmark_results.ratio_table,
    }
    table = tables.get(document["benchmark"])
    if table is None:
        return None
    try:
        _, rows = table(document)
    except (KeyError, TypeError) as error:
        return f"{document['benchmark']}: the docs cannot read it ({error!r})"
    return None if rows else f"{document['benchmark']}: no rows for the docs table"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="tiny problems, results in a temp folder"
    )
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="skxent-bench-smoke-") as folder:
        for script in SCRIPTS:
            benchmark = Path(script).stem
            output = Path(folder) / f"{benchmark}.json"
            extra = ["--smoke", "--output", str(output)] if args.smoke else []
            if run(script, extra):
                failures.append(f"{script} failed")
            elif args.smoke and (problem := check_smoke_results(output, benchmark)):
                failures.append(problem)
    if failures:
        print("\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"\nAll {len(SCRIPTS)} benchmark scripts ran.")


if __name__ == "__main__":
    main()
