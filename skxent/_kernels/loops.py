"""Small loops the other kernels share: fills, sums and row masses.

Written as loops on purpose: Numba compiles slice assignments and axis sums
into general broadcasting code that takes seconds to compile, and a plain loop
over a 1-D view with unit stride is what its compiler vectorizes.
"""

from numba import njit


@njit(cache=True)
def fill(values, value):
    """``values[:] = value``."""
    for i in range(values.shape[0]):
        values[i] = value


@njit(cache=True)
def add(total, values):
    """``total += values`` for contiguous arrays of one shape."""
    total_flat, values_flat = total.reshape(-1), values.reshape(-1)
    for i in range(total_flat.shape[0]):
        total_flat[i] += values_flat[i]


# Sums over the rows of a block may be taken in any order (reassociated),
# which lets the compiler keep partial sums in vector lanes. Summed one after
# the other, each addition waits for the previous one: with 10 classes that
# took about 20 cycles a row, 8 % of a float32 pass. The order is fixed by the
# compiled code, so results are reproducible on one machine.
@njit(cache=True, fastmath={"reassoc"})
def sum_of(values):
    """The float64 sum of a 1-D array."""
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i]
    return total


@njit(cache=True, fastmath={"reassoc", "contract"})
def dot(left, right):
    """The float64 dot product of two 1-D arrays of one length."""
    total = 0.0
    for i in range(left.shape[0]):
        total += left[i] * right[i]
    return total


@njit(cache=True)
def sum_shares(parts):
    """``parts.sum(axis=0)`` for per-thread buffers, in a fixed order."""
    total = parts[0].copy()
    for t in range(1, parts.shape[0]):
        add(total, parts[t])
    return total


@njit(cache=True)
def row_mass(values, start, out):
    """``out[r] = sum_k values[k, start + r]``: the mass of each row of a
    block of class-major ``values``."""
    fill(out, 0.0)
    for k in range(values.shape[0]):
        p = values[k, start : start + out.shape[0]]
        for r in range(out.shape[0]):
            out[r] += p[r]
