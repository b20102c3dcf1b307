"""skxent with Numba's compiler disabled (``NUMBA_DISABLE_JIT=1``, how Numba
code is debugged), against the compiled kernels.

Every computation below runs twice: in a fresh process with the compiler
disabled, which imports this module and prints the results as JSON, and here,
compiled. Kernels in Python sum in another order than compiled ones (which
may also fuse multiplications and additions), so their results agree to
rounding, while each SIMD register operation of :mod:`skxent._kernels.lanes`
gives the same values bit for bit.
"""

import itertools
import json
import os
import re
import subprocess
import sys
from collections import namedtuple
from functools import partial
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit
from numba.core.errors import TypingError
from numpy.testing import assert_array_equal

import skxent
from skxent import CategoricalMLE, SoftmaxClassifier
from skxent._kernels import lanes
from skxent._kernels import softmax as softmax_kernels
from skxent._linear_loss import LinearSoftmaxLoss
from skxent._objectives import OBJECTIVES
from skxent.metrics import cross_entropy, entropy, js_divergence, kl_divergence

DTYPES = {"float32": np.float32, "float64": np.float64}
LAYOUTS = ("dense", "csr")
# Dense X that is not C-contiguous goes through copies of its blocks of rows.
EVALUATION_LAYOUTS = (*LAYOUTS, "fortran", "strided")
SOLVERS = ("lbfgs", "newton-cg", "trust-ncg")


def _takes_labels(objective):
    try:
        OBJECTIVES[objective]().check_targets(np.array([0, 1]), np.array([0, 1]))
    except ValueError:
        return False
    return True


# (targets, objective): soft targets for every registered objective, and hard
# labels for those that take them.
TARGETS = [
    *(("proba", objective) for objective in OBJECTIVES),
    *(("labels", objective) for objective in OBJECTIVES if _takes_labels(objective)),
]
# Evaluations add the entropy penalty, whose block functions run for every
# objective.
ENTROPY_PENALTY = 0.3
FIT_TOL = {"float32": 1e-4, "float64": 1e-9}
# The largest relative difference allowed between the two processes, and the
# largest measured. A float32 objective is known to about 1e-7, its minimizer
# to about the square root of that: the solvers stop somewhere in that flat
# region (L-BFGS on the objective's relative decrease), and rounding
# differences change the path there (trust-ncg stopped after 4 iterations in
# one process, 10 in the other). The flat regions of objectives that are not
# convex are wider (newton-cg on js_divergence with hard labels stopped 1.3e-3
# apart). Metrics agree exactly, CategoricalMLE (whose lbfgs runs on the
# softmax kernels) to rounding.
AGREEMENT = {
    "fit-float64": 1e-10,  # 1e-15
    "fit-float32": 1e-3,  # 2.1e-4
    "fit-float32-nonconvex": 5e-3,  # 1.3e-3
    "evaluation-float64": 1e-12,  # 3.3e-16
    "evaluation-float32": 1e-6,  # 5.6e-8
    "exact": 1e-15,  # 2.4e-16
}


def _fit_agreement(dtype, objective):
    """The :data:`AGREEMENT` key of a fit."""
    if dtype == "float32" and not OBJECTIVES[objective].convex:
        return "fit-float32-nonconvex"
    return f"fit-{dtype}"


def _problem(n_classes, dtype, layout, targets, n_samples=16, n_features=3):
    """Half-empty ``X`` in ``layout`` and ``dtype``, with labels (each class
    present) or Dirichlet probability rows."""
    rng = np.random.default_rng(n_classes)
    X = rng.standard_normal((n_samples, n_features))
    X[rng.random(X.shape) < 0.5] = 0.0
    X = X.astype(DTYPES[dtype])
    if layout == "csr":
        X = sp.csr_matrix(X)
    elif layout == "fortran":
        X = np.asfortranarray(X)
    elif layout == "strided":
        X = np.repeat(X, 2, axis=1)[:, ::2]
    if targets == "proba":
        return X, rng.dirichlet(np.ones(n_classes), n_samples)
    return X, np.arange(n_samples) % n_classes


