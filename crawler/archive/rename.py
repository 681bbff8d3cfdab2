"""An archive written with older file names moves to Hexo-safe names (archive/names.py), once.

Each file is given its new name by a hard link, then its record is moved, then the old name
is removed: a run killed at any step leaves the article under one name or both, with the
same bytes, and the next run finishes the move without writing a second copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from crawler.archive.document import document_identity
from crawler.archive.names import hexo_safe_name, is_hexo_safe
from crawler.archive.state import ArchiveState, archive_folders

logger = logging.getLogger(__name__)

# Kept in the state's listings table: the naming rules the archive's files follow.
NAMES_LISTING = "archive:file-names"
NAMES_VERSION = "hexo-safe-1"


def unsafe_documents(root: Path) -> Iterator[Path]:
    """Yield each `.md` file of the archive whose path breaks today's naming rules."""
    for folder, names in archive_folders(root):
        folder_safe = all(is_hexo_safe(part) for part in Path(folder).parts)
        for name in sorted(names):
            if name.endswith(".md") and not (folder_safe and is_hexo_safe(name)):
                yield root / folder / name


def safe_target(root: Path, relative: Path, data: bytes) -> Path:
    """Return where a file goes: its safe name, suffixed if another file holds that name.

    A file at the safe name with the same bytes is this one, left there by an interrupted
    run: the move is finished, not repeated.
    """
    parts = [hexo_safe_name(part) for part in relative.parts]
    target = root.joinpath(*parts)
    if not target.exists() or target.read_bytes() == data:
        return target
    stem = parts[-1].removesuffix(".md")
    suffix = hashlib.sha1(str(relative).encode()).hexdigest()[:12]
    return target.with_name(hexo_safe_name(f"{stem}_{suffix}.md"))


def move(state: ArchiveState, root: Path, path: Path) -> bool:
    """Give one archive file its safe name and move its record; False if it is not ours."""
    relative = path.relative_to(root)
    record = state.lookup_path(str(relative))
    data = path.read_bytes()
    if record is None and document_identity(data.decode("utf-8", errors="replace")) is None:
        return False  # a file the archive did not write: left as its owner named it
    target = safe_target(root, relative, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.link(path, target)  # atomic, and never over another file
    if record is not None:
        moved = str(target.relative_to(root))
        # A start after a killed move may have adopted the new name as a file it did not
        # know (a `file:` record): this record takes its place.
        holder = state.lookup_path(moved)
        adopted = holder.key if holder and holder.key.startswith("file:") else None
        state.record(replace(record, path=moved), replaces=adopted)
    path.unlink()
    return True


def remove_empty_folders(root: Path, folders: set[Path]) -> None:
    """Remove the old-named folders that the moves left empty, deepest first."""
    for deepest in sorted(folders, key=lambda each: len(each.parts), reverse=True):
        folder = deepest
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def rename_to_hexo_safe(state: ArchiveState, root: Path) -> int:
    """Rename every archive file whose name Hexo or a theme cannot keep; return how many.

    Done once per archive: the state remembers the rules its files follow, so later starts
    walk nothing. A file that cannot be moved is logged, and the next start tries again.
    """
    if state.listing_mark(NAMES_LISTING) == NAMES_VERSION or not root.is_dir():
        return 0
    renamed, failed, emptied = 0, 0, set()
    for path in unsafe_documents(root):
        try:
            if move(state, root, path):
                renamed += 1
                emptied.add(path.parent)
        except (OSError, sqlite3.Error) as error:
            failed += 1
            logger.error("Cannot rename %s to a Hexo-safe name: %s", path, error)
    remove_empty_folders(root, {folder for folder in emptied if folder != root})
    if renamed:
        logger.warning("Archive %s: renamed %d files to Hexo-safe names", root, renamed)
    if not failed:
        try:
            state.set_listing_mark(NAMES_LISTING, NAMES_VERSION)
        except sqlite3.Error as error:  # the next start walks the archive again, no more
            logger.warning(
                "Archive state %s: cannot record its naming rules: %s", state.path, error
            )
    return renamed
