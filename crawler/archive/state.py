"""Archive state: what the archive holds, so scheduled runs fetch only what is new or changed.

The state is a SQLite database inside the export folder (`<MARKDOWN_EXPORT_DIR>/.archive/`),
so one folder is one archive. It is looked up row by row, never loaded whole. Each write is
its own transaction, made after the file it describes is in place, so a killed run leaves
the state at worst one step behind the files, which the next run repairs.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from w3lib.url import canonicalize_url

from crawler.archive.document import document_identity
from crawler.stats import STATE_ERRORS

logger = logging.getLogger(__name__)

STATE_FOLDER = ".archive"


# SQLite's answers for a file that is not, or no longer, a sound database.
CORRUPT_STATE_ERRORS = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,           -- `<site>:<doc id>`, else the canonical URL, else `file:<path>`
    url TEXT NOT NULL,              -- canonical (w3lib): one article found by any source
    path TEXT NOT NULL,             -- the article's file, relative to the archive folder
    content_hash TEXT NOT NULL,     -- sha256 of the file's bytes
    title TEXT NOT NULL,            -- title and date identify an article in its file
    date TEXT NOT NULL,
    published TEXT,
    modified TEXT,                  -- the source's last-modified time (roll API `mtime`)
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_identity ON articles (title, date);
CREATE INDEX IF NOT EXISTS articles_path ON articles (path);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE TABLE IF NOT EXISTS listings (
    name TEXT PRIMARY KEY,          -- a listing a spider reads, e.g. `sina:1686`
    complete INTEGER NOT NULL,      -- 0 while a run reads it; 1 once a run finished it
    updated TEXT NOT NULL,
    mark TEXT                       -- where the listing was read up to, e.g. the newest lastmod
);
"""


class ArchiveUnusableError(RuntimeError):
    """The archive's folder or state cannot be used; the message says why and what to do."""


def unusable_state(path: Path, error: sqlite3.Error) -> ArchiveUnusableError:
    """Describe a corrupt state database, and how to get a sound one back."""
    return ArchiveUnusableError(
        f"archive state {path} is unusable ({error}). To recover, delete it (with any "
        f"{path.name}-wal and {path.name}-shm beside it): the next run rebuilds it from the "
        "archive's files"
    )


@dataclass(frozen=True)
class Record:
    """One archived article as the state knows it."""

    key: str
    url: str
    path: str
    content_hash: str
    title: str
    date: str
    published: str | None
    modified: str | None
    first_seen: str
    last_seen: str


