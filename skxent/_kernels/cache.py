"""Where skxent's compiled kernels are cached, and when a cached kernel is stale.

Numba caches a function next to its source (``__pycache__``) and keys the
cache on that one file. Neither suits skxent's kernels:

- kernels inline helpers from sibling modules (:mod:`.lanes`,
  :mod:`.vector_math`); an edited helper left the kernels that use it stale
  (a CSR loss of 1.17219 from the cache against 1.34760 freshly compiled);
- a cache written into ``site-packages`` outlives ``pip uninstall``: the
  leftover ``skxent/_kernels/__pycache__`` made ``skxent`` an empty namespace
  package that shadowed a later editable install;
- a read-only installation with no writable home had no cache location at
  all, and Numba refused to define the kernels (``import skxent.metrics``
  failed).

So skxent's kernels get a locator of their own, registered with Numba for
files of this package only (other Numba code keeps Numba's locators):

- the folder is ``$NUMBA_CACHE_DIR/skxent-<installation>/<sources>`` when
  ``NUMBA_CACHE_DIR`` is set and writable, else the same below the user's
  cache folder (``~/.cache/skxent`` on Linux), else a private temporary folder
  removed at exit, so that kernels then compile once per process;
- ``<installation>`` is a hash of this package's path (installations never
  share a cache) and ``<sources>`` a hash of every module of
  :mod:`skxent._kernels` with the Numba version: editing any of them compiles
  every kernel anew.
"""

import atexit
import functools
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numba
from numba.core import caching, config
from numba.core.dispatcher import Dispatcher
from numba.misc.appdirs import AppDirs

KERNELS_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=8)
def _sources_hash(stats):
    """Hash of the kernel modules' contents; ``stats`` (name, mtime, size)
    key the memo, so a module edited while the process runs is hashed anew."""
    sha = hashlib.sha256()
    for name, _, _ in stats:
        sha.update(name.encode())
        sha.update((KERNELS_DIR / name).read_bytes())
    return sha.hexdigest()


def sources_stamp():
    """Hash of every module of :mod:`skxent._kernels`."""
    stats = tuple(
        (path.name, path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(KERNELS_DIR.glob("*.py"))
    )
    return _sources_hash(stats)


def _writable_folder(folder):
    """Create ``folder`` if needed; whether a file can be written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _private_temporary_folder():
    folder = Path(tempfile.mkdtemp(prefix="skxent-kernels-"))
    owner = os.getpid()

    def remove():
        # A forked child that exits normally runs atexit handlers too: only
        # the process that made the folder removes it.
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder


@functools.cache
def cache_folder():
    """The folder that holds skxent's compiled kernels in this process."""
    installation = hashlib.sha256(str(KERNELS_DIR).encode()).hexdigest()[:16]
    # Numba discards caches of another Numba version: two environments that
    # share an (editable) installation keep a folder each.
    version = f"{sources_stamp()[:16]}-numba-{numba.__version__}"
    subpath = Path(f"skxent-{installation}", version)
    bases = [config.CACHE_DIR] if config.CACHE_DIR else []
    bases.append(AppDirs("skxent", appauthor=False).user_cache_dir)
    for base in bases:
        folder = Path(base) / subpath
        if _writable_folder(folder):
            return folder
    return _private_temporary_folder()


def has_cached_kernels():
    """Whether kernels of the current sources were compiled and cached before
    (by any process): if not, the first fit compiles them. If so, those of
    other dtypes or layouts may still compile: :func:`compiled_variants`
    counts what did."""
    return any(cache_folder().glob("*.nbi"))


def compiled_variants():
    """How many kernel variants (a kernel for one set of argument types) this
    process has compiled so far, rather than loaded from the cache."""
    return sum(
        sum(kernel.stats.cache_misses.values())
        for name, module in list(sys.modules.items())
        if name.startswith(f"{__package__}.")
        for kernel in vars(module).values()
        if isinstance(kernel, Dispatcher)
    )


class KernelCacheLocator(caching._CacheLocator):
    """Numba cache locator for functions defined in :mod:`skxent._kernels`."""

    def __init__(self, py_func, py_file):
        self._lineno = py_func.__code__.co_firstlineno
        # Numba names the file in its warning that a function cannot be
        # cached (with NUMBA_OPT=0, say); without it that warning raised.
        self._py_file = py_file

    def get_cache_path(self):
        return str(cache_folder())

    def get_source_stamp(self):
        return sources_stamp()

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != KERNELS_DIR:
            return None
        return cls(py_func, py_file)


def register():
    """Put :class:`KernelCacheLocator` first in Numba's list of locators (once)."""
    locators = caching.CacheImpl._locator_classes
    if KernelCacheLocator not in locators:
        locators.insert(0, KernelCacheLocator)
