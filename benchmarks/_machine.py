"""The machine a benchmark runs on: versions, cores, thread pools, and how
busy other processes kept the cores while it ran."""

import os
import resource

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMBA_THREADING_LAYER",
    "NUMBA_CACHE_DIR",
)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def print_environment():
    """The shared environment report, plus the thread settings that decide
    how the libraries share the cores. Call after a first parallel kernel
    call, so that Numba's threading layer is known."""
    import numba
    from _common import print_environment as print_common_environment
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    print_common_environment()
    variables = ", ".join(
        f"{k}={os.environ[k]}" for k in THREAD_VARIABLES if k in os.environ
    )
    print(f"  thread variables: {variables or 'none set'}")
    print(
        f"  NUMBA_NUM_THREADS {numba.config.NUMBA_NUM_THREADS}; scikit-learn "
        f"OpenMP threads: {_openmp_effective_n_threads()}"
    )


def _busy_and_total_ticks():
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _own_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class LoadMonitor:
    """How many cores other processes kept busy between start and stop."""

    def __init__(self):
        self._busy, self._total = _busy_and_total_ticks()
        self._own = _own_seconds()

    def other_cores_busy(self):
        busy, total = _busy_and_total_ticks()
        n_cores = os.cpu_count() or 1
        wall_ticks = (total - self._total) / n_cores
        own_ticks = (_own_seconds() - self._own) * _CLOCK_TICKS
        if wall_ticks <= 0:
            return 0.0
        return max(0.0, (busy - self._busy - own_ticks) / wall_ticks)