def _fit(n_classes, dtype, layout, targets, objective, solver):
    """The coefficients and intercepts of a small fit, in one list.

    The softmax does not change when one constant is added to every logit,
    and the intercepts are not penalized: only their differences are
    determined (float32 solvers can drift along the sum), so the list holds
    them centered.
    """
    X, y = _problem(n_classes, dtype, layout, targets)
    model = SoftmaxClassifier(
        objective, solver=solver, tol=FIT_TOL[dtype], max_iter=200
    ).fit(X, y)
    intercept = model.intercept_
    if intercept.size > 1:
        intercept = intercept - intercept.mean()
    return [*model.coef_.ravel().tolist(), *intercept.tolist()]


def _evaluation(n_classes, dtype, layout, targets, objective):
    """Loss, gradient and Hessian-vector product at a fixed point, as the
    solvers ask for them (with two row shares, as with two threads)."""
    X, y = _problem(n_classes, dtype, layout, targets)
    loss = LinearSoftmaxLoss(
        X,
        y.astype(X.dtype) if y.ndim == 2 else y,
        np.linspace(0.5, 1.5, X.shape[0]),
        objective=OBJECTIVES[objective](),
        n_params=1 if n_classes == 2 else n_classes,
        fit_intercept=True,
        l2_reg_strength=0.1,
        entropy_penalty=ENTROPY_PENALTY,
        n_threads=2,
    )
    rng = np.random.default_rng(1)
    params = rng.standard_normal(loss.initial_params().shape)
    value, gradient = loss.loss_gradient(params)
    product = loss.hessp(params, rng.standard_normal(params.shape))
    return [value, *gradient.tolist(), *product.tolist()]


def _compiled_layout(layout, dtype, objective):
    """Whether the tests compile the kernels of ``objective`` for ``layout``
    and ``dtype``: each is a compilation of its own, so float32 F-ordered
    and strided ``X``, whose difference from C-ordered ``X`` (copies of row
    blocks) comes before any objective code, are run for cross-entropy only,
    as in test_softmax_kernels.py."""
    return layout in LAYOUTS or dtype == "float64" or objective == "cross_entropy"


def _softmax_cases():
    """``{name: (agreement key, computation)}`` for the softmax kernels: fits
    with every solver, and evaluations (for every layout of ``X``) with one
    logit row (binary), one register of classes and, with 40 classes, every
    register of the sparse kernels (two chunks of classes in float64)."""
    cases = {}
    for layout, dtype, (targets, objective) in itertools.product(
        EVALUATION_LAYOUTS, DTYPES, TARGETS
    ):
        if not _compiled_layout(layout, dtype, objective):
            continue
        problem = (dtype, layout, targets, objective)
        for solver in SOLVERS if layout in LAYOUTS else ():
            cases[f"fit-{'-'.join(problem)}-{solver}"] = (
                _fit_agreement(dtype, objective),
                partial(_fit, 3, *problem, solver),
            )
        for n_classes in (2, 3, 40):
            cases[f"evaluation-{'-'.join(problem)}-{n_classes}-classes"] = (
                f"evaluation-{dtype}",
                partial(_evaluation, n_classes, *problem),
            )
    return cases


def _metrics(dtype):
    """Every metric with labels and with probability rows, weighted."""
    rng = np.random.default_rng(7)
    P = rng.dirichlet(np.ones(4), 20).astype(DTYPES[dtype])
    Q = rng.dirichlet(np.ones(4), 20).astype(DTYPES[dtype])
    labels = np.arange(20) % 4
    weights = rng.random(20)
    return [
        metric(y_true, Q, sample_weight=weights)
        for metric in (cross_entropy, kl_divergence, js_divergence)
        for y_true in (labels, P)
    ] + entropy(P).tolist()