def state_folder(root: Path) -> Path:
    """Return the folder that holds an archive's state and lock."""
    return root / STATE_FOLDER


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class ArchiveState:
    """The SQLite record of an archive's articles."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, timeout: float = 30.0) -> Self:
        """Open (creating if needed) the state database at `path`.

        `timeout`: seconds a write waits for another connection's lock before it fails.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
        except sqlite3.DatabaseError as error:
            connection.close()
            if error.sqlite_errorname in CORRUPT_STATE_ERRORS:
                raise unusable_state(path, error) from error
            raise
        connection.row_factory = sqlite3.Row
        return cls(connection, path)

    def check(self) -> None:
        """Raise ArchiveUnusableError if the database is damaged anywhere (reads it all)."""
        with self._reading():
            (verdict,) = self.connection.execute("PRAGMA quick_check(1)").fetchone()
        if verdict != "ok":  # e.g. "*** in database main ***\nPage 6: btreeInitPage() ..."
            problem = " ".join(line for line in verdict.splitlines() if not line.startswith("***"))
            malformed = sqlite3.DatabaseError(f"database disk image is malformed: {problem}")
            raise unusable_state(self.path, malformed)

    def probe(self) -> None:
        """Raise ArchiveUnusableError if the first row of a table cannot be read (a few pages).

        The cheap look taken at every start: it finds a database whose header or tables'
        roots are damaged, whatever its size, but not a page damaged deep inside (`check`).
        """
        with self._reading():
            for table in ("articles", "listings"):
                self.connection.execute(f"SELECT * FROM {table} LIMIT 1").fetchone()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn SQLite's answer for a damaged database into ArchiveUnusableError."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            if error.sqlite_errorname in CORRUPT_STATE_ERRORS:
                raise unusable_state(self.path, error) from error
            raise

    def close(self) -> None:
        """Close the database."""
        self.connection.close()

    def count(self) -> int:
        """Return how many articles the state records (reads a whole index: not for every start)."""
        (total,) = self.connection.execute("SELECT count(*) FROM articles").fetchone()
        return int(total)

    def lookup(self, key: str) -> Record | None:
        """Return the record of an article by key."""
        return self._first("key = ?", key)

    def lookup_url(self, url: str) -> Record | None:
        """Return the record of the article at this URL (canonicalised), whatever its key."""
        return self._first("url = ?", canonicalize_url(url))

    def lookup_path(self, path: str) -> Record | None:
        """Return the record of the article stored in this file (relative to the archive)."""
        return self._first("path = ?", path)

    def lookup_identity(self, title: str, date: str) -> Record | None:
        """Return the record of the article with this title and date, if any."""
        return self._first("title = ? AND date = ?", title, date)

    def _first(self, condition: str, *values: str) -> Record | None:
        """Return the first record that meets an SQL condition, if any."""
        row = self.connection.execute(
            f"SELECT * FROM articles WHERE {condition} LIMIT 1", values
        ).fetchone()
        return Record(**dict(row)) if row else None

    def records(self) -> Iterator[Record]:
        """Yield every record, by path, one row at a time (`scrapy archive check`)."""
        for row in self.connection.execute("SELECT * FROM articles ORDER BY path"):
            yield Record(**dict(row))

    def forget(self, key: str) -> None:
        """Delete an article's record (its file is gone: a run that lists it fetches it again)."""
        with self.transaction():
            self.connection.execute("DELETE FROM articles WHERE key = ?", (key,))

    def is_unchanged(self, key: str, modified: str | None) -> bool:
        """Tell whether an article is archived with this same last-modified time."""
        record = self.lookup(key)
        return record is not None and modified is not None and record.modified == modified

    def record(self, record: Record, replaces: str | None = None) -> None:
        """Store an article's record (one transaction), replacing the row `replaces`."""
        with self.transaction():
            if replaces and replaces != record.key:
                self.connection.execute("DELETE FROM articles WHERE key = ?", (replaces,))
            self.connection.execute(
                """INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET url = excluded.url, path = excluded.path,
                    content_hash = excluded.content_hash, title = excluded.title,
                    date = excluded.date, published = excluded.published,
                    modified = excluded.modified, last_seen = excluded.last_seen""",
                (
                    record.key, record.url, record.path, record.content_hash, record.title,
                    record.date, record.published, record.modified, record.first_seen,
                    record.last_seen,
                ),
            )  # fmt: skip

    def touch(self, keys: Iterable[str]) -> None:
        """Mark articles as seen in a listing now."""
        now = utc_now()
        with self.transaction():
            self.connection.executemany(
                "UPDATE articles SET last_seen = ? WHERE key = ?", [(now, key) for key in keys]
            )

    def begin_listing(self, name: str) -> bool:
        """Mark a listing as being read; return whether the last run finished reading it."""
        with self.transaction():
            row = self.connection.execute(
                "SELECT complete FROM listings WHERE name = ?", (name,)
            ).fetchone()
            self.connection.execute(
                "INSERT INTO listings VALUES (?, 0, ?, NULL) ON CONFLICT (name) DO UPDATE SET "
                "complete = 0, updated = excluded.updated",
                (name, utc_now()),
            )
        return row is None or bool(row["complete"])

    def finish_listing(self, name: str) -> None:
        """Mark a listing as read to the end by a run that finished."""
        with self.transaction():
            self.connection.execute(
                "UPDATE listings SET complete = 1, updated = ? WHERE name = ?", (utc_now(), name)
            )

    def listing_mark(self, name: str) -> str | None:
        """Return where a listing was read up to (e.g. a sitemap's newest `lastmod`)."""
        row = self.connection.execute(
            "SELECT mark FROM listings WHERE name = ?", (name,)
        ).fetchone()
        return str(row["mark"]) if row and row["mark"] is not None else None

    def set_listing_mark(self, name: str, mark: str) -> None:
        """Remember where a listing was read up to."""
        with self.transaction():
            self.connection.execute(
                "INSERT INTO listings VALUES (?, 0, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "mark = excluded.mark, updated = excluded.updated",
                (name, utc_now(), mark),
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block in one transaction, committed whole or not at all."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def rebuild_from_files(self, root: Path) -> int:
        """Record every article file of the archive (for a state that was lost)."""
        now = utc_now()
        added = 0
        with self.transaction():
            for path in sorted(root.rglob("*.md")):
                relative = path.relative_to(root)
                if relative.parts[0] == STATE_FOLDER:
                    continue
                data = path.read_bytes()
                identity = document_identity(data.decode("utf-8", errors="replace"))
                if identity is None:
                    logger.warning("Not an archive document, left alone: %s", path)
                    continue
                self.connection.execute(
                    "INSERT OR IGNORE INTO articles VALUES (?, '', ?, ?, ?, ?, NULL, NULL, ?, ?)",
                    (f"file:{relative}", str(relative), hashlib.sha256(data).hexdigest(),
                     *identity, now, now),
                )  # fmt: skip
                added += 1
        return added


def archive_root(settings: BaseSettings) -> Path:
    """Return the archive's folder (MARKDOWN_EXPORT_DIR)."""
    return Path(settings.get("MARKDOWN_EXPORT_DIR", "output"))


def state_path(settings: BaseSettings) -> Path:
    """Return where the settings put the state database (ARCHIVE_STATE_PATH)."""
    return Path(
        settings.get("ARCHIVE_STATE_PATH") or state_folder(archive_root(settings)) / "state.db"
    )


@contextmanager
def counting_state_errors(stats: StatsCollector | None, path: Path, doing: str) -> Iterator[None]:
    """Log and count (`archive/state_errors`) a failed state write instead of raising it.

    The files, written first, stay the truth: an article whose record failed is fetched
    again by a later run and matched to its file by title and date, so nothing is lost or
    written twice; the run goes on, and `scrapy refresh` reports it as failed.
    """
    try:
        yield
    except sqlite3.Error as error:
        if stats is not None:
            stats.inc_value(STATE_ERRORS)
        logger.error("Archive state %s: cannot %s: %s", path, doing, error)
