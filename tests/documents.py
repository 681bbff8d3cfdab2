"""Helpers for tests: split seed-format documents and compare them as FORMAT.md says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import lxml.html

from crawler.common.html import BLOCK_TAGS
from tests.inprocess import Run, run_command

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def _demo_pages() -> list[Path]:
    """The Sina pages the demo's roll API answers list (the mirror's six articles).

    Sina's fixture folder also holds pages of its 2009–2016 templates, which no listing
    names: the parser tests read those, the crawl tests do not.
    """
    folder = FIXTURES / "sites" / "sina"
    listed = {
        entry["url"]
        for answer in folder.glob("roll-*.json")
        for entry in json.loads(answer.read_text(encoding="utf-8"))["result"]["data"]
    }
    return [
        page
        for page in sorted(folder.glob("*.html"))
        if json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["url"] in listed
    ]


SINA_PAGES = _demo_pages()

OPENING = "\n<div>   \n"
CLOSING = "  \n</div>\n" + " " * 12


@dataclass
class Document:
    """A seed-format document cut into its byte-exact head and its body HTML."""

    head: str  # from the first byte to the `<div>   ` line included
    body: str
    tail: str  # from the two spaces after the body to the end


def split_document(text: str) -> Document:
    """Cut a document at its wrapper lines."""
    head, separator, rest = text.partition("\n---\n" + OPENING)
    assert separator, f"no front matter / <div> wrapper in {text[:200]!r}"
    body, closing, after = rest.rpartition(CLOSING)
    assert closing and not after, f"document does not end with the wrapper: {text[-40:]!r}"
    return Document(head + separator, body, closing)


def html_tree(fragment: str) -> list[object]:
    """Describe body HTML as nested (tag, attributes, text, children, tail) tuples.

    Whitespace-only text between elements is ignored; all other text is compared exactly,
    and an empty attribute (`alt`) equals `alt=""`.
    """
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")

    def text(value: str | None) -> str:
        return value if value and value.strip() else ""

    def describe(element: lxml.html.HtmlElement) -> tuple[object, ...]:
        return (
            element.tag,
            dict(element.attrib),
            text(element.text),
            [describe(child) for child in element],
            text(element.tail),
        )

    return [text(root.text), *[describe(child) for child in root]]


def assert_same_document(actual: str, expected: str) -> None:
    """Assert the front matter and wrapper are byte-equal and the bodies the same HTML."""
    got, want = split_document(actual), split_document(expected)
    assert got.head == want.head
    assert got.tail == want.tail
    assert html_tree(got.body) == html_tree(want.body)


def expected_file(page: Path) -> Path:
    """Return the hand-written `.expected.md` of a fixture page."""
    return page.parent / f"{page.stem}.expected.md"


def page_meta(page: Path) -> dict[str, str]:
    """Read a fixture page's `.json` metadata (its URL, source and channel)."""
    meta: dict[str, str] = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    return meta


def scrapy(*args: str) -> Run:
    """Run a `scrapy` command of this project in this process (see tests/inprocess.py)."""
    return run_command(*args)


def scrapy_cli(
    *args: str, cwd: Path = ROOT, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a `scrapy` command of this project in a child process: the real command line
    (with `env` added to its environment)."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd, env={**_ENVIRONMENT, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def start_scrapy(*args: str) -> subprocess.Popen[str]:
    """Start a `scrapy` command of this project in a child process, without waiting."""
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT, env=_ENVIRONMENT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


_ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT)}


def render(page: Path, url: str, *extra: str) -> Run:
    """Run `scrapy render` on a saved page, in this process."""
    return scrapy("render", str(page), "--url", url, *extra)


def render_cli(page: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run `scrapy render` on a saved page in a child process: the real command line."""
    return scrapy_cli("render", str(page), "--url", url, *extra)


def block_texts(fragment: str) -> list[str]:
    """Split body HTML into the texts of its blocks (paragraphs, list items, bare runs).

    A block element's start and end cut the text; white space (U+3000 indentation, line
    breaks) is removed, since extractors re-flow it and it carries no words in Chinese.
    """
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    pieces: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        block = isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS
        pieces.append("\n" if block else "")
        pieces.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):  # comments and processing instructions hold no text
                walk(child)
            pieces.append(child.tail or "")
        pieces.append("\n" if block else "")

    walk(root)
    texts = ("".join(piece.split()) for piece in "".join(pieces).split("\n"))
    return [text for text in texts if text]
