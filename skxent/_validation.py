"""Checks of plain parameters shared by modules that must not load the kernels."""

import math
import numbers


def log_of_base(base):
    """``log(base)``, the divisor that turns nats into units of ``base``
    (``None``: nats, 1.0).

    Raises a ``ValueError`` unless ``base`` is a finite positive number other
    than 1 (``numbers.Real`` admits NumPy scalars such as ``np.int64(2)``).
    """
    if base is None:
        return 1.0
    valid = (
        isinstance(base, numbers.Real)
        and math.isfinite(base)
        and base > 0
        and base != 1
    )
    if not valid:
        raise ValueError(
            f"base must be a finite positive number other than 1, got {base!r}."
        )
    return math.log(base)
