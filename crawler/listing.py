"""What discovery knows of an article before fetching it, and the key it is archived under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from w3lib.url import canonicalize_url


def article_key(site_key: str, doc_id: str, url: str) -> str:
    """Return an article's stable key: the site's own id where it has one, else its URL."""
    return f"{site_key}:{doc_id}" if site_key and doc_id else canonicalize_url(url)


@dataclass(frozen=True)
class Listing:
    """What a discovery step (roll API, feed, sitemap) knew of an article before fetching it.

    `key` is the article's archive key, decided once (`Site.listing`; by default the canonical
    URL) and carried on the item to the archive; the id a page carries is data, never identity.
    """

    url: str
    key: str = ""
    listed_id: str = ""  # the site's id of the article, from its URL or the listing
    title: str = ""
    published: datetime | None = None
    modified: datetime | None = None  # the version discovery saw: the archive compares it
    keywords: tuple[str, ...] = ()
    source: str = ""  # the article's own source (媒体), as listed
    image: str = ""  # an image the listing names (a feed item's enclosure), absolute
    # A feed item's title and date are the publisher's own word: they win over the page's.
    authoritative: bool = False

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", canonicalize_url(self.url))
