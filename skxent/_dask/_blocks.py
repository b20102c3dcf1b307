"""Blocks of rows: the unit of work of every dask path.

Each computation skxent runs on dask arrays is the in-memory function applied
to one block of rows, where the block lives: the same validation, the same
kernels, so the same answers. The arrays of one call (``X``, or ``y_true``,
``y_proba`` and ``sample_weight``) are first given the row chunks of the
first dask array among them, their other axes in one chunk, so that each task
sees whole rows of every argument. Results come back either as a lazy array
of rows (:func:`map_rows`) or as a reduction of per-block parts that runs on
the workers (:func:`reduce_rows`), so that only small parts travel.

Objects every block needs (a fitted model, the classes) enter the graph once,
under one key, and reach each worker once, not once per task. Blocks of zero
rows are skipped: the in-memory functions refuse empty input.
"""

import math

import dask
import dask.array as da
import numpy as np

from skxent._dask import has_dask_array

# Parts merged per reduction task: a tree of depth log_8(blocks), each merge
# small, none of them gathering every block's part on one machine.
FAN_IN = 8


def row_aligned(arrays):
    """The arrays of the dict ``arrays`` as dask arrays sharing row chunks.

    Row chunks are those of the first dask array in ``arrays``; any other
    axis becomes one chunk. NumPy arrays and lists become dask arrays.
    Raises a ``ValueError`` naming the arrays whose numbers of rows differ, or
    whose chunk sizes are unknown.
    """
    arrays = {
        name: value if has_dask_array(value) else da.asarray(value)
        for name, value in arrays.items()
    }
    for name, array in arrays.items():
        if array.ndim == 0:
            raise ValueError(f"{name} must be an array of rows, got a scalar.")
        if any(math.isnan(size) for size in array.chunks[0]):
            raise ValueError(
                f"{name} is a dask array of unknown chunk sizes (from boolean "
                f"indexing, for example); call {name}.compute_chunk_sizes() "
                "first."
            )
    reference, *others = arrays
    row_chunks = arrays[reference].chunks[0]
    n_rows = arrays[reference].shape[0]
    for name in others:
        if arrays[name].shape[0] != n_rows:
            raise ValueError(
                f"{name} has {arrays[name].shape[0]} rows but {reference} has "
                f"{n_rows}; give one row per sample in each."
            )
    return {
        name: array.rechunk(
            {0: row_chunks, **{axis: -1 for axis in range(1, array.ndim)}}
        )
        for name, array in arrays.items()
    }


def _row_blocks(arrays):
    """``(start, stop, {name: delayed block})`` for each non-empty block of
    rows of the aligned ``arrays``."""
    arrays = row_aligned(arrays)
    blocks = {name: array.to_delayed().ravel() for name, array in arrays.items()}
    row_chunks = next(iter(arrays.values())).chunks[0]
    stops = np.cumsum(row_chunks, dtype=np.int64)
    if stops.size == 0 or stops[-1] == 0:
        raise ValueError(
            f"Found dask arrays with 0 rows ({', '.join(arrays)}); at least one "
            "sample is required."
        )
    return [
        (
            int(stop - size),
            int(stop),
            {name: block[i] for name, block in blocks.items()},
        )
        for i, (size, stop) in enumerate(zip(row_chunks, stops, strict=True))
        if size > 0
    ]


def _on_rows(function, start, stop, blocks, shared):
    """``function(**blocks, **shared)`` for the rows ``start`` to ``stop - 1``.

    The in-memory checks number rows from the start of the block they see; a
    ``ValueError`` says which rows of the whole arrays that block holds.
    """
    try:
        return function(**blocks, **shared)
    except ValueError as error:
        raise ValueError(
            f"In the chunk of rows {start} to {stop - 1} of the dask arrays "
            f"(row numbers below count from row {start}): {error}"
        ) from error


def _block_tasks(function, arrays, shared):
    """One delayed call of ``function`` per block of rows of ``arrays``, with
    ``shared`` (name: object) entered in the graph once each."""
    shared = {name: dask.delayed(value) for name, value in shared.items()}
    return [
        (start, stop, dask.delayed(_on_rows)(function, start, stop, blocks, shared))
        for start, stop, blocks in _row_blocks(arrays)
    ]


def map_rows(function, arrays, shared=None, *, tail=(), dtype):
    """Lazy ``function`` of each block of rows, as one dask array.

    Parameters
    ----------
    function : callable
        Called with the blocks of ``arrays`` and the objects of ``shared`` as
        keyword arguments; returns an array of shape ``(rows, *tail)``.
    arrays : dict of str to array-like
        Row-aligned by :func:`row_aligned`.
    shared : dict of str to object, default=None
        Objects passed whole to every block.
    tail : tuple of int
        The shape of the result beyond its rows.
    dtype : dtype
        The dtype of the result.

    Returns
    -------
    result : dask.array.Array of shape (n_rows, *tail)
    """
    pieces = [
        da.from_delayed(task, shape=(stop - start, *tail), dtype=dtype)
        for start, stop, task in _block_tasks(function, arrays, shared or {})
    ]
    return da.concatenate(pieces) if len(pieces) > 1 else pieces[0]


def tree_reduce(combine, parts):
    """``combine`` of the delayed ``parts`` by a tree of tasks of
    :data:`FAN_IN` parts each; ``combine`` takes a list of parts and returns a
    part."""
    while len(parts) > 1:
        parts = [
            dask.delayed(combine)(parts[i : i + FAN_IN])
            for i in range(0, len(parts), FAN_IN)
        ]
    return parts[0]


def reduce_rows(function, combine, arrays, shared=None):
    """``function`` of each block of rows, reduced by ``combine`` on the
    workers, as one delayed value (arguments as in :func:`map_rows`)."""
    tasks = _block_tasks(function, arrays, shared or {})
    return tree_reduce(combine, [task for _, _, task in tasks])
