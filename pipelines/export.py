"""Stage 4, export: write each article to its Markdown file in the archive, atomically."""

from __future__ import annotations

import hashlib
import logging
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
    body_digest,
    document_bytes,
    document_identity,
)
from crawler.archive.extension import ArchiveExtension
from crawler.archive.files import write_atomically
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

    def known_record(self, key: str, identity: tuple[str, str], body_hash: str) -> Record | None:
        """Find the article in the state by key, else (state rebuilt from files) by its file.

        An adopted file holds the article if it has its date and its title or its body:
        a headline that changed after the state was lost still finds the one file.
        """
        if self.state is None:
            return None
        return self.state.lookup(key) or self.state.lookup_adoptable(*identity, body_hash)

    def process_item(self, item: Any) -> Any:
        """Write the article unless its file already holds exactly these bytes; record it.

        A known article keeps the file it was first written to, even if its title changed
        since: links into the archive stay valid and no second copy appears. The state
        holds the intent to write a file before the file is renamed into place, so a kill
        between the two leaves nothing the next run does not know of.
        """
        adapter = ItemAdapter(item)
        data = self.render(item)
        # What `document_identity` would read back from `data`, without parsing its YAML.
        identity = article_identity(item)
        body_hash = body_digest(data.decode("utf-8")) or ""
        key = adapter["key"]  # decided from the listing, before the fetch
        known = self.known_record(key, identity, body_hash)
        path = self.root / known.path if known else self.target_path(adapter, identity)
        try:
            existed = path.exists()
            unchanged = existed and path.read_bytes() == data
        except OSError as error:
            self.stats.inc_value(stats.WRITE_ERRORS)
            raise DropItem(f"cannot write {path} for {adapter['url']}: {error}") from error
        record = self.record_of(
            adapter=adapter, key=key, known=known, path=path, data=data,
            identity=identity, body_hash=body_hash,
        )  # fmt: skip
        if not unchanged:
            self.intend(record, known, adapter)
            try:
                write_atomically(path, data)
            except OSError as error:
                self.forget(record, adapter)
                self.stats.inc_value(stats.WRITE_ERRORS)
                raise DropItem(f"cannot write {path} for {adapter['url']}: {error}") from error
        self.remember(record, known, adapter)
        if unchanged:
            self.stats.inc_value(stats.UNCHANGED)
        else:
            self.stats.inc_value(stats.UPDATED if existed else stats.WRITTEN)
            logger.info("%s %s <%s>", "Updated" if existed else "Wrote", path, adapter["url"])
        return item

    def record_of(
        self,
        *,
        adapter: ItemAdapter,
        key: str,
        known: Record | None,
        path: Path,
        data: bytes,
        identity: tuple[str, str],
        body_hash: str,
    ) -> Record:
        """Return the record the article has once its file holds `data`."""
        now = utc_now()
        published, modified = adapter.get("published"), adapter.get("modified")
        title, date = identity
        return Record(
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
            body_hash=body_hash,
        )

    def intend(self, record: Record, known: Record | None, adapter: ItemAdapter) -> None:
        """Note in the state that the file is about to be written; drop the article if not.

        A file the state could not note is not written: the next run fetches the article
        again and writes it then, so no file is ever in the archive that the state cannot
        account for (a second file for it would follow a headline change).
        """
        if self.state is None:
            return
        noted = False
        doing = f"record {self.root / record.path} <{adapter['url']}>"
        with counting_state_errors(self.stats, self.state.path, doing):
            self.state.intend(record, replaces=known.key if known else None)
            noted = True
        if not noted:
            raise DropItem(
                f"not written, the archive state cannot record it (see the error above): "
                f"{self.root / record.path} <{adapter['url']}>"
            )

    def forget(self, record: Record, adapter: ItemAdapter) -> None:
        """Drop the intent of a write that failed (a later start would drop it too)."""
        if self.state is None:
            return
        doing = f"forget the failed write of {record.path} <{adapter['url']}>"
        with counting_state_errors(self.stats, self.state.path, doing):
            self.state.forget_intent(record.key)

    def remember(self, record: Record, known: Record | None, adapter: ItemAdapter) -> None:
        """Record the article's file and content in the archive state.

        A failed record (state locked, disk full) is logged and counted, not raised: the
        file is in place and its intent is noted, which the next start records.
        """
        if self.state is None:
            return
        doing = f"record {self.root / record.path} <{adapter['url']}>"
        with counting_state_errors(self.stats, self.state.path, doing):
            self.state.record(record, replaces=known.key if known else None)
