"""Feeds: RSS 2.0 and Atom documents read into items, and the sources file that lists feeds.

A feed item becomes an article in one of two ways:

- **Full text in the feed.** When the item's own HTML (Atom `content` or RSS
  `content:encoded`, else `description` / Atom `summary`) holds the whole article, as
  RSSHub's items do, that HTML is the body and no page is fetched. `fulltext` chooses:
  `yes` (always), `no` (never: always fetch the page) or `auto` (the default), which takes
  the HTML as the article when it has at least `min_blocks` block elements with text
  (paragraphs, divs, list items…) and `min_chars` characters of text, and its text does not
  end with an ellipsis. An excerpt is one paragraph or plain text, or is cut off with `…`.
- **Otherwise** the item's link is fetched and extracted by a site profile
  (`crawler.sites`), as any crawled page.

The title, date and link always come from the item; the `author` is the feed's site name,
the second level of its category triple. The item's image (an `enclosure` or
`media:content` image) is the fallback lead image; the pipelines prefer the body's first.

Sources file (TOML, `-a sources=feeds.toml`): one `[[feed]]` table per feed, crawled in
the order given, so an article that two feeds list is filed under the first::

    [[feed]]
    url = "https://rsshub.app/stcn/kx"         # required: an http(s) RSS 2.0 or Atom feed
    categories = "金融/证券时报网/快讯"           # required: topic/site/channel (or a list of 3)
    profile = "stcn"                           # optional: the site profile for its items
    fulltext = "auto"                          # optional: "auto" (default), "yes" or "no"

`profile` names a key of `crawler.sites` (`sina`, `netease`, …, `web` for the generic
one). Without it, a fetched page gets the profile of its host (the generic profile for
other hosts), and a full-text body gets the boilerplate rules and default image of the
link's host's profile, if the host has one.
"""

from __future__ import annotations

import calendar
import html
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from crawler.common.html import innermost_blocks, parse_fragment, text_of
from crawler.common.text import squash
from crawler.common.urls import https_url, web_url
from crawler.filing import file_under
from crawler.items import Article
from crawler.listing import Listing
from crawler.sites import Channel, Site, all_sites, profile_for_url, site_for_url, site_named

FULLTEXT_CHOICES = ("auto", "yes", "no")
# The `auto` rule's defaults (settings FEED_FULLTEXT_MIN_BLOCKS / FEED_FULLTEXT_MIN_CHARS):
# a two-paragraph 快讯 is whole; under 80 characters, two blocks are a teaser (a headline
# and a one-line lead), not an article.
FULLTEXT_MIN_BLOCKS = 2
FULLTEXT_MIN_CHARS = 80
SOURCE_KEYS = ("url", "categories", "profile", "fulltext")
SOURCES_MAX_BYTES = 1 << 20  # a sources file of thousands of feeds is well under 1 MiB
# An excerpt often ends cut off: `…`, `...`, `[…]`, `(...)`.
_TRUNCATED = re.compile(r"(?:\.{3}|…)\s*[\])]?$")


class NotAFeedError(ValueError):
    """A document that is not a readable RSS or Atom feed; the message says why."""


class SkippedItemError(ValueError):
    """A feed item that cannot be archived; `reason` names the stat that counts it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class FeedSource:
    """One feed to crawl, the category triple its items are filed under, and how."""

    url: str
    categories: tuple[str, str, str]
    profile: str = ""  # a site profile key; empty: chosen by each item's URL
    fulltext: str = "auto"

    @property
    def channel(self) -> Channel:
        """Return the channel that files this feed's articles (its id is the feed URL)."""
        return Channel(id=self.url, name=self.categories[2], categories=self.categories)


@dataclass(frozen=True)
class Feed:
    """A feed document as read: its entries, its logo, and damage it was read despite."""

    entries: list[Any]  # feedparser entries
    logo: str
    damage: str  # why the XML is not well-formed, when its entries could be read anyway


@dataclass(frozen=True)
class FeedItem:
    """What one feed item says about its article."""

    link: str
    title: str
    published: datetime  # timezone-aware (UTC)
    modified: datetime  # the item's `updated`, else its publication time
    html: str  # the item's fullest HTML: its content, else its description
    image: str  # an enclosure / media:content image, absolute; may be empty
    author: str


def parse_categories(value: object) -> tuple[str, str, str]:
    """Read a category triple: `topic/site/channel` or a list of three non-empty names."""
    parts = value.split("/") if isinstance(value, str) else value
    if not isinstance(parts, list | tuple) or len(parts) != 3:
        raise ValueError(
            f"categories must be three levels TOPIC/SITE/CHANNEL (e.g. 金融/证券时报网/快讯), "
            f"not {value!r}"
        )
    names = [part.strip() if isinstance(part, str) else "" for part in parts]
    if not all(names):
        raise ValueError(f"categories must have three non-empty levels, not {value!r}")
    return names[0], names[1], names[2]


