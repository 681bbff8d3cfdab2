"""One run at a time: the archive's lock, the clean-up after a killed run, and exit statuses.

A start reads nothing that grows with the archive, unless the last run did not end cleanly:
only then are the folders walked for temporary files and the whole state checked.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scrapy.settings import BaseSettings

from crawler.archive.files import create_temporary, is_temporary
from crawler.archive.state import (
    ArchiveState,
    ArchiveUnusableError,
    archive_files,
    archive_root,
    open_state,
    state_folder,
    state_path,
    utc_now,
)

logger = logging.getLogger(__name__)

LOCKED_EXIT_STATUS = 75  # EX_TEMPFAIL: another run holds the archive; try again later


UNUSABLE_EXIT_STATUS = 1  # the archive folder or its state cannot be used: see the log


# In the state folder: "running: pid … since …" while a run goes on, "ended … state …" once
# it ended cleanly, with the stamp of the state it left. Read at the next start.
RUN_RECORD = "last-run"
RUNNING = "running:"
ENDED = "ended cleanly at"


class ArchiveLockedError(RuntimeError):
    """Another run holds the archive's lock."""


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


def remove_stale_temporary_files(root: Path) -> int:
    """Delete the temporary files a killed run left (only the lock holder may call this)."""
    # The state's folder too: the run record is replaced through a temporary file. Listed
    # first, removed after: some file systems skip entries of a folder deleted from while
    # it is being read.
    temporary = [
        root / folder / name
        for folder, name in archive_files(root, with_state=True)
        if is_temporary(name)  # never a file of anyone else
    ]
    for path in temporary:
        path.unlink(missing_ok=True)
    return len(temporary)


def check_state(path: Path, timeout: float, full: bool = True) -> None:
    """Raise ArchiveUnusableError if an existing state database is corrupt.

    `full` reads the whole database (`PRAGMA quick_check`); otherwise only its schema and
    the first row of each table are read, which costs the same at any size. A missing
    state is fine (the crawl rebuilds it from the files), so none is created here.
    """
    if not path.exists():
        return
    try:
        state = ArchiveState.open(path, timeout)
        try:
            if full:
                state.check()
            else:
                state.probe()
        finally:
            state.close()
    except sqlite3.Error as error:  # not corrupt, but not usable either: locked, read-only
        raise ArchiveUnusableError(f"cannot open the archive state {path}: {error}") from error


def state_stamp(path: Path) -> str:
    """Return what tells whether the state's files changed: inode, size, times of each.

    The change time is kept too: no one can set it back, so a file written in place and
    given its old modification time again still shows.
    """
    stamps = []
    for file in (path, path.with_name(f"{path.name}-wal")):
        try:
            status = file.stat()
        except FileNotFoundError:
            stamps.append("-")
        else:
            stamps.append(
                f"{status.st_ino}:{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}"
            )
    return " ".join(stamps)


def read_run_record(root: Path) -> str | None:
    """Return what the last run on the archive wrote of itself, or None if nothing."""
    try:
        return (state_folder(root) / RUN_RECORD).read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def write_run_record(root: Path, text: str) -> None:
    """Replace the run record, durably: a crash after this sees it or the one before."""
    folder = state_folder(root)
    handle, temporary = create_temporary(folder)  # removed by the clean-up if a kill leaves it
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, folder / RUN_RECORD)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the rename itself must be on disk before the run writes
    finally:
        os.close(descriptor)


def start_checks(record: str | None, path: Path, forced: bool) -> tuple[str | None, str | None]:
    """Return why this start must clean up temporary files, and why check the state in full.

    Either is None when it need not: the last run ended cleanly (so it left no temporary
    file) and the state's files are as that run left them.
    """
    if forced:
        reason = "ARCHIVE_FULL_CHECK is on"
        return reason, reason
    if record is None:
        reason = "no record of how the last run ended"
        return reason, reason
    if record.startswith(RUNNING):
        reason = f"the last run ({record.removeprefix(RUNNING).strip()}) did not end cleanly"
        return reason, reason
    if not record.startswith(ENDED):
        reason = f"unreadable record of the last run ({record[:80]!r})"
        return reason, reason
    if path.exists() and record.partition(" state ")[2] != state_stamp(path):
        return None, "it changed since the last run ended"
    return None, None


