"""Benchmark: how much of each fixture article generic extraction (trafilatura) recovers.

For every fixture page with a hand-written expected file (tests/fixtures/sites/<site>/),
renders it with the generic profile through the path `scrapy render --generic` takes
(crawler/render.py: the recorded headers, the re-decoding middlewares, every item pipeline
but the archive's), and compares the body with the expected file's body (what the site's
own profile writes):

- characters, as a multiset: overlap = Σ min(count in generic, count in expected) over
  each character; precision = overlap / generic length, recall = overlap / expected length.
  Chinese has no spaces between words, so characters, not words, are the unit; white space
  is left out on both sides (the U+3000 indentation and line breaks are layout). A multiset
  ignores order, so it can only overstate;
- in order: the same figures with overlap = the characters `difflib.SequenceMatcher` (no
  autojunk: common characters must not be ignored) matches in order;
- paragraphs kept: expected blocks (split at block elements) found whole in the generic text;
- images kept: expected `<img>` URLs present in the generic body.

    .venv/bin/python benchmarks/generic_overlap.py
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import machine_line  # noqa: E402
from crawler.render import PageRenderer, Rendered, project_settings, recorded_headers  # noqa: E402
from crawler.sites import site_named  # noqa: E402
from tests.documents import FIXTURES, block_texts, expected_file, split_document  # noqa: E402


@functools.cache
def renderer() -> PageRenderer:
    """The path `scrapy render` takes, with the project's settings, built once."""
    return PageRenderer(project_settings())


@dataclass
class Overlap:
    """Generic extraction of one page measured against the page's expected body."""

    page: str
    expected_chars: int
    generic_chars: int
    multiset: tuple[float, float, float]  # precision, recall, F1
    ordered: tuple[float, float, float]
    paragraphs: tuple[int, int]  # kept, expected
    images: tuple[int, int]


def generic_body(page: Path) -> str:
    """Return the body `scrapy render --generic` writes for a fixture page."""
    url = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["url"]
    site = site_named("web")
    channel = site.channel(site.default_channel)
    result = renderer().render(page.read_bytes(), url, recorded_headers(page), site, channel)
    assert isinstance(result, Rendered), f"{page.name}: {result}"
    return result.article.body_html


def scores(overlap: int, generic: int, expected: int) -> tuple[float, float, float]:
    """Return precision, recall and F1 of an overlap."""
    precision = overlap / generic if generic else 0.0
    recall = overlap / expected if expected else 0.0
    total = precision + recall
    return precision, recall, 2 * precision * recall / total if total else 0.0


def images(fragment: str) -> set[str]:
    """Return the image URLs of body HTML."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return {img.get("src", "") for img in root.iter("img")}


def measure(page: Path) -> Overlap:
    """Compare generic extraction of a page with its expected body."""
    expected_body = split_document(expected_file(page).read_text(encoding="utf-8")).body
    body = generic_body(page)
    want, got = block_texts(expected_body), "".join(block_texts(body))
    wanted = "".join(want)
    in_order = difflib.SequenceMatcher(None, got, wanted, autojunk=False).get_matching_blocks()
    return Overlap(
        page=page.stem,
        expected_chars=len(wanted),
        generic_chars=len(got),
        multiset=scores(sum((Counter(got) & Counter(wanted)).values()), len(got), len(wanted)),
        ordered=scores(sum(block.size for block in in_order), len(got), len(wanted)),
        paragraphs=(sum(text in got for text in want), len(want)),
        images=(len(images(expected_body) & images(body)), len(images(expected_body))),
    )


def main() -> None:
    print(machine_line())
    pages = sorted(
        (p for p in FIXTURES.glob("sites/*/*.html") if p.parent.name != "sina"),
        key=lambda p: p.name,
    ) + sorted((FIXTURES / "sites" / "sina").glob("*.html"))
    header = (
        "| page | expected chars | generic chars | P | R | F1 | P in order | R in order "
        "| F1 in order | paragraphs kept | images kept |"
    )
    print(header)
    print("|---" * header.count(" | ") + "|---|")
    for page in pages:
        row = measure(page)
        print(
            f"| {row.page} | {row.expected_chars} | {row.generic_chars} | "
            + " | ".join(f"{value:.3f}" for value in (*row.multiset, *row.ordered))
            + f" | {row.paragraphs[0]}/{row.paragraphs[1]} | {row.images[0]}/{row.images[1]} |"
        )


if __name__ == "__main__":
    main()
