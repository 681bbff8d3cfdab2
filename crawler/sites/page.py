"""The page object: one fetched article page, read field by field, and made an Article."""

from __future__ import annotations

import functools
from datetime import datetime

from parsel import Selector
from scrapy.http import TextResponse

from crawler.common.html import absolutize_urls, parse_fragment, serialize_fragment
from crawler.common.urls import https_url
from crawler.items import Article
from crawler.listing import Listing
from crawler.sites.base import Site
from crawler.sites.extract import page_selector


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

    def article(self) -> Article:
        """Return the page's Article, not yet filed under a channel (crawler/filing.py).

        Precedence, for every site and source: the page's title and date, else the
        listing's, except that an authoritative listing (a feed item) wins; the listing's
        modified time (the version the archive compares); the page's source and keywords,
        else the listing's; the listing's image where the page has only the site default.
        The article keeps the listed URL; a body read after a redirect gets its relative
        URLs resolved where it was read.
        """
        listing = self.listing
        body = self.body_html()
        if listing.authoritative:
            title = listing.title or self.title()
            published = listing.published or self.published()
        else:
            title = self.title() or listing.title
            published = self.published() or listing.published
        lead_image = self.lead_image()
        if listing.image and lead_image in ("", https_url(self.site.default_image, self.url)):
            lead_image = listing.image
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
            media_source=self.media_source() or listing.source,
            editor=self.editor(),
            keywords=self.keywords() or list(listing.keywords),
            lead_image=lead_image,
            body_html=body,
            doc_id=self.doc_id(),
        )
