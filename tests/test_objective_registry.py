"""Tests for the objective registry (skxent._objectives) and the seam between
it and the pass kernels: what each objective hands the kernels, the kernel
types that pick the block kernels when a pass compiles, and the argument
bundles that make a misordered call fail to compile.

The numerical tests of every registered objective through the kernels are in
test_softmax_kernels.py.
"""

import itertools
from collections import namedtuple

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from numba.core.errors import TypingError
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import entr

from skxent._kernels import objective_blocks
from skxent._kernels import softmax as kernels
from skxent._linear_loss import _read_only as read_only
from skxent._objectives import OBJECTIVES, Objective
from skxent._targets import check_probability_rows

OBJECTIVE_NAMES = list(OBJECTIVES)
LABELS = np.array([0, 2, 1, 2])
CLASSES = np.array(["a", "b", "c"])


def takes_labels(objective):
    try:
        objective.check_targets(LABELS, CLASSES)
    except ValueError:
        return False
    return True


def soft_targets(seed, n_samples=30, n_classes=3):
    """Strictly positive probability rows and sample weights."""
    rng = np.random.default_rng(seed)
    P = 0.9 * rng.dirichlet(np.ones(n_classes), n_samples) + 0.1 / n_classes
    return P, rng.uniform(0.2, 2.0, n_samples)


# --- what every objective defines ------------------------------------------------


@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
def test_each_objective_is_registered_under_its_name_with_a_kernel_type(name):
    objective = OBJECTIVES[name]()
    assert isinstance(objective, Objective)
    assert objective.name == name
    assert objective.kernel_type in objective_blocks.BLOCK_KERNELS
    # The parameters travel in the kernel type, the penalty first: None for
    # none, so that a pass compiled without it holds none of its code.
    assert objective.kernel_type._fields[0] == "entropy_penalty"
    assert objective.kernel() == objective.kernel_type(None, *objective.parameters())
    assert objective.kernel(0.0) == objective.kernel()
    kernel = objective.kernel(0.3)
    assert type(kernel) is objective.kernel_type
    assert kernel.entropy_penalty == 0.3
    assert isinstance(kernel.entropy_penalty, float)
    assert len(kernel) == 1 + len(objective.parameters())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
def test_probability_rows_reach_the_kernels_class_major_in_the_dtype_of_X(name, dtype):
    objective = OBJECTIVES[name]()
    P, _ = soft_targets(1)
    values, labels = objective.kernel_targets(P, dtype, 3)
    assert values.dtype == dtype
    assert values.flags.c_contiguous
    assert_array_equal(values, objective.kernel_values(P.astype(dtype)).T)
    assert labels.dtype == np.intp
    assert labels.size == 0
    assert_array_equal(P, soft_targets(1)[0])  # the caller's rows untouched


@pytest.mark.parametrize(
    "name", [name for name in OBJECTIVE_NAMES if takes_labels(OBJECTIVES[name]())]
)
def test_hard_labels_reach_the_kernels_as_codes_or_one_hot_rows(name):
    # Objectives whose block kernels read class codes get them with a target
    # matrix without columns; the others get the one-hot rows the labels
    # stand for.
    objective = OBJECTIVES[name]()
    values, labels = objective.kernel_targets(LABELS, np.float32, 3)
    assert values.dtype == np.float32
    assert labels.dtype == np.intp
    if objective.kernel_reads_labels:
        assert values.shape == (3, 0)
        assert_array_equal(labels, LABELS)
    else:
        assert values.flags.c_contiguous
        assert_array_equal(values, np.eye(3)[LABELS].T)
        assert labels.size == 0


