"""Files written whole or not at all, through temporary files the clean-up knows as its own."""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

# The one shape of the archive's temporary files: hidden, and unlike any name a person
# gives a file, so the clean-up after a killed run removes these and nothing else.
TEMPORARY_PREFIX = ".archive-write-"
_TEMPORARY_NAME = re.compile(rf"{re.escape(TEMPORARY_PREFIX)}[0-9a-f]{{16}}\.tmp")


def is_temporary(name: str) -> bool:
    """Tell whether a file name is one of the archive's own temporary files."""
    return _TEMPORARY_NAME.fullmatch(name) is not None


def create_temporary(folder: Path, mode: int = 0o666) -> tuple[int, Path]:
    """Create a new temporary file in a folder; return its descriptor and path.

    Created with `mode` less the umask, as `open()` creates a file (`mkstemp` would make it
    0600 whatever the umask, unreadable to a web server or another user).
    """
    while True:
        path = folder / f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}.tmp"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), path
        except FileExistsError:
            continue


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then rename.

    A new file gets the mode an ordinary write gives it (0666 less the umask); a file
    replaced keeps its mode, as it would if written in place.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    handle, temporary = create_temporary(path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
