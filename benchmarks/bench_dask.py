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
- the fit: ``SoftmaxClassifier.fit`` on ``n x 100``, K = 10, persisted on the
  workers, against the in-memory fit with ``n_jobs=2`` (goal: at most 1.3x
  at 2,000,000 rows), at the same ``tol`` and to the same objective;
- out of core: ``cross_entropy(y, model.predict_proba(X))`` and a fit of a
  few iterations with ``X`` read from a zarr store of
  ``--out-of-core-factor`` times a worker's memory limit, with the peak
  resident memory of each worker;
- against dask-ml's ``LogisticRegression`` (binary, the only case it fits;
  goal: skxent's dask fit at least 5x faster) and Spark MLlib's multinomial
  ``LogisticRegression`` (``local[2]``; goal: at least 10x), at equal
  objective: each fit's objective is recomputed by one formula from its
  coefficients. These run where ``dask-ml`` and ``pyspark`` (with a Java
  runtime) are installed, and are skipped otherwise;
- a scaling curve: fit time against rows, in memory and on the cluster.

Every dask result is checked against the in-memory one before it is timed;
each time is the best of ``--repeats``, timed round-robin. Nothing is
asserted: the script prints the times and their ratios (dask time over
in-memory time; below 1 the cluster is faster).

Run from the repository root::

    python benchmarks/bench_dask.py [--quick] [--repeats 3] [--only fit ...]
"""

import argparse
import contextlib
import importlib.util
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import _results  # this folder is on sys.path
import dask
import dask.array as da
import distributed
import joblib
import numpy as np
import zarr
from _common import best_times, print_environment
from numpy.testing import assert_allclose
from scipy.special import softmax
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skxent import CategoricalMLE, SoftmaxClassifier
from skxent.metrics import cross_entropy

SECTIONS = ("inference", "fit", "out-of-core", "dask-ml", "spark", "scaling")

# Each worker's memory limit: room for its half of the persisted data, and
# for out-of-core runs a limit the data exceeds several times.
IN_MEMORY_LIMIT = 4 * 2**30
# A worker process holds about 400 MiB with its libraries loaded: the limit
# leaves room for a few blocks of out-of-core rows beyond that.
OUT_OF_CORE_LIMIT = 768 * 2**20
OUT_OF_CORE_CHUNK_ROWS = 25_000
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
    """The arrays as dask arrays of row chunks held in the workers' memory:
    each chunk scattered to a worker (not embedded in a graph), then
    persisted where it is."""
    result = []
    for array in arrays:
        chunks = [
            array[start : start + CHUNK_ROWS]
            for start in range(0, len(array), CHUNK_ROWS)
        ]
        futures = client.scatter(chunks)
        pieces = [
            da.from_delayed(future, shape=chunk.shape, dtype=chunk.dtype)
            for future, chunk in zip(futures, chunks, strict=True)
        ]
        result.append(da.concatenate(pieces))
    result = client.persist(result)
    distributed.wait(result)
    return result


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


def softmax_data(n_samples, n_features, n_classes, seed):
    """Rows of a linear softmax model's classes (with Gumbel noise)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    W = rng.normal(size=(n_classes, n_features)) / np.sqrt(n_features)
    y = (X @ W.T + rng.gumbel(size=(n_samples, n_classes))).argmax(axis=1)
    return X, y


def penalized_objective(X, y, coef, intercept, C):
    """A fit's objective recomputed from its coefficients by one formula, the
    same for every library: mean cross-entropy plus ``||W||^2 / (2 C n)``."""
    logits = X @ np.atleast_2d(coef).T + intercept
    if logits.shape[1] == 1:  # binary: one logit, the other class's is 0
        logits = np.column_stack([np.zeros(len(X)), logits[:, 0]])
    penalty = (np.asarray(coef) ** 2).sum() / (2 * C * len(X))
    return cross_entropy(y, softmax(logits, axis=1)) + penalty


