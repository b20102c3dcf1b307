"""Tests for skxent._threads: thread limits around the kernels."""

import subprocess
import sys

SCRIPT = """
from threadpoolctl import threadpool_info

from skxent._threads import compute_threads

with compute_threads(None):
    # What the kernels' np.dot loads, in a process that has not imported
    # scikit-learn (nor SciPy's BLAS) before.
    import scipy.linalg.cython_blas

    counts = {
        pool["filepath"]: pool["num_threads"]
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    }
assert set(counts.values()) == {1}, counts
"""


def test_every_blas_the_kernels_call_runs_on_one_thread():
    # Kernels call BLAS from their own threads: a BLAS with threads of its
    # own would oversubscribe the cores (measured: 1.5x to 2.7x slower).
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