def test_objective_constants_kernel_types_and_targets():
    P, weights = soft_targets(30)
    ce, kl, reverse, js = (
        OBJECTIVES[name]()
        for name in (
            "cross_entropy",
            "kl_divergence",
            "reverse_kl_divergence",
            "js_divergence",
        )
    )
    for objective in (ce, reverse, js):
        assert objective.constant(P, weights) == 0.0
    assert kl.constant(P, weights) == pytest.approx(
        -np.average(stats.entropy(P, axis=1), weights=weights), rel=1e-12
    )
    assert kl.constant(np.eye(3)[[0, 2, 1]], np.ones(3)) == 0.0
    # KL is cross-entropy minus a constant: one kernel type, one compilation.
    assert ce.kernel_type is kl.kernel_type is objective_blocks.CrossEntropyKernel
    assert reverse.kernel_type is objective_blocks.ReverseKLKernel
    assert js.kernel_type is objective_blocks.JensenShannonKernel
    assert ce.kernel_reads_labels and kl.kernel_reads_labels
    assert not js.kernel_reads_labels
    assert [ce.convex, kl.convex, reverse.convex, js.convex] == [
        True,
        True,
        False,
        False,
    ]
    # Hard labels have zero entropy.
    assert kl.constant(LABELS, np.ones(4)) == 0.0
    assert_allclose(reverse.kernel_targets(P, np.float64, 3)[0], np.log(P).T)
    assert_array_equal(js.kernel_targets(P, np.float64, 3)[0], P.T)
    # Only reverse KL has requirements on its targets.
    for objective in (ce, kl, js):
        objective.check_targets(np.eye(3), CLASSES)
        objective.check_targets(LABELS, CLASSES)
    reverse.check_targets(P, CLASSES)


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        (LABELS, "y holds class labels, which stand for one-hot"),
        (
            np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]),
            "3 target probabilities are 0, the first in row 0 for class 'c'",
        ),
    ],
    ids=["labels", "zeros"],
)
def test_reverse_kl_refuses_zero_targets_saying_why_and_what_to_do(targets, match):
    with pytest.raises(ValueError, match=match) as error:
        OBJECTIVES["reverse_kl_divergence"]().check_targets(targets, CLASSES)
    assert "evaluates log p, so every target probability must be positive" in str(
        error.value
    )
    assert "Set label_smoothing (for example to 0.1)" in str(error.value)


def test_kl_constant_is_the_entropy_of_the_rows_as_given():
    P, weights = soft_targets(34)
    # float32 targets at their edge (row mass 1 + 3e-4, which validation
    # still accepts), as a fit on float64 X reads them.
    rows = (P * (1 + 3e-4)).astype(np.float32)
    check_probability_rows(rows, name="rows")
    rows = rows.astype(np.float64)
    # scipy.stats.entropy would renormalize the rows first.
    expected = -np.average(entr(rows).sum(axis=1), weights=weights)
    constant = OBJECTIVES["kl_divergence"]().constant(rows, weights)
    assert constant == pytest.approx(expected, rel=1e-14)
    assert constant != pytest.approx(
        -np.average(stats.entropy(rows, axis=1), weights=weights), rel=1e-6
    )


# --- the seam: kernel types and argument bundles ----------------------------------

Unregistered = namedtuple("Unregistered", ["entropy_penalty"])
"""Shaped like a kernel type, but with no block kernels."""


