"""Any other site (key `web`): the body is the page's blocks of prose (readability-lxml's or
trafilatura's where it has none), the rest comes from metadata."""

from __future__ import annotations

import copy
import functools
import html
import logging
from datetime import datetime, time
from typing import Any, cast
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from crawler.common.dates import parse_iso_datetime, parse_local_datetime
from crawler.common.html import is_block
from crawler.common.text import split_keywords, squash
from crawler.common.urls import https_url
from crawler.sites.base import Channel, ExtractionError, Site
from crawler.sites.extract import meta
from crawler.sites.page import ArticlePage
from crawler.sites.prose import drop_asides, find_article, has_sentences, is_source_credit

# trafilatura warns of a page where it finds too little text ("discarding data"): this
# profile says so itself, once, with the reasons of every reading it tried. Its errors pass.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# How trafilatura is asked for the article, chosen by measuring the fixture pages
# (benchmarks/generic_overlap.py): `favor_precision` lost 31 of 163-money-1's 32 paragraphs,
# hexun-stock-1's only one and one of synthetic-2016's five; `favor_recall` kept nothing
# more and let more sidebar in (stcn-1); so neither. Readers' comments are not the article.
EXTRACTION: dict[str, Any] = {
    "output_format": "html",
    "include_images": True,
    "include_tables": True,
    "include_links": True,
    "include_formatting": True,  # <strong>, <em>, <sub>, <sup> ... as in the page
    "include_comments": False,
}
# htmldate gives the day only unless its output format asks for the time as well. Asked
# directly, not through trafilatura's `extract_metadata`, which reads the author, site name
# and the rest first (13 ms of a generic page's 20, measured on gz.city.ifeng-5faabba853).
DATE_CONFIG: dict[str, Any] = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%d %H:%M:%S",
}
# Metadata that declare the publication time, most common first.
DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "publishdate",
    "pubdate",
    "PubDate",
    "publish-date",
    "dc.date.issued",
    "DC.date.issued",
    "sailthru.date",
    "parsely-pub-date",
)
# A byline prints the time right under the headline; a date further away is more likely a
# related article's, better left to htmldate's page-wide judgement.
PRINTED_DATE_WINDOW = 300
PRINTED_TITLE_TRIES = 3  # occurrences of the headline looked after
VISIBLE_TEXT = "//body//text()[not(ancestor::script or ancestor::style)]"
KEYWORD_SEPARATORS = r"[,，;；、]"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TABLE_TAGS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")
# trafilatura keeps the related-article lists and "more" links of many Chinese news pages;
# a block that is this much link text is navigation, not article (measured: precision on
# 163-money-1 0.73 → 0.90, news.sina pages 0.68 → 0.89 and 0.57 → 0.85, recall unchanged).
LINK_TEXT_SHARE = 0.8
# Script code, whose comments and literals carry the dates of its own versions (`@date
# 2022-02-21` in a WeChat page's bundle): htmldate reads no date from it. JSON-LD, which
# declares the article's, stays.
_SCRIPT_CODE = etree.XPath("//script[not(contains(@type, 'json'))]")
_UNLINKED_TEXT = etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)
# readability-lxml's body is taken unless trafilatura's has more than 1 / this of its text:
# mean F1 on the corpus 0.862 with trafilatura alone, 0.905 with readability alone (three
# pages lost), 0.915 choosing so (flat from 0.3 to 0.5; 0.889 at 0.7).
READABILITY_SHARE = 0.4
# Less text than this from both: trafilatura's slower path with its fallbacks is tried too.
FEW_CHARS = 500
# The least text (without white space, the headline, link and button labels) an article
# has: the shortest news flash is a sentence; a login form or a list of links has less.
MIN_ARTICLE_CHARS = 10


