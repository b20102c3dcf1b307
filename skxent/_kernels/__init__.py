"""Numba kernels: the row loops behind skxent's metrics and estimators.

Nothing here knows about scikit-learn. Kernels take NumPy arrays of float32 or
float64 (callers choose the dtype explicitly), are compiled lazily on first call
and cached on disk (``cache=True``), so importing skxent compiles nothing. Set
``NUMBA_CACHE_DIR`` to a writable folder when skxent is installed read-only.

Parallel kernels use ``prange`` over independent rows or blocks of rows; every
reduction goes through per-thread (per-block) buffers summed afterwards, never a
shared accumulator.
"""

import os

import numba

# joblib's threading backend and user threads may call parallel kernels
# concurrently, and Numba's default "workqueue" layer aborts the whole process
# when that happens. Prefer a thread-safe layer unless the user chose one: TBB
# (a dependency where wheels exist), else OpenMP.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "threadsafe"
