"""``exp`` and ``log`` over arrays, in loops that vectorize.

``np.exp`` and ``np.log`` in compiled code call the C library once per
element, so a loop around them runs one element at a time. The versions here
are polynomials and bit manipulations without calls or branches, which the
compiler turns into vector instructions, within about 1 ulp. Float32 arrays
get float32 arithmetic (twice the lanes per instruction, fewer terms), as in
scikit-learn's loss functions. Each function takes a scratch array of the
integer dtype as wide as the float one (:func:`bits_dtype`) for bit patterns.

Numba compiles these functions into the kernels that call them; those
kernels' cache is keyed on every kernel module (:mod:`.cache`), so an edit
here compiles them anew.
"""

import math
from collections import namedtuple

import numpy as np
from numba import njit
from numba.extending import overload

# exp(x) = 2**k exp(r) with k = rint(x / ln 2) and |r| <= ln(2) / 2; ln 2 is
# split in two (Cody and Waite) so that x - k ln 2 is exact, and exp(r) is its
# Taylor polynomial: of degree 13 in float64, whose truncation error on that
# interval is below (ln(2) / 2)**14 / 14! < 5e-18 relative, and of degree 7 in
# float32, below (ln(2) / 2)**8 / 8! < 6e-9.
#
# log(x) = e ln 2 + log(m) with x = 2**e m and m in (sqrt(1/2), sqrt(2)]. As in
# fdlibm's log, f = m - 1 (exact), s = f / (2 + f) and
# log(m) = 2 atanh(s) = f - s (f - R), R = sum_(j >= 1) 2 s**(2j) / (2j + 1).
# |s| < 0.1716, so 9 terms of R in float64 leave a relative truncation error
# below s**20 / 21 < 3e-17, and 4 in float32 below s**10 / 11 < 3e-9.
_Constants = namedtuple(
    "_Constants",
    "log2_e ln2_high ln2_low taylor atanh_series smallest exponent_bias mantissa_bits",
)


def _atanh_series(n_terms, dtype):
    return tuple(dtype(2.0 / (2 * j + 1)) for j in range(1, n_terms + 1))


_CONSTANTS = {
    np.dtype(np.float64): _Constants(
        log2_e=1.4426950408889634,
        ln2_high=6.93147180369123816490e-01,
        ln2_low=1.90821492927058770002e-10,
        taylor=tuple(1.0 / math.factorial(j) for j in range(14)),
        atanh_series=_atanh_series(9, np.float64),
        # Below this, exp(x) is subnormal (under 2.2e-308) and flushed to 0.
        smallest=-708.3964185322641,
        exponent_bias=1023,
        mantissa_bits=52,
    ),
    np.dtype(np.float32): _Constants(
        log2_e=np.float32(1.4426950408889634),
        ln2_high=np.float32(0.693359375),
        ln2_low=np.float32(-2.12194440e-4),
        taylor=tuple(np.float32(1.0 / math.factorial(j)) for j in range(8)),
        atanh_series=_atanh_series(4, np.float32),
        # exp of this is the smallest normal float32, 1.2e-38.
        smallest=np.float32(np.log(np.finfo(np.float32).tiny)),
        exponent_bias=127,
        mantissa_bits=23,
    ),
}
# The signed integers as wide as each float, for exponent bit patterns.
_BITS_DTYPES = {np.dtype(np.float64): np.int64, np.dtype(np.float32): np.int32}


def _by_dtype(table, doc):
    """A function of an array that returns ``table[array.dtype]``, in
    Python and in compiled code (where the entry is a compile-time
    constant)."""

    def lookup(values):
        return table[values.dtype]

    @overload(lookup)
    def _compiled(values):
        entry = table[np.dtype(values.dtype.name)]
        return lambda values: entry

    lookup.__doc__ = doc
    return lookup


_constants = _by_dtype(_CONSTANTS, "The polynomial constants for an array's dtype.")
bits_dtype = _by_dtype(
    _BITS_DTYPES, "The integer dtype as wide as the float dtype of an array."
)


