"""SIMD registers as Numba values, for loops too short to vectorize.

A sparse row's product with a coefficient table adds, for each stored
feature, one short row of the table (one entry per class) to an accumulator.
With a class count known only at run time, the compiler vectorizes that inner
loop for long rows and falls back to narrow or scalar code for rows of ten or
twenty classes, keeping the accumulator in memory. These intrinsics let a
kernel hold the accumulator in registers instead: a :class:`Lanes` value is
one 64-byte vector of float32 or float64 lanes (an AVX-512 register; LLVM
splits it on narrower machines), loaded and stored with a lane count, so a
row of any length is covered by whole registers whose last lanes are masked.

Masked lanes are neither read nor written, so a register may start past the
end of an array when its count is zero or less. The arithmetic rounds as the
scalar code does (a product, then a sum: no fused multiply-add).

Only C-contiguous float32 and float64 arrays are accepted; offsets index
their flattened data, which is taken to be aligned to its item size, as
Numba's own loads take it.

The masked accesses are declared with typed pointers, as llvmlite writes its
IR, and LLVM upgrades them to its current form when it reads the module.
Kernels that use these operations are compiled anew after an edit of this
module: their cache is keyed on every kernel module (:mod:`.cache`), not only
on the file that defines them.

Intrinsics exist only in compiled code. With Numba's compiler disabled
(``NUMBA_DISABLE_JIT=1``, for debugging kernels in Python), each operation
is instead its NumPy counterpart, chosen once at import: a register is an
array of its lanes, the arguments are checked by the intrinsic's own typing
function (the same :class:`~numba.core.errors.TypingError`, from
:func:`numba.typeof` of each argument), a prefetch does nothing, and a load
or store that would touch an element outside the array raises an
``IndexError`` (compiled code would read or write whatever memory is there).
With the compiler enabled the module defines the intrinsics alone, so the
compiled kernels and their caches do not depend on that choice.
"""

import numpy as np
from llvmlite import ir
from numba import config, typeof, types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic, models, register_model
from numba.np.numpy_support import from_dtype

REGISTER_BYTES = 64


# LLVM's names for the element types in intrinsic names.
_ELEMENT_NAMES = {types.float32: "f32", types.float64: "f64"}


class Lanes(types.Type):
    """One register of ``width = REGISTER_BYTES // itemsize`` lanes of
    ``dtype``."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.width = REGISTER_BYTES * 8 // dtype.bitwidth
        super().__init__(name=f"Lanes({dtype})")


@register_model(Lanes)
class _LanesModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        element = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(element, fe_type.width))


def _lanes_of(array, *, writable=False):
    """The register type for ``array``, which must be a C-contiguous
    float32 or float64 array (and writable if asked)."""
    if not (
        isinstance(array, types.Array)
        and array.layout == "C"
        and array.dtype in _ELEMENT_NAMES
    ):
        raise TypingError(
            f"lanes need a C-contiguous float32 or float64 array, not {array}"
        )
    if writable and not array.mutable:
        raise TypingError(f"cannot store into the read-only {array}")
    return Lanes(array.dtype)


def _check_integers(**arguments):
    for name, value in arguments.items():
        if not isinstance(value, types.Integer):
            raise TypingError(f"the {name} must be an integer, not {value}")


def _splat(builder, vector_type, scalar):
    """A vector with ``scalar`` in every lane."""
    lane_indices = ir.VectorType(ir.IntType(32), vector_type.count)
    first = builder.insert_element(
        ir.Constant(vector_type, None), scalar, ir.Constant(ir.IntType(32), 0)
    )
    return builder.shuffle_vector(first, first, ir.Constant(lane_indices, None))


def _mask(builder, lanes, count):
    """``lane < count`` for each lane, as LLVM's ``<n x i1>`` mask."""
    index_type = ir.VectorType(count.type, lanes.width)
    positions = ir.Constant(index_type, list(range(lanes.width)))
    return builder.icmp_signed("<", positions, _splat(builder, index_type, count))