def timed(function, *args):
    """``(function(*args), seconds)``."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def print_fits(title, X, y, C, fits, reference):
    """One row per fit: time, ratio to ``reference``'s, objective gap."""
    objectives = {
        name: penalized_objective(X, y, model.coef_, model.intercept_, C)
        for name, (model, _) in fits.items()
    }
    best = min(objectives.values())
    print(f"\n{title}: time, / {reference}, objective (relative gap to the best)")
    for name, (_, seconds) in fits.items():
        print(
            f"  {name:<40} {seconds:8.3f} s {seconds / fits[reference][1]:7.2f}x "
            f"{objectives[name]:.12f} ({objectives[name] / best - 1:.1e})"
        )
    return objectives


def bench_fit_overhead(client, n_samples, repeats, record):
    X, y = softmax_data(n_samples, 100, 10, seed=4)
    X_dask, y_dask = persisted(client, X, y)
    memory_fit = SoftmaxClassifier(C=1.0, tol=1e-6, n_jobs=2)
    dask_fit = clone(memory_fit)
    times = best_times(
        {
            "memory": lambda: memory_fit.fit(X, y),
            "dask": lambda: dask_fit.fit(X_dask, y_dask),
        },
        repeats,
    )
    assert_allclose(dask_fit.coef_, memory_fit.coef_, rtol=1e-5, atol=1e-7)
    print_fits(
        f"Fit of {n_samples:,} x 100, K = 10, C = 1, tol = 1e-6 (persisted)",
        X,
        y,
        1.0,
        {
            "in memory, n_jobs=2": (memory_fit, times["memory"]),
            "dask, 2 workers x 1 thread": (dask_fit, times["dask"]),
        },
        "in memory, n_jobs=2",
    )
    ratio = times["dask"] / times["memory"]
    record("SoftmaxClassifier.fit: dask / in memory", f"{n_samples:,} x 100", ratio)


