"""``SoftmaxClassifier.fit`` on dask arrays: the in-memory objective, summed
over row blocks where they live.

The objective of a linear softmax model is a sum over rows plus terms of the
parameters alone (:class:`~skxent._linear_loss.PenalizedRowSums`). So each
block of rows gets the in-memory validation and the in-memory
:class:`~skxent._linear_loss.LinearSoftmaxLoss`, on its worker; every
evaluation sends the parameters to the blocks, adds up their ``(loss,
gradient)`` or Hessian-vector sums, and hands the total to the same scipy
driver as the in-memory fit. Only the parameters and sums of the size of the
parameters travel per evaluation.

The passes over the data:

- **classes** (hard labels, unless ``classes`` is given) and class totals
  (``class_weight="balanced"`` only), from ``y`` and ``sample_weight``;
- **build**: each block validated and turned into its loss, which reports its
  weight sum and the weighted objective constant;
- one per evaluation.

Where ``X`` is persisted in the memory of a ``distributed`` cluster, the
built losses stay in the memory of the workers that built them, gathered
into one object per worker, and each evaluation is one task per worker
submitted by the driver's client, which adds up the workers' sums itself. An
evaluation then costs one round trip through the scheduler whatever the
number of blocks: on 200,000 x 50 rows, K = 10, in 2 blocks on 2 workers of
1 thread (2 shared cores), it took 71 ms as a graph of delayed tasks (one
per block, and a task adding up their sums) and 39 ms so, against 27 ms for
the in-memory loss on 2 threads and 14 ms for a round trip of 2 empty tasks;
on 400,000 such rows in 20 blocks, 306 ms and 149 ms. A Hessian-vector
product reuses the probabilities its block's last gradient pass stored.
Otherwise (arrays read from zarr or ``.npy`` files, made by ``da.random``,
or without a ``distributed`` client) each evaluation rebuilds each block's
loss from its source in a graph of tasks that adds up the blocks' sums on
the workers, so a worker holds only the blocks it works on: out of core, at
the price of reading the data once per pass.
"""

import sys
from typing import NamedTuple

import numpy as np
from dask.core import flatten
from dask.sizeof import sizeof
from sklearn.base import clone
from sklearn.utils.validation import validate_data

from skxent import _softmax
from skxent._dask._blocks import _block_tasks, reduce_rows, row_aligned
from skxent._encoding import native_byte_order, unique_values
from skxent._linear_loss import LinearSoftmaxLoss, PenalizedRowSums
from skxent._objectives import OBJECTIVES
from skxent._targets import check_label_vector
from skxent._threads import compute_threads


def fit(estimator, X, y, sample_weight):
    """Fit ``estimator`` (a :class:`~skxent.SoftmaxClassifier`) to dask
    arrays, as its ``fit`` does to the same data in memory.

    Parameters
    ----------
    estimator : SoftmaxClassifier
    X : dask.array.Array of shape (n_samples, n_features)
        Dense or CSR blocks, chunked along rows (columns are merged into one
        chunk).
    y : dask.array.Array or array-like
        Labels, probability rows or count rows; given the row chunks of
        ``X``.
    sample_weight : dask.array.Array, array-like, float or None

    Returns
    -------
    estimator : SoftmaxClassifier
    """
    if X.ndim != 2:
        raise ValueError(
            "X must be a 2-D dask array of shape (n_samples, n_features), got "
            f"shape {X.shape}."
        )
    arrays = {"X": X, "y": y}
    weight = float(sample_weight) if np.isscalar(sample_weight) else None
    if sample_weight is not None and weight is None:
        arrays["sample_weight"] = sample_weight
    arrays = row_aligned(arrays)
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_  # dask arrays have no column names
    model, classes = _block_model(estimator, arrays, weight)
    blocks = _BlockLosses(model, n_params=1 if classes.size == 2 else classes.size)
    loss = RowBlockLoss(arrays, blocks, weight, client=_cluster_client(X))
    return estimator._fit_loss(loss, classes)


def _block_model(estimator, arrays, weight):
    """``(model, classes)``: a clone of ``estimator`` whose ``classes`` and
    ``class_weight`` hold what all rows determine (found in a pass over
    ``y`` where needed), so that its in-memory targets of each block are
    those rows of the in-memory targets of all rows; the sorted classes."""
    y = arrays["y"]
    soft = estimator.target_type == "counts" or (y.ndim == 2 and y.shape[1] > 1)
    model = clone(estimator)
    if not soft and model.classes is None:
        labels = reduce_rows(_block_labels, _merged_labels, {"y": y}).compute()
        model.set_params(classes=labels)
    classes = model._given_classes()[0] if model.classes is not None else None
    if classes is None:
        classes = np.arange(y.shape[1])
    _softmax.check_two_classes(classes)
    if model.class_weight == "balanced":
        counting = clone(model).set_params(class_weight=None, label_smoothing=0.0)
        totals = reduce_rows(
            _block_class_totals, _summed, arrays, {"model": counting, "weight": weight}
        ).compute()
        weights = _softmax.balanced_class_weights(classes.tolist(), totals)
        model.set_params(class_weight=dict(zip(classes.tolist(), weights, strict=True)))
    return model, classes


