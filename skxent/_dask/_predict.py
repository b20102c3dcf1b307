"""Inference on dask arrays: each block of rows predicted where it lives.

A prediction is a function of its row alone, so ``predict_proba`` of a dask
array is the in-memory ``predict_proba`` of each row block, concatenated
lazily: nothing is computed until the caller asks, and blocks read from disk
(zarr, ``.npy``) are predicted one at a time, in bounded memory.
"""

import copy
from functools import partial

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skxent._dask._blocks import map_rows


def _predict_rows(method, X, model):
    return getattr(model, method)(X)


def predict(estimator, method, X):
    """``estimator.<method>(X)`` for a dask array ``X``, as a lazy dask array.

    Parameters
    ----------
    estimator : fitted estimator
    method : str
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"`` or
        ``"decision_function"``.
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along rows (columns are merged into one chunk); dense or
        scipy.sparse blocks.

    Returns
    -------
    result : dask.array.Array
        What ``method`` returns for an in-memory ``X``, with the row chunks
        of ``X`` (empty chunks left out).
    """
    check_is_fitted(estimator)
    if X.ndim != 2 or X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has shape {X.shape}, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input; give a "
            "2-D array with one column per feature."
        )
    # A copy: refitting the estimator before the result is computed must not
    # change it.
    model = copy.deepcopy(estimator)
    # One row of X's dtype gives the result's dtype and shape beyond its rows
    # exactly as the method computes them (the dtype of X after validation,
    # combined with the model's).
    example = getattr(model, method)(np.zeros((1, X.shape[1]), dtype=X.dtype))
    return map_rows(
        partial(_predict_rows, method),
        {"X": X},
        {"model": model},
        tail=example.shape[1:],
        dtype=example.dtype,
    )
