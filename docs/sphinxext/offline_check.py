"""Fail the build when a page loads anything from another host.

The documentation must work offline: its math, scripts, stylesheets and
images come with the build. After an HTML build, every page is searched for
``<script src>``, ``<link href>`` (stylesheets, preloads, icons) and
``<img src>`` whose address names a host; each one found is a warning, and so
an error under ``-W``. Plain links (``<a href>``) to other sites are fine:
following one needs the network, showing the page does not.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

# The attribute through which each tag loads a resource. A <link> that only
# names the page's canonical address or the like loads nothing.
LOADING_ATTRIBUTES = {"script": "src", "img": "src", "link": "href", "iframe": "src"}
NON_LOADING_LINKS = {"canonical", "author", "license", "search", "index"}
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class _RemoteResources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attribute = LOADING_ATTRIBUTES.get(tag)
        if attribute is None:
            return
        attrs = dict(attrs)
        if tag == "link" and set((attrs.get("rel") or "").split()) <= (
            NON_LOADING_LINKS
        ):
            return
        address = attrs.get(attribute) or ""
        if REMOTE.match(address):
            self.found.append(f"<{tag} {attribute}={address!r}>")


def remote_resources(html):
    """The tags of ``html`` that load a resource from another host."""
    parser = _RemoteResources()
    parser.feed(html)
    return parser.found


def check_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        for tag in remote_resources(page.read_text(encoding="utf-8")):
            logger.warning(
                "%s loads %s from the network; the documentation must work "
                "offline (bundle the file in the build instead)",
                page.relative_to(app.outdir),
                tag,
            )


def setup(app):
    app.connect("build-finished", check_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