def _peak_resident_memory():
    """The peak resident memory of the calling process's own memory map
    (``VmHWM``, Linux). Not ``ru_maxrss``: that carries over the driver's
    peak through the fork and exec that start a worker (both workers of a
    full run reported the driver's 3851 MiB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    raise OSError("no VmHWM in /proc/self/status")


def write_zarr(path, n_samples, n_features, seed):
    """A zarr array of normal rows, written chunk by chunk."""
    rng = np.random.default_rng(seed)
    store = zarr.open_array(
        path,
        mode="w",
        shape=(n_samples, n_features),
        chunks=(OUT_OF_CORE_CHUNK_ROWS, n_features),
        dtype="f8",
    )
    for start in range(0, n_samples, OUT_OF_CORE_CHUNK_ROWS):
        stop = min(start + OUT_OF_CORE_CHUNK_ROWS, n_samples)
        store[start:stop] = rng.normal(size=(stop - start, n_features))


def bench_out_of_core(client, factor, fit_iterations):
    n_features, n_classes = 100, 10
    n_samples = int(factor * OUT_OF_CORE_LIMIT / (8 * n_features))
    rng = np.random.default_rng(2)
    model = SoftmaxClassifier(max_iter=20).fit(
        rng.normal(size=(20_000, n_features)), rng.integers(0, n_classes, 20_000)
    )
    folder = Path(tempfile.mkdtemp(prefix="skxent-bench-"))
    try:
        path = str(folder / "X.zarr")
        write_zarr(path, n_samples, n_features, seed=2)
        X = da.from_zarr(path)
        y = da.random.RandomState(3).randint(
            0, n_classes, size=n_samples, chunks=OUT_OF_CORE_CHUNK_ROWS
        )
        value, predict_seconds = timed(lambda: cross_entropy(y, model.predict_proba(X)))
        peaks_predict = client.run(_peak_resident_memory).values()
        student = SoftmaxClassifier(max_iter=fit_iterations)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a few iterations
            _, fit_seconds = timed(student.fit, X, y)
        peaks_fit = client.run(_peak_resident_memory).values()
    finally:
        shutil.rmtree(folder)
    print(
        f"\nOut of core: X of {n_samples:,} x {n_features} float64 "
        f"({X.nbytes / 2**30:.2f} GiB, {X.nbytes / OUT_OF_CORE_LIMIT:.1f}x a "
        f"worker's {OUT_OF_CORE_LIMIT / 2**20:.0f} MiB limit) from zarr"
    )
    print(
        f"  cross_entropy(y, predict_proba(X)) = {value:.4f} in "
        f"{predict_seconds:.1f} s; peak resident memory of the workers: "
        + ", ".join(f"{peak / 2**20:.0f} MiB" for peak in peaks_predict)
    )
    print(
        f"  fit, {student.n_iter_[0]} iterations (X read once per evaluation): "
        f"{fit_seconds:.1f} s; peak resident memory of the workers: "
        + ", ".join(f"{peak / 2**20:.0f} MiB" for peak in peaks_fit)
    )


def bench_dask_ml(client, n_samples, record):
    from dask_ml.linear_model import LogisticRegression

    X, y = softmax_data(n_samples, 100, 2, seed=5)
    X_dask, y_dask = persisted(client, X, y)
    C, tol = 1.0, 1e-6
    # Both without intercept: dask-ml penalizes its intercept (a column of
    # ones), skxent and scikit-learn do not. dask-glm minimizes the sum of
    # the rows' losses plus ||w||^2 / (2 C), n times skxent's objective, and
    # stops L-BFGS on that sum's gradient: n times skxent's tol.
    theirs = LogisticRegression(
        C=C, fit_intercept=False, solver="lbfgs", tol=tol * n_samples, max_iter=1000
    )
    ours = SoftmaxClassifier(C=C, fit_intercept=False, tol=tol)
    theirs_fit, theirs_seconds = timed(theirs.fit, X_dask, y_dask)
    ours_fit, ours_seconds = timed(ours.fit, X_dask, y_dask)
    objectives = print_fits(
        f"Binary fit of {n_samples:,} x 100 on the cluster, C = 1",
        X,
        y,
        C,
        {
            "skxent SoftmaxClassifier": (ours_fit, ours_seconds),
            "dask-ml LogisticRegression (lbfgs)": (theirs_fit, theirs_seconds),
        },
        "skxent SoftmaxClassifier",
    )
    print(f"  objectives differ by {abs(np.subtract(*objectives.values())):.1e}")
    record("dask-ml LogisticRegression / skxent, dask", f"{n_samples:,} x 100, K = 2",
           theirs_seconds / ours_seconds)  # fmt: skip


def spark_session():
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "4g")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )


def spark_frame(spark, X, y):
    from pyspark.ml.linalg import Vectors

    rows = [(float(label), Vectors.dense(row)) for row, label in zip(X, y, strict=True)]
    frame = spark.createDataFrame(rows, ["label", "features"]).cache()
    frame.count()  # materialized before the timed fit
    return frame


def bench_spark(client, n_samples, record):
    from pyspark.ml.classification import LogisticRegression

    X, y = softmax_data(n_samples, 50, 10, seed=6)
    X_dask, y_dask = persisted(client, X, y)
    C, tol = 1.0, 1e-6
    spark = spark_session()
    try:
        frame = spark_frame(spark, X, y)
        # regParam is the penalty per row: 1 / (C n) with scikit-learn's C.
        estimator = LogisticRegression(
            family="multinomial",
            regParam=1.0 / (C * n_samples),
            elasticNetParam=0.0,
            standardization=False,
            tol=tol,
            maxIter=1000,
        )
        estimator.fit(spark_frame(spark, X[:1000], y[:1000]))  # the JVM warmed up
        spark_model, spark_seconds = timed(estimator.fit, frame)
        iterations = spark_model.summary.totalIterations
        spark_fit = argparse.Namespace(
            coef_=spark_model.coefficientMatrix.toArray(),
            intercept_=spark_model.interceptVector.toArray(),
        )
    finally:
        spark.stop()
    model = SoftmaxClassifier(C=C, tol=tol)
    memory_fit, memory_seconds = timed(clone(model).fit, X, y)
    dask_fit, dask_seconds = timed(clone(model).fit, X_dask, y_dask)
    print_fits(
        f"Multinomial fit of {n_samples:,} x 50, K = 10, C = 1, tol = 1e-6",
        X,
        y,
        C,
        {
            "skxent in memory, n_jobs=2": (memory_fit, memory_seconds),
            "skxent dask, 2 workers x 1 thread": (dask_fit, dask_seconds),
            f"Spark MLlib local[2] ({iterations} iterations)": (
                spark_fit,
                spark_seconds,
            ),
        },
        "skxent dask, 2 workers x 1 thread",
    )
    setting = f"{n_samples:,} x 50, K = 10"
    record("Spark MLlib / skxent, dask", setting, spark_seconds / dask_seconds)
    record("Spark MLlib / skxent, in memory", setting, spark_seconds / memory_seconds)


def bench_scaling(client, sizes, record_scaling):
    print("\nScaling, d = 20, K = 5, C = 1, tol = 1e-6: rows, in memory, dask")
    model = SoftmaxClassifier(C=1.0, tol=1e-6, n_jobs=2)
    for n_samples in sizes:
        X, y = softmax_data(n_samples, 20, 5, seed=7)
        X_dask, y_dask = persisted(client, X, y)
        clone(model).fit(X[:1000], y[:1000])  # compiled before timing
        _, memory_seconds = timed(clone(model).fit, X, y)
        _, dask_seconds = timed(clone(model).fit, X_dask, y_dask)
        print(f"  {n_samples:>12,} {memory_seconds:8.2f} s {dask_seconds:8.2f} s")
        record_scaling(n_samples, memory_seconds, dask_seconds)
        client.cancel([X_dask, y_dask])


def available(module):
    return importlib.util.find_spec(module) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out-of-core-factor", type=float, default=4.0)
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=SECTIONS, metavar="SECTION",
        help=f"run only these sections, among: {', '.join(SECTIONS)}",
    )  # fmt: skip
    _results.add_arguments(parser)
    args = parser.parse_args()
    quick = args.quick or args.smoke
    n_samples = 200_000 if quick else 2_000_000
    repeats = 1 if quick else args.repeats
    factor = 1.0 if quick else args.out_of_core_factor
    sizes = (100_000, 300_000) if quick else (10**5, 3 * 10**5, 10**6, 3 * 10**6, 10**7)
    if args.smoke:
        n_samples, sizes, factor = 20_000, (10_000,), 0.25
    print_environment()
    print(f"  dask {dask.__version__}, distributed {distributed.__version__}")
    print("Cluster: 2 worker processes x 1 thread; in memory: 2 threads")
    ratios, scaling = [], []

    def record(comparison, setting, ratio):
        ratios.append({"comparison": comparison, "setting": setting,
                       "min": round(ratio, 2), "max": round(ratio, 2)})  # fmt: skip

    def record_scaling(n_samples, memory_seconds, dask_seconds):
        scaling.append({"n_samples": n_samples, "memory_seconds": memory_seconds,
                        "dask_seconds": dask_seconds})  # fmt: skip

    with cluster_client(IN_MEMORY_LIMIT) as client:
        if "inference" in args.only:
            bench_in_memory_sized(client, n_samples, repeats)
            bench_grid_search(client, n_samples // 20)
        if "fit" in args.only:
            bench_fit_overhead(client, n_samples, repeats, record)
        for section, module, bench, size in (
            ("dask-ml", "dask_ml", bench_dask_ml, n_samples // 4),
            ("spark", "pyspark", bench_spark, n_samples // 10),
        ):
            if section not in args.only:
                continue
            if available(module):
                bench(client, size, record)
            else:
                print(f"\n{section}: skipped, {module} is not installed")
        if "scaling" in args.only:
            bench_scaling(client, sizes, record_scaling)
    if "out-of-core" in args.only:
        with cluster_client(OUT_OF_CORE_LIMIT) as client:
            bench_out_of_core(client, factor, fit_iterations=2 if quick else 5)
    _results.save(
        "bench_dask",
        args,
        {"ratio": "dask or reference time / skxent time", "ratios": ratios,
         "scaling": scaling},
    )  # fmt: skip


if __name__ == "__main__":
    main()
