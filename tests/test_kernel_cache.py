"""Tests for where compiled kernels are cached (skxent._kernels.cache)."""

import importlib
import json
import math
import os
import pkgutil
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from numba.core.errors import NumbaWarning
from numba.core.registry import CPUDispatcher

import skxent._kernels
from skxent._kernels import cache

KERNEL_MODULES = [
    importlib.import_module(f"skxent._kernels.{module.name}")
    for module in pkgutil.iter_modules(skxent._kernels.__path__)
]
CACHED_KERNELS = [
    value
    for module in KERNEL_MODULES
    for value in vars(module).values()
    if isinstance(value, CPUDispatcher)
    and value._cache.__class__.__name__ != "NullCache"
]


def test_every_kernel_is_cached_outside_the_package_and_keyed_on_all_sources():
    # In-tree caches outlived `pip uninstall` (the leftover folder shadowed a
    # later editable install), and a cache keyed on the kernel's own file
    # stayed in use after an edit of a helper module it inlines.
    assert len(CACHED_KERNELS) > 10
    package = Path(skxent._kernels.__file__).resolve().parents[1]
    for kernel in CACHED_KERNELS:
        locator = kernel._cache._impl.locator
        assert not Path(locator.get_cache_path()).resolve().is_relative_to(package)
        assert locator.get_source_stamp() == cache.sources_stamp()


def test_a_kernel_numba_cannot_cache_warns_and_compiles():
    # Numba refuses to cache a compiled function with dynamic globals (seen
    # under NUMBA_OPT=0) and warns, naming the locator's file: the fit raised
    # AttributeError ('KernelCacheLocator' object has no attribute '_py_file').
    kernel = CACHED_KERNELS[0]
    uncachable = SimpleNamespace(
        lifted=(),
        library=SimpleNamespace(has_dynamic_globals=True),
        fndesc=SimpleNamespace(qualname=kernel.py_func.__qualname__),
    )
    with pytest.warns(NumbaWarning, match="Cannot cache compiled function"):
        assert not kernel._cache._impl.check_cachable(uncachable)


def test_editing_any_kernel_module_changes_the_stamp(tmp_path, monkeypatch):
    for source in cache.KERNELS_DIR.glob("*.py"):
        shutil.copy(source, tmp_path)
    monkeypatch.setattr(cache, "KERNELS_DIR", tmp_path)
    before = cache.sources_stamp()
    assert cache.sources_stamp() == before
    with open(tmp_path / "lanes.py", "a") as helper:
        helper.write("\n# edited\n")
    assert cache.sources_stamp() != before


def test_numba_cache_dir_holds_the_kernels_and_tells_a_cold_cache(tmp_path):
    script = """
        import json
        import numpy as np
        from skxent._kernels import cache
        from skxent.metrics import entropy

        cold = cache.has_cached_kernels()
        entropy([0.5, 0.5])
        compiled = cache.compiled_variants()
        filled = cache.has_cached_kernels()
        # Another dtype: another variant, to compile although the cache has
        # kernels.
        entropy(np.array([0.5, 0.5], dtype=np.float32))
        other_dtype = cache.compiled_variants() - compiled
        print(json.dumps([str(cache.cache_folder()), cold, filled, compiled,
                          other_dtype]))
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", textwrap.dedent(script)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            ).stdout
        )
        for _ in range(2)
    ]
    (folder, cold, filled, compiled, other), (same_folder, warm, _, loaded, _) = runs
    assert Path(folder).is_relative_to(tmp_path) and same_folder == folder
    assert (cold, filled, warm) == (False, True, True)
    assert compiled > 0 and other > 0 and loaded == 0


def _can_mount_read_only():
    """Whether this user may bind-mount in a mount namespace of its own."""
    try:
        return (
            subprocess.run(
                ["unshare", "--mount", "true"], capture_output=True, timeout=30
            ).returncode
            == 0
        )
    except OSError:
        return False


@pytest.mark.skipif(
    not _can_mount_read_only(), reason="needs unshare and mount privileges"
)
def test_a_read_only_installation_without_a_writable_home_works(tmp_path):
    # The installed package is mounted read-only (in a mount namespace of the
    # child's own), HOME is unwritable and NUMBA_CACHE_DIR unset: Numba alone
    # refused to define the kernels ("cannot cache function 'value_range':
    # no locator available").
    package = Path(skxent._kernels.__file__).resolve().parents[1]
    script = """
        import json, tempfile
        import skxent._softmax  # defines every softmax kernel
        from skxent._kernels import cache
        from skxent.metrics import cross_entropy

        loss = cross_entropy([0, 1], [[0.8, 0.2], [0.4, 0.6]])
        print(json.dumps([loss, str(cache.cache_folder()), tempfile.gettempdir()]))
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NUMBA_", "XDG_"))
    }
    env["HOME"] = str(package / "no-home")
    env["TMPDIR"] = str(tmp_path)
    command = (
        f'mount --bind -o ro "{package}" "{package}" && exec "{sys.executable}" '
        f"-c '{textwrap.dedent(script)}'"
    )
    completed = subprocess.run(
        ["unshare", "--mount", "sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    loss, folder, temporary = json.loads(completed.stdout)
    assert loss == pytest.approx(-0.5 * math.log(0.8 * 0.6))
    assert Path(folder).parent == Path(temporary)
    assert not Path(folder).exists()  # removed at exit