def _categorical(solver):
    """A weighted CategoricalMLE fit: probabilities and sample scores."""
    rng = np.random.default_rng(3)
    X = rng.integers(0, 5, (40, 2))
    model = CategoricalMLE(alpha=0.5, solver=solver, objective="kl_divergence")
    model.fit(X, sample_weight=rng.random(40))
    probabilities = np.concatenate(model.probabilities_)
    return [*probabilities.tolist(), *model.score_samples(X[:5]).tolist()]


KERNEL_CASES = {
    **_softmax_cases(),
    **{f"metrics-{dtype}": ("exact", partial(_metrics, dtype)) for dtype in DTYPES},
    **{
        f"categorical-{solver}": ("exact", partial(_categorical, solver))
        for solver in ("closed_form", "lbfgs")
    },
}


@njit
def _every_operation(array, offset, count, scale):
    """Each register operation on ``array`` once, the registers written out
    one after the other (the last a partial store after NaNs)."""
    width = lanes.lane_count(array)
    out = np.full(5 * width, np.nan, dtype=array.dtype)
    loaded = lanes.load(array, offset, count)
    lanes.store(out, 0, width, loaded)
    lanes.store(out, width, width, lanes.zeros(array))
    lanes.store(out, 2 * width, width, lanes.multiply_add(loaded, scale, loaded))
    lanes.store(out, 3 * width + 3, count, loaded)
    lanes.prefetch(array, offset + 10**6)
    return out


def _lanes_results(dtype):
    """:func:`_every_operation` for masks of every size, at a few offsets."""
    width = lanes.REGISTER_BYTES // np.dtype(dtype).itemsize
    array = np.arange(1, 3 * width + 1, dtype=dtype) / 7
    array[[1, 2, 4]] = [np.inf, np.nan, -0.0]
    return {
        f"{offset},{count}": _every_operation(array, offset, count, 0.3).tolist()
        for offset in (0, 1, width + 2)
        for count in (-3, 0, 1, width - 1, width, width + 5)
    }


@njit
def _store_zeros(array):
    lanes.store(array, 0, 1, lanes.zeros(array))


@njit
def _store_array(array):
    lanes.store(array, 0, 1, array)


@njit
def _add_array(array):
    lanes.store(array, 0, 1, lanes.multiply_add(lanes.zeros(array), 1.0, array))


@njit
def _prefetch(array, offset):
    lanes.prefetch(array, offset)


def _bad_calls():
    """Calls that compiled code refuses to type, each ``(function, args)``."""
    array = np.arange(16.0)
    read_only = array.copy()
    read_only.flags.writeable = False
    return {
        "strided": (_every_operation, (array[::2], 0, 1, 0.5)),
        "int64": (_every_operation, (np.arange(16), 0, 1, 0.5)),
        "float16": (_every_operation, (array.astype(np.float16), 0, 1, 0.5)),
        "float-offset": (_every_operation, (array, 1.5, 1, 0.5)),
        "float-count": (_every_operation, (array, 1, 1.0, 0.5)),
        "array-scale": (_every_operation, (array, 1, 1, array)),
        "read-only": (_store_zeros, (read_only,)),
        "store-an-array": (_store_array, (array,)),
        "add-an-array": (_add_array, (array,)),
        "prefetch-strided": (_prefetch, (array[::2], 0)),
        "prefetch-float-offset": (_prefetch, (array, 0.5)),
    }


def _refusal(function, args):
    """The type and message of the error ``function(*args)`` raises."""
    try:
        function(*args)
    except Exception as error:  # any: the test compares what each mode raises
        return [type(error).__name__, str(error)]
    return None


def _out_of_bounds():
    """What the Python loads and stores say when they would leave the
    array (compiled code would touch memory outside it)."""
    array = np.arange(8.0)
    return [
        _refusal(lanes.load, (array, 6, 3)),
        _refusal(lanes.store, (array, -1, 2, lanes.zeros(array))),
    ]


Unregistered = namedtuple("Unregistered", ["entropy_penalty"])
"""Shaped like an objective's kernel type, with no block kernels."""


