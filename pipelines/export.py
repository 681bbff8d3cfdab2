"""Stage 4, export: write each article to its Markdown file in the archive, atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from w3lib.url import canonicalize_url

from crawler import stats
from crawler.archive.document import (
    article_identity,
    document_bytes,
    document_identity,
)
from crawler.archive.extension import ArchiveExtension
from crawler.archive.names import safe_name
from crawler.archive.state import ArchiveState, Record, archive_root, counting_state_errors, utc_now

logger = logging.getLogger(__name__)


def article_folder(root: Path, categories: tuple[str, ...]) -> Path:
    """Return the folder of a category triple: `<root>/<topic>/<site>/<channel>`."""
    return root.joinpath(*(safe_name(part) for part in categories))


def clash_suffix(adapter: ItemAdapter) -> str:
    """Return the short stable suffix that tells apart two articles with one title.

    Taken from the article's key: the site's id where the key has one, else a hash of it.
    """
    site_key, key = adapter.get("site_key") or "", adapter["key"]
    site_id = (
        key.removeprefix(f"{site_key}:") if site_key and key.startswith(f"{site_key}:") else ""
    )
    return safe_name(site_id, fallback="") or hashlib.sha1(key.encode()).hexdigest()[:12]


def file_identity(path: Path) -> tuple[str, str] | None:
    """Read the identity of the article stored in a file, or None if unreadable."""
    try:
        return document_identity(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class MarkdownExportPipeline:
    """Write each article to `MARKDOWN_EXPORT_DIR/<topic>/<site>/<channel>/<title>.md`."""

    writes_archive = True  # `scrapy render` leaves out the pipelines that touch the archive

    def __init__(
        self,
        root: Path,
        extra_fields: tuple[str, ...],
        stats: StatsCollector,
        state: ArchiveState | None = None,
    ) -> None:
        self.root = root
        self.extra_fields = extra_fields
        self.stats = stats
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MarkdownExportPipeline:
        """Build the pipeline from the MARKDOWN_EXPORT_* settings."""
        settings = crawler.settings
        if not settings.getbool("MARKDOWN_EXPORT_ENABLED", True):
            raise NotConfigured("MARKDOWN_EXPORT_ENABLED is off")
        assert crawler.stats is not None
        archive = crawler.get_extension(ArchiveExtension)
        return cls(
            archive_root(settings),
            tuple(settings.getlist("MARKDOWN_EXTRA_FIELDS")),
            crawler.stats,
            archive.state if archive else None,
        )

    def render(self, item: Any) -> bytes:
        """Return the bytes of the article's Markdown document."""
        return document_bytes(item, self.extra_fields)

    def target_path(self, adapter: ItemAdapter, identity: tuple[str, str]) -> Path:
        """Return a new article's file: named after its title, suffixed if that name is taken.

        A file of that name is this article's only when no other article's record holds it
        and it holds this title and date: the file of a run killed before its record was
        written. Without an archive state, title and date are all there is to go by.
        """
        folder = article_folder(self.root, tuple(adapter["categories"]))
        path = folder / safe_name(adapter["title"], ".md")
        if not path.exists():
            return path
        owner = self.state.lookup_path(str(path.relative_to(self.root))) if self.state else None
        if owner is None and file_identity(path) == identity:
            return path
        return folder / safe_name(adapter["title"], f"_{clash_suffix(adapter)}.md")

    def known_record(self, key: str, identity: tuple[str, str]) -> Record | None:
        """Find the article in the state by key, else (state rebuilt from files) by identity."""
        if self.state is None:
            return None
        known = self.state.lookup(key)
        if known is None:
            adoptable = self.state.lookup_identity(*identity)
            if adoptable is not None and adoptable.key.startswith("file:"):
                known = adoptable
        return known

    def process_item(self, item: Any) -> Any:
        """Write the article unless its file already holds exactly these bytes; record it.

        A known article keeps the file it was first written to, even if its title changed
        since: links into the archive stay valid and no second copy appears.
        """
        adapter = ItemAdapter(item)
        data = self.render(item)
        # What `document_identity` would read back from `data`, without parsing its YAML.
        identity = article_identity(item)
        key = adapter["key"]  # decided from the listing, before the fetch
        known = self.known_record(key, identity)
        path = self.root / known.path if known else self.target_path(adapter, identity)
        try:
            existed = path.exists()
            unchanged = existed and path.read_bytes() == data
            if not unchanged:
                write_atomically(path, data)
        except OSError as error:
            self.stats.inc_value(stats.WRITE_ERRORS)
            raise DropItem(f"cannot write {path} for {adapter['url']}: {error}") from error
        self.remember(
            key=key, known=known, adapter=adapter, path=path, data=data, identity=identity
        )
        if unchanged:
            self.stats.inc_value(stats.UNCHANGED)
        else:
            self.stats.inc_value(stats.UPDATED if existed else stats.WRITTEN)
            logger.info("%s %s <%s>", "Updated" if existed else "Wrote", path, adapter["url"])
        return item

    def remember(
        self,
        *,
        key: str,
        known: Record | None,
        adapter: ItemAdapter,
        path: Path,
        data: bytes,
        identity: tuple[str, str],
    ) -> None:
        """Record the article's file and content in the archive state.

        A failed record (state locked, disk full) is logged and counted, not raised: the
        file is in place, and the next run that lists the article matches it to its file.
        """
        if self.state is None:
            return
        now = utc_now()
        published, modified = adapter.get("published"), adapter.get("modified")
        title, date = identity
        doing = f"record {path} <{adapter['url']}>"
        with counting_state_errors(self.stats, self.state.path, doing):
            self.state.record(
                Record(
                    key=key,
                    url=canonicalize_url(adapter["url"]),
                    path=str(path.relative_to(self.root)),
                    content_hash=hashlib.sha256(data).hexdigest(),
                    title=title,
                    date=date,
                    published=published.isoformat() if published else None,
                    modified=modified.isoformat() if modified else None,
                    first_seen=known.first_seen if known else now,
                    last_seen=now,
                ),
                replaces=known.key if known else None,
            )