@njit(cache=True, fastmath={"contract"})
def exp_nonpositive(x, out, scale_bits):
    """``out = exp(x)`` elementwise for ``x <= 0`` (NaN stays NaN), within
    about 1 ulp of ``x``'s dtype; results below the normal range are 0.

    ``scale_bits`` is a scratch array as long as ``x``, of
    :func:`bits_dtype`.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> x = np.array([0.0, -1.0, -800.0])
    >>> out = np.empty_like(x)
    >>> exp_nonpositive(x, out, np.empty(3, dtype=bits_dtype(x)))
    >>> float(out[0]), bool(abs(out[1] - math.exp(-1.0)) <= np.spacing(out[1]))
    (1.0, True)
    >>> float(out[2])
    0.0
    """
    constants = _constants(x)
    taylor = constants.taylor
    degree = len(taylor) - 1
    zero = x.dtype.type(0.0)
    for i in range(x.shape[0]):
        # Arguments below the normal range, -inf and NaN go through the
        # polynomial as 0 (an integer k must stay defined), then are replaced:
        # by 0, or by NaN itself.
        in_range = x[i] >= constants.smallest
        v = x[i] if in_range else zero
        k = np.rint(v * constants.log2_e)
        r = (v - k * constants.ln2_high) - k * constants.ln2_low
        p = taylor[degree]
        for j in range(degree - 1, -1, -1):
            p = p * r + taylor[j]
        out[i] = p if in_range else (zero if x[i] < zero else x[i])
        # 2**k from its bit pattern: k is an integer in [1 - bias, 0].
        scale_bits[i] = (int(k) + constants.exponent_bias) << constants.mantissa_bits
    scale = scale_bits.view(x.dtype)
    for i in range(x.shape[0]):
        out[i] *= scale[i]


# NumPy's error model: Python's checks every division for a zero divisor, a
# branch that keeps the loop scalar.
@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def log_positive(x, out, significand_bits):
    """``out = log(x)`` elementwise for positive normal ``x`` (+inf and NaN
    stay as they are), within about 1 ulp of ``x``'s dtype. Zero, subnormal
    and negative arguments are outside its domain.

    ``x`` must be contiguous; ``significand_bits`` is a scratch array as long
    as ``x``, of :func:`bits_dtype`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 1e300])
    >>> out = np.empty_like(x)
    >>> log_positive(x, out, np.empty(3, dtype=bits_dtype(x)))
    >>> bool(out[0] == 0.0), bool(np.allclose(out, np.log(x), rtol=1e-15))
    (True, True)
    """
    constants = _constants(x)
    series = constants.atanh_series
    mantissa_bits = constants.mantissa_bits
    one = x.dtype.type(1.0)
    # x's significand with the exponent of 1: m in [1, 2).
    mantissa_mask = (1 << mantissa_bits) - 1
    exponent_of_one = constants.exponent_bias << mantissa_bits
    x_bits = x.view(bits_dtype(x))
    for i in range(x.shape[0]):
        significand_bits[i] = (x_bits[i] & mantissa_mask) | exponent_of_one
    significand = significand_bits.view(x.dtype)
    for i in range(x.shape[0]):
        exponent = (x_bits[i] >> mantissa_bits) - constants.exponent_bias
        m = significand[i]
        # Halve m above sqrt(2), so that log(m) is small and accurate.
        upper = m > x.dtype.type(1.4142135623730951)
        m = m * x.dtype.type(0.5) if upper else m
        e = x.dtype.type(exponent + 1 if upper else exponent)
        f = m - one
        s = f / (x.dtype.type(2.0) + f)
        z = s * s
        r = series[len(series) - 1]
        for j in range(len(series) - 2, -1, -1):
            r = r * z + series[j]
        log_m = f - s * (f - r * z)
        value = e * constants.ln2_high + (log_m + e * constants.ln2_low)
        out[i] = value if x[i] < np.inf else x[i]
