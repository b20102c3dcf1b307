"""Integer codes of values within a list of categories (or classes)."""

import numpy as np


def category_codes(values, categories):
    """Position of each entry of ``values`` in ``categories``; -1 if absent.

    ``categories`` may be in any order.
    """
    kinds = values.dtype.kind, categories.dtype.kind
    if all(kind in "biuf" for kind in kinds) or kinds == ("U", "U"):
        order = np.argsort(categories, kind="stable")
        sorted_categories = categories[order]
        positions = np.searchsorted(sorted_categories, values)
        positions = np.minimum(positions, categories.size - 1)
        return np.where(sorted_categories[positions] == values, order[positions], -1)
    # Objects, or strings against numbers: Python equality and hashing decide,
    # so values of another type simply match no category.
    index = {category: k for k, category in enumerate(categories.tolist())}
    return np.fromiter(
        (index.get(value, -1) for value in values.tolist()),
        dtype=np.intp,
        count=values.size,
    )
