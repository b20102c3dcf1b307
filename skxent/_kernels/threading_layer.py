"""Numba's threading layer under skxent's parallel kernels: TBB where it is declared.

Of Numba's three layers only TBB is safe both under ``fork`` and for several
threads launching parallel kernels at once, and it stays fast on a busy
machine. GNU OpenMP kills forked children that use it ("fork() called from a
process already using GNU OpenMP") and hangs ``multiprocessing`` pools that
fork, and it took 0.3 s to 4.9 s instead of 9 ms for an iris fit on a loaded
2-core machine; the workqueue layer aborts the process when two threads
launch kernels at once.

Numba tries TBB first, but in a virtual environment it cannot find the
library that the ``tbb`` wheel (a dependency of skxent where such wheels
exist) installs into ``<prefix>/lib``, which is not on the loader's path
(numba#6108, numba#7148), and it falls back to OpenMP. :func:`load_tbb` loads
that library by its full path before Numba launches a parallel kernel, so
that Numba's own search finds it already loaded. skxent changes no Numba
setting: ``NUMBA_THREADING_LAYER`` still chooses for the whole process, and a
layer that Numba started before skxent's kernels were imported stays.
"""

import ctypes
import importlib.metadata

# The TBB runtime's file name on Linux, Windows and macOS.
_TBB_LIBRARY_NAMES = {"libtbb.so.12", "tbb12.dll", "libtbb.12.dylib"}


def load_tbb():
    """Load the ``tbb`` wheel's runtime library, if that wheel is installed.

    Returns
    -------
    path : str or None
        The library loaded, or ``None`` if there is none to load.
    """
    try:
        files = importlib.metadata.files("tbb") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name in _TBB_LIBRARY_NAMES:
            path = str(file.locate())
            try:
                # RTLD_GLOBAL: Numba's TBB pool module links against the
                # library by name; the loader then finds it loaded already.
                ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            except OSError:
                return None
            return path
    return None
