"""The one item the project scrapes: a news article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from w3lib.url import canonicalize_url


@dataclass
class Article:
    """A news article on its way from a page to the Markdown archive."""

    url: str
    # Filing (crawler/filing.py): the site's name, written as `author` and in the categories.
    site: str = ""
    channel: str = ""
    categories: tuple[str, str, str] = ("", "", "")
    title: str = ""
    published: datetime | None = None  # timezone-aware
    modified: datetime | None = None  # the version the listing named (roll API `mtime`, ...)
    media_source: str = ""  # the article's own source, e.g. 新京报
    editor: str = ""
    keywords: list[str] = field(default_factory=list)
    lead_image: str = ""  # page metadata's image until the cleaned body offers one
    body_html: str = ""
    fetched: datetime = field(default_factory=lambda: datetime.now(UTC))
    doc_id: str = ""  # the id the page gives itself (Sina's publishid): data, not identity
    site_key: str = ""  # the profile that extracted it (`crawler.sites`); empty: none did
    # The archive key, decided once from the listing before the fetch (crawler/listing.py);
    # an article made without one is known by its canonical URL.
    key: str = ""
    # The fields the site profile's own reading missed and generic extraction supplied
    # (`title`, `date`, `body`, `source`, `lead_image`): counted and logged by the body stage.
    fallbacks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.key:
            self.key = canonicalize_url(self.url)
