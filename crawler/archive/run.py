"""One run at a time: the archive's lock, the clean-up after a killed run, and exit statuses."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scrapy.settings import BaseSettings

from crawler.archive.state import (
    ArchiveState,
    ArchiveUnusableError,
    archive_root,
    state_folder,
    state_path,
    utc_now,
)

logger = logging.getLogger(__name__)

LOCKED_EXIT_STATUS = 75  # EX_TEMPFAIL: another run holds the archive; try again later


UNUSABLE_EXIT_STATUS = 1  # the archive folder or its state cannot be used: see the log


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
