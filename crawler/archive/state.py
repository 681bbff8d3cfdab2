"""Archive state: what the archive holds, so scheduled runs fetch only what is new or changed.

The state is a SQLite database inside the export folder (`<MARKDOWN_EXPORT_DIR>/.archive/`),
so one folder is one archive. It is looked up row by row, never loaded whole. A file is
renamed into place only once the state holds the intent to write it (`pending`), and its
record replaces that intent in one transaction after the rename: a run killed in between
leaves an intent that the next start settles by the file's bytes. A state built from the
files (it was lost) is marked complete in the same transaction as its last row, so a
rebuild that was killed or failed is redone, never taken for an empty archive.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from w3lib.url import canonicalize_url

from crawler.archive.document import body_digest, document_identity
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
    title TEXT NOT NULL,            -- date and title (or body) find an adopted file
    date TEXT NOT NULL,
    published TEXT,
    modified TEXT,                  -- the source's last-modified time (roll API `mtime`)
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    body_hash TEXT                  -- sha256 of the body: finds a retitled article's file
);
CREATE INDEX IF NOT EXISTS articles_date ON articles (date);
CREATE INDEX IF NOT EXISTS articles_path ON articles (path);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
-- The adopted files by date: without it, every new article's look for an adopted file of
-- its date read every record of that date (all of them, in a crawl of one day's news).
CREATE INDEX IF NOT EXISTS articles_adopted ON articles (date) WHERE key LIKE 'file:%';
CREATE TABLE IF NOT EXISTS listings (
    name TEXT PRIMARY KEY,          -- a listing a spider reads, e.g. `sina:1686`
    complete INTEGER NOT NULL,      -- 0 while a run reads it; 1 once a run finished it
    updated TEXT NOT NULL,
    mark TEXT                       -- where the listing was read up to, e.g. the newest lastmod
);
CREATE TABLE IF NOT EXISTS pending (
    key TEXT PRIMARY KEY,           -- an article whose file is being renamed into place
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,     -- the bytes the file holds once the rename happened
    record TEXT NOT NULL,           -- the record to store then (JSON)
    replaces TEXT                   -- the key of the record it replaces, if another
);
CREATE TABLE IF NOT EXISTS facts (
    name TEXT PRIMARY KEY,          -- `complete`: every file of the archive is recorded
    value TEXT NOT NULL
);
"""

# Columns added since the first release, with their declarations: added to older states.
ADDED_COLUMNS = {"body_hash": "TEXT"}

COMPLETE = "complete"
# Files looked up in the state in one query when the archive's folders are compared with it
# (below 999, the most parameters a query takes in SQLite before 3.32).
LOOKUP_BATCH = 500