def prepare_archive(settings: BaseSettings) -> None:
    """Get the archive ready for a run (only the lock holder may call this).

    Records that a run is in progress. After a run that did not end cleanly (killed, or
    crashed), removes its temporary files, checks the whole state and records the files it
    does not know (a state changed since the last run is checked and completed so too):
    these read everything, so after a clean end the start only takes a look at the state
    that costs the same at any size. Raise ArchiveUnusableError if the state is corrupt.
    """
    root, path = archive_root(settings), state_path(settings)
    timeout = settings.getfloat("ARCHIVE_STATE_TIMEOUT", 30)
    record = read_run_record(root)
    try:
        write_run_record(root, f"{RUNNING} pid {os.getpid()} since {utc_now()}")
    except OSError as error:
        raise ArchiveUnusableError(f"cannot use the archive folder {root}: {error}") from None
    forced = settings.getbool("ARCHIVE_FULL_CHECK")
    clean_up, check = start_checks(record, path, forced)
    # A new archive (or one kept by an older version) has no record: nothing went wrong.
    level = logging.INFO if forced or record is None else logging.WARNING
    if clean_up:
        started = time.monotonic()
        logger.log(level, "Archive %s: %s: removing any temporary files it left", root, clean_up)
        removed = remove_stale_temporary_files(root)
        if removed:
            logger.warning("Removed %d temporary files left by an interrupted run", removed)
        logger.info("Archive %s: folders walked in %.1fs", root, time.monotonic() - started)
    if check and path.exists():
        started = time.monotonic()
        logger.log(level, "Archive state %s: %s: checking it in full", path, check)
        check_state(path, timeout, full=True)
        logger.info("Archive state %s: sound (checked in %.1fs)", path, time.monotonic() - started)
    else:
        check_state(path, timeout, full=False)
    try:  # a lost or half-built state is rebuilt now, before the first request
        open_state(root, path, timeout, adopt_unknown=bool(check)).close()
    except sqlite3.Error as error:
        raise ArchiveUnusableError(f"cannot open the archive state {path}: {error}") from error
    if not clean_up and not check:
        assert record is not None
        logger.info(
            "Archive %s: the last run %s: no clean-up, state not checked in full (set "
            "ARCHIVE_FULL_CHECK to check)",
            root, record.partition(" state ")[0],
        )  # fmt: skip


def record_clean_end(settings: BaseSettings) -> None:
    """Record that the run ended cleanly, with the stamp of the state it leaves."""
    root, path = archive_root(settings), state_path(settings)
    try:
        write_run_record(root, f"{ENDED} {utc_now()} state {state_stamp(path)}")
    except OSError as error:  # the run's work is done; the next start only checks more
        logger.warning("Archive %s: cannot record that the run ended cleanly: %s", root, error)


def run_under_lock(settings: BaseSettings, run: Callable[[], None]) -> int:
    """Run a crawl holding the archive's lock, on a sound state; return an exit status.

    LOCKED_EXIT_STATUS if another run holds the lock; UNUSABLE_EXIT_STATUS, before any
    request, if the archive folder cannot be written or the state database is corrupt.
    Raise UsageError if MARKDOWN_EXPORT_DIR names no folder.
    """
    if settings.getbool("MARKDOWN_EXPORT_ENABLED", True):
        archive_root(settings)  # a usage error, before anything runs, if it names no folder
    if not settings.getbool("ARCHIVE_ENABLED", True):
        run()
        return 0
    root = archive_root(settings)
    try:
        with archive_lock(root):
            prepare_archive(settings)
            run()
            # Not reached if `run` raised: the next start then cleans up and checks.
            record_clean_end(settings)
    except ArchiveLockedError as error:
        logger.error("%s: not starting a second run", error)
        return LOCKED_EXIT_STATUS
    except ArchiveUnusableError as error:
        logger.error("Not starting: %s", error)
        return UNUSABLE_EXIT_STATUS
    return 0
