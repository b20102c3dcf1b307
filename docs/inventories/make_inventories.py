"""Write the intersphinx inventories of scikit-learn, NumPy, SciPy, PyTorch
and Python.

The documentation builds without network access, so intersphinx reads these
committed files instead of downloading each project's ``objects.inv``. Each
holds the objects skxent's documentation and examples refer to, at the page
and anchor where the project's own documentation puts them:

- scikit-learn: one page per public class or function,
  ``modules/generated/<name>.html#<name>``, methods as anchors of the class
  page; the glossary's terms and the user guide's sections by their labels;
- NumPy and SciPy: ``reference/generated/<name>.html#<name>``, with the
  exceptions listed in :data:`NUMPY_PAGES`;
- PyTorch: ``generated/<name>.html#<name>``;
- Python: the built-in types and constants that numpydoc links in parameter
  types (``float``, ``None``, ...), on the pages of the library reference.

Every Python name is imported first (PyTorch's only when it is installed), so
an inventory cannot list an object the installed library lacks. Add a name
here when the documentation starts to mention a new object (the build's
``nitpicky`` mode reports it), then run, from the repository root::

    python docs/inventories/make_inventories.py

With network access, a project's full inventory can replace its file:
``curl -o docs/inventories/numpy.inv https://numpy.org/doc/stable/objects.inv``.
"""

import builtins
import importlib
import zlib
from pathlib import Path

FOLDER = Path(__file__).parent

SKLEARN = {
    "py:class": [
        "sklearn.base.BaseEstimator",
        "sklearn.base.ClassifierMixin",
        "sklearn.base.DensityMixin",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.ensemble.HistGradientBoostingClassifier",
        "sklearn.exceptions.ConvergenceWarning",
        "sklearn.linear_model.LogisticRegression",
        "sklearn.model_selection.GridSearchCV",
        "sklearn.model_selection.KFold",
        "sklearn.model_selection.StratifiedKFold",
        "sklearn.naive_bayes.CategoricalNB",
        "sklearn.neighbors.KNeighborsClassifier",
        "sklearn.neural_network.MLPClassifier",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing.OneHotEncoder",
        "sklearn.preprocessing.StandardScaler",
        "sklearn.svm.SVC",
    ],
    "py:function": [
        "sklearn.base.clone",
        "sklearn.calibration.calibration_curve",
        "sklearn.datasets.load_digits",
        "sklearn.datasets.load_iris",
        "sklearn.metrics.accuracy_score",
        "sklearn.metrics.brier_score_loss",
        "sklearn.metrics.check_scoring",
        "sklearn.metrics.get_scorer",
        "sklearn.metrics.get_scorer_names",
        "sklearn.metrics.log_loss",
        "sklearn.metrics.make_scorer",
        "sklearn.model_selection.cross_val_predict",
        "sklearn.model_selection.cross_val_score",
        "sklearn.model_selection.cross_validate",
        "sklearn.model_selection.train_test_split",
        "sklearn.pipeline.make_pipeline",
        "sklearn.preprocessing.scale",
        "sklearn.set_config",
        "sklearn.utils.estimator_checks.parametrize_with_checks",
        "sklearn.utils.estimator_html_repr",
    ],
    "py:method": [
        "sklearn.linear_model.LogisticRegression.fit",
        "sklearn.linear_model.LogisticRegression.predict_proba",
        "sklearn.base.BaseEstimator.get_metadata_routing",
    ],
    # (name, page and anchor, title)
    "std:term": [
        ("array-like", "glossary.html#term-array-like", "array-like"),
        ("array_like", "glossary.html#term-array_like", "array_like"),
        ("sparse matrix", "glossary.html#term-sparse-matrix", "sparse matrix"),
        ("sample_weight", "glossary.html#term-sample_weight", "sample_weight"),
        ("n_jobs", "glossary.html#term-n_jobs", "n_jobs"),
    ],
    "std:label": [
        (
            "scoring_parameter",
            "modules/model_evaluation.html#scoring-parameter",
            "The scoring parameter: defining model evaluation rules",
        ),
        (
            "metadata_routing",
            "metadata_routing.html#metadata-routing",
            "Metadata Routing",
        ),
    ],
}