# An adopted file (`file:` key) of the article's date with its title or its body, the file
# with both first. Named parameters: Python 3.12 deprecates numbered ones given as a
# sequence, and 3.14 refuses them.
ADOPTABLE_QUERY = (
    "SELECT * FROM articles WHERE date = :date AND key LIKE 'file:%' "
    "AND (title = :title OR body_hash = :body_hash) "
    "ORDER BY (body_hash IS :body_hash) + (title = :title) DESC, (body_hash IS :body_hash) DESC "
    "LIMIT 1"
)


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
    body_hash: str | None = None


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
            columns = {row[1] for row in connection.execute("PRAGMA table_info(articles)")}
            for name, declaration in ADDED_COLUMNS.items():
                if name not in columns:
                    connection.execute(f"ALTER TABLE articles ADD COLUMN {name} {declaration}")
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
        return self._first("date = ? AND title = ?", date, title)

    def lookup_adoptable(self, title: str, date: str, body_hash: str) -> Record | None:
        """Return a file the state adopted (`file:` key) that holds this article, if any.

        Its date must be the article's, and its title or its body too (a headline may change
        after the state was lost); a file with both is preferred, then one with the body.
        """
        wanted = {"title": title, "date": date, "body_hash": body_hash}
        row = self.connection.execute(ADOPTABLE_QUERY, wanted).fetchone()
        return Record(**dict(row)) if row else None

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
        """Store an article's record (one transaction), replacing the row `replaces`.

        Any intent to write its file (`intend`) is settled in the same transaction.
        """
        with self.transaction():
            self._store(record, replaces)

    def _store(self, record: Record, replaces: str | None) -> None:
        """Store a record and settle its intent, inside the caller's transaction."""
        if replaces and replaces != record.key:
            self.connection.execute("DELETE FROM articles WHERE key = ?", (replaces,))
        self.connection.execute("DELETE FROM pending WHERE key = ?", (record.key,))
        self.connection.execute(
            """INSERT INTO articles (key, url, path, content_hash, title, date, published,
                modified, first_seen, last_seen, body_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET url = excluded.url, path = excluded.path,
                content_hash = excluded.content_hash, title = excluded.title,
                date = excluded.date, published = excluded.published,
                modified = excluded.modified, last_seen = excluded.last_seen,
                body_hash = excluded.body_hash""",
            (
                record.key, record.url, record.path, record.content_hash, record.title,
                record.date, record.published, record.modified, record.first_seen,
                record.last_seen, record.body_hash,
            ),
        )  # fmt: skip

    def intend(self, record: Record, replaces: str | None = None) -> None:
        """Note, before its file is renamed into place, the record that the file will have."""
        # A record's fields are strings or None: its attributes are its JSON, no deep copy.
        with self.transaction():
            self.connection.execute(
                "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)",
                (record.key, record.path, record.content_hash, json.dumps(vars(record)),
                 replaces),
            )  # fmt: skip

    def forget_intent(self, key: str) -> None:
        """Drop the intent of a write that failed before its rename."""
        with self.transaction():
            self.connection.execute("DELETE FROM pending WHERE key = ?", (key,))

    def settle_intents(self, root: Path) -> tuple[int, int]:
        """Settle the intents a killed run left: record the renamed files, drop the others.

        A file renamed into place holds the intended bytes; one that was not holds other
        bytes or is absent, and its article keeps its old record. Reads only the pending
        rows (at most the writes that were under way) and their files. Returns
        (recorded, dropped).
        """
        rows = self.connection.execute("SELECT * FROM pending").fetchall()
        recorded = 0
        for row in rows:
            try:
                data = (root / row["path"]).read_bytes()
            except OSError:
                data = b""
            with self.transaction():
                if hashlib.sha256(data).hexdigest() == row["content_hash"]:
                    self._store(Record(**json.loads(row["record"])), row["replaces"])
                    recorded += 1
                else:
                    self.connection.execute("DELETE FROM pending WHERE key = ?", (row["key"],))
        return recorded, len(rows) - recorded

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

    def is_complete(self) -> bool:
        """Tell whether every file of the archive is recorded (not a lost or half-built state).

        A state kept by a version that did not mark it is complete if it holds any row: its
        rebuild was one transaction, so a killed one left no row at all.
        """
        row = self.connection.execute(
            "SELECT value FROM facts WHERE name = ?", (COMPLETE,)
        ).fetchone()
        if row is not None:
            return True
        if self.connection.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            return False
        with self.transaction():
            self._mark_complete()
        return True

    def _mark_complete(self) -> None:
        self.connection.execute("INSERT OR REPLACE INTO facts VALUES (?, ?)", (COMPLETE, utc_now()))

    def rebuild_from_files(self, root: Path) -> int:
        """Record every article file of the archive, then mark the state complete.

        One transaction: a rebuild killed or failed midway leaves the state as it was, still
        not complete, and the next run does it again. Raise ArchiveUnusableError, naming
        the path, if a folder or a file of the archive cannot be read.
        """
        with self.transaction():
            added = self._adopt(self._unknown_files(root))
            self._mark_complete()
        return added

    def adopt_unknown_files(self, root: Path) -> int:
        """Record every article file that no record holds (reads the whole archive folder).

        For the start after a run that did not end cleanly, or a state changed since: a row
        lost or deleted leaves a file the state does not know, whose article a headline
        change would otherwise give a second file. Writes only if it finds one.
        """
        rows = list(self._unknown_files(root))
        if not rows:
            return 0
        with self.transaction():
            return self._adopt(rows)

    def _unknown_files(self, root: Path) -> Iterator[tuple[str, ...]]:
        """Yield the record values of each article file that no record holds.

        Files are looked up LOOKUP_BATCH at a time, as the folders are read: the memory this
        takes does not grow with the archive (a channel's folder may hold a million files).
        """
        now = utc_now()
        batch: list[str] = []
        for folder, name in archive_files(root):
            if name.endswith(".md"):
                batch.append(os.path.join(folder, name))
                if len(batch) == LOOKUP_BATCH:
                    yield from self._unrecorded(root, batch, now)
                    batch = []
        yield from self._unrecorded(root, batch, now)

    def _unrecorded(self, root: Path, paths: list[str], now: str) -> Iterator[tuple[str, ...]]:
        """Yield the record values of each of these archive files that no record holds."""
        if not paths:
            return
        placeholders = ", ".join("?" * len(paths))
        rows = self.connection.execute(
            f"SELECT path FROM articles WHERE path IN ({placeholders})", paths
        )
        recorded = {path for (path,) in rows}
        for path in paths:
            if path not in recorded:
                values = self._file_record(root, path, now)
                if values is not None:
                    yield values

    def _file_record(self, root: Path, relative: str, now: str) -> tuple[str, ...] | None:
        """Return the record values of an archive file (key `file:<path>`), None if no article."""
        path = root / relative
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ArchiveUnusableError(f"cannot read the archive file {path}: {error}") from None
        text = data.decode("utf-8", errors="replace")
        identity = document_identity(text)
        if identity is None:
            logger.warning("Not an archive document, left alone: %s", path)
            return None
        return (f"file:{relative}", relative, hashlib.sha256(data).hexdigest(), *identity,
                now, now, body_digest(text) or "")  # fmt: skip

    def _adopt(self, rows: Iterable[tuple[str, ...]]) -> int:
        """Record files under `file:` keys, in the caller's transaction; return how many."""
        before = self.connection.total_changes
        self.connection.executemany(
            """INSERT OR IGNORE INTO articles (key, url, path, content_hash, title, date,
                first_seen, last_seen, body_hash) VALUES (?, '', ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        return self.connection.total_changes - before


def archive_folders(root: Path, *, with_state: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Yield each folder of the archive (relative, `""` for the root) with its files' names,
    once it has been read whole (see `archive_files`)."""
    names: list[str] = []
    for folder, name in _walk(root, with_state=with_state):
        if name is None:
            yield folder, names
            names = []
        else:
            names.append(name)


def archive_files(root: Path, *, with_state: bool = False) -> Iterator[tuple[str, str]]:
    """Yield each file of the archive as (its folder, relative; its name), as it is read.

    Only regular files count; the state's folder is left out (unless `with_state`) and
    symbolic links are not followed. No folder's listing is held: one folder may hold a
    million files. Raise ArchiveUnusableError, naming the folder, if one cannot be listed:
    a state built without its files would let them be written twice, and a clean-up that
    skipped one would leave its half-written files.
    """
    files = _walk(root, with_state=with_state)
    return ((folder, name) for folder, name in files if name is not None)


def _walk(root: Path, *, with_state: bool) -> Iterator[tuple[str, str | None]]:
    """Yield (folder, name) for each file of a folder as `os.scandir` reads it, then
    (folder, None) once the folder is read whole; folder by folder."""
    top = os.fspath(root)
    prefix = len(os.path.join(top, ""))
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if with_state or not (folder == top and entry.name == STATE_FOLDER):
                            folders.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        yield folder[prefix:], entry.name
        except OSError as error:
            message = f"cannot read the archive folder {folder}: {error}"
            raise ArchiveUnusableError(message) from None
        yield folder[prefix:], None


def open_state(
    root: Path, path: Path, timeout: float = 30.0, *, adopt_unknown: bool = False
) -> ArchiveState:
    """Open an archive's state for a run: rebuilt from the files unless it is complete.

    Also settles the intents a killed run left, and with `adopt_unknown` (after a run that
    did not end cleanly) records the files the state does not know. Otherwise it reads
    only a few rows: the start of a run on a complete state costs the same at any size.
    """
    existed = path.exists()
    state = ArchiveState.open(path, timeout)
    try:
        rebuild = not state.is_complete() and root.is_dir()
        if rebuild:
            started = time.monotonic()
            added = state.rebuild_from_files(root)
            if added or existed:
                logger.warning(
                    "Archive state %s was %s: rebuilt from %d files in %.1fs",
                    path, "incomplete (a rebuild that did not finish, or an empty file)"
                    if existed else "missing", added, time.monotonic() - started,
                )  # fmt: skip
        recorded, dropped = state.settle_intents(root)
        if recorded or dropped:
            logger.warning(
                "Archive state %s: settled the writes a killed run left: %d files recorded, "
                "%d not renamed into place (their articles are fetched again)",
                path, recorded, dropped,
            )  # fmt: skip
        if adopt_unknown and not rebuild and root.is_dir():
            started = time.monotonic()
            adopted = state.adopt_unknown_files(root)
            if adopted:
                logger.warning(
                    "Archive state %s: recorded %d files it did not know, in %.1fs (their "
                    "articles are matched to them by date and title or body)",
                    path, adopted, time.monotonic() - started,
                )  # fmt: skip
    except BaseException:
        state.close()
        raise
    return state


def archive_root(settings: BaseSettings) -> Path:
    """Return the archive's folder (MARKDOWN_EXPORT_DIR); a usage error if it names none.

    An empty value would be the current folder: a project's own files adopted as articles.
    """
    value = settings.get("MARKDOWN_EXPORT_DIR", "output")
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else ""
    if not text.strip() or "\0" in text:
        raise UsageError(
            f"MARKDOWN_EXPORT_DIR must name the archive's folder (e.g. output), not {value!r}",
            print_help=False,
        )
    return Path(text)


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
