"""Tests for thread control: the threading layer under the kernels
(skxent._kernels.threading_layer) and thread limits around them (skxent._threads).

Each test runs in a fresh interpreter: Numba picks its threading layer once per
process, at the first parallel launch, and the failures these tests guard
against (a killed fork child, a hung pool) would take the test process down.
"""

import os
import platform
import signal
import subprocess
import sys
import textwrap

import pytest

# The platforms on which pyproject.toml declares the tbb dependency.
TBB_DECLARED = sys.platform == "win32" or (
    sys.platform == "linux" and platform.machine() == "x86_64"
)


def run_python(script, timeout=300):
    """Run ``script`` in a fresh interpreter; return its stdout.

    A hang fails the test (``TimeoutExpired``) instead of blocking the run,
    and kills the interpreter's whole process group: a hung pool's workers
    must not outlive the test.
    """
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    assert process.returncode == 0, stderr
    return stdout


def test_every_blas_the_kernels_call_runs_on_one_thread():
    # Kernels call BLAS from their own threads: a BLAS with threads of its
    # own would oversubscribe the cores (measured: 1.5x to 2.7x slower).
    run_python("""
        from threadpoolctl import threadpool_info

        from skxent._threads import compute_threads

        with compute_threads(None):
            # What the kernels' np.dot loads, in a process that has not
            # imported scikit-learn (nor SciPy's BLAS) before.
            import scipy.linalg.cython_blas

            counts = {
                pool["filepath"]: pool["num_threads"]
                for pool in threadpool_info()
                if pool["user_api"] == "blas"
            }
        assert set(counts.values()) == {1}, counts
    """)


@pytest.mark.skipif(
    not TBB_DECLARED, reason="skxent declares the tbb wheel on Linux and Windows"
)
def test_kernels_run_on_tbb_after_a_metric_call():
    # In a virtual environment Numba does not find the tbb wheel's library by
    # itself and falls back to GNU OpenMP, which is not safe under fork.
    output = run_python("""
        import numba
        from skxent.metrics import cross_entropy

        cross_entropy([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
        print(numba.threading_layer())
    """)
    assert output.strip() == "tbb"


def test_a_forked_child_computes_a_metric_after_the_parent_did():
    # Under GNU OpenMP the child was killed: "fork() called from a process
    # already using GNU OpenMP, this is unsafe".
    output = run_python("""
        import os

        from skxent.metrics import kl_divergence

        args = ([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
        parent = kl_divergence(*args)
        pid = os.fork()
        if pid == 0:
            os._exit(0 if kl_divergence(*args) == parent else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
    """)
    assert output.strip() == "0"


def test_a_fork_pool_fits_after_the_parent_fitted():
    # Under GNU OpenMP this pool hung forever; the timeout turns a hang into
    # a failure.
    output = run_python(
        """
        import multiprocessing

        import numpy as np
        from sklearn.datasets import load_iris

        from skxent import SoftmaxClassifier

        X, y = load_iris(return_X_y=True)

        def fit(C):
            return SoftmaxClassifier(C=C).fit(X, y).coef_

        parent = fit(1.0)
        with multiprocessing.get_context("fork").Pool(2) as pool:
            children = pool.map(fit, [1.0, 1.0, 0.1])
        assert np.array_equal(children[0], parent)
        assert np.array_equal(children[1], parent)
        assert not np.array_equal(children[2], parent)
        print("ok")
        """,
        timeout=240,
    )
    assert output.strip() == "ok"


def test_four_threads_fitting_at_once_give_the_serial_results():
    # Several threads launching parallel kernels at once abort the process
    # under Numba's workqueue layer; under a thread-safe layer each fit is
    # the serial one.
    output = run_python("""
        from concurrent.futures import ThreadPoolExecutor

        import numpy as np
        import scipy.sparse as sp
        from sklearn.datasets import make_classification

        from skxent import SoftmaxClassifier

        X, y = make_classification(
            n_samples=3000, n_features=30, n_informative=10, n_classes=4,
            random_state=0,
        )
        data = [X, X.astype(np.float32), sp.csr_matrix(X), X]
        models = [
            SoftmaxClassifier(C=C, n_jobs=2, tol=1e-8)
            for C in (1.0, 1.0, 0.1, 10.0)
        ]

        def fit(i):
            return models[i].fit(data[i], y).coef_

        serial = [fit(i) for i in range(4)]
        for _ in range(3):
            with ThreadPoolExecutor(4) as executor:
                concurrent = list(executor.map(fit, range(4)))
            for a, b in zip(serial, concurrent, strict=True):
                assert np.array_equal(a, b)
        print("ok")
    """)
    assert output.strip() == "ok"
