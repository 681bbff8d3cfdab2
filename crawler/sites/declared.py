"""A site whose article fields are read by the CSS selectors it declares."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from parsel import Selector
from scrapy.http import TextResponse

from crawler.common.dates import parse_local_datetime
from crawler.common.text import editor_name, split_keywords
from crawler.common.urls import https_url
from crawler.items import Article
from crawler.sites.base import Channel, Site
from crawler.sites.extract import article_body, first_text, inner_html, meta


class DeclaredSite(Site):
    """A site profile that declares selectors; a field that needs more overrides its method.

    Each selector tuple is tried in order and the first that finds something wins.
    """

    TITLE: ClassVar[tuple[str, ...]] = ()  # the headline
    BODY: ClassVar[tuple[str, ...]] = ()  # the article body container (required)
    DATE_TEXT: ClassVar[tuple[str, ...]] = ()  # where the page prints its date and time
    SOURCE: ClassVar[tuple[str, ...]] = ()  # the article's own source (来源)
    EDITOR: ClassVar[tuple[str, ...]] = ()  # the 责任编辑 line

    def parse(
        self, response: TextResponse, channel: Channel, listing: dict[str, Any] | None = None
    ) -> Article:
        """Extract an article from one of the site's pages (and its listing entry, if any)."""
        page = Selector(text=response.text)
        listing = listing or {}
        body = article_body(page, *self.BODY)
        title = self.title(page, listing)
        return self.new_article(
            response,
            channel,
            title=title,
            published=self.published(page, listing),
            modified=self.modified(listing),
            media_source=self.media_source(page, listing),
            editor=self.editor(page, body),
            keywords=self.keywords(page, listing, title),
            lead_image=https_url(meta(page, "og:image"), response.url) or self.default_image,
            body_html=inner_html(body),
            doc_id=self.doc_id(page, response.url, listing),
        )

    def title(self, page: Selector, listing: dict[str, Any]) -> str:
        """Return the headline."""
        return first_text(page, *self.TITLE)

    def published(self, page: Selector, listing: dict[str, Any]) -> datetime | None:
        """Return the date and time printed on the page, in the site's time zone."""
        return parse_local_datetime(first_text(page, *self.DATE_TEXT))

    def modified(self, listing: dict[str, Any]) -> datetime | None:
        """Return when the listing says the article last changed (none by default)."""
        return None

    def media_source(self, page: Selector, listing: dict[str, Any]) -> str:
        """Return the article's own source."""
        return first_text(page, *self.SOURCE)

    def editor(self, page: Selector, body: Selector) -> str:
        """Return the editor's name from the page's 责任编辑 line."""
        return editor_name(first_text(page, *self.EDITOR))

    def keywords(self, page: Selector, listing: dict[str, Any], title: str) -> list[str]:
        """Return the page's keywords."""
        return split_keywords(meta(page, "keywords"))

    def doc_id(self, page: Selector, url: str, listing: dict[str, Any]) -> str:
        """Return the site's id of the article."""
        return self.listed_doc_id(url, listing)
