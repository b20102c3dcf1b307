"""Tests for skxent on Dask arrays and Dask clusters (skxent._dask).

Everything runs on a real ``distributed.LocalCluster`` of two worker
processes with one thread each, on the loopback interface: the graphs are
pickled, shipped and run where the tests say they run. Every result is
compared with the in-memory path on the same data, the reference the dask
paths must reproduce. Each test is bounded in time (:func:`time_limit`), so
that a hung task fails its test instead of the run.
"""

import functools
import math
import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import joblib  # noqa: E402
import numba  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_validate  # noqa: E402

from skxent import CategoricalMLE, SoftmaxClassifier, metrics  # noqa: E402
from skxent._dask._blocks import row_aligned  # noqa: E402
from skxent._dask._fit import RowBlockLoss, _BlockLosses, _cluster_client  # noqa: E402
from skxent._objectives import OBJECTIVES  # noqa: E402
from skxent._threads import compute_threads, effective_n_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
MEAN_METRICS = (metrics.cross_entropy, metrics.kl_divergence, metrics.js_divergence)
PER_SAMPLE_METRICS = (
    metrics.cross_entropy_per_sample,
    metrics.kl_divergence_per_sample,
    metrics.js_divergence_per_sample,
)


# Far above a test's run time (seconds, or a minute when it compiles the
# kernels on a busy machine): the limit is there to end hangs, not to time.
TIME_LIMIT = 300


def time_limit(seconds=TIME_LIMIT):
    """Fail the decorated test if it runs longer than ``seconds``.

    The test runs in a daemon thread that is abandoned when it overruns: a
    task that never finishes then fails its test, and the session goes on
    and exits (the threads of ``concurrent.futures`` are joined at exit, so a
    hung one would keep the interpreter alive).
    """

    def decorate(test):
        @functools.wraps(test)
        def bounded(*args, **kwargs):
            outcome = {}

            def run():
                try:
                    test(*args, **kwargs)
                except BaseException as error:
                    outcome["error"] = error

            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            thread.join(seconds)
            if thread.is_alive():
                pytest.fail(f"did not finish within {seconds} s", pytrace=False)
            if "error" in outcome:
                raise outcome["error"]

        return bounded

    return decorate


@pytest.fixture(scope="module")
def client():
    """A client of a real 2-process cluster, closed after this module.

    A task that kills its worker is not retried (``allowed-failures`` 0, read
    by the scheduler, which runs in this process): it fails at once.
    """
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit="1GiB",
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


def softmax_problem(n_classes=3, n_samples=600, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 6)).astype(dtype)
    y = rng.integers(0, n_classes, size=n_samples)
    return X, y, SoftmaxClassifier(C=10.0).fit(X, y)


def probability_rows(n_samples, n_classes, seed):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(n_classes), size=n_samples)
    return P


# --- without dask ------------------------------------------------------------


