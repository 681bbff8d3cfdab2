"""Parse an article body into a tree and write it back, one block element a line."""

from __future__ import annotations

import html
import re

import lxml.html

# Only ASCII white space is layout: U+3000 ideographic spaces open Chinese paragraphs.
ASCII_SPACE = " \t\r\n\f\v"
# A blank line would end Markdown's HTML block early, so runs of them become one newline.
_BLANK_LINES = re.compile(r"[ \t\r\f\v]*\n[ \t\r\n\f\v]*\n")

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details div dl dt figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th "
    "thead tr ul".split()
)


def parse_fragment(body_html: str) -> lxml.html.HtmlElement:
    """Parse body HTML into a detached `<div>` holding its nodes."""
    return lxml.html.fragment_fromstring(body_html, create_parent="div")


def is_block(node: lxml.html.HtmlElement) -> bool:
    """Tell whether an element is a block element (it gets a line of its own)."""
    return isinstance(node.tag, str) and node.tag.lower() in BLOCK_TAGS


def serialize_fragment(root: lxml.html.HtmlElement) -> str:
    """Write the children of `root` back as HTML: a line per block, `{`/`}` as entities.

    Inline runs (text and inline elements between blocks) stay together on one line, so no
    space is added inside a sentence; whitespace-only runs between blocks are dropped.
    """
    lines: list[str] = []
    inline: list[str] = [html.escape(root.text or "", quote=False)]

    def flush() -> None:
        text = "".join(inline).strip(ASCII_SPACE)
        if text:
            lines.append(text)
        inline.clear()

    for child in root:
        markup = lxml.html.tostring(child, encoding="unicode", with_tail=False)
        if is_block(child):
            flush()
            lines.append(_BLANK_LINES.sub("\n", markup.strip(ASCII_SPACE)))
        else:
            inline.append(markup)
        inline.append(html.escape(child.tail or "", quote=False))
    flush()
    # Hexo's Nunjucks renderer would read `{{ }}` and `{% %}` in article text as template code.
    return "\n".join(lines).replace("{", "&#123;").replace("}", "&#125;")
