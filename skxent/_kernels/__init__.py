"""Numba kernels: the row loops behind skxent's metrics and estimators.

Nothing here knows about scikit-learn. Kernels take NumPy arrays of float32 or
float64 (callers choose the dtype explicitly) and are compiled lazily on first
call, so importing skxent compiles nothing. Compiled kernels are cached on
disk (``cache=True``) where :mod:`.cache` says, keyed on every kernel module's
source; parallel kernels run on the threading layer :mod:`.threading_layer`
makes available.

Parallel kernels use ``prange`` over independent rows or blocks of rows; every
reduction goes through per-thread (per-block) buffers summed afterwards, never a
shared accumulator.
"""

from skxent._kernels import cache, threading_layer

# Both before any kernel is defined (the locator is chosen at definition) and
# before any parallel kernel runs (Numba picks its layer at the first launch).
cache.register()
threading_layer.load_tbb()
