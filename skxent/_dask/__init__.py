"""skxent on Dask arrays: the same functions, applied block by block of rows.

A method or metric given a ``dask.array.Array`` hands it here; everything else
stays on the in-memory path. Detecting a dask array imports nothing: an object
can only be one once ``dask.array`` is loaded, so without dask (or before the
caller has used it) this package costs one dictionary look-up and loads no
module of dask. The functions that do the work live in submodules, imported
on first use:

- :mod:`._blocks`: row-aligned blocks, lazy maps over them, reductions of
  per-block parts on the workers;
- :mod:`._fit`: ``SoftmaxClassifier.fit``, the objective summed over the
  blocks on their workers;
- :mod:`._predict`: ``predict``, ``predict_proba``, ``predict_log_proba`` and
  ``decision_function`` as lazy arrays;
- :mod:`._metrics`: the divergences as per-block partial sums, their
  per-sample values and entropies as lazy arrays;
- :mod:`._categorical`: the counting step of ``CategoricalMLE.fit`` as a
  map-reduce.
"""

import importlib
import sys

_LAZY_ATTRIBUTES = {
    "fit": "skxent._dask._fit",
    "predict": "skxent._dask._predict",
    "mean_divergence": "skxent._dask._metrics",
    "divergence_per_sample": "skxent._dask._metrics",
    "entropy": "skxent._dask._metrics",
    "count_categories": "skxent._dask._categorical",
}

__all__ = ["has_dask_array", *_LAZY_ATTRIBUTES]


def has_dask_array(*values):
    """Whether any of ``values`` is a ``dask.array.Array`` (without importing
    dask: none can be one before ``dask.array`` is loaded)."""
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and any(
        isinstance(value, dask_array.Array) for value in values
    )


def __getattr__(name):
    try:
        module_name = _LAZY_ATTRIBUTES[name]
    except KeyError:
        raise AttributeError(
            f"module 'skxent._dask' has no attribute {name!r}"
        ) from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
