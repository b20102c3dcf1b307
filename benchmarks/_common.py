"""Timing and environment reporting shared by the benchmark scripts."""

import os
import platform
import time

import numba
import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_info

# Idle worker threads spin a while before they sleep: OpenBLAS's for about
# 0.1 s after each threaded call (OPENBLAS_THREAD_TIMEOUT), OpenMP's and
# Numba's for their own spin times. Whatever is timed right after another
# library's threaded call shares the cores with those threads (on this
# 2-core machine it runs up to twice slower), so timings of one library start
# after a pause.
SETTLE_SECONDS = 0.25


def settle():
    """Wait until the worker threads of earlier calls have gone to sleep."""
    time.sleep(SETTLE_SECONDS)


def best_times(functions, repeats):
    """Best wall time of each function, timed round-robin after one warm-up."""
    for function in functions.values():
        function()
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def print_environment():
    print("Environment")
    print(f"  python {platform.python_version()} on {platform.platform()}")
    print(
        f"  numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, numba {numba.__version__}"
    )
    print(
        f"  cores: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))}), "
        f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"  numba: {numba.get_num_threads()} threads, "
        f"threading layer {numba.threading_layer()!r}"
    )
    for pool in threadpool_info():
        print(
            f"  {pool['internal_api']} ({pool['user_api']}): "
            f"{pool['num_threads']} threads, version {pool.get('version')}, "
            f"threading layer {pool.get('threading_layer', '-')}, "
            f"architecture {pool.get('architecture', '-')}, "
            f"{os.path.basename(pool['filepath'])}"
        )
