"""Extraction quality: ours, trafilatura and the raw body container against hand-written texts.

Each real fixture page (`tests/fixtures/sites/<site>/*.html` but the made-up `synthetic-*`
Sina pages) has a `<stem>.reference.txt` written by reading the page: the
article's paragraphs and image captions, one a line, leading U+3000 spaces stripped. Three
extractors are scored on each page:

- `ours`: the path `scrapy render` takes (crawler/render.py: the response built from the
  page's bytes and recorded headers, the re-decoding middlewares, the site profile's parser,
  every item pipeline but those writing the archive), in-process: the body it prints;
- `trafilatura`: `trafilatura.extract` with its default settings, on the same decoded page;
- `raw container`: the text of the profile's body element as the parser cut it, uncleaned
  (scripts' source included, comments not, as a browser's `textContent`).

Score. Chinese has no spaces between words, so `\\w+` tokens would be whole clauses; single
characters in a bag ignore order and carry little signal (责, 编 and 辑 each occur in many
articles). So the score counts **character bigrams**: all whitespace is removed from the
text (paragraph breaks, indentation, U+3000, U+00A0: layout, not content), the rest is read
as one string and cut into overlapping pairs of characters; precision is the share of the
output's bigrams found in the reference's (as multisets), recall the share of the
reference's found in the output's, F1 their harmonic mean. A dropped paragraph lowers
recall, a leaked line lowers precision, and paragraphs out of order lose their boundary pairs.

Leaks. An output line *leaks* when, with its whitespace removed, it is not a substring of the
whole reference with its whitespace removed (so splitting or joining paragraphs is no leak;
a paragraph with an editor line glued to its end is). A leaked line is *boilerplate* when it
also matches BOILERPLATE (责任编辑, 免责声明, 扫码, APP, 相关阅读, 分享到, 返回…首页, ...).
Lines are cut at block elements and `<br>` for HTML output, at newlines for trafilatura's
text (its `- ` list-item marker is layout and is dropped).

    .venv/bin/python benchmarks/quality.py [--leaks]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from scrapy.http import TextResponse  # noqa: E402

from benchmarks import machine_line  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.render import (  # noqa: E402
    Dropped,
    PageRenderer,
    Rendered,
    project_settings,
    recorded_headers,
)
from crawler.sites import Channel, Site, site_named  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
EXTRACTORS = ("ours", "trafilatura", "raw container")

# Lines that read as what a site wraps around an article; only leaked lines are checked.
BOILERPLATE = re.compile(
    r"责任编辑|责编|编辑\s*[:：]|免责声明|声明\s*[:：]|版权所有|扫码|扫描.{0,6}二维码|二维码|APP"
    r"|客户端|相关阅读|相关新闻|相关文章|为你推荐|推荐阅读|分享到|返回.{0,10}首页|本文来源"
    r"|关键[字词]\s*[:：]|我要反馈|点击投票|正文已结束",
    re.IGNORECASE,
)
# Where a line ends in an HTML body: block elements and line breaks.
LINE_BREAKING_TAGS = frozenset(
    "address article aside blockquote br center dd details div dl dt figcaption figure footer "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead "
    "tr ul".split()
)
_LIST_MARKER = re.compile(r"^\s*-\s+")


@dataclass(frozen=True)
class Page:
    """A saved real page: its URL, channel and recorded headers, and its reference text."""

    path: Path
    url: str
    channel: str
    headers: Mapping[str, str]

    @property
    def site(self) -> Site:
        """The site profile it is rendered with: the one its folder is named after."""
        return site_named(self.path.parent.name)

    @property
    def site_channel(self) -> Channel:
        """The channel it is rendered for."""
        return self.site.channel(self.channel)

    def body(self) -> bytes:
        """The page's bytes as saved."""
        return self.path.read_bytes()

    @property
    def name(self) -> str:
        """The page's file stem."""
        return self.path.stem

    @property
    def reference_path(self) -> Path:
        """The hand-written reference text next to the page."""
        return self.path.with_name(f"{self.path.stem}.reference.txt")

    def reference_lines(self) -> list[str]:
        """The reference's non-empty lines."""
        lines = self.reference_path.read_text(encoding="utf-8").splitlines()
        return [line for line in lines if line.strip()]


