"""Find the article in a parsed page: the block that holds the most prose for the least else.

Each block element of the page gets the text directly in it (its own text and that of its
inline elements, not that of blocks nested in it). A block's text is *prose* when it writes
sentences (it holds sentence punctuation, and more than link text) and is not a reprint
disclaimer; everything else (link text, bylines, labels, counters) is *clutter*. The article
is the block element (or `<body>`) whose tree has the most prose less the cost of its
clutter (LINK_COST, PLAIN_COST): a tight container of the article's paragraphs, which
grows to take in paragraphs spread over several blocks only while what lies between them
costs less than they bring.

Only prose after the headline counts (what is printed before it, a breadcrumb or a channel's
list, is not the article), and nothing in scripts, styles, forms' controls or the elements
the caller leaves out (a profile's boilerplate) counts at all. What the page prints apart
joins the article (`_with_leads`: a lead, a deck, a source credit). The page's tree is
read, never changed: the caller copies the blocks it takes (and `drop_asides` cleans the
copy).

Measured on the corpus (`benchmarks/quality.py --corpus --peers`): see docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree

from crawler.common.html import BLOCK_TAGS, drop_tree, text_of
from crawler.common.text import squash

# What a reader never sees as text.
HIDDEN_TAGS = frozenset(
    "script style noscript template textarea select option button iframe object head title".split()
)
# Sentence punctuation: a list of links or labels has none, a paragraph has some. The
# ASCII marks count only before white space (not in 9.53, 12:30 or a URL).
_PUNCTUATION = re.compile(r"[，。！？；]|[,.!?;](?=\s)")
# Reprint disclaimers and copyright notices: sentences, but the site's, not the article's.
_DISCLAIMER = re.compile(
    r"(?:免责|特别|版权)声明|仅代表作者|The content above|不代表本网|不代表.{0,12}观点"
    r"|赞同其观点|对其真实性负责|版权所有|未经.{0,10}授权|禁止转载"
)
# A source credit (摘自京华时报): the article's, though often all link text. Not a
# `来源：` line, which a byline prints (legaldaily's `来源: 法制网`).
SOURCE_CREDIT = re.compile(r"^(?:摘自|转自|转载自)\s*\S{2,20}$")
# Class and id names of what a page sets beside its article (readers' comments, sidebars,
# footers, related and recommended lists, share bars): nothing in them counts.
_ASIDE_NAME = re.compile(
    r"comment|pinglun|reply|sidebar|footer|relate|recommend|share|copyright"
    r"|(?:^|[\s_-])(?:side|foot|cmt)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Less text than this is no sentence worth the name (a `好。` or `注：` label).
MIN_PROSE_CHARS = 10
# Sentences run longer than this between two marks; a row of marks among labels (a
# toolbar's `： ， 。 视频 小程序 赞 ，轻点两下取消赞`) is not prose.
CHARS_PER_STOP = 8
# What a character of clutter costs against one of prose. Link text (and what precedes the
# headline) costs as much: a related list after the article then stays out (21cn's
# 财经新闻 teasers). Plain text that is not prose (a byline, a table's names, a data row
# printed as a paragraph) costs a tenth: an article with such rows stays whole. Mean F1 on
# the corpus's 167 pages of then by (link, plain), when the costs were chosen: (0.5, 0.1)
# 0.947, (0.5, 0.3) 0.956, (1.0, 0.0) 0.965, (1.0, 0.1) 0.969, (1.0, 0.3) 0.963,
# (1.5, 0.05) 0.968, (2.0, 0.1) 0.967.
LINK_COST = 1.0
PLAIN_COST = 0.1
# Table cells: their figures are neither prose nor clutter.
_CELLS = frozenset({"td", "th"})
# Block elements a text run may belong to (`<br>`-lined text stays in its `<div>` or `<td>`).
_BLOCKS = BLOCK_TAGS | {"body"}


class _Block:
    """The text directly in one block element, summed as it is read."""

    __slots__ = ("before", "disclaimer", "element", "links", "outer", "stops", "text")

    def __init__(self, element: etree._Element, outer: _Block | None) -> None:
        self.element = element
        self.outer = outer  # the block holding it (None for the page's)
        self.text = 0  # characters outside links (white space left out), after the headline
        self.links = 0  # characters inside links, after the headline
        self.stops = 0  # sentence punctuation outside links, after the headline
        self.before = 0  # characters before the headline's end: not the article's
        self.disclaimer = False

    def add(self, run: str, in_link: bool, after_heading: bool) -> None:
        """Add a run of text written directly in this block."""
        size = len("".join(run.split()))
        if not size:
            return
        if not after_heading:
            self.before += size
        elif in_link:
            self.links += size
        else:
            self.text += size
            self.stops += len(_PUNCTUATION.findall(run))

    def prose(self) -> int:
        """Return how many characters of prose the block writes (0 if it writes none)."""
        if self.disclaimer or not self.stops or self.text <= self.links:
            return 0
        if self.text < max(MIN_PROSE_CHARS, CHARS_PER_STOP * self.stops):
            return 0
        return self.text

    def clutter(self) -> float:
        """Return the cost of what the block holds that is not prose (a table's figures
        are neither)."""
        plain = 0 if self.element.tag in _CELLS or self.prose() else self.text
        return LINK_COST * (self.links + self.before) + PLAIN_COST * plain


def find_article(
    body: etree._Element, headline: str = "", left_out: Collection[etree._Element] = ()
) -> list[etree._Element]:
    """Return the block elements that hold the article's prose, in order ([] if none).

    `body` is the page's `<body>` (or any element holding the page); `headline`, when given,
    is the article's title, whose heading marks where the article starts; `left_out` are
    elements whose text never counts.
    """
    heading = _heading(body, headline)
    blocks = _read_blocks(body, heading, set(left_out))
    for block in blocks:
        if block.stops and _DISCLAIMER.search(_direct_text(block.element)):
            block.disclaimer = True
    # Sum each block's prose and clutter into every block holding it, innermost first.
    scores: dict[etree._Element, list[float]] = {}
    for block in reversed(blocks):
        sums = scores.setdefault(block.element, [0.0, 0.0])
        sums[0] += block.prose()
        sums[1] += block.clutter()
        if block.outer is not None:
            outer = scores.setdefault(block.outer.element, [0.0, 0.0])
            outer[0] += sums[0]
            outer[1] += sums[1]
    best, best_score = None, 0.0
    for block in reversed(blocks):  # innermost first: a tie keeps the tighter block
        prose, clutter = scores[block.element]
        score = prose - clutter
        if prose and score > best_score:
            best, best_score = block.element, score
    if best is None:
        return []
    return _with_leads(blocks, best, scores, heading is not None, body)


def _with_leads(
    blocks: list[_Block],
    best: etree._Element,
    scores: dict[etree._Element, list[float]],
    headed: bool,
    body: etree._Element,
) -> list[etree._Element]:
    """Return the article's block and the leads printed apart from it, in document order.

    The lead or a first paragraph may sit in a block of its own beside the article's (163
    puts a picture gallery between them): a sibling with more prose than clutter is the
    article's too, and so is a sibling that credits the source (21cn's linked 摘自…); so
    is prose between the headline and the article (people.com.cn's deck). A summary box
    that repeats the first paragraph is kept, as the page prints it (the corpus references
    hold it so on three of caixun's four pages).
    """
    parent = best.getparent()
    chosen = {best}
    if parent is not None and best is not body:
        chosen.update(sibling for sibling in parent if sibling in scores and (
            scores[sibling][0] > scores[sibling][1] or is_source_credit(sibling)))  # fmt: skip
    if headed:
        holders = set(best.iterancestors())
        for block in blocks:
            if block.element is best:
                break
            if block.prose() and not block.before and block.element not in holders:
                chosen.add(block.element)
    found = [block.element for block in blocks if block.element in chosen]
    return [e for e in found if not any(holder in chosen for holder in e.iterancestors())]


def is_source_credit(element: etree._Element) -> bool:
    """Tell whether a block's whole text credits the article's source."""
    return SOURCE_CREDIT.match(squash(text_of(element))) is not None


def has_sentences(text: str) -> bool:
    """Tell whether text holds sentence punctuation."""
    return _PUNCTUATION.search(text) is not None


def _heading(body: etree._Element, headline: str) -> etree._Element | None:
    """Return the first heading whose text is the headline, or None."""
    if not headline:
        return None
    for heading in body.iter("h1", "h2", "h3"):
        if squash(text_of(heading)) == headline:
            return heading
    return None


def _read_blocks(
    body: etree._Element, heading: etree._Element | None, left_out: set[etree._Element]
) -> list[_Block]:
    """Return the page's blocks in document order, each with the text written directly in it."""
    blocks: list[_Block] = []
    # One frame per open element: its block, whether it is in a link, whether it is hidden.
    stack: list[tuple[_Block, bool, bool]] = []
    after_heading = heading is None
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if event == "end":
            if element is heading:
                after_heading = True
            stack.pop()
            if stack and element.tail and not stack[-1][2]:
                stack[-1][0].add(element.tail, stack[-1][1], after_heading)
            continue
        tag = element.tag
        if not stack:
            block = _Block(element, None)
            blocks.append(block)
            stack.append((block, False, False))
            if element.text:
                block.add(element.text, False, after_heading)
        elif (
            stack[-1][2]
            or not isinstance(tag, str)
            or tag in HIDDEN_TAGS
            or element in left_out
            or _is_aside(element)
        ):
            stack.append((stack[-1][0], False, True))  # a comment's text is hidden too
        else:
            outer, in_link, _ = stack[-1]
            in_link = in_link or tag == "a"
            if tag in _BLOCKS:
                outer = _Block(element, outer)
                blocks.append(outer)
            stack.append((outer, in_link, False))
            if element.text:
                outer.add(element.text, in_link, after_heading)
    return blocks


def drop_asides(article: etree._Element) -> None:
    """Remove from the copied blocks of an article what their class or id names as beside
    the article (the blocks themselves stay: they were chosen for their prose)."""
    for block in article:
        asides = []
        walk = etree.iterwalk(block, events=("start",))
        for _, element in walk:
            if element is not block and _is_aside(element):
                asides.append(element)
                walk.skip_subtree()  # what it holds goes with it
        for element in asides:
            drop_tree(element)


def _is_aside(element: etree._Element) -> bool:
    """Tell whether an element's class or id names it as something beside the article."""
    if not isinstance(element.tag, str):
        return False
    names = element.get("class", "") + " " + element.get("id", "")
    return len(names) > 1 and _ASIDE_NAME.search(names) is not None


def _direct_text(element: etree._Element) -> str:
    """Return the text of an element without that of the blocks nested in it."""
    parts = [element.text or ""]
    for child in element:
        if not (isinstance(child.tag, str) and child.tag in _BLOCKS):
            parts.append(text_of(child) if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return "".join(parts)