def _masked_access(context, builder, array_type, array, offset, lanes, count):
    """The pointer at ``offset``, the mask, the alignment and the LLVM
    vector type of a masked load or store."""
    vector_type = context.get_value_type(lanes)
    data = context.make_array(array_type)(context, builder, array).data
    pointer = builder.bitcast(builder.gep(data, [offset]), vector_type.as_pointer())
    alignment = ir.Constant(ir.IntType(32), array_type.dtype.bitwidth // 8)
    return pointer, _mask(builder, lanes, count), alignment, vector_type


def _masked_intrinsic(builder, operation, lanes, vector_type, pointer_type):
    """Declare ``llvm.masked.load`` or ``llvm.masked.store`` for the type."""
    element = _ELEMENT_NAMES[lanes.dtype]
    mask_type = ir.VectorType(ir.IntType(1), vector_type.count)
    if operation == "load":
        signature = ir.FunctionType(
            vector_type, [pointer_type, ir.IntType(32), mask_type, vector_type]
        )
    else:
        signature = ir.FunctionType(
            ir.VoidType(), [vector_type, pointer_type, ir.IntType(32), mask_type]
        )
    name = f"llvm.masked.{operation}.v{vector_type.count}{element}.p0"
    return cgutils.get_or_insert_function(builder.module, signature, name)


class _PythonRegister(np.ndarray):
    """A register in Python (with the compiler disabled): an array of its
    lanes."""


def _type_of(value):
    """Numba's type for an argument of an operation run in Python."""
    if isinstance(value, _PythonRegister):
        return Lanes(from_dtype(value.dtype))
    return typeof(value)


def _kind_of(value):
    """What :func:`_type_of` depends on, cheaper to find: for an array its
    class, dtype, dimensions and flags (layout, writability, alignment)."""
    kind = type(value)
    if issubclass(kind, np.ndarray):
        return kind, value.dtype, value.ndim, value.flags.num
    return kind


def _operation(python):
    """The intrinsic that the decorated typer defines or, with Numba's
    compiler disabled, ``python`` behind that typer's checks of the argument
    types (made once for each combination of argument kinds, as a compiled
    function is typed once for each signature)."""

    def choose(typer):
        if not config.DISABLE_JIT:
            return intrinsic(typer)
        accepted = set()

        def checked(*args):
            kinds = tuple(map(_kind_of, args))
            if kinds not in accepted:
                typer(None, *map(_type_of, args))
                accepted.add(kinds)
            return python(*args)

        checked.__name__ = checked.__qualname__ = typer.__name__
        checked.__doc__ = typer.__doc__
        return checked

    return choose


def _python_lane_count(array):
    return REGISTER_BYTES // array.itemsize


@_operation(_python_lane_count)
def lane_count(typingctx, array):
    """Lanes per register for the dtype of ``array``."""
    lanes = _lanes_of(array)

    def codegen(context, builder, signature, args):
        return context.get_constant(types.intp, lanes.width)

    return types.intp(array), codegen


def _python_zeros(array):
    return np.zeros(_python_lane_count(array), array.dtype).view(_PythonRegister)


@_operation(_python_zeros)
def zeros(typingctx, array):
    """A register of zeros of the dtype of ``array``."""
    lanes = _lanes_of(array)

    def codegen(context, builder, signature, args):
        return ir.Constant(context.get_value_type(lanes), None)

    return lanes(array), codegen


def _lanes_span(array, offset, count):
    """The view of the flattened ``array`` that ``count`` lanes from
    ``offset`` on cover; an ``IndexError`` if it reaches outside the array."""
    used = min(max(count, 0), _python_lane_count(array))
    if used and (offset < 0 or offset + used > array.size):
        raise IndexError(
            f"lanes from element {offset} to {offset + used - 1} reach outside "
            f"an array of {array.size} elements"
        )
    # A view: the array is C-contiguous, as the typer checked.
    return array.reshape(-1)[offset : offset + used]


def _python_load(array, offset, count):
    register = _python_zeros(array)
    span = _lanes_span(array, offset, count)
    register[: span.shape[0]] = span
    return register


@_operation(_python_load)
def load(typingctx, array, offset, count):
    """Elements ``offset, ..., offset + count - 1`` of the flattened
    ``array`` in the first ``count`` lanes (at most all of them), zeros in
    the others."""
    lanes = _lanes_of(array)
    _check_integers(offset=offset, count=count)

    def codegen(context, builder, signature, args):
        array_value, offset_value, count_value = args
        pointer, mask, alignment, vector_type = _masked_access(
            context, builder, array, array_value, offset_value, lanes, count_value
        )
        function = _masked_intrinsic(builder, "load", lanes, vector_type, pointer.type)
        zero = ir.Constant(vector_type, None)
        return builder.call(function, [pointer, alignment, mask, zero])

    return lanes(array, types.intp, types.intp), codegen


def _python_store(array, offset, count, value):
    span = _lanes_span(array, offset, count)
    span[:] = value[: span.shape[0]]


@_operation(_python_store)
def store(typingctx, array, offset, count, value):
    """Write the first ``count`` lanes of ``value`` (at most all of them) to
    the flattened ``array`` from ``offset`` on."""
    lanes = _lanes_of(array, writable=True)
    _check_integers(offset=offset, count=count)
    if value != lanes:
        raise TypingError(f"cannot store {value} in {array}")

    def codegen(context, builder, signature, args):
        array_value, offset_value, count_value, lanes_value = args
        pointer, mask, alignment, vector_type = _masked_access(
            context, builder, array, array_value, offset_value, lanes, count_value
        )
        function = _masked_intrinsic(builder, "store", lanes, vector_type, pointer.type)
        builder.call(function, [lanes_value, pointer, alignment, mask])
        return context.get_dummy_value()

    return types.none(array, types.intp, types.intp, value), codegen


def _python_multiply_add(accumulator, scale, value):
    # Two NumPy operations: a product rounded, then a sum rounded.
    return accumulator + accumulator.dtype.type(scale) * value


@_operation(_python_multiply_add)
def multiply_add(typingctx, accumulator, scale, value):
    """``accumulator + scale * value`` lane by lane, rounded twice."""
    if not isinstance(accumulator, Lanes) or value != accumulator:
        raise TypingError("multiply_add takes two registers of one type")
    if not isinstance(scale, types.Number):
        raise TypingError(f"the scale must be a number, not {scale}")

    def codegen(context, builder, signature, args):
        accumulator_value, scale_value, lanes_value = args
        vector_type = context.get_value_type(accumulator)
        scale_value = context.cast(builder, scale_value, scale, accumulator.dtype)
        product = builder.fmul(_splat(builder, vector_type, scale_value), lanes_value)
        return builder.fadd(accumulator_value, product)

    return accumulator(accumulator, scale, value), codegen


def _python_prefetch(array, offset):
    """Nothing: a prefetch is a hint."""


@_operation(_python_prefetch)
def prefetch(typingctx, array, offset):
    """Ask the processor to bring the cache line that holds element
    ``offset`` of ``array``'s memory into all its caches, without waiting
    for it. A hint: it changes no value and cannot fault. Unlike the other
    intrinsics it takes F-contiguous arrays too, whose offsets count in
    memory order (column after column)."""
    contiguous = array
    if isinstance(array, types.Array) and array.layout == "F":
        contiguous = array.copy(layout="C")  # checked like a C-contiguous one
    _lanes_of(contiguous)
    _check_integers(offset=offset)

    def codegen(context, builder, signature, args):
        array_value, offset_value = args
        data = context.make_array(array)(context, builder, array_value).data
        byte_pointer = ir.IntType(8).as_pointer()
        pointer = builder.bitcast(builder.gep(data, [offset_value]), byte_pointer)
        flag = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, flag, flag, flag]),
            "llvm.prefetch.p0",
        )
        # A read (0), kept in every cache level (3), of data (1).
        read, keep_everywhere, data_cache = (ir.Constant(flag, v) for v in (0, 3, 1))
        builder.call(function, [pointer, read, keep_everywhere, data_cache])
        return context.get_dummy_value()

    return types.none(array, types.intp), codegen