def _unregistered_objective():
    """What a pass says when given a kernel type without block kernels
    (compiled: a ``TypingError``, tested in test_objective_registry.py)."""
    X, y = _problem(3, "float64", "dense", "proba")
    return _refusal(
        softmax_kernels.dense_pass,
        (
            X,
            softmax_kernels.LinearModel(np.zeros((3, X.shape[1])), np.zeros(3)),
            softmax_kernels.Targets(
                np.ascontiguousarray(y.T), np.empty(0, np.intp), np.ones(y.shape[0])
            ),
            Unregistered(0.0),
            np.empty((3, 0)),
            softmax_kernels.PassMode(False, 1),
        ),
    )


def report():
    """Everything the process without the compiler prints."""
    return {
        "jit_disabled": bool(numba.config.DISABLE_JIT),
        "kernel_type": type(softmax_kernels.csr_pass).__name__,
        "kernels": {name: compute() for name, (_, compute) in KERNEL_CASES.items()},
        "lanes": {dtype: _lanes_results(dtype) for dtype in DTYPES},
        "refusals": {name: _refusal(*call) for name, call in _bad_calls().items()},
        "out_of_bounds": _out_of_bounds(),
        "unregistered_objective": _unregistered_objective(),
    }


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import test_disable_jit
print(json.dumps(test_disable_jit.report()))
"""


@pytest.fixture(scope="module")
def no_jit(tmp_path_factory):
    """:func:`report` from a process with ``NUMBA_DISABLE_JIT=1`` that
    imports the same skxent as this one, and the files it left in its kernel
    cache folder."""
    package_root = str(Path(skxent.__file__).resolve().parents[1])
    python_path = os.pathsep.join(
        filter(None, [package_root, os.environ.get("PYTHONPATH")])
    )
    cache = tmp_path_factory.mktemp("numba_cache")
    env = {
        **os.environ,
        "NUMBA_DISABLE_JIT": "1",
        "NUMBA_CACHE_DIR": str(cache),
        "PYTHONPATH": python_path,
    }
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return {
        **json.loads(completed.stdout),
        "cached": sorted(path.name for path in cache.rglob("*") if path.is_file()),
    }


def test_the_child_ran_the_kernels_in_python_and_cached_nothing(no_jit):
    assert no_jit["jit_disabled"]
    assert no_jit["kernel_type"] == "function"  # not a Numba dispatcher
    assert no_jit["cached"] == []
    assert not numba.config.DISABLE_JIT


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", list(KERNEL_CASES))
def test_kernels_in_python_agree_with_compiled_ones(no_jit, name):
    agreement, compute = KERNEL_CASES[name]
    compiled = np.array(compute())
    in_python = np.array(no_jit["kernels"][name])
    assert in_python.shape == compiled.shape
    difference = np.max(np.abs(in_python - compiled)) / np.max(np.abs(compiled))
    assert difference <= AGREEMENT[agreement]


def test_python_block_functions_refuse_an_unregistered_kernel_type(no_jit):
    # The block functions' Python bodies pick the objective's kernels by
    # type, as the compiled dispatch does.
    error_type, message = no_jit["unregistered_objective"]
    assert error_type == "TypeError"
    assert "Unregistered" in message
    assert "BLOCK_KERNELS" in message


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_register_operations_in_python_match_compiled_ones_exactly(no_jit, dtype):
    compiled = _lanes_results(dtype)
    assert no_jit["lanes"][dtype].keys() == compiled.keys()
    for case, values in compiled.items():
        assert_array_equal(no_jit["lanes"][dtype][case], values, err_msg=case)


@pytest.mark.parametrize("name", list(_bad_calls()))
def test_python_operations_refuse_what_compiled_ones_refuse(no_jit, name):
    function, args = _bad_calls()[name]
    error_type, message = no_jit["refusals"][name]
    assert error_type == "TypingError"
    # Compiled code wraps the operation's message in its own context.
    with pytest.raises(TypingError, match=re.escape(message)):
        function(*args)


def test_python_loads_and_stores_refuse_elements_outside_the_array(no_jit):
    for error_type, message in no_jit["out_of_bounds"]:
        assert error_type == "IndexError"
        assert "reach outside an array of 8 elements" in message