def test_in_memory_use_loads_no_dask_module():
    # Detecting a dask array must not import dask: the in-memory paths stay
    # as fast to import as before, dask installed or not.
    script = """
        import sys
        import numpy as np
        import skxent, skxent.metrics
        from skxent import CategoricalMLE, SoftmaxClassifier

        X = np.random.default_rng(0).normal(size=(40, 3))
        y = np.arange(40) % 3
        model = SoftmaxClassifier().fit(X, y)
        proba = model.predict_proba(X)
        model.predict(X), model.decision_function(X), model.predict_log_proba(X)
        skxent.metrics.cross_entropy(y, proba, sample_weight=np.ones(40))
        skxent.metrics.kl_divergence_per_sample(y, proba)
        skxent.metrics.entropy(proba)
        skxent.metrics.neg_cross_entropy(model, X, y)
        CategoricalMLE().fit(y[:, None], sample_weight=np.ones(40))
        loaded = [name for name in sys.modules
                  if name.split(".")[0] in ("dask", "distributed")]
        print(loaded)
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- inference ---------------------------------------------------------------


@time_limit()
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predictions_are_lazy_block_wise_and_equal_in_memory(client, n_classes, dtype):
    X, _, model = softmax_problem(n_classes, dtype=dtype)
    # Uneven row chunks, an empty one, and the columns in two chunks.
    X_dask = da.from_array(X, chunks=((250, 0, 200, 150), (4, 2)))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    lazy = [getattr(model, method)(X_dask) for method in PREDICT_METHODS]
    computed = dask.compute(*lazy)
    for method, result, values in zip(PREDICT_METHODS, lazy, computed, strict=True):
        expected = getattr(model, method)(X)
        assert isinstance(result, da.Array), method
        assert (result.shape, result.dtype) == (expected.shape, expected.dtype), method
        assert result.chunks[0] == (250, 200, 150), method
        if method == "predict":
            assert_array_equal(values, expected)
        else:
            assert_allclose(values, expected, rtol=rtol, atol=rtol, err_msg=method)


@time_limit()
def test_predictions_of_csr_blocks(client):
    *_, model = softmax_problem()
    X_sparse = sp.random(600, 6, density=0.3, format="csr", random_state=1)
    X_dask = da.from_array(X_sparse, chunks=(100, 6), asarray=False)
    assert_allclose(
        model.predict_proba(X_dask).compute(),
        model.predict_proba(X_sparse),
        rtol=1e-12,
    )


@time_limit()
def test_lazy_predictions_keep_the_model_of_the_call(client):
    X, y, model = softmax_problem()
    expected = model.predict_proba(X)
    lazy = model.predict_proba(da.from_array(X, chunks=200))
    model.set_params(C=0.01).fit(X, y)  # a refit before the result is computed
    assert_allclose(lazy.compute(), expected, rtol=1e-12)


@time_limit()
def test_prediction_errors(client):
    X, _, model = softmax_problem()
    with pytest.raises(ValueError, match="expecting 6 features"):
        model.predict(da.from_array(X[:, :5], chunks=100))
    X_nan = X.copy()
    X_nan[321, 2] = np.nan
    lazy = model.predict(da.from_array(X_nan, chunks=100))  # lazy: no error yet
    with pytest.raises(ValueError, match=r"rows 300 to 399 .*NaN"):
        lazy.compute()


# --- metrics -----------------------------------------------------------------


def weights_as(kind, weights, chunks):
    return {
        "none": None,
        "numpy": weights,
        "dask": da.from_array(weights, chunks=chunks),
        "number": 2.5,
    }[kind]


@time_limit()
@pytest.mark.parametrize(
    ("metric", "soft", "weights"),
    [
        *[
            (metrics.cross_entropy, soft, weights)
            for soft in (False, True)
            for weights in ("none", "numpy", "dask", "number")
        ],
        (metrics.kl_divergence, False, "dask"),
        (metrics.kl_divergence, True, "none"),
        (metrics.js_divergence, False, "none"),
        (metrics.js_divergence, True, "dask"),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_mean_metrics_equal_in_memory(client, metric, soft, weights):
    rng = np.random.default_rng(3)
    n = 900
    Q = probability_rows(n, 4, seed=4)
    y = probability_rows(n, 4, seed=5) if soft else rng.integers(0, 4, size=n)
    w = rng.random(n)
    w[:300] = 0  # a chunk of zero weights counts for nothing, and is valid
    # The labels' chunks differ from the predictions': they are realigned.
    y_dask = da.from_array(y, chunks=250)
    Q_dask = da.from_array(Q, chunks=(300, 2))
    w_dask = weights_as(weights, w, 200)
    w_numpy = None if weights == "none" else (2.5 if weights == "number" else w)
    for normalize in (True, False):
        expected = metric(y, Q, sample_weight=w_numpy, normalize=normalize, base=2)
        result = metric(
            y_dask, Q_dask, sample_weight=w_dask, normalize=normalize, base=2
        )
        assert isinstance(result, float)
        assert_allclose(result, expected, rtol=1e-12)


@time_limit()
@pytest.mark.parametrize("input", ["log_proba", "logits"])
def test_mean_metrics_of_log_inputs(client, input):
    X, y, model = softmax_problem()
    method = "predict_log_proba" if input == "log_proba" else "decision_function"
    Z = getattr(model, method)(X)
    Z_dask = getattr(model, method)(da.from_array(X, chunks=150))
    for metric in MEAN_METRICS:
        assert_allclose(
            metric(da.from_array(y, chunks=150), Z_dask, input=input),
            metric(y, Z, input=input),
            rtol=1e-12,
        )


@time_limit()
def test_binary_positive_class_and_given_labels(client):
    rng = np.random.default_rng(6)
    y = rng.choice(["no", "yes"], size=500)
    q = rng.random(500)
    y_dask, q_dask = da.from_array(y, chunks=120), da.from_array(q, chunks=120)
    for metric in MEAN_METRICS:
        assert_allclose(metric(y_dask, q_dask), metric(y, q), rtol=1e-12)
    # Labels given: no discovery pass, and a chunk may miss a class.
    y_sorted = np.sort(y)
    assert_allclose(
        metrics.cross_entropy(
            da.from_array(y_sorted, chunks=100), q_dask, labels=["no", "yes"]
        ),
        metrics.cross_entropy(y_sorted, q, labels=["no", "yes"]),
        rtol=1e-12,
    )


@time_limit()
def test_per_sample_metrics_and_entropy_are_lazy_and_equal(client):
    rng = np.random.default_rng(7)
    Q = probability_rows(700, 3, seed=8)
    for y in (rng.integers(0, 3, size=700), probability_rows(700, 3, seed=9)):
        y_dask = da.from_array(y, chunks=200)
        Q_dask = da.from_array(Q, chunks=(175, 3))
        for metric in PER_SAMPLE_METRICS:
            lazy = metric(y_dask, Q_dask, base=2)
            assert isinstance(lazy, da.Array)
            assert lazy.chunks == ((175, 175, 175, 175),)
            assert_allclose(lazy.compute(), metric(y, Q, base=2), rtol=1e-12)
    lazy_entropy = metrics.entropy(da.from_array(Q, chunks=(100, 3)), base=2)
    assert isinstance(lazy_entropy, da.Array)
    assert_allclose(lazy_entropy.compute(), metrics.entropy(Q, base=2), rtol=1e-12)
    one = np.array([0.5, 0.25, 0.25])
    assert metrics.entropy(da.from_array(one), base=2) == metrics.entropy(one, base=2)


@time_limit()
def test_scorers_on_dask_arrays(client):
    for n_classes in (2, 3):
        X, y, model = softmax_problem(n_classes)
        X_dask, y_dask = da.from_array(X, chunks=200), da.from_array(y, chunks=200)
        for scorer in (
            metrics.neg_cross_entropy,
            metrics.neg_kl_divergence,
            metrics.neg_js_divergence,
        ):
            assert_allclose(
                scorer(model, X_dask, y_dask), scorer(model, X, y), rtol=1e-12
            )


@time_limit()
def test_metric_errors_name_the_rows_of_their_chunk(client):
    rng = np.random.default_rng(10)
    y = rng.integers(0, 3, size=600)
    Q = probability_rows(600, 3, seed=11)
    y_dask = da.from_array(y, chunks=200)
    Q_nan = Q.copy()
    Q_nan[437, 1] = np.nan
    with pytest.raises(ValueError, match=r"rows 400 to 599 .* row 37 contains NaN"):
        metrics.cross_entropy(y_dask, da.from_array(Q_nan, chunks=200))
    Q_unnormalized = Q.copy()
    Q_unnormalized[437] *= 2
    with pytest.raises(ValueError, match=r"rows 400 to 599 .* row 37 sums to"):
        metrics.kl_divergence(y_dask, da.from_array(Q_unnormalized, chunks=200))
    with pytest.raises(ValueError, match="contains 3 classes but y_proba has 4"):
        metrics.cross_entropy(y_dask, da.from_array(probability_rows(600, 4, 0)))
    with pytest.raises(ValueError, match="contains only one label"):
        metrics.cross_entropy(da.zeros(600, chunks=100, dtype=int), Q)
    with pytest.raises(ValueError, match="y_true has 500 rows but y_proba has 600"):
        metrics.cross_entropy(y_dask[:500], Q)
    with pytest.raises(ValueError, match="sums to zero"):
        metrics.cross_entropy(y_dask, Q, sample_weight=da.zeros(600, chunks=150))
    negative = -np.ones(600)
    with pytest.raises(ValueError, match="finite and non-negative"):
        metrics.cross_entropy(y_dask, Q, sample_weight=da.from_array(negative))
    per_sample = metrics.cross_entropy_per_sample(y_dask, da.from_array(Q_nan))
    with pytest.raises(ValueError, match="contains NaN"):
        per_sample.compute()  # lazy: the error comes with the values


def driver_peak_memory(function, *args, **kwargs):
    """``function(*args, **kwargs)`` and the peak of the driver's memory
    allocated meanwhile, in bytes (NumPy reports its buffers to
    ``tracemalloc``)."""
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@time_limit()
def test_data_made_on_the_workers_never_comes_to_the_driver(client):
    # 1.6e6 x 8 probabilities (100 MB) and 3e6 x 2 categories (48 MB),
    # generated on the workers: the driver receives each block's sums and
    # counts, never its rows.
    state = da.random.RandomState(0)
    n, n_classes = 1_600_000, 8
    Q = state.random_sample((n, n_classes), chunks=(100_000, n_classes))
    Q = Q / Q.sum(axis=1, keepdims=True)
    y = state.randint(0, n_classes, size=n, chunks=100_000)
    value, peak = driver_peak_memory(metrics.cross_entropy, y, Q)
    assert value > math.log(n_classes)  # random predictions do worse than uniform
    assert peak < 16e6, f"the driver allocated {peak / 1e6:.1f} MB"

    X = state.randint(0, 50, size=(3_000_000, 2), chunks=(250_000, 2))
    model, peak = driver_peak_memory(CategoricalMLE().fit, X)
    assert [counts.sum() for counts in model.counts_] == [3_000_000] * 2
    assert peak < 16e6, f"the driver allocated {peak / 1e6:.1f} MB"


# --- CategoricalMLE ------------------------------------------------------------


def assert_same_categorical_fit(result, expected):
    assert result.n_features_in_ == expected.n_features_in_
    for name in ("categories_", "counts_", "probabilities_", "log_probabilities_"):
        for got, want in zip(
            getattr(result, name), getattr(expected, name), strict=True
        ):
            assert got.dtype == want.dtype, name
            if name == "categories_":
                assert_array_equal(got, want)
            else:
                assert_allclose(got, want, rtol=1e-12, err_msg=name)
    assert_allclose(result.alpha_, expected.alpha_, rtol=1e-12)
    assert_allclose(result.loss_, expected.loss_, rtol=1e-12)
    assert_allclose(result.entropy_, expected.entropy_, rtol=1e-12)


@time_limit()
@pytest.mark.parametrize(
    ("weights", "declared"),
    [
        ("none", False),
        ("numpy", False),
        ("dask", False),
        ("number", False),
        ("none", True),
        ("dask", True),
    ],
)
def test_categorical_counts_equal_in_memory(client, weights, declared):
    rng = np.random.default_rng(12)
    n = 1000
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.integers(-2, 9, size=n)
    X[:, 1] = rng.choice(["red", "green", "blue", "teal"], size=n)
    X[:, 2] = rng.integers(0, 3, size=n) * 10**12  # a large, sparse range
    w = rng.random(n) * 1e-300  # tiny weights are rescaled exactly
    w[500:700] = 0  # zero-weight chunks still have their rows checked
    categories = "auto"
    if declared:
        categories = [
            np.arange(-3, 10),
            ["blue", "green", "purple", "red", "teal"],
            np.arange(4) * 10**12,
        ]
    model = CategoricalMLE(alpha="jeffreys", categories=categories)
    expected = clone(model).fit(
        X, sample_weight={"none": None, "number": 2.5}.get(weights, w)
    )
    result = clone(model).fit(
        da.from_array(X, chunks=(100, 2)), sample_weight=weights_as(weights, w, 250)
    )
    assert_same_categorical_fit(result, expected)
    if weights == "none":  # integer counts are exact
        for got, want in zip(result.counts_, expected.counts_, strict=True):
            assert_array_equal(got, want)


@time_limit()
def test_categorical_lbfgs_and_numeric_columns(client):
    rng = np.random.default_rng(13)
    X = rng.integers(0, 6, size=(800, 3))
    model = CategoricalMLE(solver="lbfgs", objective="kl_divergence", alpha=0.5)
    assert_same_categorical_fit(
        clone(model).fit(da.from_array(X, chunks=(90, 3))), model.fit(X)
    )


@time_limit()
def test_categorical_errors(client):
    X = np.arange(600, dtype=float).reshape(300, 2) % 5
    X_nan = X.copy()
    X_nan[250, 1] = np.nan
    with pytest.raises(ValueError, match=r"rows 200 to 299 .*missing value .*row 50"):
        CategoricalMLE().fit(da.from_array(X_nan, chunks=100))
    declared = [np.arange(5.0), np.arange(4.0)]
    with pytest.raises(ValueError, match=r"feature 1 contains values \[4.0\]"):
        CategoricalMLE(categories=declared).fit(da.from_array(X, chunks=100))
    with pytest.raises(ValueError, match="sums to zero"):
        CategoricalMLE().fit(da.from_array(X, chunks=100), sample_weight=np.zeros(300))
    # A weight ratio float64 cannot hold, across chunks as within one array.
    w = np.ones(300)
    w[:100], w[200:] = 1e300, 1e-30
    with pytest.raises(ValueError, match="2\\*\\*-1074"):
        CategoricalMLE().fit(X, sample_weight=w)
    with pytest.raises(ValueError, match="2\\*\\*-1074"):
        CategoricalMLE().fit(da.from_array(X, chunks=100), sample_weight=w)
    with pytest.raises(ValueError, match="2-D"):
        CategoricalMLE().fit(da.from_array(X[:, 0], chunks=100))


@time_limit()
def test_out_of_core_arrays_from_zarr(client, tmp_path):
    zarr = pytest.importorskip("zarr")
    X, y, model = softmax_problem(3, n_samples=2000)
    store = zarr.open_array(
        str(tmp_path / "X.zarr"), mode="w", shape=X.shape, chunks=(250, 6), dtype="f8"
    )
    store[:] = X
    # A zarr array pickles as a reference to its store: each task reads its
    # block from disk. (da.from_zarr does the same, but its zarr 3 support
    # needs a newer dask than the oldest skxent supports.)
    X_disk = da.from_array(
        zarr.open_array(str(tmp_path / "X.zarr"), mode="r"), chunks=(250, 6)
    )
    proba = model.predict_proba(X_disk)
    assert_allclose(proba.compute(), model.predict_proba(X), rtol=1e-12)
    assert_allclose(
        metrics.cross_entropy(da.from_array(y, chunks=250), proba),
        metrics.cross_entropy(y, model.predict_proba(X)),
        rtol=1e-12,
    )
    assert_same_categorical_fit(
        CategoricalMLE().fit(X_disk > 0), CategoricalMLE().fit(X > 0)
    )


# --- SoftmaxClassifier.fit -----------------------------------------------------

FIT_TOL = 1e-9


def assert_same_softmax_fit(result, expected, rtol=1e-5):
    """The dask fit is the in-memory model: coefficients within ``rtol`` of
    the largest and ``loss_`` within 1e-9 (float64)."""
    assert_array_equal(result.classes_, expected.classes_)
    assert result.coef_.dtype == expected.coef_.dtype
    assert result.n_features_in_ == expected.n_features_in_
    scale = np.abs(expected.coef_).max()
    assert_allclose(result.coef_, expected.coef_, rtol=0, atol=rtol * scale)
    assert_allclose(result.intercept_, expected.intercept_, rtol=0, atol=rtol * scale)
    loss_rtol = 1e-9 if expected.coef_.dtype == np.float64 else 1e-5
    assert result.loss_ == pytest.approx(expected.loss_, rel=loss_rtol)


def fit_problem(n_samples=900, n_classes=3, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5))
    logits = X @ rng.normal(size=(5, n_classes))
    y = (logits + rng.gumbel(size=logits.shape)).argmax(axis=1)
    # Sorted by label: most blocks hold one class, so the classes (and the
    # balanced class weights) must come from all blocks.
    order = np.argsort(y, kind="stable")
    P = rng.dirichlet(np.ones(n_classes), size=n_samples)
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    return X[order], y[order], P[order], weights


# Uneven chunks, one of them empty.
CHUNKS = (250, 0, 300, 350)


def dask_rows(array, persist):
    chunks = (CHUNKS, *array.shape[1:])
    result = da.from_array(array, chunks=chunks)
    return result.persist() if persist else result


@time_limit()
@pytest.mark.parametrize("objective", list(OBJECTIVES))
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_fit_equals_in_memory_for_every_objective(client, objective, solver):
    X, y, P, weights = fit_problem()
    targets = y if OBJECTIVES[objective].kernel_reads_labels else P
    model = SoftmaxClassifier(objective=objective, solver=solver, tol=FIT_TOL, C=3.0)
    expected = clone(model).fit(X, targets, sample_weight=weights)
    for persist in (True, False):
        result = clone(model).fit(
            dask_rows(X, persist),
            dask_rows(targets, persist),
            sample_weight=dask_rows(weights, persist),
        )
        assert_same_softmax_fit(result, expected)


@time_limit()
@pytest.mark.parametrize(
    "params",
    [
        {"class_weight": "balanced"},
        {"class_weight": "balanced", "soft": True},
        {"class_weight": {0: 2.0, 2: 0.5}, "label_smoothing": 0.1},
        {"entropy_penalty": 0.2, "solver": "trust-ncg"},
        {"fit_intercept": False, "classes": [2, 0, 1]},
        {"binary": True, "solver": "newton-cg"},
        {"dtype": np.float32},
    ],
    ids=lambda params: "-".join(map(str, params)),
)
def test_fit_options_equal_in_memory(client, params):
    params = dict(params)
    X, y, P, weights = fit_problem()
    X = X.astype(params.pop("dtype", np.float64))
    if params.pop("binary", False):
        y = np.minimum(y, 1)
    targets = P if params.pop("soft", False) else y
    model = SoftmaxClassifier(tol=FIT_TOL, **params)
    expected = clone(model).fit(X, targets, sample_weight=weights)
    # y and sample_weight in memory: rechunked to the rows of X.
    result = clone(model).fit(dask_rows(X, True), targets, sample_weight=weights)
    assert_same_softmax_fit(result, expected)


@time_limit()
def test_fit_of_string_labels_counts_csr_blocks_and_zero_weight_chunks(client):
    X, y, _, weights = fit_problem()
    names = np.array(["iris", "lily", "rose"])[y]
    weights[:250] = 0.0  # the whole first chunk counts for nothing
    expected = SoftmaxClassifier(tol=FIT_TOL).fit(X, names, sample_weight=weights)
    result = SoftmaxClassifier(tol=FIT_TOL).fit(
        dask_rows(X, False), dask_rows(names, False), sample_weight=weights
    )
    assert_same_softmax_fit(result, expected)

    counts = np.random.default_rng(5).integers(0, 4, size=(900, 3))
    counts[:, 0] += 1  # no row without a count
    model = SoftmaxClassifier(target_type="counts", tol=FIT_TOL)
    expected = clone(model).fit(X, counts)
    assert_same_softmax_fit(
        clone(model).fit(dask_rows(X, True), dask_rows(counts, True)), expected
    )

    X_sparse = sp.random(900, 40, density=0.1, format="csr", random_state=2)
    expected = SoftmaxClassifier(tol=FIT_TOL).fit(X_sparse, y)
    X_blocks = da.from_array(X_sparse, chunks=(300, 40), asarray=False)
    assert_same_softmax_fit(SoftmaxClassifier(tol=FIT_TOL).fit(X_blocks, y), expected)


@time_limit()
def test_auto_solver_on_wide_csr_blocks_is_that_of_the_matrix(client):
    # 8 classes x 12,500 features: enough coefficients for newton-cg.
    rng = np.random.default_rng(6)
    X_sparse = sp.random(600, 12_500, density=0.002, format="csr", random_state=rng)
    y = rng.integers(0, 8, 600)
    expected = SoftmaxClassifier(tol=1e-6).fit(X_sparse, y)
    newton = SoftmaxClassifier(solver="newton-cg", tol=1e-6).fit(X_sparse, y)
    assert_array_equal(expected.n_iter_, newton.n_iter_)
    X_blocks = da.from_array(X_sparse, chunks=(200, 12_500), asarray=False)
    result = SoftmaxClassifier(tol=1e-6).fit(X_blocks, y)
    assert_array_equal(result.n_iter_, expected.n_iter_)
    assert_same_softmax_fit(result, expected)


@time_limit()
def test_persisted_blocks_keep_their_losses_on_the_workers(client):
    X, y, *_ = fit_problem()
    X_dask = dask_rows(X, persist=True)
    assert _cluster_client(X_dask) is client
    assert _cluster_client(dask_rows(X, persist=False)) is None
    assert _cluster_client(X_dask + 1) is None
    # Newton-CG's Hessian-vector products reuse the probabilities of their
    # block's last gradient pass, kept by the loss on its worker.
    # Classes given: no pass to find them, so each block is read once first.
    model = SoftmaxClassifier(solver="newton-cg", tol=FIT_TOL, classes=[0, 1, 2])
    with distributed.get_task_stream(client) as tasks:
        model.fit(X_dask, dask_rows(y, persist=True))
    by_name = {}
    for task in tasks.data:
        by_name.setdefault(distributed.utils.key_split(task["key"]), []).append(task)
    assert len(by_name["on_rows"]) == 3  # one loss per non-empty block, built once
    # The losses of a worker's blocks are gathered into one object there (2
    # workers, 3 blocks), and each evaluation is one task per such object,
    # run where it is: no task copies data from the other worker.
    holders = [task["worker"] for task in by_name["collected"]]
    assert len(set(holders)) == len(holders) < 3
    evaluations = by_name["collected_sums"]
    assert len(evaluations) % len(holders) == 0
    assert len(evaluations) >= len(holders) * (model.n_iter_[0] + 1)
    for task in [*by_name["collected"], *evaluations]:
        # "disk-read" (a worker's own spilled data) may come first under
        # memory pressure; "transfer" would be a copy from the other worker.
        actions = [part["action"] for part in task["startstops"]]
        assert "transfer" not in actions and actions[-1] == "compute"
    assert_same_softmax_fit(model, clone(model).fit(X, y))


@time_limit()
def test_evaluations_on_futures_equal_the_graph_of_tasks_and_in_memory(client):
    # The same persisted blocks, evaluated by one task per worker (with the
    # client) and by a graph that rebuilds each block's loss (without).
    X, y, _, weights = fit_problem()
    weights[:250] = 0.0  # a block that counts for nothing
    arrays = row_aligned(
        {
            name: dask_rows(array, persist=True)
            for name, array in {"X": X, "y": y, "sample_weight": weights}.items()
        }
    )
    blocks = _BlockLosses(SoftmaxClassifier(classes=[0, 1, 2]), n_params=3)
    expected = blocks.loss(X=X, y=y, sample_weight=weights)
    rng = np.random.default_rng(11)
    params = rng.normal(size=expected.initial_params().size)
    vector = rng.normal(size=params.size)
    gradient = expected.gradient_sums(params)
    hessian_product = expected.hessian_sums(params, vector)
    for loss_client in (client, None):
        loss = RowBlockLoss(arrays, blocks, None, client=loss_client)
        assert loss.weight_sum == pytest.approx(expected.weight_sum, rel=1e-14)
        assert loss.constant == pytest.approx(expected.constant, rel=1e-14)
        for result, reference in (
            (loss.gradient_sums(params), gradient),
            (loss.hessian_sums(params, vector), hessian_product),
            (
                loss.hessian_sums(params, 2 * vector),
                tuple(2 * r for r in hessian_product),
            ),
        ):
            assert len(result) == 3
            for part, part_reference in zip(result, reference, strict=True):
                assert_allclose(part, part_reference, rtol=1e-12, atol=1e-12)
        # A block's failure comes back as its error, not as a hang.
        with pytest.raises(ValueError, match="reshape"):
            loss.gradient_sums(params[:7])


@time_limit()
def test_fit_on_data_made_on_the_workers_keeps_the_driver_small(client):
    # 1,000,000 x 12 float64 (96 MB) generated on the workers, not persisted:
    # each evaluation rebuilds every block's loss where the block is made.
    state = da.random.RandomState(1)
    n = 1_000_000
    X = state.standard_normal((n, 12), chunks=(125_000, 12))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    model = SoftmaxClassifier(max_iter=5)
    with pytest.warns(ConvergenceWarning):  # 5 iterations: a bounded test
        _, peak = driver_peak_memory(model.fit, X, y)
    assert peak < 16e6, f"the driver allocated {peak / 1e6:.1f} MB"
    assert_array_equal(model.classes_, [0, 1, 2])
    # Half of the rows are of class 1: the model learned more than that.
    assert model.score(X[:20_000].compute(), y[:20_000].compute()) > 0.6


@time_limit()
def test_fit_errors_name_the_problem(client):
    X, y, _, weights = fit_problem()
    X_bad = X.copy()
    X_bad[600, 2] = np.nan
    with pytest.raises(ValueError, match=r"rows 550 to 899.*NaN"):
        SoftmaxClassifier().fit(dask_rows(X_bad, False), y)
    with pytest.raises(ValueError, match="only one class"):
        SoftmaxClassifier().fit(dask_rows(X, False), np.zeros(900, dtype=int))
    with pytest.raises(ValueError, match="sums to zero"):
        SoftmaxClassifier().fit(dask_rows(X, False), y, sample_weight=0 * weights)
    with pytest.raises(ValueError, match="rows"):
        SoftmaxClassifier().fit(dask_rows(X, False), y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        SoftmaxClassifier().fit(da.from_array(X[:, 0]), y)
    with pytest.raises(ValueError, match=r"not among the classes"):
        SoftmaxClassifier(classes=[0, 1]).fit(dask_rows(X, False), y)
    # A refit that fails leaves the previous model whole.
    model = SoftmaxClassifier().fit(dask_rows(X, True), y)
    coef = model.coef_.copy()
    with pytest.raises(ValueError):
        model.fit(dask_rows(X_bad, False), y)
    assert_array_equal(model.coef_, coef)


# --- model selection on the cluster --------------------------------------------


def _worker_threads():
    with compute_threads(None) as n_threads:
        return (
            effective_n_threads(None),
            effective_n_threads(-1),
            effective_n_threads(4),
            n_threads,
            numba.get_num_threads(),
        )


@time_limit()
def test_kernels_in_a_worker_use_the_workers_threads(client):
    if min(os.cpu_count() or 1, numba.config.NUMBA_NUM_THREADS) < 2:
        pytest.skip("needs 2 cores for a worker of 1 thread to be a limit")
    results = client.run(lambda: None)  # every worker answers
    assert len(results) == 2
    for worker in results:
        assert client.submit(_worker_threads, workers=[worker], pure=False).result(
            timeout=30
        ) == (1, 1, 1, 1, 1)
    # The driver, in no worker, keeps all its cores.
    assert effective_n_threads(None) >= 2


@time_limit()
def test_grid_search_on_the_cluster_equals_serial(client):
    X, y, _ = softmax_problem(3, n_samples=450)
    grid = {"C": [0.1, 10.0], "objective": ["cross_entropy", "kl_divergence"]}
    search = GridSearchCV(
        SoftmaxClassifier(tol=1e-8),
        grid,
        cv=KFold(3),
        scoring=metrics.neg_cross_entropy,
    )
    serial = search.fit(X, y).cv_results_
    with (
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        parallel = clone(search).fit(X, y).cv_results_
    assert {task["worker"] for task in tasks.data} == set(
        client.scheduler_info()["workers"]
    ), "the fits ran on both workers"
    assert parallel["params"] == serial["params"]
    assert_array_equal(parallel["rank_test_score"], serial["rank_test_score"])
    for key in serial:
        # Equal to rounding: a worker's kernels run on 1 thread, the driver's
        # on all cores, and per-thread partial sums add up in another order.
        if key.startswith(("split", "mean_test", "std_test")):
            assert_allclose(parallel[key], serial[key], rtol=1e-12, err_msg=key)

    counts = np.random.default_rng(14).integers(0, 8, size=(400, 2))
    model = CategoricalMLE()
    expected = cross_validate(model, counts, cv=4)
    with joblib.parallel_config(backend="dask"):
        result = cross_validate(model, counts, cv=4)
    assert_array_equal(result["test_score"], expected["test_score"])


# --- failures ------------------------------------------------------------------


def _exit_worker():
    os._exit(1)


@time_limit()
def test_a_worker_that_dies_fails_its_task_instead_of_hanging(client):
    # Last in the module: the cluster's nanny restarts the worker afterwards.
    future = client.submit(_exit_worker, pure=False)
    with pytest.raises(distributed.scheduler.KilledWorker):
        future.result(timeout=60)
    client.wait_for_workers(2, timeout=60)
