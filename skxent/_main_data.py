"""Data of ``python -m skxent``: a bundled scikit-learn dataset or a CSV file,
split into training and test rows.

Nothing here imports skxent's kernels (nor Numba): ``python -m skxent``
reports a bad file or option through argparse before that heavy import.
"""

import csv
import math
from dataclasses import dataclass

import numpy as np

DATASETS = ("digits", "iris", "wine", "breast_cancer")
TEST_SIZE = 0.25
# Folds of the teacher's probability calibration (CalibratedClassifierCV),
# inside each of the job's own training folds.
CALIBRATION_FOLDS = 3


class DataError(ValueError):
    """The data cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Split:
    """A dataset split into stratified training and test rows."""

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def classes(self):
        """The sorted classes of the training rows."""
        return np.unique(self.y_train)


def load_bundled(name):
    """``(X, y)`` of one of scikit-learn's bundled :data:`DATASETS`."""
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def load_csv(path, target):
    """``(X, y)`` from a comma-separated file with a header row.

    Column ``target`` holds the class labels (numbers when every label is an
    integer, else text); every other column must hold finite numbers.
    Raises :class:`DataError` naming the offending column and row otherwise.
    """
    path = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            header, *rows = list(csv.reader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"cannot read {path!r}: {error}") from None
    except ValueError:  # an empty file has no header to unpack
        raise DataError(f"{path!r} is empty; it needs a header row.") from None
    names = [name.strip() for name in header]
    if names.count(target) != 1:
        found = "twice among" if target in names else "not among"
        raise DataError(
            f"the target column {target!r} is {found} the columns of {path!r}: "
            f"{names}. Pass --target one of them."
        )
    if len(names) < 2:
        raise DataError(f"{path!r} has no feature column besides {target!r}.")
    rows = [row for row in rows if any(field.strip() for field in row)]
    if not rows:
        raise DataError(f"{path!r} has a header but no data rows.")
    for line, row in enumerate(rows, start=2):
        if len(row) != len(names):
            raise DataError(
                f"line {line} of {path!r} has {len(row)} fields, but the header "
                f"has {len(names)}."
            )
    column = names.index(target)
    labels = [row[column].strip() for row in rows]
    X = np.array(
        [
            _numeric_column([row[j] for row in rows], name, path)
            for j, name in enumerate(names)
            if j != column
        ]
    ).T
    return X, _labels(labels, target)


def _numeric_column(fields, name, path):
    """The finite numbers of a feature column, or :class:`DataError`."""
    values = []
    for line, field in enumerate(fields, start=2):
        try:
            value = float(field)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise DataError(
                f"feature column {name!r} of {path!r} is not numeric: line "
                f"{line} holds {field!r}. The main job takes finite numbers in "
                "every column but the target: encode, fill or drop that column."
            )
        values.append(value)
    return values


def _labels(labels, target):
    """Class labels as integers when they all are, else as text."""
    if "" in labels:
        line = labels.index("") + 2
        raise DataError(f"the target column {target!r} is empty on line {line}.")
    try:
        return np.array([int(label) for label in labels])
    except ValueError:
        return np.array(labels)


def split(name, X, y, seed):
    """Stratified :class:`Split` of ``(X, y)``, :data:`TEST_SIZE` of the rows
    held out for the test; :class:`DataError` if a class is too small."""
    from sklearn.model_selection import train_test_split

    X = np.ascontiguousarray(X, dtype=np.float64)
    values, counts = np.unique(y, return_counts=True)
    if values.size < 2:
        raise DataError(
            f"the target has a single class, {values.tolist()}; a classifier "
            "needs two at least."
        )
    smallest = np.argmin(counts)
    if counts[smallest] < 2:
        raise DataError(
            f"class {values.tolist()[smallest]!r} has a single row; stratified "
            "training and test rows need two of each class at least."
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=seed
    )
    return Split(name, X_train, X_test, y_train, y_test)


def fold_range(y_train):
    """``(low, high, label, count)``: the fewest and most cross-validation
    folds the training rows allow, and their smallest class with its count.

    Stratified folds need a row of every class in each fold (``high`` is
    ``count``), and the teacher's calibration :data:`CALIBRATION_FOLDS` rows
    of every class in each training fold, whose smallest share of the class is
    ``count - ceil(count / folds)``. ``low > high`` when no split is possible.
    """
    values, counts = np.unique(y_train, return_counts=True)
    smallest = int(np.argmin(counts))
    count = int(counts[smallest])
    low = 2
    while low <= count and count - math.ceil(count / low) < CALIBRATION_FOLDS:
        low += 1
    return low, count, values.tolist()[smallest], count
