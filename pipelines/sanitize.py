"""The security guarantee of the body: an nh3 allow-list of tags, attributes and URL schemes.

nh3 (the Rust `ammonia` sanitiser) keeps the article's own markup (paragraphs, inline
formatting, `cms-style`, `div.img_wrapper`, `span.img_descr`, tables, links, images) and
drops everything that can run code: `script`, `iframe`, `object`, `embed`, `form`, SVG and
MathML (with their content), every `on*` attribute, and URLs whose scheme is not http(s) or
mailto in `href`/`src` (so `javascript:`, `vbscript:` and `data:` go; `data:` images too:
an archive of news has no need of inline images, and a `data:` URL can carry SVG script).
Styles that can load or run something (`expression(`, `url(`, `javascript:`, `@import`,
`behavior:`, `-moz-binding`) are dropped whole; other inline styles stay as written.
"""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset(
    "a abbr b bdi bdo big blockquote br caption center cite code col colgroup dd del dfn div "
    "dl dt em figcaption figure font h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q "
    "rp rt ruby s samp section small span strike strong sub sup table tbody td tfoot th "
    "thead time tr tt u ul var".split()
)
# Removed together with everything inside them: their text is not article text.
REMOVED_WITH_CONTENT = frozenset(
    "script style iframe frame frameset noscript noembed noframes object embed applet form "
    "button select textarea template svg math canvas audio video source track head title "
    "meta link base".split()
)
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "style", "align", "lang", "dir", "cms-style"},
    "a": {"href", "target", "name", "rel"},
    "img": {"src", "alt", "width", "height", "referrerpolicy"},
    "td": {"colspan", "rowspan", "valign", "width"},
    "th": {"colspan", "rowspan", "valign", "width", "scope"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "size", "face"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "table": {"border", "cellpadding", "cellspacing", "width"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_ACTIVE_STYLE = re.compile(
    r"expression\s*\(|url\s*\(|javascript\s*:|@import|behavior\s*:|-moz-binding", re.IGNORECASE
)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a style that could load or run something; keep every other allowed value."""
    if attribute == "style" and _ACTIVE_STYLE.search(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    generic_attribute_prefixes={"data-"},  # the article's own data (lazy images, ids)
    url_schemes=set(URL_SCHEMES),
    strip_comments=True,
    link_rel=None,  # keep links as the article wrote them
)


def sanitize_html(fragment: str) -> str:
    """Return the fragment with only allowed tags, attributes and URL schemes."""
    return _CLEANER.clean(fragment)
