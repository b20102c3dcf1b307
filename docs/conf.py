"""Sphinx configuration of the skxent documentation.

Build with ``make -C docs html`` or, from the repository root,
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The examples in ``examples/`` are executed during the build (sphinx-gallery
draws their figures with matplotlib's Agg backend).

The build needs no network, and neither do the pages it writes: MathJax comes
from the ``sphinx-mathjax-offline`` package and is copied into the build; the
scikit-learn, NumPy, SciPy, PyTorch and Python inventories that intersphinx
links to
are committed in ``docs/inventories/`` (``make_inventories.py`` there says how
they are made); ``offline_check`` fails the build if a page loads a script, a
stylesheet or an image from another host.
"""

import sys
from pathlib import Path

import skxent

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS / "sphinxext"))

project = "skxent"
author = "the skxent developers"
copyright = "the skxent developers"
release = skxent.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    # A bundled MathJax 3 (tex-chtml, with its fonts) in place of the CDN.
    "sphinx-mathjax-offline",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "benchmark_results",
    "doc_link_check",
    "offline_check",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]
default_role = "literal"

# Every cross-reference must resolve: a link that silently renders as plain
# text is an error under -W. skxent's private helpers are named in the
# developer notes without pages of their own, and skxent.inference's
# docstring names its private chunk size.
nitpicky = True
nitpick_ignore_regex = [("py:.*", r"(skxent\.)?_.*"), ("py:.*", r"numba\..*")]
nitpick_ignore = [("py:data", "CHUNK_ELEMENTS")]

# API pages: one page per object, generated from the docstrings.
autosummary_generate = True
numpydoc_show_class_members = False
# Types in parameter lists link to the projects that define them; other words
# ("of", "shape", "float") stay plain text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "array-like": ":term:`array-like <array_like>`",
    "sparse matrix": ":term:`sparse matrix <sparse matrix>`",
}

# Local inventories: (documentation root, inventory file). No download.
INVENTORIES = DOCS / "inventories"
intersphinx_mapping = {
    name: (url, str(INVENTORIES / f"{name}.inv"))
    for name, url in {
        "sklearn": "https://scikit-learn.org/stable/",
        "numpy": "https://numpy.org/doc/stable/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "torch": "https://docs.pytorch.org/docs/stable/",
        "python": "https://docs.python.org/3/",
    }.items()
}

html_theme = "pydata_sphinx_theme"
html_title = f"skxent {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {
    "index": [],
    "getting_started": [],
    "performance": [],
    "developer": [],
}
html_static_path = ["_static"]
html_css_files = ["skxent.css"]

# Figures of the plot directive (the performance page): the PNG only, no
# links to source code or other formats.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skxent",),
    "reference_url": {"skxent": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    # The execution-time pages load jQuery and DataTables from CDNs.
    "write_computation_times": False,
}