def real_pages() -> list[Page]:
    """Every saved real fixture page (the made-up `synthetic-*` Sina pages left out)."""
    paths = sorted((FIXTURES / "sites" / "sina").glob("*.html")) + sorted(
        (p for p in FIXTURES.glob("sites/*/*.html") if p.parent.name != "sina"),
        key=lambda p: p.name,
    )
    pages = []
    for path in paths:
        if path.name.startswith("synthetic-"):
            continue
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append(Page(path, meta["url"], meta["channel"], recorded_headers(path)))
    return pages


def normalized(text: str) -> str:
    """Remove every whitespace character (ASCII, U+3000, U+00A0, ...)."""
    return "".join(text.split())


def bigrams(lines: Iterable[str]) -> Counter[str]:
    """Count the character bigrams of the lines read as one string without whitespace."""
    text = normalized("".join(lines))
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


@dataclass(frozen=True)
class Score:
    """How one extractor's output compares with a reference."""

    matched: int  # bigrams in both (multiset intersection)
    output: int  # bigrams in the output
    reference: int  # bigrams in the reference
    lines: int  # non-empty output lines
    leaked: tuple[str, ...]  # output lines with no counterpart in the reference
    boilerplate: tuple[str, ...]  # the leaked lines that read as boilerplate

    @property
    def precision(self) -> float:
        """Share of the output's bigrams that are the reference's."""
        return self.matched / self.output if self.output else 0.0

    @property
    def recall(self) -> float:
        """Share of the reference's bigrams that the output has."""
        return self.matched / self.reference if self.reference else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return f1(self.precision, self.recall)


def f1(precision: float, recall: float) -> float:
    """Return the harmonic mean of precision and recall (0 when both are 0)."""
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def score(output_lines: Sequence[str], reference_lines: Sequence[str]) -> Score:
    """Score output lines against reference lines (bigram P/R/F1, leaked lines)."""
    got, want = bigrams(output_lines), bigrams(reference_lines)
    whole_reference = normalized("".join(reference_lines))
    lines = [line for line in output_lines if normalized(line)]
    leaked = tuple(line for line in lines if normalized(line) not in whole_reference)
    return Score(
        matched=sum((got & want).values()),
        output=sum(got.values()),
        reference=sum(want.values()),
        lines=len(lines),
        leaked=leaked,
        boilerplate=tuple(line for line in leaked if BOILERPLATE.search(line)),
    )


def html_lines(fragment: str) -> list[str]:
    """Return the text of body HTML, a line per block element or `<br>`; comments skipped."""
    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    pieces: list[str | None] = []  # None marks a line break

    def walk(element: lxml.html.HtmlElement) -> None:
        # Comments and processing instructions have a non-string tag: their text is no text.
        if not isinstance(element.tag, str):
            return
        breaks = element.tag.lower() in LINE_BREAKING_TAGS
        if breaks:
            pieces.append(None)
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            pieces.append(child.tail or "")
        if breaks:
            pieces.append(None)

    walk(root)
    # Newlines inside text nodes are source layout, not line breaks: only tags break lines.
    text = "".join("\n" if piece is None else re.sub(r"[\r\n]", " ", piece) for piece in pieces)
    return [line.strip() for line in text.split("\n") if line.strip()]


def text_lines(text: str) -> list[str]:
    """Return the lines of a plain-text extraction, list-item markers dropped."""
    return [_LIST_MARKER.sub("", line).strip() for line in text.splitlines() if line.strip()]


def our_renderer() -> PageRenderer:
    """The path `scrapy render` takes, with the project's settings."""
    return PageRenderer(project_settings())


def fetched(renderer: PageRenderer, page: Page) -> TextResponse:
    """The page as the downloader hands it on, re-decoded as a crawl does."""
    response = renderer.response(page.body(), page.url, page.headers)
    assert isinstance(response, TextResponse), page.name
    return response


def rendered(renderer: PageRenderer, page: Page) -> Article:
    """The article `scrapy render` makes of the page; fail if it drops it."""
    result: Rendered | Dropped = renderer.render(
        page.body(), page.url, page.headers, page.site, page.site_channel
    )
    assert isinstance(result, Rendered), f"{page.name}: {result}"
    return result.article