def _block_labels(*, y):
    return unique_values(check_label_vector(y, name="y"))


def _merged_labels(parts):
    return unique_values(np.concatenate(parts))


def _block_class_totals(*, X, y, model, sample_weight=None, weight=None):
    """The weight of each class in one block (as ``_class_weights`` counts
    them in memory)."""
    _, classes, targets, weights = _validated(model, X, y, sample_weight, weight)
    if weights is None:
        return np.zeros(classes.size)
    return _softmax.class_totals(targets, weights, classes.size)


def _summed(parts):
    return sum(parts[1:], parts[0])


def _validated(model, X, y, sample_weight, weight):
    """``(X, classes, targets, weights)`` of one block of rows by the
    in-memory checks of ``model``; ``weights`` is None where the block's
    weights are all zero (valid, if not everywhere: the block then counts
    for nothing)."""
    if sample_weight is None:
        sample_weight = weight
    # validate_data sets n_features_in_: on a copy, since the tasks of a
    # worker share the model.
    X, y = validate_data(
        clone(model), X, y, accept_sparse="csr", dtype=_softmax.X_DTYPES,
        multi_output=True,
    )  # fmt: skip
    X = native_byte_order(X)
    if sample_weight is not None and not np.any(sample_weight):
        classes, targets, _ = model._targets(X, y, None)  # checks the targets
        return X, classes, targets, None
    classes, targets, weights = model._targets(
        X, y, sample_weight, require_weight=False
    )
    return X, classes, targets, weights


class _BlockLosses(NamedTuple):
    """How each block of rows becomes its loss: the block model of
    :func:`_block_model` and the logit rows of the fit."""

    model: object
    n_params: int

    def loss(self, *, X, y, sample_weight=None, weight=None):
        """The :class:`~skxent._linear_loss.LinearSoftmaxLoss` of one block,
        or None where its weights are all zero."""
        X, classes, targets, weights = _validated(
            self.model, X, y, sample_weight, weight
        )
        if weights is None:
            return None
        objective = OBJECTIVES[self.model.objective]()
        objective.check_targets(targets, classes)
        return LinearSoftmaxLoss(
            X,
            targets,
            weights,
            objective=objective,
            n_params=self.n_params,
            fit_intercept=self.model.fit_intercept,
            l2_reg_strength=0.0,  # the driver adds the penalty, once
            entropy_penalty=self.model.entropy_penalty,
        )


class _Totals(NamedTuple):
    """The weight sum, the weight times the constant, the dtype and the
    sparsity of the losses of some blocks."""

    weight_sum: float
    weighted_constant: float
    dtype: object
    sparse: bool


def _built_loss(*, blocks, **arrays):
    return blocks.loss(**arrays)


def _loss_totals(loss):
    if loss is None:
        return None
    return _Totals(
        loss.weight_sum, loss.weight_sum * loss.constant, loss.dtype, loss.sparse
    )


def _block_totals(*, blocks, **arrays):
    return _loss_totals(blocks.loss(**arrays))


def _merged_totals(parts):
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return _Totals(
        sum(part.weight_sum for part in parts),
        sum(part.weighted_constant for part in parts),
        parts[0].dtype,
        parts[0].sparse,
    )


def _loss_sums(loss, params, vector, n_jobs):
    """The sums of one block's loss at ``params``: of the gradient, or (with
    a ``vector``) of the Hessian-vector product; None for a block that
    counts for nothing."""
    if loss is None:
        return None
    with compute_threads(n_jobs) as n_threads:  # the worker's threads at most
        loss.n_threads = n_threads
        if vector is None:
            return loss.gradient_sums(params)
        return loss.hessian_sums(params, vector)


def _rebuilt_sums(*, blocks, params, vector, **arrays):
    return _loss_sums(blocks.loss(**arrays), params, vector, blocks.model.n_jobs)


def _added_sums(parts):
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return tuple(sum(terms[1:], terms[0]) for terms in zip(*parts, strict=True))


def _collected(*losses):
    """The losses of one worker's blocks, as one object of that worker (the
    blocks that count for nothing left out)."""
    return tuple(loss for loss in losses if loss is not None)


def _collected_totals(losses):
    return _merged_totals([_loss_totals(loss) for loss in losses])


def _collected_sums(losses, params, vector, n_jobs):
    return _added_sums([_loss_sums(loss, params, vector, n_jobs) for loss in losses])


@sizeof.register(LinearSoftmaxLoss)
def _sizeof_loss(loss):
    # The scheduler weighs moving a task's inputs against running it where
    # they are: a block's loss is the size of its rows, not of an object.
    return loss.nbytes