NUMPY = {
    "py:class": [
        "numpy.dtype",
        "numpy.errstate",
        "numpy.finfo",
        "numpy.ndarray",
        "numpy.random.Generator",
        "numpy.random.RandomState",
    ],
    "py:function": [
        "numpy.allclose",
        "numpy.argmax",
        "numpy.average",
        "numpy.bincount",
        "numpy.eye",
        "numpy.isclose",
        "numpy.random.default_rng",
        "numpy.unique",
    ],
    "py:attribute": ["numpy.float32", "numpy.float64"],
    "py:data": ["numpy.inf"],
    "std:term": [
        ("array_like", "glossary.html#term-array_like", "array_like"),
    ],
}
# Objects that NumPy documents on a shared page rather than one of their own.
NUMPY_PAGES = {
    "numpy.random.Generator": "reference/random/generator.html",
    "numpy.random.default_rng": "reference/random/generator.html",
    "numpy.random.RandomState": "reference/random/legacy.html",
    "numpy.float32": "reference/arrays.scalars.html",
    "numpy.float64": "reference/arrays.scalars.html",
    "numpy.inf": "reference/constants.html",
}

SCIPY = {
    "py:class": ["scipy.sparse.csr_array", "scipy.sparse.csr_matrix"],
    "py:function": [
        "scipy.optimize.minimize",
        "scipy.spatial.distance.jensenshannon",
        "scipy.special.log_softmax",
        "scipy.special.logsumexp",
        "scipy.special.rel_entr",
        "scipy.special.softmax",
        "scipy.special.xlogy",
        "scipy.stats.entropy",
    ],
}

TORCH = {
    "py:class": [
        "torch.nn.CrossEntropyLoss",
        "torch.nn.KLDivLoss",
        "torch.nn.NLLLoss",
        "torch.optim.lr_scheduler.ReduceLROnPlateau",
    ],
    "py:function": [
        "torch.nn.functional.cross_entropy",
        "torch.nn.functional.kl_div",
        "torch.nn.functional.log_softmax",
    ],
}

PYTHON = {
    "py:class": ["bool", "dict", "float", "int", "list", "object", "str", "tuple"],
    "py:function": ["callable"],
    "py:data": ["None", "True", "False"],
    "std:label": [
        (
            "bltin-boolean-values",
            "library/stdtypes.html#bltin-boolean-values",
            "Boolean Type - bool",
        ),
    ],
}
# Where the Python documentation describes each name.
PYTHON_PAGES = {
    **dict.fromkeys(("None", "True", "False"), "library/constants.html"),
    **dict.fromkeys(("dict", "list", "str", "tuple"), "library/stdtypes.html"),
}

PROJECTS = {
    # file stem: (project, version, objects, page of a Python object)
    "sklearn": (
        "scikit-learn",
        "stable",
        SKLEARN,
        lambda name: f"modules/generated/{_page_owner(name)}.html",
    ),
    "numpy": (
        "NumPy",
        "stable",
        NUMPY,
        lambda name: NUMPY_PAGES.get(name, f"reference/generated/{name}.html"),
    ),
    "scipy": (
        "SciPy",
        "stable",
        SCIPY,
        lambda name: f"reference/generated/{name}.html",
    ),
    "torch": (
        "PyTorch",
        "stable",
        TORCH,
        lambda name: f"generated/{name}.html",
    ),
    "python": (
        "Python",
        "3",
        PYTHON,
        lambda name: PYTHON_PAGES.get(name, "library/functions.html"),
    ),
}


def _page_owner(name):
    """The object whose page documents ``name``: a method's class."""
    module = name.rpartition(".")[0]
    owner = _resolve(module, optional=False)
    return module if isinstance(owner, type) else name


def _resolve(name, *, optional):
    """Import ``name`` (a module, or an attribute of one, at any depth)."""
    if hasattr(builtins, name):
        return getattr(builtins, name)
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)  # AttributeError: a wrong name
        return obj
    if optional:
        return None
    raise ImportError(f"cannot import {name}")


def inventory_lines(objects, page_of, *, optional):
    """The uncompressed lines of one inventory: ``name domain:role 1 uri -``."""
    lines = []
    for role, entries in objects.items():
        for entry in entries:
            if role.startswith("py:"):
                _resolve(entry, optional=optional)
                # "$" stands for the name: the anchor is the object's own.
                lines.append(f"{entry} {role} 1 {page_of(entry)}#$ -")
            else:
                name, uri, title = entry
                lines.append(f"{name} {role} -1 {uri} {title}")
    return sorted(lines)


def write_inventory(path, project, version, lines):
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress("".join(f"{line}\n" for line in lines).encode(), 9)
    path.write_bytes(header.encode() + body)


def main():
    for stem, (project, version, objects, page_of) in PROJECTS.items():
        # PyTorch is no dependency of skxent: its names are checked only where
        # it is installed.
        lines = inventory_lines(objects, page_of, optional=stem == "torch")
        path = FOLDER / f"{stem}.inv"
        write_inventory(path, project, version, lines)
        print(f"{path}: {len(lines)} objects")


if __name__ == "__main__":
    main()