@dataclass
class Extraction:
    """One page's reference and the three extractors' outputs."""

    page: Page
    outputs: dict[str, list[str]]

    @cached_property
    def reference(self) -> list[str]:
        """The page's reference lines."""
        return self.page.reference_lines()

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Each extractor's score on this page."""
        return {name: score(lines, self.reference) for name, lines in self.outputs.items()}


def extract_all(page: Page, renderer: PageRenderer) -> Extraction:
    """Run the three extractors on one page."""
    response = fetched(renderer, page)
    parsed = renderer.extract(response, page.site, page.site_channel)
    raw_lines = html_lines(parsed.body_html)  # before the pipelines change it
    ours = renderer.process(parsed)
    return Extraction(
        page,
        {
            "ours": html_lines(ours.body_html),
            "trafilatura": text_lines(trafilatura.extract(response.text) or ""),
            "raw container": raw_lines,
        },
    )


def measure(pages: Sequence[Page] | None = None) -> list[Extraction]:
    """Run every extractor on every real page."""
    renderer = our_renderer()
    return [extract_all(page, renderer) for page in (pages or real_pages())]


def total(scores: Iterable[Score]) -> tuple[float, float, float]:
    """Micro-averaged precision, recall and F1 over all the pages' bigrams."""
    scores = list(scores)
    matched = sum(s.matched for s in scores)
    output = sum(s.output for s in scores)
    reference = sum(s.reference for s in scores)
    precision = matched / output if output else 0.0
    recall = matched / reference if reference else 0.0
    return precision, recall, f1(precision, recall)


def table(rows: Sequence[tuple[str, ...]]) -> str:
    """Lay out rows as a Markdown table, the first row its header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


HEADER = ("extractor", "precision", "recall", "F1", "lines", "leaked", "boilerplate")


def score_row(name: str, s: Score) -> tuple[str, ...]:
    """One table row."""
    return (name, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}", str(s.lines),
            str(len(s.leaked)), str(len(s.boilerplate)))  # fmt: skip


def report(extractions: Sequence[Extraction], show_leaks: bool = False,
           out: Callable[[str], None] = print) -> None:  # fmt: skip
    """Print a table per page, then the totals."""
    for extraction in extractions:
        reference = bigrams(extraction.reference)
        out(f"\n### {extraction.page.name}")
        out(f"reference: {len(extraction.reference)} lines, {sum(reference.values())} bigrams\n")
        rows = [HEADER] + [score_row(n, s) for n, s in extraction.scores.items()]
        out(table(rows))
        if show_leaks:
            for name, s in extraction.scores.items():
                for line in s.leaked:
                    mark = "boilerplate" if line in s.boilerplate else "leaked"
                    out(f"  {name} {mark}: {line[:70]}")
    out("\n### totals\n")
    out("micro-averaged over all pages' bigrams; mean F1 = unweighted mean of the pages' F1\n")
    rows = [("extractor", "precision", "recall", "F1", "mean F1", "min F1", "leaked",
             "boilerplate", "pages won")]  # fmt: skip
    for name in EXTRACTORS:
        scores = [e.scores[name] for e in extractions]
        precision, recall, micro_f1 = total(scores)
        f1s = [s.f1 for s in scores]
        won = sum(e.scores[name].f1 >= max(s.f1 for s in e.scores.values()) for e in extractions)
        rows.append((name, f"{precision:.4f}", f"{recall:.4f}", f"{micro_f1:.4f}",
                     f"{sum(f1s) / len(f1s):.4f}", f"{min(f1s):.4f}",
                     str(sum(len(s.leaked) for s in scores)),
                     str(sum(len(s.boilerplate) for s in scores)),
                     f"{won}/{len(extractions)}"))  # fmt: skip
    out(table(rows))


def main() -> None:
    """Score the three extractors on every real fixture page and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaks", action="store_true", help="print every leaked line")
    args = parser.parse_args()
    print(f"{machine_line()}, trafilatura {trafilatura.__version__}")
    report(measure(), show_leaks=args.leaks)


if __name__ == "__main__":
    main()
