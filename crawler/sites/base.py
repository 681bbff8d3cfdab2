"""What a site declares: its name, hosts, channels, boilerplate, and a page parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from crawler.items import Article


class ExtractionError(ValueError):
    """A page could not be turned into an article; the message says why."""


@dataclass(frozen=True)
class Channel:
    """One listing of a site, filed under a topic / site / channel category triple."""

    id: str
    name: str
    categories: tuple[str, str, str]
    params: dict[str, str] = field(default_factory=dict)


class Site:
    """A news site: a declaration (class attributes) plus a page parser (`parse`)."""

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

    def listed_doc_id(self, url: str, listing: dict[str, Any]) -> str:
        """Return the site's id of an article known before fetching it; "" keys it by URL."""
        match = self.DOC_ID.search(url) if self.DOC_ID else None
        return "".join(match.groups()) if match else ""

    def new_article(
        self, response: TextResponse, channel: Channel, *, site: str = "", **fields: Any
    ) -> Article:
        """Start an Article of this site and channel, from this page, with these fields.

        `site` names the site when it is not this profile's own name (the generic profile
        reads it from each page).
        """
        return Article(
            url=response.url,
            site=site or self.name,
            site_key=self.key,
            channel=channel.id,
            categories=channel.categories,
            **fields,
        )

    def parse(
        self, response: TextResponse, channel: Channel, listing: dict[str, Any] | None = None
    ) -> Article:
        """Turn an article page (and its listing entry, if any) into an Article."""
        raise NotImplementedError
