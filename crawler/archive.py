"""Archive state: what the archive holds, so scheduled runs fetch only what is new or changed.

The state is a SQLite database inside the export folder (`<MARKDOWN_EXPORT_DIR>/.archive/`),
so one folder is one archive. It is looked up row by row, never loaded whole. Each write is
its own transaction, made after the file it describes is in place, so a killed run leaves
the state at worst one step behind the files, which the next run repairs.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import yaml
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from w3lib.url import canonicalize_url

logger = logging.getLogger(__name__)

STATE_FOLDER = ".archive"
LOCKED_EXIT_STATUS = 75  # EX_TEMPFAIL: another run holds the archive; try again later
UNUSABLE_EXIT_STATUS = 1  # the archive folder or its state cannot be used: see the log
STATE_ERRORS = "archive/state_errors"  # the stat of state writes that failed
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


class ArchiveLockedError(RuntimeError):
    """Another run holds the archive's lock."""


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


def article_key(site_key: str, doc_id: str, url: str) -> str:
    """Return an article's stable key: the site's own id where it has one, else its URL."""
    return f"{site_key}:{doc_id}" if site_key and doc_id else canonicalize_url(url)


def state_folder(root: Path) -> Path:
    """Return the folder that holds an archive's state and lock."""
    return root / STATE_FOLDER


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@contextmanager
def archive_lock(root: Path) -> Iterator[Path]:
    """Hold the archive's lock for a block; raise ArchiveLockedError if another run has it.

    `flock` locks belong to the open file, so the kernel releases them when a run dies,
    even by SIGKILL: a stale lock file never blocks the next run.
    """
    folder = state_folder(root)
    lock_path = folder / "lock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ArchiveUnusableError(f"cannot use the archive folder {root}: {error}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = lock_path.read_text(encoding="utf-8").strip() or "another process"
            raise ArchiveLockedError(
                f"another run is using the archive {root} ({holder}; lock {lock_path})"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"pid {os.getpid()} since {utc_now()}\n".encode())
        yield lock_path
    finally:
        os.close(descriptor)


def document_identity(text: str) -> tuple[str, str] | None:
    """Read the (title, date) pair that identifies the article in a seed-format document."""
    if not text.startswith("\n---\n"):
        return None
    try:
        data = yaml.safe_load(text.split("\n---\n", 2)[1])
    except (IndexError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or "title" not in data or "date" not in data:
        return None
    return str(data["title"]), str(data["date"])


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
        try:
            (verdict,) = self.connection.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError as error:
            if error.sqlite_errorname in CORRUPT_STATE_ERRORS:
                raise unusable_state(self.path, error) from error
            raise
        if verdict != "ok":  # e.g. "*** in database main ***\nPage 6: btreeInitPage() ..."
            problem = " ".join(line for line in verdict.splitlines() if not line.startswith("***"))
            malformed = sqlite3.DatabaseError(f"database disk image is malformed: {problem}")
            raise unusable_state(self.path, malformed)

    def close(self) -> None:
        """Close the database."""
        self.connection.close()

    def count(self) -> int:
        """Return how many articles the state records."""
        (total,) = self.connection.execute("SELECT count(*) FROM articles").fetchone()
        return int(total)

    def lookup(self, key: str) -> Record | None:
        """Return the record of an article by key."""
        return self._first("key = ?", key)

    def lookup_url(self, url: str) -> Record | None:
        """Return the record of the article at this URL (canonicalised), whatever its key."""
        return self._first("url = ?", canonicalize_url(url))

    def lookup_identity(self, title: str, date: str) -> Record | None:
        """Return the record of the article with this title and date, if any."""
        return self._first("title = ? AND date = ?", title, date)

    def _first(self, condition: str, *values: str) -> Record | None:
        """Return the first record that meets an SQL condition, if any."""
        row = self.connection.execute(
            f"SELECT * FROM articles WHERE {condition} LIMIT 1", values
        ).fetchone()
        return Record(**dict(row)) if row else None

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


def remove_stale_temporary_files(root: Path) -> int:
    """Delete temporary files left by a killed run (only the lock holder may call this).

    Walks the folders with `os.scandir`, one entry at a time: an archive folder may hold
    100,000 files, and listing them all at once would cost tens of megabytes.
    """
    removed = 0
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
    return removed


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


class ArchiveExtension:
    """Opens the archive state for a crawl; spiders and the exporter use `.state`."""

    def __init__(self, root: Path, state_path: Path, timeout: float = 30.0) -> None:
        self.root = root
        self.state_path = state_path
        self.timeout = timeout
        self.state: ArchiveState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read ARCHIVE_* settings and open the state when the spider opens."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        extension = cls(
            archive_root(settings),
            state_path(settings),
            settings.getfloat("ARCHIVE_STATE_TIMEOUT", 30),
        )
        crawler.signals.connect(extension.spider_opened, signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        extension.open()
        return extension

    def open(self) -> None:
        """Open the state; rebuild it from the archive's files if it was lost."""
        lost = not self.state_path.exists()
        started = time.monotonic()
        self.state = ArchiveState.open(self.state_path, self.timeout)
        if lost and self.root.is_dir():
            added = self.state.rebuild_from_files(self.root)
            if added:
                logger.warning(
                    "Archive state %s was missing: rebuilt from %d files in %.1fs",
                    self.state_path, added, time.monotonic() - started,
                )  # fmt: skip

    def spider_opened(self) -> None:
        """Log which state the crawl uses."""
        assert self.state is not None
        logger.info("Archive state %s: %d articles", self.state_path, self.state.count())

    def spider_closed(self) -> None:
        """Close the state."""
        if self.state is not None:
            self.state.close()
            self.state = None


def check_state(path: Path, timeout: float) -> None:
    """Raise ArchiveUnusableError if an existing state database is corrupt.

    A missing state is fine (the crawl rebuilds it from the files), so none is created here.
    """
    if not path.exists():
        return
    try:
        state = ArchiveState.open(path, timeout)
        try:
            state.check()
        finally:
            state.close()
    except sqlite3.Error as error:  # not corrupt, but not usable either: locked, read-only
        raise ArchiveUnusableError(f"cannot open the archive state {path}: {error}") from error


def run_under_lock(settings: BaseSettings, run: Callable[[], None]) -> int:
    """Run a crawl holding the archive's lock, on a sound state; return an exit status.

    LOCKED_EXIT_STATUS if another run holds the lock; UNUSABLE_EXIT_STATUS, before any
    request, if the archive folder cannot be written or the state database is corrupt.
    """
    if not settings.getbool("ARCHIVE_ENABLED", True):
        run()
        return 0
    root = archive_root(settings)
    try:
        with archive_lock(root):
            removed = remove_stale_temporary_files(root)
            if removed:
                logger.warning("Removed %d temporary files left by an interrupted run", removed)
            check_state(state_path(settings), settings.getfloat("ARCHIVE_STATE_TIMEOUT", 30))
            run()
    except ArchiveLockedError as error:
        logger.error("%s: not starting a second run", error)
        return LOCKED_EXIT_STATUS
    except ArchiveUnusableError as error:
        logger.error("Not starting: %s", error)
        return UNUSABLE_EXIT_STATUS
    return 0
