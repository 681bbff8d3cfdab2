"""The one item the project scrapes: a news article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Article:
    """A news article on its way from a page to the Markdown archive."""

    url: str
    site: str  # the site's name, written as the article's `author` and in its categories
    channel: str
    categories: tuple[str, str, str]
    title: str = ""
    published: datetime | None = None  # timezone-aware
    modified: datetime | None = None  # the source's last-modified time (roll API `mtime`)
    media_source: str = ""  # the article's own source, e.g. 新京报
    editor: str = ""
    keywords: list[str] = field(default_factory=list)
    lead_image: str = ""  # page metadata's image until the cleaned body offers one
    body_html: str = ""
    fetched: datetime = field(default_factory=lambda: datetime.now(UTC))
    doc_id: str = ""  # the site's own id, e.g. Sina's publishid
    site_key: str = ""  # the profile that extracted it (`crawler.sites`); empty: none did
