"""The "?" of an estimator's HTML representation opens its skxent API page.

scikit-learn builds the link from ``_doc_link_module`` and
``_doc_link_template`` (``skxent._doc_link.DocLinkMixin`` sets both); the
docs build (``docs/sphinxext/doc_link_check.py``) checks that the page and
anchor exist in the built HTML. Here: the link is in the HTML, points at
skxent's documentation rather than scikit-learn's, and names the page that
``docs/api.rst`` generates for the class.
"""

import re
from pathlib import Path

import pytest

from skxent import CategoricalMLE, SoftmaxClassifier
from skxent._doc_link import documentation_url

API_RST = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
ESTIMATORS = [SoftmaxClassifier, CategoricalMLE]


def autosummary_pages():
    """``{qualified name: page}`` of the classes listed in docs/api.rst under
    an autosummary with a ``:toctree:``."""
    pages = {}
    module = None
    toctree = None
    for line in API_RST.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif match := re.match(r"\s+:toctree: (\S+)", line):
            toctree = match[1].rstrip("/")
        elif toctree and (match := re.match(r"   ([A-Za-z]\w*)$", line)):
            name = f"{module}.{match[1]}"
            pages[name] = f"{toctree}/{name}.html"
        elif line and not line.startswith(" ") and not line.startswith(".."):
            toctree = None
    return pages


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_doc_link_is_the_api_page(estimator):
    name = f"skxent.{estimator.__name__}"
    link = estimator()._get_doc_link()
    assert link == f"{documentation_url()}{autosummary_pages()[name]}#{name}"


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_html_repr_shows_the_link(estimator):
    html = estimator()._repr_html_()
    link = estimator()._get_doc_link()
    assert re.search(
        rf'<a class="sk-estimator-doc-link[^"]*"[^>]*href="{re.escape(link)}"', html
    )
    assert "scikit-learn.org" not in link


def test_fitted_estimator_keeps_the_link():
    import numpy as np

    X = np.random.default_rng(0).standard_normal((30, 2))
    fitted = SoftmaxClassifier().fit(X, np.arange(30) % 3)
    link = fitted._get_doc_link()
    assert link.startswith(documentation_url())
    assert f'href="{link}"' in fitted._repr_html_()


def test_development_versions_link_to_latest():
    assert documentation_url("0.2.0.dev0").endswith("/latest/")
    assert documentation_url("0.2.0").endswith("/0.2.0/")
