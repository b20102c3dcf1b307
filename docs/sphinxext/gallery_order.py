"""Order of the examples in the gallery: from the core identity to its uses."""

EXAMPLE_ORDER = (
    "plot_ce_vs_kl_curves.py",
    "plot_grid_search_objectives.py",
    "plot_distillation.py",
    "plot_distillation_estimator.py",
    "plot_forward_reverse_kl.py",
    "plot_categorical_mle.py",
    "plot_entropy_estimators.py",
)


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``.

    Examples missing from :data:`EXAMPLE_ORDER` come last, by file name.
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in EXAMPLE_ORDER:
            return (EXAMPLE_ORDER.index(filename), filename)
        return (len(EXAMPLE_ORDER), filename)
