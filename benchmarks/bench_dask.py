"""Time skxent on Dask arrays against the in-memory calls on the same cores.

A ``distributed.LocalCluster`` of 2 worker processes with 1 thread each, on
the loopback interface, against the in-memory call in this process on 2
threads. The data is persisted on the workers first (as a user would before
several passes), so that the times compare the computations, not the
transfer of the inputs:

- inference: ``predict_proba`` of ``n x d`` rows, persisted on the workers
  (the result stays there, as it would before a metric or a write);
- metrics: ``cross_entropy`` of labels and probability rows;
- counting: ``CategoricalMLE.fit`` of integer categories;
- model selection: ``GridSearchCV`` over ``SoftmaxClassifier`` through
  ``joblib.parallel_config(backend="dask")`` against the same search run
  serially (each fit on 2 threads);
- out of core: ``cross_entropy(y, model.predict_proba(X))`` with ``X`` read
  from a zarr store of ``--out-of-core-factor`` times a worker's memory limit,
  with the peak resident memory of each worker.

Every dask result is checked against the in-memory one before it is timed;
each time is the best of ``--repeats``, timed round-robin. Nothing is
asserted: the script prints the times and their ratios (dask time over
in-memory time; below 1 the cluster is faster). The fit on dask arrays and
its comparisons (the 1.3x overhead goal, dask-ml, Spark MLlib, the scaling
curve) come with the distributed fit.

Run from the repository root::

    python benchmarks/bench_dask.py [--quick] [--repeats 3]
"""

import argparse
import contextlib
import resource
import shutil
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import distributed
import joblib
import numpy as np
import zarr
from _common import best_times, print_environment  # this folder is on sys.path
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV

from skxent import CategoricalMLE, SoftmaxClassifier
from skxent.metrics import cross_entropy

# Each worker's memory limit: room for its half of the persisted data, and
# for out-of-core runs a limit the data exceeds several times.
IN_MEMORY_LIMIT = 4 * 2**30
OUT_OF_CORE_LIMIT = 512 * 2**20
CHUNK_ROWS = 100_000


@contextlib.contextmanager
def cluster_client(memory_limit):
    """A client of 2 worker processes x 1 thread, each of ``memory_limit``."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=memory_limit,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def persisted(client, *arrays):
    """The arrays as dask arrays of row chunks held in the workers' memory."""
    chunks = [da.from_array(a, chunks=(CHUNK_ROWS, *a.shape[1:])) for a in arrays]
    chunks = client.persist(chunks)
    distributed.wait(chunks)
    return chunks


def compare(name, in_memory, on_dask, repeats):
    """Check that both give the same result, then time them; print a row."""
    assert_allclose(np.asarray(on_dask()), np.asarray(in_memory()), rtol=1e-10)
    times = best_times({"memory": in_memory, "dask": on_dask}, repeats)
    print(
        f"  {name:<34} {times['memory']:8.3f} s {times['dask']:8.3f} s "
        f"{times['dask'] / times['memory']:7.2f}x"
    )


def bench_in_memory_sized(client, n_samples, repeats):
    rng = np.random.default_rng(0)
    n_features, n_classes = 100, 10
    X = rng.normal(size=(n_samples, n_features))
    y = rng.integers(0, n_classes, size=n_samples)
    model = SoftmaxClassifier(max_iter=20).fit(X[:50_000], y[:50_000])
    proba = model.predict_proba(X)
    counts = rng.integers(0, 200, size=(n_samples, 4))
    X_dask, y_dask, proba_dask, counts_dask = persisted(client, X, y, proba, counts)

    def predict_on_workers():
        result = client.persist(model.predict_proba(X_dask))
        distributed.wait(result)
        return result.sum().compute()

    print(f"\n{n_samples:,} x {n_features}, K = {n_classes}: in memory, dask, ratio")
    compare(
        "predict_proba",
        lambda: model.predict_proba(X).sum(),
        predict_on_workers,
        repeats,
    )
    compare(
        "cross_entropy",
        lambda: cross_entropy(y, proba),
        lambda: cross_entropy(y_dask, proba_dask),
        repeats,
    )
    compare(
        "CategoricalMLE.fit (4 features)",
        lambda: np.concatenate(CategoricalMLE().fit(counts).counts_),
        lambda: np.concatenate(CategoricalMLE().fit(counts_dask).counts_),
        repeats,
    )


