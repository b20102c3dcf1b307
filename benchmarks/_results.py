"""Saved benchmark results, the source of the documentation's tables.

Each benchmark script writes one JSON file: ``results/<script>.json`` for a
full run, which is committed and read by ``docs/sphinxext/benchmark_results.py``
when the documentation is built; a fresh temporary folder under ``--smoke``
(tiny problems, seconds per script: a check that the script runs end to end,
whose numbers mean nothing), so that a smoke run never overwrites measured
results. Every file has the same header:

- ``benchmark``: the script's name;
- ``source``: how the numbers were obtained (``"measured"`` when the script
  wrote them);
- ``date`` (ISO), ``machine`` (versions, cores, BLAS), ``smoke``;

then the script's own summary and, for measured runs, its raw timings.
"""

import datetime
import json
import os
import platform
import tempfile
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"
SCHEMA_VERSION = 1


def add_arguments(parser):
    """The options every benchmark script shares: ``--smoke``, ``--output``."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny problems, a few seconds; results go to a temporary folder",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the results (default: benchmarks/results/<script>.json,"
        " or a temporary folder with --smoke)",
    )


def machine():
    """The versions and cores that the numbers depend on."""
    import numba
    import numpy as np
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "numba": numba.__version__,
        "blas": sorted(
            {
                f"{pool['internal_api']} {pool.get('version')}"
                for pool in threadpool_info()
                if pool["user_api"] == "blas"
            }
        ),
        "load_average": os.getloadavg()[0],
    }


def output_path(benchmark, args):
    if args.output is not None:
        return args.output
    if args.smoke:
        folder = Path(tempfile.mkdtemp(prefix="skxent-bench-smoke-"))
        return folder / f"{benchmark}.json"
    return RESULTS_DIR / f"{benchmark}.json"


def save(benchmark, args, summary):
    """Write ``summary`` under the shared header; return the path written."""
    document = {
        "benchmark": benchmark,
        "schema": SCHEMA_VERSION,
        "source": "measured",
        "date": datetime.date.today().isoformat(),
        "smoke": bool(args.smoke),
        "machine": machine(),
        **summary,
    }
    path = output_path(benchmark, args)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nResults written to {path}")
    return path


def ratio_range(values):
    """``{"min": ..., "max": ...}`` of the ratios, rounded as published."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": round(min(values), 2), "max": round(max(values), 2)}
