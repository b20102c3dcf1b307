"""Links from the estimators' HTML representation to their API pages.

scikit-learn draws an estimator in a notebook with a "?" that opens the
estimator's documentation. Its ``BaseEstimator`` builds that link from two
class attributes: ``_doc_link_module``, the package whose estimators get a
link (scikit-learn's own by default, so that skxent's would get none), and
``_doc_link_template``, formatted with ``estimator_module`` (the public module,
``skxent``) and ``estimator_name``. :class:`DocLinkMixin` sets both to
skxent's API pages.
"""

from skxent import __version__

# Where the documentation is published, per version; development versions
# link to the latest build.
DOCUMENTATION_URL = "https://skxent.readthedocs.io/en/{version}/"

# The page and anchor that autosummary and autodoc give a class listed in
# docs/api.rst under ":toctree: gen_modules/".
API_PAGE = (
    "gen_modules/{estimator_module}.{estimator_name}.html"
    "#{estimator_module}.{estimator_name}"
)


def documentation_url(version=__version__):
    """The root of the documentation of skxent ``version``."""
    return DOCUMENTATION_URL.format(version="latest" if "dev" in version else version)


class DocLinkMixin:
    """Give an estimator's HTML representation a link to its skxent API page.

    Put it first among the bases, before scikit-learn's ``BaseEstimator``,
    whose defaults it overrides.
    """

    _doc_link_module = "skxent"
    _doc_link_template = documentation_url() + API_PAGE