def bench_grid_search(client, n_samples):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_samples, 20))
    y = rng.integers(0, 5, size=n_samples)
    search = GridSearchCV(SoftmaxClassifier(), {"C": [0.01, 0.1, 1.0, 10.0]}, cv=3)
    start = time.perf_counter()
    serial = search.fit(X, y).cv_results_["mean_test_score"]
    serial_time = time.perf_counter() - start
    with joblib.parallel_config(backend="dask"):
        start = time.perf_counter()
        parallel = search.fit(X, y).cv_results_["mean_test_score"]
        dask_time = time.perf_counter() - start
    assert_allclose(parallel, serial, rtol=1e-10)
    name = f"GridSearchCV, 12 fits of {n_samples:,} x 20"
    print(
        f"  {name:<34} {serial_time:8.3f} s {dask_time:8.3f} s "
        f"{dask_time / serial_time:7.2f}x"
    )


def _peak_resident_memory():
    # ru_maxrss is in kB on Linux: the worker's peak since it started.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def bench_out_of_core(client, factor):
    n_features, n_classes = 100, 10
    n_samples = int(factor * OUT_OF_CORE_LIMIT / (8 * n_features))
    rng = np.random.default_rng(2)
    model = SoftmaxClassifier(max_iter=20).fit(
        rng.normal(size=(20_000, n_features)), rng.integers(0, n_classes, 20_000)
    )
    folder = Path(tempfile.mkdtemp(prefix="skxent-bench-"))
    try:
        path = str(folder / "X.zarr")
        store = zarr.open_array(
            path,
            mode="w",
            shape=(n_samples, n_features),
            chunks=(CHUNK_ROWS, n_features),
            dtype="f8",
        )
        for start in range(0, n_samples, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n_samples)
            store[start:stop] = rng.normal(size=(stop - start, n_features))
        X = da.from_zarr(path)
        y = da.random.RandomState(3).randint(
            0, n_classes, size=n_samples, chunks=CHUNK_ROWS
        )
        start = time.perf_counter()
        value = cross_entropy(y, model.predict_proba(X))
        elapsed = time.perf_counter() - start
    finally:
        shutil.rmtree(folder)
    peaks = client.run(_peak_resident_memory).values()
    print(
        f"\nOut of core: X of {n_samples:,} x {n_features} float64 "
        f"({X.nbytes / 2**30:.2f} GiB, {X.nbytes / OUT_OF_CORE_LIMIT:.1f}x a "
        f"worker's {OUT_OF_CORE_LIMIT / 2**20:.0f} MiB limit) from zarr"
    )
    print(f"  cross_entropy(y, predict_proba(X)) = {value:.4f} in {elapsed:.1f} s")
    print(
        "  peak resident memory of the workers: "
        + ", ".join(f"{peak / 2**20:.0f} MiB" for peak in peaks)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out-of-core-factor", type=float, default=4.0)
    args = parser.parse_args()
    n_samples = 200_000 if args.quick else 2_000_000
    repeats = 1 if args.quick else args.repeats
    factor = 1.0 if args.quick else args.out_of_core_factor
    print_environment()
    print(f"  dask {dask.__version__}, distributed {distributed.__version__}")
    print("Cluster: 2 worker processes x 1 thread; in memory: 2 threads")
    with cluster_client(IN_MEMORY_LIMIT) as client:
        bench_in_memory_sized(client, n_samples, repeats)
        bench_grid_search(client, n_samples // 20)
    with cluster_client(OUT_OF_CORE_LIMIT) as client:
        bench_out_of_core(client, factor)


if __name__ == "__main__":
    main()