def pass_arguments(n_samples=20, n_features=3, n_classes=3):
    """Valid ``dense_pass`` arguments by name (cross-entropy, soft targets),
    with ``"csr"`` the same ``X`` as a :data:`~kernels.CSRMatrix`. Inputs
    are read-only, as the loss layer hands them over: the passes compiled
    for a fit serve these tests too."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    P, weights = soft_targets(1, n_samples, n_classes)
    values, labels = OBJECTIVES["cross_entropy"]().kernel_targets(
        P, np.float64, n_classes
    )
    csr = sp.csr_matrix(X)
    return {
        "X": read_only(X),
        "model": kernels.LinearModel(
            rng.standard_normal((n_classes, n_features)), np.zeros(n_classes)
        ),
        "targets": kernels.Targets(*map(read_only, (values, labels, weights))),
        "objective": OBJECTIVES["cross_entropy"]().kernel(),
        "proba": np.empty((n_classes, 0)),
        "mode": kernels.PassMode(False, 2),
        "csr": kernels.CSRMatrix(*map(read_only, (csr.data, csr.indices, csr.indptr))),
    }


PASS_PARAMETERS = ("X", "model", "targets", "objective", "proba", "mode")


def test_the_arguments_of_the_seam_tests_evaluate():
    # The refusals below start from these arguments: in the right order, the
    # dense and sparse passes accept them and agree.
    args = pass_arguments()
    dense = kernels.dense_pass(*(args[name] for name in PASS_PARAMETERS))
    sparse = kernels.csr_pass(args["csr"], *(args[n] for n in PASS_PARAMETERS[1:]))
    assert dense[0] > 0
    for got, expected in zip(sparse, dense, strict=True):
        assert_allclose(got, expected, rtol=1e-12)


def test_an_unregistered_kernel_type_fails_to_compile_naming_the_registry():
    args = pass_arguments()
    args["objective"] = Unregistered(0.0)
    with pytest.raises(TypingError, match=r"Unregistered.*BLOCK_KERNELS"):
        kernels.dense_pass(*(args[name] for name in PASS_PARAMETERS))
    # In Python (NUMBA_DISABLE_JIT=1) the block functions dispatch by type.
    for block_function in (objective_blocks.loss_residual, objective_blocks.hessp):
        with pytest.raises(TypeError, match=r"Unregistered.*BLOCK_KERNELS"):
            block_function(Unregistered(0.0), *[None] * 7)


@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
def test_the_penalty_code_is_compiled_only_into_penalized_passes(name):
    # The type of entropy_penalty picks the penalty's block functions when a
    # pass compiles: a branch on its value compiled them into every pass.
    objective = OBJECTIVES[name]()
    blocks = objective_blocks.BLOCK_KERNELS[objective.kernel_type]
    penalty = objective_blocks.ENTROPY_PENALTY
    for field in blocks._fields:
        for beta, expected in [
            (0.0, (getattr(blocks, field),)),
            (0.3, (getattr(blocks, field), getattr(penalty, field))),
        ]:
            kernel_type = numba.typeof(objective.kernel(beta))
            functions = objective_blocks._compiled_block_functions(kernel_type, field)
            assert functions == expected


# X and proba are both 2-D float arrays: swapped, they have the types of a
# valid call (the pass then fails on the shapes at run time).
SWAPS = [
    pair
    for pair in itertools.combinations(PASS_PARAMETERS, 2)
    if pair != ("X", "proba")
]


@pytest.mark.parametrize(("first", "second"), SWAPS, ids=[f"{a}-{b}" for a, b in SWAPS])
def test_swapped_arguments_fail_to_compile(first, second):
    # With every argument a bare array or number, swapping two of the same
    # kind compiled and returned garbage (hessian_product and n_threads: a
    # loss of 0.0). Bundles of distinct types refuse every swap.
    args = pass_arguments()
    args[first], args[second] = args[second], args[first]
    with pytest.raises(TypingError):
        kernels.dense_pass(*(args[name] for name in PASS_PARAMETERS))


@pytest.mark.parametrize("second", PASS_PARAMETERS[1:])
def test_swapped_arguments_of_the_sparse_pass_fail_to_compile(second):
    args = pass_arguments()
    args["X"] = args.pop("csr")
    args["X"], args[second] = args[second], args["X"]
    with pytest.raises(TypingError):
        kernels.csr_pass(*(args[name] for name in PASS_PARAMETERS))


# Two fields of one bundle traded places, each named by the refusal: the
# first field of the pair then holds the second's value. CSRMatrix's indices
# and indptr are both integer arrays, which no type tells apart.
FIELD_SWAPS = [
    (argument, bundle, first, second)
    for argument, bundle in [
        ("model", kernels.LinearModel),
        ("targets", kernels.Targets),
        ("mode", kernels.PassMode),
        ("csr", kernels.CSRMatrix),
    ]
    for first, second in itertools.combinations(bundle._fields, 2)
    if (first, second) != ("indices", "indptr")
]


@pytest.mark.parametrize(
    ("argument", "bundle", "first", "second"),
    FIELD_SWAPS,
    ids=[f"{bundle.__name__}.{a}-{b}" for _, bundle, a, b in FIELD_SWAPS],
)
def test_swapped_fields_of_a_bundle_fail_to_compile_naming_the_field(
    argument, bundle, first, second
):
    # PassMode(2, False), hessian_product and n_threads swapped, compiled a
    # pass that computed Hessian-vector products and returned a loss of 0.0.
    args = pass_arguments()
    fields = args[argument]._asdict()
    fields[first], fields[second] = fields[second], fields[first]
    args[argument] = bundle(**fields)
    run = kernels.dense_pass
    if argument == "csr":
        args["X"], run = args["csr"], kernels.csr_pass
    with pytest.raises(TypingError, match=rf"{bundle.__name__}\.{first} must be"):
        run(*(args[name] for name in PASS_PARAMETERS))