class GenericPage(ArticlePage):
    """Any page: the body found by its prose, the other fields read from its metadata."""

    def meta(self, name: str) -> str:
        """Return a `<meta>` tag's content, by `property` or `name`."""
        return meta(self.selector, name)

    def title(self) -> str:
        """Return the headline (see `headline`)."""
        return self.headline

    @functools.cached_property
    def headline(self) -> str:
        """Return the headline: the longest heading that og:title or `<title>` contains.

        `<title>` adds the site's name and og:title may be cut short (163 cuts it at a
        `"`), so a heading they contain is the clean, whole headline; failing that,
        og:title, `<title>`, the first `h1`.
        """
        page = self.selector
        declared = [squash(self.meta("og:title")), squash(page.css("title::text").get() or "")]
        headings = [squash(" ".join(h.css("::text").getall())) for h in page.css("h1, h2")]
        confirmed = [h for h in headings if h and any(h in text for text in declared)]
        if confirmed:
            return max(confirmed, key=len)
        return next((text for text in declared if text), "") or next(iter(headings), "")

    def site_name(self) -> str:
        """Return the name the page gives its site: og:site_name, else its host.

        Used only where the caller's channel names no site (crawler/filing.py).
        """
        host = (urlsplit(self.url).hostname or "").lower()
        return squash(self.meta("og:site_name")) or host.removeprefix("www.")

    def published(self) -> datetime | None:
        """Return the declared time, else the time printed under the headline, else htmldate's.

        Times without an offset are Beijing time, as everywhere in this project.
        """
        declared = self.declared_time()
        if declared is not None and declared.timetz().replace(tzinfo=None) != time():
            return declared
        # A day without a time (`<meta name="publishdate" content="2012-01-17">`): the
        # byline under the headline may print the minute of that day.
        printed = self.printed_time()
        if declared is not None and (printed is None or printed.date() != declared.date()):
            return declared
        return printed or self.htmldate_time()

    def declared_time(self) -> datetime | None:
        """Return the time a date meta tag (`article:published_time` and the like) declares."""
        values = [self.meta(name) for name in DATE_METAS]
        values.append(self.selector.css('[itemprop="datePublished"]::attr(content)').get() or "")
        for value in filter(None, values):
            found = parse_iso_datetime(value) or parse_local_datetime(value)
            if found:
                return found
        return None

    def printed_time(self) -> datetime | None:
        """Return a date and time printed just after the headline (a byline), Beijing time."""
        title = self.title()
        if not title:
            return None
        text = squash(" ".join(self.selector.xpath(VISIBLE_TEXT).getall()))
        # The headline may be printed before it heads the article (a breadcrumb, a list of
        # the channel's news): the first occurrence followed by a time is the byline's.
        start = text.find(title)
        for _ in range(PRINTED_TITLE_TRIES):
            if start < 0:
                return None
            after = start + len(title)
            found = parse_local_datetime(text[after : after + PRINTED_DATE_WINDOW])
            if found:
                return found
            start = text.find(title, after)
        return None

    def htmldate_time(self) -> datetime | None:
        """Return the publication time htmldate finds in the page (read as trafilatura
        reads it: without comments, where some templates stamp their own build time)."""
        import htmldate  # noqa: PLC0415 (imported when used: see trafilatura_body)
        import trafilatura.utils  # noqa: PLC0415

        tree = trafilatura.utils.load_html(self.response.text)
        if tree is None:
            return None
        for script in _SCRIPT_CODE(tree):
            script.drop_tree()
        found = htmldate.find_date(tree, url=self.url, **DATE_CONFIG)
        return parse_iso_datetime(found) if found else None

    def media_source(self) -> str:
        """Return the article's author or source from `article:author` / `author` metadata."""
        for name in ("article:author", "author"):
            value = squash(self.meta(name))
            # Open Graph allows a profile URL here: that names no one readable.
            if value and not value.startswith(("http://", "https://")):
                return value
        return ""

    def keywords(self) -> list[str]:
        """Return the page's keywords, without the headline some sites list first.

        Lists without commas (or the like) are split at spaces, as Chinese sites write them.
        """
        title = self.title()
        declared = self.meta("keywords") or self.meta("news_keywords")
        # The headline may hold a separator itself (`…共生共荣，用户…`), so it goes first.
        declared = declared.replace(title, "") if title else declared
        words = split_keywords(declared, KEYWORD_SEPARATORS)
        return words[0].split() if len(words) == 1 else words

    def lead_image(self) -> str:
        """Return the declared image, else the site's icon; the body may still win."""
        return self.declared_image() or self.icon()

    def declared_image(self) -> str:
        """Return og:image (or twitter:image), or ""."""
        for name in ("og:image", "twitter:image"):
            image = https_url(self.meta(name), self.url)
            if image:
                return image
        return ""

    def icon(self) -> str:
        """Return the site's largest usual icon: apple-touch-icon, icon, else /favicon.ico."""
        links = self.selector.css("link[rel][href]")
        for wanted in ("apple-touch-icon", "icon"):
            for link in links:
                href = link.attrib["href"].strip()
                if wanted in link.attrib["rel"].lower().split() and not href.startswith("data:"):
                    return https_url(href, self.url)
        return https_url(self.site.default_image, self.url)

    def body_html(self) -> str:
        """Return the article body, as HTML for the pipelines to clean: the blocks of prose
        (crawler/sites/prose.py), else readability's or trafilatura's body.

        Measured on the corpus (benchmarks/quality.py --corpus --peers): the prose blocks
        score above every peer, in a fraction of their time, on the pages of every host
        group. Raises ExtractionError when none finds article text.
        """
        chosen = self.prose_body()
        if chosen is None:
            chosen = self.peer_body()
        return html.escape(chosen.text or "", quote=False) + "".join(
            lxml.html.tostring(child, encoding="unicode") for child in chosen
        )

    def peer_body(self) -> lxml.html.HtmlElement:
        """Return readability's body, unless trafilatura finds far more text
        (READABILITY_SHARE), then trafilatura's; for pages without prose blocks.

        Measured on the corpus before the prose blocks: readability-lxml keeps the article
        whole where trafilatura keeps comment blocks, related lists and navigation, but on
        some templates it takes one block of a longer article.
        """
        found = [self.readability_body(), self.trafilatura_body()]
        if all(body is None or len(squash(body.text_content())) < FEW_CHARS for body in found):
            # Both found little: trafilatura's own fallbacks (justext, its readability) may
            # find the article that its fast path and readability-lxml missed.
            found.append(self.trafilatura_body(fast=False))
            found = [max(found[1:], key=_text_length), found[0]][::-1]
        bodies = [body for body in found if body is not None]
        if not bodies:
            raise ExtractionError(
                "no article text found (prose blocks, readability, trafilatura):"
                " not an article page?"
            )
        lengths = [len(squash(body.text_content())) for body in bodies]
        return bodies[0] if lengths[0] >= READABILITY_SHARE * lengths[-1] else bodies[-1]

    def prose_body(self) -> lxml.html.HtmlElement | None:
        """Return a copy of the block holding the page's prose (crawler/sites/prose.py), or None."""
        root = self.selector.root
        body = root.find("body")
        found = find_article(root if body is None else body, self.title(), self.boilerplate(root))
        if not found:
            return None
        article = lxml.html.Element("div")
        for element in found:
            copied = cast(lxml.html.HtmlElement, copy.deepcopy(element))  # parsel's tree
            copied.tail = None
            article.append(copied)
        drop_asides(article)
        return self.article_text(article)

    def readability_body(self) -> lxml.html.HtmlElement | None:
        """Return the body readability-lxml finds, cleaned as trafilatura's, or None."""
        # Imported when used (as trafilatura): most `scrapy` commands read no page.
        import readability  # noqa: PLC0415

        document = self.document()
        page = (
            document
            if isinstance(document, str)
            else lxml.html.tostring(document, encoding="unicode")
        )
        try:
            summary = readability.Document(page).summary(html_partial=True)
        except readability.readability.Unparseable:
            return None
        return self.article_text(lxml.html.fragment_fromstring(summary, create_parent="div"))

    def trafilatura_body(self, fast: bool = True) -> lxml.html.HtmlElement | None:
        """Return the body trafilatura finds (`fast`: without its fallbacks, readability is
        ours)."""
        # Imported here, not at the top: every `scrapy` command imports the site registry,
        # and trafilatura's import (0.2 s) would delay each start, most of which read no
        # page of an unknown site.
        import trafilatura  # noqa: PLC0415

        extracted = trafilatura.extract(self.document(), url=self.url, fast=fast, **EXTRACTION)
        # trafilatura writes `<html><body>…</body></html>`.
        body = lxml.html.fromstring(extracted).find("body") if extracted else None
        return self.article_text(body) if body is not None else None

    def article_text(self, body: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
        """Return an extracted body without the headline, link blocks and dead links; None
        if what is left is no article text."""
        drop_title_headings(body, self.title())
        drop_link_blocks(body)
        unwrap_empty_links(body)
        return body if self.is_article_text(squash(body.text_content())) else None

    def is_article_text(self, text: str) -> bool:
        """Tell whether extracted text is an article's, not what a page with none has left.

        On a page with little text trafilatura keeps what there is: a headline, link texts,
        a button (a channel's front page, a login page). Less than MIN_ARTICLE_CHARS of
        text besides those is no article.
        """
        text = "".join(text.replace(self.title(), "", 1).split()) if self.title() else text
        text = "".join(text.split())
        if len(text) >= MIN_ARTICLE_CHARS * 4:
            return True  # too long to be only a page's links (and cheaper not to look)
        for label in self.selector.xpath("//a | //button"):
            words = "".join("".join(label.xpath(".//text()").getall()).split())
            if words:
                text = text.replace(words, "", 1)
        return len(text) >= MIN_ARTICLE_CHARS

    def document(self) -> str | lxml.html.HtmlElement:
        """Return the page for trafilatura: without its site's boilerplate, if it declares any.

        A profile's page read by this fallback keeps its site's boilerplate rules: they match
        the page's classes and ids, which trafilatura's output no longer has.
        """
        if not self.site.boilerplate:
            return self.response.text
        tree: lxml.html.HtmlElement = copy.deepcopy(self.selector.root)  # trafilatura edits it
        for element in self.boilerplate(tree):
            if element.getparent() is not None:
                element.drop_tree()
        return tree

    def boilerplate(self, tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
        """Return the elements of a page's tree that its site's boilerplate selectors match."""
        return [element for css in self.site.boilerplate for element in tree.cssselect(css)]

    def doc_id(self) -> str:
        """Return no id: pages of other sites are known by their URL."""
        return ""


class Generic(Site):
    """Pages of sites without a profile of their own: the fallback of `profile_for_url`.

    The site name (`author`, and the site level of the categories) is the caller's: a feed
    or sitemap spider passes a `Channel` whose categories the user chose, and its site level
    `channel.categories[1]` is the name, so `author` and the folder always agree, as in
    every profile. With the default channel no site is chosen, so the page names itself:
    its `og:site_name`, else its host without `www.`; the categories then become
    `新闻 / <that name> / 网页`, keeping pages of different sites in different folders.
    """

    key = "web"
    name = "网页"
    hosts = ()  # claims no URL by host: `profile_for_url` falls back to it
    default_channel = "web"
    # Resolved against each page's URL: a page with no image in its body and no og:image
    # gets its own site's icon (`lead_image` prefers the icons the page declares). Not the
    # empty string (the front matter needs a URL), not a placeholder or a random picture
    # (the old archiver's bug): an image of the same site, as the other profiles use their
    # site's logo.
    default_image = "/favicon.ico"
    page_class = GenericPage
    channels = (
        Channel(id="web", name="网页", categories=("新闻", "网页", "网页"), named_by_page=True),
    )


def _text_length(body: lxml.html.HtmlElement | None) -> int:
    return -1 if body is None else len(squash(body.text_content()))


def drop_title_headings(body: lxml.html.HtmlElement, title: str) -> None:
    """Drop headings that repeat the headline: the front matter has the title."""
    if not title:
        return
    for heading in [h for h in body.iter(*HEADINGS) if squash(h.text_content()) == title]:
        heading.drop_tree()


def drop_link_blocks(body: lxml.html.HtmlElement) -> None:
    """Drop blocks whose text is nearly all link text: related-article lists, "more" links.

    Innermost blocks first, so a paragraph with a few links inside a list of links stays.
    A table is judged whole (inner tables first), never cell by cell: its cells are often
    links (stock names) beside figures that are content; a table of nothing but links is
    a box of them.
    """
    blocks = [
        element
        for element in body.iterdescendants()
        if is_block(element) and element.tag not in TABLE_TAGS
        and next(element.iterancestors("table"), None) is None
    ]  # fmt: skip
    tables = list(body.iterdescendants("table"))
    for table in tables:  # outer tables first: a box of pictures may nest a table of them
        if is_picture_links(table):
            table.drop_tree()
    for block in blocks[::-1] + tables[::-1]:
        text = _length(block)
        linked = sum(_length(link) for link in block.iter("a"))
        # A credit that links to its source stays: it is the article's.
        if text and linked >= LINK_TEXT_SHARE * text and not is_source_credit(block):
            block.drop_tree()


def is_picture_links(table: lxml.html.HtmlElement) -> bool:
    """Tell whether a table is a box of linked pictures (promotions, other articles): two
    or more pictures, each a link, and no sentence outside the links (a caption has one)."""
    pictures = list(table.iter("img"))
    if len(pictures) < 2 or any(next(p.iterancestors("a"), None) is None for p in pictures):
        return False
    return not has_sentences("".join(_UNLINKED_TEXT(table)))


def _length(element: lxml.html.HtmlElement) -> int:
    return len("".join(element.text_content().split()))


def unwrap_empty_links(body: lxml.html.HtmlElement) -> None:
    """Keep the text of links trafilatura left without a target, but not the dead `<a>`."""
    for link in [a for a in body.iter("a") if not a.get("href", "").strip()]:
        link.drop_tag()
