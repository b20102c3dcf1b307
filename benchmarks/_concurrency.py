"""Concurrent fits: ``GridSearchCV(n_jobs=2)`` with the loky and threading
backends, and two Python threads fitting at once, against serial fits.

Run as ``python _concurrency.py`` to print one JSON line; :func:`run` does so
in a fresh process with a timeout, so a deadlock or an abort is reported
instead of hanging or killing the benchmark.
"""

import json
import subprocess
import sys
import threading
import time

TIMEOUT_SECONDS = 300
C_GRID = (0.1, 1.0, 10.0)
THREAD_ROUNDS = 3
SHORT_FIT_ROWS = 5_000
START_DELAY_SECONDS = 0.005


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 50))
    coef = rng.standard_normal((5, 50)) / 3
    logits = X @ coef.T
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    return X, y


def _estimator(C=1.0):
    from skxent import SoftmaxClassifier

    return SoftmaxClassifier(C=C, tol=1e-8, max_iter=500)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return ", ".join(
        sorted(
            f"{pool['filepath'].rsplit('/', 1)[-1]}: {pool['num_threads']}"
            for pool in threadpool_info()
            if pool["user_api"] == "blas"
        )
    )


def _grid_search(X, y, backend):
    from joblib import parallel_config
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(_estimator(), {"C": list(C_GRID)}, cv=3, n_jobs=2)
    if backend is None:
        search.set_params(n_jobs=1)
        return search.fit(X, y)
    with parallel_config(backend=backend):
        return search.fit(X, y)


def _two_threads(jobs):
    """Fit each ``(estimator, X, y, delay)`` of ``jobs`` in its own thread,
    all at once, after ``delay`` seconds. The first job is short and starts
    first, so the fits overlap but do not end in reverse order of start."""

    def fit_after(estimator, X, y, delay):
        time.sleep(delay)
        estimator.fit(X, y)

    threads = [threading.Thread(target=fit_after, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def check():
    """Each concurrent way of fitting, its time and its largest difference
    from the serial result."""
    import numpy as np

    X, y = _data()
    _estimator().fit(X[:1000], y[:1000])  # load kernels and thread pools
    blas_before = _blas_threads()
    start = time.perf_counter()
    serial_search = _grid_search(X, y, None)
    results = {"serial GridSearchCV": {"seconds": time.perf_counter() - start}}
    serial_scores = serial_search.cv_results_["mean_test_score"]
    serial_coef = serial_search.best_estimator_.coef_
    for backend in ("loky", "threading"):
        start = time.perf_counter()
        search = _grid_search(X, y, backend)
        seconds = time.perf_counter() - start
        difference = max(
            np.abs(search.cv_results_["mean_test_score"] - serial_scores).max(),
            np.abs(search.best_estimator_.coef_ - serial_coef).max(),
        )
        results[f"GridSearchCV {backend}"] = {
            "seconds": seconds,
            "max_difference": float(difference),
        }
    short = (X[:SHORT_FIT_ROWS], y[:SHORT_FIT_ROWS])
    jobs = [(C_GRID[0], short, 0.0), (C_GRID[-1], (X, y), START_DELAY_SECONDS)]
    serial = [_estimator(C).fit(*data).coef_ for C, data, _ in jobs]
    seconds, difference = 0.0, 0.0
    for _ in range(THREAD_ROUNDS):
        models = [_estimator(C) for C, _, _ in jobs]
        start = time.perf_counter()
        _two_threads(
            [
                (model, *data, delay)
                for model, (_, data, delay) in zip(models, jobs, strict=True)
            ]
        )
        seconds += time.perf_counter() - start
        difference = max(
            difference,
            *(
                np.abs(model.coef_ - coef).max()
                for model, coef in zip(models, serial, strict=True)
            ),
        )
    results["two threads fitting at once"] = {
        "seconds": seconds / THREAD_ROUNDS,
        "max_difference": float(difference),
    }
    results["BLAS threads before -> after"] = {
        "before": blas_before,
        "after": _blas_threads(),
    }
    return results


def run():
    """Run :func:`check` in a fresh process; report a timeout or a crash."""
    try:
        completed = subprocess.run(
            [sys.executable, __file__],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no answer after {TIMEOUT_SECONDS} s (deadlock?)"}
    if completed.returncode:
        tail = completed.stderr.strip().splitlines()[-3:]
        return {"error": f"exit status {completed.returncode}: {tail}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def report(results):
    if "error" in results:
        print(f"    FAILED: {results['error']}")
        return
    for name, outcome in results.items():
        if "before" in outcome:
            same = outcome["before"] == outcome["after"]
            print(
                f"    {name}: {outcome['before']} -> {outcome['after']};"
                f"  {'unchanged' if same else 'CHANGED (a thread limit leaked)'}"
            )
            continue
        line = f"    {name:<30}{outcome['seconds']:>8.2f} s"
        if "max_difference" in outcome:
            difference = outcome["max_difference"]
            verdict = "same as serial" if difference == 0 else "DIFFERS from serial"
            line += f"  max |difference| {difference:.1e}: {verdict}"
        print(line)


if __name__ == "__main__":
    print(json.dumps(check()))
