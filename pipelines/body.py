"""Stage 1, the body: sanitize, clean, strip boilerplate and settle the lead image.

The cleaning stages (pipelines/clean.py) and the boilerplate stages
(pipelines/boilerplate.py) run one after the other in one pipeline: exactly what
`remove_boilerplate(clean_html(body))` gives, and the lead image read from the tree
instead of parsing the finished body once more.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.common.html import parse_fragment, serialize_fragment
from crawler.sites import site_named
from pipelines.boilerplate import first_image_of_tree, strip_boilerplate
from pipelines.clean import clean_tree
from pipelines.sanitize import sanitize_html


def article_body(
    body_html: str, base_url: str, site_selectors: tuple[str, ...] = ()
) -> tuple[str, str]:
    """Return the cleaned body without its boilerplate, and the URL of its first image."""
    root = parse_fragment(sanitize_html(body_html))
    clean_tree(root, base_url)
    # Written out and read back, as when these were two stages: the boilerplate rules keep a
    # removed block's tail text by where the line breaks between blocks fall, and the tests
    # hold this stage to exactly what the two stages gave.
    root = parse_fragment(serialize_fragment(root))
    strip_boilerplate(root, site_selectors)
    return serialize_fragment(root), first_image_of_tree(root, base_url)


class ArticleBodyPipeline:
    """Clean each article's body, remove the site's boilerplate and choose the lead image."""

    def process_item(self, item: Any) -> Any:
        """Replace the body with its clean article text; a body image becomes the lead image."""
        adapter = ItemAdapter(item)
        selectors = site_named(adapter["site_key"]).boilerplate if adapter["site_key"] else ()
        body, image = article_body(adapter["body_html"], adapter["url"], selectors)
        adapter["body_html"] = body
        adapter["lead_image"] = image or adapter["lead_image"]
        return item
