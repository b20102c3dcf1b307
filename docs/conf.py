"""Sphinx configuration of the skxent documentation.

Build with ``make -C docs html`` or, from the repository root,
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The examples in ``examples/`` are executed during the build (sphinx-gallery
draws their figures with matplotlib's Agg backend).
"""

import sys
from pathlib import Path

import skxent

sys.path.insert(0, str(Path(__file__).parent / "sphinxext"))

project = "skxent"
author = "the skxent developers"
copyright = "the skxent developers"
release = skxent.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]
default_role = "literal"

# API pages: one page per object, generated from the docstrings.
autosummary_generate = True
numpydoc_show_class_members = False

html_theme = "pydata_sphinx_theme"
html_title = f"skxent {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {"index": [], "getting_started": [], "performance": []}

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
}
