"""Check that the estimators' "?" documentation links land on built pages.

The HTML representation of a skxent estimator links to its API page (see
``skxent/_doc_link.py``). After an HTML build, each estimator's link, less
the documentation's address, must name a page of the build that holds the
link's anchor; a link that would land on a missing page or anchor is a
warning, and so an error under ``-W``.
"""

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

ESTIMATORS = ("SoftmaxClassifier", "CategoricalMLE")


def broken_doc_links(outdir):
    """``(estimator, link, problem)`` for each link that misses the build."""
    import skxent
    from skxent._doc_link import documentation_url

    root = documentation_url()
    broken = []
    for name in ESTIMATORS:
        link = getattr(skxent, name)()._get_doc_link()
        if not link.startswith(root):
            broken.append((name, link, f"does not start with {root}"))
            continue
        page, _, anchor = link.removeprefix(root).partition("#")
        path = Path(outdir) / page
        if not path.is_file():
            broken.append((name, link, f"no page {page} in the build"))
        elif f'id="{anchor}"' not in path.read_text(encoding="utf-8"):
            broken.append((name, link, f"no anchor {anchor!r} on {page}"))
    return broken


def check_doc_links(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for name, link, problem in broken_doc_links(app.outdir):
        logger.warning("%s's documentation link %s: %s", name, link, problem)


def setup(app):
    app.connect("build-finished", check_doc_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
