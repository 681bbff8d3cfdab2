"""A site whose article fields are read by the CSS selectors it declares."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import ClassVar

from parsel import Selector

from crawler.common.dates import parse_local_datetime
from crawler.common.text import editor_name, split_keywords
from crawler.common.urls import https_url
from crawler.sites.base import Site
from crawler.sites.extract import article_body, first_text, inner_html, meta
from crawler.sites.generic import GenericPage
from crawler.sites.page import ArticlePage


class DeclaredSite(Site):
    """A site profile that declares the selectors of its fields.

    Each selector tuple is tried in order and the first that finds something wins.
    """

    TITLE: ClassVar[tuple[str, ...]] = ()  # the headline
    BODY: ClassVar[tuple[str, ...]] = ()  # the article body container (required)
    DATE_TEXT: ClassVar[tuple[str, ...]] = ()  # where the page prints its date and time
    SOURCE: ClassVar[tuple[str, ...]] = ()  # the article's own source (来源)
    EDITOR: ClassVar[tuple[str, ...]] = ()  # the 责任编辑 line


class DeclaredPage(ArticlePage):
    """A page read by its site's declared selectors; a field that needs more overrides it."""

    site: DeclaredSite

    @functools.cached_property
    def fallback(self) -> ArticlePage | None:
        """Return the page read by generic extraction, for the fields the selectors miss."""
        page = GenericPage(self.site, self.response, self.listing)
        page.selector = self.selector  # one parse of the page serves both readings
        return page

    @functools.cached_property
    def body(self) -> Selector:
        """Return the article body's element; raise ExtractionError if there is none."""
        return article_body(self.selector, *self.site.BODY)

    def meta(self, name: str) -> str:
        """Return a `<meta>` tag's content, by `property` or `name`."""
        return meta(self.selector, name)

    def text(self, *css: str) -> str:
        """Return the text of the first of these selectors that finds some."""
        return first_text(self.selector, *css)

    def title(self) -> str:
        """Return the headline."""
        return self.text(*self.site.TITLE)

    def published(self) -> datetime | None:
        """Return the date and time printed on the page, in the site's time zone."""
        return parse_local_datetime(self.text(*self.site.DATE_TEXT))

    def media_source(self) -> str:
        """Return the article's own source."""
        return self.text(*self.site.SOURCE)

    def editor(self) -> str:
        """Return the editor's name from the page's 责任编辑 line."""
        return editor_name(self.text(*self.site.EDITOR))

    def keywords(self) -> list[str]:
        """Return the page's keywords."""
        return split_keywords(self.meta("keywords"))

    def lead_image(self) -> str:
        """Return the page's `og:image`, else the site's default image."""
        return https_url(self.meta("og:image"), self.url) or self.site.default_image

    def body_html(self) -> str:
        """Return the body container's HTML."""
        return inner_html(self.body)

    def doc_id(self) -> str:
        """Return the site's id of the article: the one in the page's URL, else the listed one."""
        return self.site.listed_id(self.url, self.listing.listed_id)
