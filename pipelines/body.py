"""Stage 1, the body: sanitize, clean, strip boilerplate and settle the lead image.

The lead image's rules are in pipelines/lead_image.py.

One tree from the sanitiser's output to the written body: nh3 (which works on strings)
sanitizes the page's body HTML, which is then parsed once; the cleaning stages
(pipelines/clean.py) and the boilerplate stages (pipelines/boilerplate.py) run on that
tree, the lead image and the text the validate stage checks are read from it, and it is
written out once.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from itemadapter import ItemAdapter

from crawler.common.html import parse_fragment, serialize_fragment
from crawler.common.urls import https_url
from crawler.sites import site_named
from pipelines.boilerplate import strip_boilerplate
from pipelines.clean import clean_tree
from pipelines.lead_image import lead_image_of_tree, settled_lead_image
from pipelines.sanitize import sanitize_html
from pipelines.validate import remember_body_text


class Body(NamedTuple):
    """An article body as the stage leaves it."""

    html: str  # the clean body without its boilerplate, a line a block
    lead_image: str  # the https URL of its first image that is the article's, or ""
    text: str  # its text without markup and white space (what validate checks)


def article_body(body_html: str, base_url: str, site_selectors: tuple[str, ...] = ()) -> Body:
    """Return the cleaned body without its boilerplate, its first image and its text."""
    root = parse_fragment(sanitize_html(body_html))
    clean_tree(root, base_url)
    if root.text is not None and not root.text.strip():
        # Text the cleaning left at the start that is only white space (an image's tail,
        # say): parsing a body drops it (`parse_fragment`), and so did this stage.
        root.text = None
    strip_boilerplate(root, site_selectors)
    html = serialize_fragment(root)
    return Body(html, lead_image_of_tree(root, base_url), remember_body_text(html, root))


class ArticleBodyPipeline:
    """Clean each article's body, remove the site's boilerplate and choose the lead image."""

    def process_item(self, item: Any) -> Any:
        """Replace the body with its clean article text; a body image becomes the lead image."""
        adapter = ItemAdapter(item)
        site = site_named(adapter["site_key"]) if adapter["site_key"] else None
        body = article_body(adapter["body_html"], adapter["url"], site.boilerplate if site else ())
        adapter["body_html"] = body.html
        # The body's image, else the page's or listing's (og:image, an enclosure), else the
        # site's default: the first of them that is a safe http(s) URL (pipelines/lead_image).
        default = https_url(site.default_image, adapter["url"]) if site else ""
        adapter["lead_image"] = settled_lead_image(body.lead_image, adapter["lead_image"], default)
        return item
