"""`scrapy archive check`: the archive's files and its state agree, and every file is whole.

One walk of the folders (`os.scandir`, an entry at a time) reads each file once, then one
pass over the state's rows finds the rows whose file is gone. Memory stays small at any
size: only the identities of files the state does not know are kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive.document import body_digest, layout_problem
from crawler.archive.files import is_temporary
from crawler.archive.state import ArchiveState, archive_files
from crawler.monitoring.progress import Progress

logger = logging.getLogger(__name__)


@dataclass
class Problem:
    """One thing wrong with the archive, and what `--repair` did about it."""

    kind: str  # unreadable, hash, missing, duplicate, orphan, temporary
    path: str  # relative to the archive folder
    detail: str
    repaired: str = ""  # what --repair did
    mended: bool = False


@dataclass
class ArchiveFile:
    """One `.md` file as read: its hash, and its identity if it is a whole seed document."""

    path: str
    content_hash: str
    identity: tuple[str, str] | None
    problem: str | None


@dataclass
class Findings:
    """What a check found."""

    files: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)


def read_file(root: Path, path: Path) -> ArchiveFile:
    """Read one archive file: its hash, identity and what is wrong with it."""
    data = path.read_bytes()
    relative = str(path.relative_to(root))
    content_hash = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return ArchiveFile(relative, content_hash, None, f"not UTF-8 ({error.reason})")
    problem, identity = layout_problem(text)
    return ArchiveFile(relative, content_hash, identity, problem)


def walk(root: Path) -> Iterator[Path]:
    """Yield every file of the archive outside its state folder, as its folder is read."""
    for folder, name in archive_files(root):
        yield root / folder / name


def check_archive(
    root: Path, state: ArchiveState | None, progress: Progress | None = None
) -> Findings:
    """Check every file against the state and the seed layout, and every row against its file."""
    findings = Findings()
    unrecorded: dict[tuple[str, str], str] = {}  # identity: path of a file without a row
    for path in walk(root):
        if is_temporary(path.name):  # the archive's own, never a file of anyone else
            findings.problems.append(
                Problem("temporary", str(path.relative_to(root)), "a temporary file left")
            )
            continue
        if path.suffix != ".md":
            continue
        findings.files += 1
        if progress is not None:
            progress.update(findings.files)
        findings.problems += file_problems(read_file(root, path), state, unrecorded)
    if state is not None:
        for record in state.records():
            findings.rows += 1
            if not (root / record.path).is_file():
                findings.problems.append(
                    Problem("missing", record.path, f"recorded for {record.key}, but not there")
                )
    return findings


def file_problems(
    file: ArchiveFile, state: ArchiveState | None, unrecorded: dict[tuple[str, str], str]
) -> list[Problem]:
    """What is wrong with one file: its layout, its row's hash, a second copy, no row."""
    problems = []
    if file.problem:
        problems.append(Problem("unreadable", file.path, file.problem))
    record = state.lookup_path(file.path) if state else None
    if record is not None:
        if record.content_hash != file.content_hash:
            problems.append(
                Problem("hash", file.path, f"its sha256 is not the one recorded for {record.key}")
            )
        return problems
    twin = None
    if file.identity is not None:
        known = state.lookup_identity(*file.identity) if state else None
        twin = known.path if known is not None else unrecorded.get(file.identity)
        unrecorded.setdefault(file.identity, file.path)
    if twin is not None and twin != file.path:
        problems.append(Problem("duplicate", file.path, f"a second file of the article in {twin}"))
    elif not file.problem:
        problems.append(Problem("orphan", file.path, "no state row records it"))
    return problems


def repair(root: Path, state: ArchiveState, problems: list[Problem]) -> None:
    """Mend what can be mended (the caller holds the archive's lock); note what was done.

    The files are the truth: a row is re-recorded from its file, a row whose file is gone
    is forgotten (a run that lists the article fetches it again), a sound file without a
    row is recorded; temporary files and second copies of a recorded article are removed.
    A damaged file is left for a fetch to rewrite (its row is forgotten so one will).
    """
    adopted = False
    # Second copies go first and orphans next: the adoption records every file no row
    # records, and must neither take a copy about to go nor a damaged file whose row the
    # hash repair forgets.
    order = {"duplicate": 0, "orphan": 1}
    for problem in sorted(problems, key=lambda problem: order.get(problem.kind, 2)):
        path = root / problem.path
        if problem.kind == "temporary":
            path.unlink(missing_ok=True)
            problem.repaired, problem.mended = "removed", True
        elif problem.kind == "missing":
            record = state.lookup_path(problem.path)
            if record is not None:
                state.forget(record.key)
            problem.repaired = "row forgotten: a run that lists the article fetches it again"
            problem.mended = True
        elif problem.kind == "hash":
            problem.repaired, problem.mended = rerecord(root, state, problem.path)
        elif problem.kind == "orphan":
            if not adopted:  # every file no row records, recorded as a run's start does
                state.adopt_unknown_files(root)
                adopted = True
            if state.lookup_path(problem.path) is not None:
                problem.repaired, problem.mended = "recorded from the file", True
        elif problem.kind == "duplicate":
            path.unlink(missing_ok=True)
            problem.repaired, problem.mended = "removed (the recorded file stays)", True
        else:  # unreadable: only a fetch can rewrite it
            problem.repaired = "not mended: fetch the article again, or restore the file"


def rerecord(root: Path, state: ArchiveState, relative: str) -> tuple[str, bool]:
    """Record a file's hash and identity in its row; forget the row of a damaged file."""
    record = state.lookup_path(relative)
    if record is None:
        return "", False
    file = read_file(root, root / relative)
    if file.problem or file.identity is None:
        state.forget(record.key)
        return "row forgotten (the file is damaged): a run that lists it rewrites it", False
    title, date = file.identity
    text = (root / relative).read_text(encoding="utf-8")
    state.record(
        dataclasses.replace(
            record, content_hash=file.content_hash, title=title, date=date,
            body_hash=body_digest(text),
        )
    )  # fmt: skip
    return "row re-recorded from the file", True