def _cluster_client(X):
    """The ``distributed`` client whose cluster holds every block of ``X`` in
    memory (``X`` was persisted with it), or None."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    graph = X.__dask_graph__()
    blocks = [graph.get(key) for key in flatten(X.__dask_keys__())]
    if not all(isinstance(block, distributed.Future) for block in blocks):
        return None
    return blocks[0].client


def _losses_by_worker(client, tasks):
    """Build the losses of the delayed ``tasks`` on the cluster of
    ``client``, and return a dict of each worker that holds some to the
    future of the tuple of them, made there (see :func:`_collected`), so
    that an evaluation is one task per worker whatever the number of blocks.
    Raises the error of a block whose loss could not be built."""
    from distributed import wait

    losses = client.compute(tasks)
    wait(losses)
    for loss in losses:
        if loss.status != "finished":
            loss.result()  # raises the block's error
    holders = client.who_has(losses)
    by_worker = {}
    for loss in losses:
        by_worker.setdefault(holders[loss.key][0], []).append(loss)
    return {
        worker: _submit_to(client, worker, _collected, *group)
        for worker, group in by_worker.items()
    }


def _submit_to(client, worker, function, *args):
    """``client.submit(function, *args)`` run on ``worker`` while it lives.

    Without a restriction the scheduler takes the many small tasks of a fit
    that depend on few others (its evaluations) for root tasks, and places
    them on the least busy worker, not on the one that holds their input:
    early in a fit of 2,000,000 x 100 rows, each worker copied the other's
    losses (800 MB), and the fit took 9.6 s instead of 8.0 s. A loose
    restriction keeps each task with its data, and lets it run elsewhere if
    that worker is lost.
    """
    return client.submit(
        function, *args, workers=[worker], allow_other_workers=True, pure=False
    )


class RowBlockLoss(PenalizedRowSums):
    """The objective of a fit to row-aligned dask ``arrays``, as the sum of
    the losses of their blocks, computed on the workers.

    Building it runs one pass over the data (validation, weight sums and the
    objective's constant). With a ``client``, the blocks' losses stay in the
    memory of its cluster for every evaluation, one task per worker, and
    the driver adds up the workers' sums; otherwise each evaluation rebuilds
    them from their source, in one graph that adds up the blocks' sums on the
    workers.

    Parameters
    ----------
    arrays : dict of str to dask.array.Array
        ``X``, ``y`` and maybe ``sample_weight``, row-aligned.
    blocks : _BlockLosses
    weight : float or None
        The weight of every sample, where one number was given.
    client : distributed.Client or None
        The client of the cluster that holds every block of ``X`` in memory.
    """

    def __init__(self, arrays, blocks, weight, *, client):
        self._arrays = arrays
        self._blocks = blocks
        self._weight = weight
        self._client = client
        shared = {"blocks": blocks, "weight": weight}
        if client is not None:
            tasks = _block_tasks(_built_loss, arrays, shared)
            self._losses = _losses_by_worker(client, [task for _, _, task in tasks])
            totals = _merged_totals(self._on_each_worker(_collected_totals))
        else:
            self._losses = None
            totals = reduce_rows(
                _block_totals, _merged_totals, arrays, shared
            ).compute()
        _softmax.check_weight_total(0.0 if totals is None else totals.weight_sum)
        model = blocks.model
        super().__init__(
            n_params=blocks.n_params,
            n_features=arrays["X"].shape[1],
            fit_intercept=model.fit_intercept,
            l2_reg_strength=1.0 / (model.C * totals.weight_sum),
            weight_sum=totals.weight_sum,
            constant=totals.weighted_constant / totals.weight_sum,
            dtype=totals.dtype,
            sparse=totals.sparse,
        )
        # Threads of the driver, which only adds up the blocks' sums: each
        # block uses its worker's threads.
        self.n_threads = 1

    def _on_each_worker(self, function, *args):
        """``function(losses, *args)`` of each worker's losses, where they
        are, as a list. The arguments travel inline in each task, a message
        fewer than scattering them first; a worker's sums are the size of
        the parameters, which the driver adds faster than a task would."""
        futures = [
            _submit_to(self._client, worker, function, losses, *args)
            for worker, losses in self._losses.items()
        ]
        return self._client.gather(futures)

    def _sums(self, params, vector):
        if self._losses is not None:
            return _added_sums(
                self._on_each_worker(
                    _collected_sums, params, vector, self._blocks.model.n_jobs
                )
            )
        shared = {
            "blocks": self._blocks,
            "weight": self._weight,
            "params": params,
            "vector": vector,
        }
        return reduce_rows(_rebuilt_sums, _added_sums, self._arrays, shared).compute()

    def gradient_sums(self, params):
        return self._sums(params, None)

    def hessian_sums(self, params, vector):
        return self._sums(params, vector)
