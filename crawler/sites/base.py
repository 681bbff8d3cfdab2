"""What a site declares: its name, hosts, channels, boilerplate, and its page object class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from crawler.listing import Listing, article_key

if TYPE_CHECKING:
    from crawler.sites.page import ArticlePage


class ExtractionError(ValueError):
    """A page could not be turned into an article; the message says why."""


@dataclass(frozen=True)
class Channel:
    """One listing of a site, filed under a topic / site / channel category triple."""

    id: str
    name: str
    categories: tuple[str, str, str]
    params: dict[str, str] = field(default_factory=dict)
    # The generic profile's own channel: the page names its site (crawler/filing.py).
    named_by_page: bool = False


class Site:
    """A news site: a declaration (class attributes) and the page object that reads its pages."""

    key: ClassVar[str]  # short name used in settings and spider names
    name: ClassVar[str]  # the site's name as written in `author` and categories
    hosts: ClassVar[tuple[str, ...]]  # domains whose pages this site parses (subdomains too)
    channels: ClassVar[tuple[Channel, ...]]
    default_channel: ClassVar[str]
    default_image: ClassVar[str]  # lead image when an article has none
    boilerplate: ClassVar[tuple[str, ...]] = ()  # CSS selectors removed from the body
    # Regex (searched in the URL) that a sitemap entry must match to be fetched as an
    # article; "" takes every URL.
    article_urls: ClassVar[str] = ""
    # The site's article id in its URLs (the groups joined): it keys the archive, so an
    # article is known before it is fetched and under any of its URLs.
    DOC_ID: ClassVar[re.Pattern[str] | None] = None
    page_class: ClassVar[type[ArticlePage]]  # reads one of the site's pages

    def channel(self, channel_id: str) -> Channel:
        """Return the declared channel with this id."""
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        known = ", ".join(c.id for c in self.channels)
        raise KeyError(f"{self.key} has no channel {channel_id!r} (known: {known})")

    def handles(self, url: str) -> bool:
        """Tell whether a URL's host belongs to this site."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == domain or host.endswith("." + domain) for domain in self.hosts)

    def listed_id(self, url: str, listed: str = "") -> str:
        """Return the site's id of an article before fetching it: in its URL, else as listed."""
        match = self.DOC_ID.search(url) if self.DOC_ID else None
        return "".join(match.groups()) if match else listed

    def listing(self, url: str, listed_id: str = "", **known: Any) -> Listing:
        """Return what is known of an article before fetching it, with its archive key.

        The key is the site's id where the URL or the listing has one, else the URL.
        """
        found = self.listed_id(url, listed_id)
        return Listing(url=url, key=article_key(self.key, found, url), listed_id=found, **known)

    def page(self, response: TextResponse, listing: Listing | None = None) -> ArticlePage:
        """Return the page object that reads this fetched page of the site."""
        return self.page_class(self, response, listing or self.listing(response.url))
