"""Integer codes of values within a list of categories (or classes)."""

import numpy as np

from skxent._kernels.counting import value_range

# Integer values spanning at most this many consecutive integers, or at most
# one per value, go through a lookup table or a histogram, linear in the
# number of values and no larger than the codes sorting would build.
_SMALL_SPAN = 1 << 16


def native_byte_order(values):
    """``values`` in the machine's byte order (a copy only when it is not).

    Numba kernels type only native-endian arrays; big-endian data (``>i8``,
    ``>f4``, read from files written elsewhere) keep their dtype's kind and
    size, so float32 stays float32.
    """
    return values.astype(values.dtype.newbyteorder("="), copy=False)


def small_integer_range(values):
    """``(low, high)`` of a boolean or integer array whose range is small
    enough for a lookup table or a histogram, else ``None``."""
    if values.dtype.kind not in "biu" or values.size == 0:
        return None
    low, high = (int(value) for value in value_range(native_byte_order(values)))
    small = high - low < max(_SMALL_SPAN, values.size)
    return (low, high) if small and high <= np.iinfo(np.int64).max else None


def _offsets(values, low):
    """``values - low`` as int64 indices (exact: the range fits in int64)."""
    return values.astype(np.int64, copy=False) - low


def unique_values(values):
    """``np.unique(values)`` for 1-D ``values``, in the machine's byte order;
    linear time for integers of a small range."""
    values = native_byte_order(values)
    integer_range = small_integer_range(values)
    if integer_range is None:
        return np.unique(values)
    low, _ = integer_range
    present = np.bincount(_offsets(values, low))
    return (np.flatnonzero(present) + low).astype(values.dtype)


def category_codes(values, categories):
    """Position of each entry of 1-D ``values`` in 1-D ``categories``; -1 if
    absent.

    ``categories`` may be in any order; a category listed twice gets the
    position of its first occurrence.
    """
    kinds = values.dtype.kind, categories.dtype.kind
    integer_range = small_integer_range(values)
    if integer_range is not None and categories.dtype.kind in "biu":
        low, high = integer_range
        table = np.full(high - low + 1, -1, dtype=np.intp)
        inside = np.flatnonzero((categories >= low) & (categories <= high))
        offsets, first = np.unique(_offsets(categories[inside], low), return_index=True)
        table[offsets] = inside[first]
        return table[_offsets(values, low)]
    # NumPy compares int64 with uint64 in float64, inexact above 2**53: such
    # pairs go through Python integers below.
    inexact = (
        set(kinds) == {"i", "u"} and np.result_type(values, categories).kind == "f"
    )
    if not inexact and (all(kind in "biuf" for kind in kinds) or kinds == ("U", "U")):
        order = np.argsort(categories, kind="stable")
        sorted_categories = categories[order]
        positions = np.searchsorted(sorted_categories, values)
        positions = np.minimum(positions, categories.size - 1)
        return np.where(sorted_categories[positions] == values, order[positions], -1)
    # Objects, strings against numbers, int64 against uint64:
    # Python equality and hashing decide, so values of another type simply
    # match no category.
    index = {}
    for k, category in enumerate(categories.tolist()):
        index.setdefault(category, k)
    return np.fromiter(
        (index.get(value, -1) for value in values.tolist()),
        dtype=np.intp,
        count=values.size,
    )