def feed_source(
    url: str, categories: object, profile: str = "", fulltext: object = "auto"
) -> FeedSource:
    """Check one feed's settings and return its FeedSource."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url must be an http(s) feed URL, not {url!r}")
    if categories in ("", None):
        raise ValueError(f"feed {url}: categories= is required (TOPIC/SITE/CHANNEL)")
    if profile:
        known = sorted(site.key for site in all_sites())
        try:
            site_named(profile)
        except KeyError:
            raise ValueError(
                f"profile must be a site profile ({', '.join(known)}), not {profile!r}"
            ) from None
    if isinstance(fulltext, bool):  # TOML `fulltext = true`
        fulltext = "yes" if fulltext else "no"
    if fulltext not in FULLTEXT_CHOICES:
        raise ValueError(f"fulltext must be one of {', '.join(FULLTEXT_CHOICES)}, not {fulltext!r}")
    return FeedSource(url, parse_categories(categories), profile, str(fulltext))


def read_sources_file(path: Path) -> list[FeedSource]:
    """Read a TOML sources file: one `[[feed]]` table per feed (see the module docstring)."""
    try:
        with path.open("rb") as file:
            data = file.read(SOURCES_MAX_BYTES + 1)  # `/dev/zero` is endless: read a bound
    except OSError as error:
        raise ValueError(f"sources file {path}: {error.strerror or error}") from None
    if len(data) > SOURCES_MAX_BYTES:
        raise ValueError(f"sources file {path} is larger than 1 MiB: not a sources file")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"sources file {path} is not UTF-8 text: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"sources file {path} is not valid TOML: {error}") from None
    tables = document.get("feed")
    unknown = sorted(set(document) - {"feed"})
    if unknown or not isinstance(tables, list) or not tables:
        raise ValueError(
            f"sources file {path}: expected [[feed]] tables only, found {unknown or 'none'}"
        )
    sources: list[FeedSource] = []
    for number, table in enumerate(tables, start=1):
        extra = sorted(set(table) - set(SOURCE_KEYS))
        try:
            if extra:
                raise ValueError(
                    f"unknown keys {', '.join(extra)} (known: {', '.join(SOURCE_KEYS)})"
                )
            if not isinstance(table.get("url"), str):
                raise ValueError('url = "…" is required')
            source = feed_source(
                table["url"],
                table.get("categories"),
                str(table.get("profile", "")),
                table.get("fulltext", "auto"),
            )
        except ValueError as error:
            raise ValueError(f"sources file {path}, feed {number}: {error}") from None
        if any(known.url == source.url for known in sources):
            raise ValueError(f"sources file {path}, feed {number}: {source.url} is listed twice")
        sources.append(source)
    return sources


def read_feed(body: bytes, url: str, content_type: str = "") -> Feed:
    """Read a feed document; raise NotAFeedError if it is not a feed that can be read."""
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": content_type, "content-location": url},
        # Bodies stay as the feed wrote them: feedparser's sanitiser would drop attributes
        # the archive keeps (`cms-style`); the pipelines clean bodies for every source.
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    # A wrong or missing charset or media type is no damage: the feed was read all the same.
    if isinstance(problem, feedparser.ThingsNobodyCaresAboutButMe):
        problem = None
    if not parsed.entries and (problem is not None or not parsed.get("version")):
        why = str(problem) if problem is not None else "no <rss>, <rdf:RDF> or <feed> root element"
        raise NotAFeedError(f"not an RSS or Atom feed ({why})")
    feed = parsed.get("feed", {})
    logo = (feed.get("image") or {}).get("href") or feed.get("logo") or ""
    return Feed(
        entries=list(parsed.entries),
        logo=https_url(logo, url) if logo else "",
        damage=str(problem) if problem is not None else "",
    )


def read_item(entry: Any, base_url: str) -> FeedItem:
    """Read an entry's link, title, dates, HTML and image; raise SkippedItemError if unusable."""
    title = entry_title(entry)
    raw_link = str(entry.get("link") or "").strip()
    if not raw_link:
        raise SkippedItemError("items_without_link", f"item {title!r} has no link")
    try:
        link = web_url(raw_link, base_url)
    except ValueError as error:
        raise SkippedItemError("items_without_link", f"item {title!r}: {error}") from None
    published = entry_time(entry, "published") or entry_time(entry, "updated")
    if published is None:
        raw = dict.get(entry, "published") or dict.get(entry, "updated")
        why = f"an unreadable date {raw!r}" if raw else "no pubDate, published or updated"
        raise SkippedItemError("items_without_date", f"item <{link}> has {why}: not archived")
    return FeedItem(
        link=link,
        title=title,
        published=published,
        modified=entry_time(entry, "updated") or published,
        html=entry_html(entry),
        image=entry_image(entry, link),
        author=squash(str(entry.get("author") or "")),
    )


