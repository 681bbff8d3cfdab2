"""The page object: one fetched article page, read field by field, and made an Article."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from parsel import Selector
from scrapy.http import TextResponse

from crawler.common.html import absolutize_urls, has_text, parse_fragment, serialize_fragment
from crawler.common.urls import https_url
from crawler.items import Article
from crawler.listing import Listing
from crawler.sites.base import ExtractionError, Site
from crawler.sites.extract import page_selector

T = TypeVar("T")


class ArticlePage:
    """A fetched page of a site and what discovery knew of it (its Listing).

    The parsed page is built once and cached; each field is one method without arguments.
    A site's page class overrides the fields its pages need; `article()` decides, in this
    one place, which of the page and the listing wins for each field.
    """

    def __init__(self, site: Site, response: TextResponse, listing: Listing) -> None:
        self.site = site
        self.response = response
        self.listing = listing

    @functools.cached_property
    def selector(self) -> Selector:
        """Return the parsed page (a UTF-8 page parsed straight from its bytes)."""
        return page_selector(self.response)

    @property
    def url(self) -> str:
        """Return the URL the page was read from (after redirects)."""
        return self.response.url

    def title(self) -> str:
        """Return the headline."""
        return ""

    def published(self) -> datetime | None:
        """Return when the article was published (timezone-aware)."""
        return None

    def media_source(self) -> str:
        """Return the article's own source (新京报, 参考消息, ...)."""
        return ""

    def editor(self) -> str:
        """Return the editor's name."""
        return ""

    def keywords(self) -> list[str]:
        """Return the page's keywords."""
        return []

    def lead_image(self) -> str:
        """Return the page metadata's image, else the site's default; the body may still win."""
        return self.site.default_image

    def body_html(self) -> str:
        """Return the article body's HTML; raise ExtractionError if the page has none."""
        raise NotImplementedError

    def doc_id(self) -> str:
        """Return the id the page gives the article (data: the listing decides identity)."""
        return self.listing.listed_id

    def site_name(self) -> str:
        """Return the site's name (the generic profile reads it from the page)."""
        return self.site.name

    def declared_image(self) -> str:
        """Return the image the page's metadata declares (og:image and the like), or ""."""
        return ""

    @functools.cached_property
    def fallback(self) -> ArticlePage | None:
        """Return the page read by generic extraction, for the fields this reading misses."""
        return None

    def article(self) -> Article:
        """Return the page's Article, not yet filed under a channel (crawler/filing.py).

        Precedence, for every site and source: the page's title and date, else the
        listing's, except that an authoritative listing (a feed item) wins; the listing's
        modified time (the version the archive compares); the page's source and keywords,
        else the listing's; the listing's image where the page has only the site default.
        A field that neither the page's own reading nor the listing has comes from the
        `fallback` reading (generic extraction), and is named in `Article.fallbacks`; so
        does a body the page's own reading does not find or finds without text.
        The article keeps the listed URL; a body read after a redirect gets its relative
        URLs resolved where it was read.
        """
        listing = self.listing
        supplied: list[str] = []

        def read(name: str, own: T, generic: Callable[[ArticlePage], T]) -> T:
            """Return the field's own value, else (named in `supplied`) the fallback's."""
            if own or self.fallback is None:
                return own
            found = generic(self.fallback)
            if found:
                supplied.append(name)
            return found or own

        body = self.own_or_fallback_body(supplied)
        if listing.authoritative:
            title = listing.title or self.title()
            published = listing.published or self.published()
        else:
            title = self.title() or listing.title
            published = self.published() or listing.published
        title = read("title", title, lambda page: page.title())
        published = read("date", published, lambda page: page.published())
        lead_image = self.lead_image()
        if lead_image in ("", https_url(self.site.default_image, self.url)):
            found = listing.image or read("lead_image", "", lambda page: page.declared_image())
            lead_image = found or lead_image
        try:
            editor = self.editor()
        except ExtractionError:  # read from the site's own body, which the page lacks
            editor = ""
        if self.url != listing.url:
            root = parse_fragment(body)
            absolutize_urls(root, self.url)
            body = serialize_fragment(root)
        return Article(
            url=listing.url,
            key=listing.key,
            site=self.site_name(),
            site_key=self.site.key,
            title=title,
            published=published,
            modified=listing.modified,
            media_source=read(
                "source", self.media_source() or listing.source, lambda page: page.media_source()
            ),
            editor=editor,
            keywords=self.keywords() or list(listing.keywords),
            lead_image=lead_image,
            body_html=body,
            doc_id=self.doc_id(),
            fallbacks=tuple(supplied),
        )

    def own_or_fallback_body(self, supplied: list[str]) -> str:
        """Return the page's own body, else the fallback's (adding `body` to `supplied`).

        Raises ExtractionError, with both reasons, when neither reading finds a body; a
        body without text that the fallback cannot better is kept (validate judges it).
        """
        try:
            body = self.body_html()
        except ExtractionError as error:
            if self.fallback is None:
                raise
            reason = str(error)
        else:
            if self.fallback is None or has_text(body):
                return body
            reason = ""
        try:
            found = self.fallback.body_html()
        except ExtractionError as error:
            if not reason:
                return body
            raise ExtractionError(f"{reason}; generic extraction: {error}") from None
        supplied.append("body")
        return found
