"""The security guarantee of the body: an nh3 allow-list of tags, attributes and URL schemes.

nh3 (the Rust `ammonia` sanitiser) keeps the article's own markup (paragraphs, inline
formatting, `cms-style`, `div.img_wrapper`, `span.img_descr`, tables, links, images) and
drops everything that can run code: `script`, `iframe`, `object`, `embed`, `form`, SVG and
MathML (with their content), every `on*` attribute, and URLs whose scheme is not http(s) or
mailto in `href`/`src` (so `javascript:`, `vbscript:` and `data:` go; `data:` images too:
an archive of news has no need of inline images, and a `data:` URL can carry SVG script).
Styles that can load or run something (`expression(`, `url(`, `image-set(`, `javascript:`,
`@import`, `behavior:`, `-moz-binding`, however CSS escapes or comments spell them) or cover
the page (`position: fixed`) are dropped whole; other inline styles stay as written.
"""

from __future__ import annotations

import re
import string

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
# Read after CSS escapes and comments are undone (`u\72l(` is `url(`): functions that
# load a resource (`url(`, `image-set(`, `src(`…) or that browsers once ran (`expression(`),
# `var(` (a custom property can smuggle any value past this check), script URLs, imports,
# bindings, and `position: fixed`, which lets a body cover the whole page.
# Matched on the style with its letters folded to lower case as a case-blind search folds
# them (`_FOLDED_LETTERS`): the same matches, but a search of an alternation of literals can
# skip to the characters that open one, where a case-blind one tries them all everywhere.
_ACTIVE_STYLE = re.compile(
    r"(?:expression|url|src|image|image-set|cross-fade|element|paint|var)\s*\("
    r"|javascript\s*:|@import|behavior\s*:|-moz-binding|position\s*:\s*fixed"
)
# Every character that re.IGNORECASE takes for an ASCII letter, as that letter: the
# capitals, and four others (dotted and dotless i, long s, the Kelvin sign).
_FOLDED_LETTERS = str.maketrans(
    {letter: letter.lower() for letter in string.ascii_uppercase}
    | {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)


def _unescaped_character(match: re.Match[str]) -> str:
    """Return the character a CSS escape stands for (U+FFFD for none, as CSS reads it)."""
    if match[1] is None:
        return match[2]
    code = int(match[1], 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def css_as_read(value: str) -> str:
    """Return a style as a browser reads it: comments out, escapes undone."""
    return _CSS_ESCAPE.sub(_unescaped_character, _CSS_COMMENT.sub("", value))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a style that could load, run or cover something; keep every other allowed value."""
    if attribute == "style" and _ACTIVE_STYLE.search(css_as_read(value).translate(_FOLDED_LETTERS)):
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