def entry_time(entry: Any, name: str) -> datetime | None:
    """Return an entry's `published` or `updated` time as an aware UTC datetime.

    feedparser has already converted it to UTC. `dict.get` skips feedparser's deprecated
    alias that answers `updated` with `published` (and warns).
    """
    parsed = dict.get(entry, f"{name}_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def entry_title(entry: Any) -> str:
    """Return an entry's title as plain text (Atom titles may be HTML)."""
    detail = dict.get(entry, "title_detail") or {}
    title = str(dict.get(entry, "title") or "")
    if "html" in str(detail.get("type", "")) and title.strip():
        title = text_of(parse_fragment(title))
    return squash(title)


def entry_html(entry: Any) -> str:
    """Return the entry's fullest HTML: its content, else its description (summary)."""
    for detail in [*(entry.get("content") or []), entry.get("summary_detail")]:
        value = str((detail or {}).get("value") or "")
        if value.strip():
            if "html" in str(detail.get("type", "text/html")):
                return value
            # Plain text: its paragraphs, escaped, so the pipelines see article markup.
            paragraphs = [part.strip() for part in value.split("\n\n") if part.strip()]
            return "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in paragraphs)
    return ""


def entry_image(entry: Any, base_url: str) -> str:
    """Return the entry's own image: an image enclosure, media:content or media:thumbnail."""
    candidates = [
        link.get("href")
        for link in entry.get("enclosures") or []
        if str(link.get("type", "")).startswith("image/")
    ]
    candidates += [
        media.get("url")
        for media in entry.get("media_content") or []
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")
    ]
    candidates += [media.get("url") for media in entry.get("media_thumbnail") or []]
    return next(
        (https_url(str(url), base_url) for url in candidates if url and str(url).strip()), ""
    )


def is_full_text(body_html: str, min_blocks: int, min_chars: int) -> bool:
    """Tell whether an item's HTML reads as the whole article rather than an excerpt."""
    if not body_html.strip():
        return False
    root = parse_fragment(body_html)
    text = squash(text_of(root))
    if len(text) < min_chars or _TRUNCATED.search(text):
        return False
    # Innermost blocks: a wrapper `<div>` around the paragraphs is not a paragraph more.
    blocks = [
        element
        for element in innermost_blocks(root)
        if element is not root and squash(text_of(element))
    ]
    return len(blocks) >= min_blocks


def wants_page(item: FeedItem, source: FeedSource, min_blocks: int, min_chars: int) -> bool:
    """Tell whether the item's page must be fetched (its feed HTML is not the article)."""
    if source.fulltext == "yes":
        return not item.html.strip()
    if source.fulltext == "no":
        return True
    return not is_full_text(item.html, min_blocks, min_chars)


def body_profile(item: FeedItem, source: FeedSource) -> Site | None:
    """Return the profile whose boilerplate rules and default image fit an item's own HTML.

    RSSHub copies the article's markup from the site's page, footer and editor line
    included, so the rules written for that site's pages apply to it as well.
    """
    if source.profile:
        return site_named(source.profile)
    try:
        return site_for_url(item.link)
    except KeyError:
        return None  # only the generic boilerplate rules apply


def page_profile(url: str, source: FeedSource) -> Site:
    """Return the profile that extracts an item's page: the feed's, else the page host's."""
    return site_named(source.profile) if source.profile else profile_for_url(url)


def feed_article(item: FeedItem, source: FeedSource, logo: str = "") -> Article:
    """Build the article of an item whose own HTML is the whole article."""
    profile = body_profile(item, source)
    default_image = https_url(profile.default_image, item.link) if profile else ""
    article = Article(
        url=item.link,
        title=item.title,
        published=item.published,
        modified=item.modified,
        media_source=item.author,
        lead_image=item.image or default_image or logo,
        body_html=item.html,
        site_key=profile.key if profile else "",
    )
    return file_under(article, source.channel)


def item_listing(item: FeedItem) -> Listing:
    """Return what a feed item says of its article: its title and date are the publisher's.

    A feed's items are known by their links: the feed is a source of its own, and another
    source's copy of the same article keeps its own key (the first source keeps the file).
    """
    return Listing(
        url=item.link,
        title=item.title,
        published=item.published,
        modified=item.modified,
        source=item.author,
        image=item.image,
        authoritative=True,
    )
