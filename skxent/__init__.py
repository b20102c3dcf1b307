"""skxent: cross-entropy, KL divergence and maximum likelihood for scikit-learn.

Public objects are loaded on first access, so ``import skxent`` stays cheap and
compiles nothing.
"""

import importlib

__version__ = "0.1.0.dev0"

_LAZY_ATTRIBUTES = {
    "CategoricalMLE": ("skxent._categorical", "CategoricalMLE"),
    "DistillationClassifier": ("skxent._distillation", "DistillationClassifier"),
    "SoftmaxClassifier": ("skxent._softmax", "SoftmaxClassifier"),
    "inference": ("skxent.inference", None),
    "metrics": ("skxent.metrics", None),
}

__all__ = ["__version__", *_LAZY_ATTRIBUTES]


def __getattr__(name):
    try:
        module_name, attribute = _LAZY_ATTRIBUTES[name]
    except KeyError:
        raise AttributeError(f"module 'skxent' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
