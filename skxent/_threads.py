"""Thread control: one pool of compute threads at a time.

Kernels parallelize with Numba; the BLAS libraries (NumPy's and SciPy's may be
two different ones) have pools of their own. When both pools are busy, or one
spins idle while the other works, a 2-core machine runs 4+ threads and slows
down several times. Within a fit, skxent gives all its threads to Numba.
"""

import os
import sys
import threading
from contextlib import contextmanager, nullcontext

import numba
from threadpoolctl import ThreadpoolController

_controller = None


def _dask_worker_threads():
    """Threads of the Dask worker running the calling task, else ``None``.

    A worker's threads are its share of the machine's cores (a
    ``LocalCluster`` shares them out among its worker processes): kernels
    that took every core in each worker would oversubscribe the machine.
    Only a process that imported ``distributed`` can be running in a worker.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        return distributed.get_worker().state.nthreads
    except ValueError:  # not in a worker's task
        return None


def effective_n_threads(n_jobs):
    """Threads for ``n_jobs``: ``None`` means all cores Numba may use (in a
    Dask worker's task, at most the worker's threads), negative values count
    back from it as in joblib (-1: all, -2: all but one).
    """
    available = min(os.cpu_count() or 1, numba.config.NUMBA_NUM_THREADS)
    available = min(available, _dask_worker_threads() or available)
    if n_jobs is None:
        return available
    if n_jobs < 0:
        return max(1, available + 1 + n_jobs)
    return min(n_jobs, available)


def _blas_controller():
    global _controller
    if _controller is None:
        # The controller sees only the libraries loaded when it is created:
        # load SciPy's BLAS, which the kernels' np.dot calls, before it.
        import scipy.linalg.cython_blas  # noqa: F401

        _controller = ThreadpoolController()
    return _controller


@contextmanager
def compute_threads(n_jobs):
    """Run the block with ``n_jobs`` Numba threads and single-threaded BLAS.

    Kernels call BLAS on blocks from their own threads, and where BLAS
    multiplies whole matrices between kernel calls, idle threads of either
    pool spinning while the other works cost more than BLAS threading gains.
    Yields the number of Numba threads.

    BLAS limits are process-wide, and OpenBLAS does not reliably take a limit
    restored from another thread than the one that set it, so only the main
    thread, whose fits never overlap, sets them. Fits in other threads (such
    as joblib's threading backend) run with the BLAS threads they find.
    """
    n_threads = effective_n_threads(n_jobs)
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)  # for the calling thread only
    if threading.current_thread() is threading.main_thread():
        blas_limit = _blas_controller().limit(limits=1, user_api="blas")
    else:
        blas_limit = nullcontext()
    try:
        with blas_limit:
            yield n_threads
    finally:
        numba.set_num_threads(previous)
