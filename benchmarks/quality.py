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
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.http import TextResponse  # noqa: E402

from benchmarks import machine_line  # noqa: E402
from benchmarks.peers import UNAVAILABLE, peer_lines, peers  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.render import (  # noqa: E402
    DEFAULT_HEADERS,
    Dropped,
    PageRenderer,
    Rendered,
    project_settings,
    recorded_headers,
)
from crawler.sites import (  # noqa: E402
    Channel,
    ExtractionError,
    Site,
    profile_for_url,
    site_named,
)

FIXTURES = ROOT / "tests" / "fixtures"
# The whole corpus where the shared folder is beside the project; its CI subset in the tests.
SHARED_CORPUS = ROOT.parent / "shared" / "pages" / "corpus"
CORPUS_SUBSET = FIXTURES / "corpus"
CORPUS = SHARED_CORPUS if (SHARED_CORPUS / "index.json").is_file() else CORPUS_SUBSET
WRONG_REFERENCES = CORPUS_SUBSET / "wrong-references.json"

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
    site_key: str = ""  # the profile it is rendered with; "": the one its folder is named after
    reference_file: Path | None = None  # "": `<stem>.reference.txt` next to it

    @property
    def site(self) -> Site:
        """The site profile it is rendered with."""
        return site_named(self.site_key or self.path.parent.name)

    @property
    def group(self) -> str:
        """The page's host group: its host's registrable domain (`sina.com.cn`, `163.com`)."""
        return host_group(self.url)

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
        """The reference text: the corpus's, else the hand-written one next to the page."""
        return self.reference_file or self.path.with_name(f"{self.path.stem}.reference.txt")

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


# Second-level labels under which a country's registrable domains sit (`people.com.cn`).
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu"})


def host_group(url: str) -> str:
    """Return the registrable domain of a URL's host: `tech.sina.com.cn` → `sina.com.cn`."""
    labels = (urlsplit(url).hostname or "").split(".")
    size = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-size:])


def corpus_url(entry: Mapping[str, Any]) -> str:
    """Return a corpus page's URL: as recorded, else one made up on its host.

    The DAnIEL pages have none; any path of the right host picks the host's profile.
    """
    if entry.get("url"):
        return str(entry["url"])
    stem = Path(entry["file"]).stem
    return f"http://{entry['host']}/{entry['crawled']}/{stem.rsplit('-', 1)[-1]}.html"


def corpus_pages(root: Path = CORPUS, excluded: Mapping[str, str] | None = None) -> list[Page]:
    """Every page a corpus folder's `index.json` lists, but those with a wrong reference."""
    entries = json.loads((root / "index.json").read_text(encoding="utf-8"))
    wrong = wrong_references() if excluded is None else excluded
    pages = []
    for entry in entries:
        if entry["file"] in wrong:
            continue
        url = corpus_url(entry)
        site = profile_for_url(url)
        pages.append(Page(root / entry["file"], url, site.default_channel,
                          dict(DEFAULT_HEADERS), site.key, root / entry["reference"]))  # fmt: skip
    return pages


def wrong_references() -> dict[str, str]:
    """The corpus pages whose reference is wrong (read from the page), and why."""
    return dict(json.loads(WRONG_REFERENCES.read_text(encoding="utf-8")))


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
    """One page's reference and the extractors' outputs."""

    page: Page
    outputs: dict[str, list[str]]
    dropped: str = ""  # why our path made no article of the page (its output is then empty)

    @cached_property
    def reference(self) -> list[str]:
        """The page's reference lines."""
        return self.page.reference_lines()

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Each extractor's score on this page."""
        return {name: score(lines, self.reference) for name, lines in self.outputs.items()}


def extract_all(page: Page, renderer: PageRenderer, with_peers: bool = False) -> Extraction:
    """Run our path, trafilatura (or every peer) and the raw container on one page."""
    response = fetched(renderer, page)
    outputs: dict[str, list[str]] = {}
    dropped = ""
    raw_lines: list[str] = []
    try:
        parsed = renderer.extract(response, page.site, page.site_channel)
        raw_lines = html_lines(parsed.body_html)  # before the pipelines change it
        outputs["ours"] = html_lines(renderer.process(parsed).body_html)
    except (ExtractionError, DropItem) as error:
        outputs["ours"], dropped = [], str(error)
    for name in peers() if with_peers else ("trafilatura",):
        outputs[name] = peer_lines(name, response.text, page.url)
    outputs["raw container"] = raw_lines
    return Extraction(page, outputs, dropped)


def measure(pages: Sequence[Page] | None = None, with_peers: bool = False) -> list[Extraction]:
    """Run every extractor on every page (the real fixture pages unless told)."""
    renderer = our_renderer()
    return [extract_all(page, renderer, with_peers) for page in (pages or real_pages())]


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
           out: Callable[[str], None] = print, per_page: bool = True) -> None:  # fmt: skip
    """Print a table per page (or a line per page), the totals, then the totals by host group."""
    for extraction in extractions:
        if not per_page:
            scores = "  ".join(f"{n} {s.f1:.3f}" for n, s in extraction.scores.items())
            dropped = f"  DROPPED: {extraction.dropped}" if extraction.dropped else ""
            out(f"{extraction.page.path.name[:60]:60} {extraction.page.site.key:8} {scores}"
                f"{dropped}")  # fmt: skip
        else:
            reference = bigrams(extraction.reference)
            out(f"\n### {extraction.page.name}")
            out(f"reference: {len(extraction.reference)} lines, "
                f"{sum(reference.values())} bigrams\n")  # fmt: skip
            rows = [HEADER] + [score_row(n, s) for n, s in extraction.scores.items()]
            out(table(rows))
        if show_leaks:
            for name, s in extraction.scores.items():
                for line in s.leaked if name == "ours" or per_page else ():
                    mark = "boilerplate" if line in s.boilerplate else "leaked"
                    out(f"  {name} {mark}: {line[:70]}")
    out("\n### totals\n")
    drops = sum(1 for e in extractions if e.dropped)
    out(f"{len(extractions)} pages, {drops} dropped by our path (scored 0)")
    out("micro-averaged over all pages' bigrams; mean F1 = unweighted mean of the pages' F1\n")
    out(totals_table(extractions))
    groups = sorted({e.page.group for e in extractions})
    if len(groups) > 1:
        out("\n### mean F1 by host group\n")
        names = list(extractions[0].outputs)
        rows = [("host group", "pages", *names)]
        for group in groups:
            members = [e for e in extractions if e.page.group == group]
            rows.append((group, str(len(members)),
                         *(f"{mean_f1(members, n):.4f}" for n in names)))  # fmt: skip
        out(table(rows))


def mean_f1(extractions: Sequence[Extraction], name: str) -> float:
    """The unweighted mean of an extractor's F1 over pages."""
    return sum(e.scores[name].f1 for e in extractions) / len(extractions)


def totals_table(extractions: Sequence[Extraction]) -> str:
    """The totals of each extractor over the pages."""
    rows = [("extractor", "precision", "recall", "F1", "mean F1", "min F1", "leaked",
             "boilerplate", "pages won")]  # fmt: skip
    for name in extractions[0].outputs:
        scores = [e.scores[name] for e in extractions]
        precision, recall, micro_f1 = total(scores)
        f1s = [s.f1 for s in scores]
        won = sum(e.scores[name].f1 >= max(s.f1 for s in e.scores.values()) for e in extractions)
        rows.append((name, f"{precision:.4f}", f"{recall:.4f}", f"{micro_f1:.4f}",
                     f"{sum(f1s) / len(f1s):.4f}", f"{min(f1s):.4f}",
                     str(sum(len(s.leaked) for s in scores)),
                     str(sum(len(s.boilerplate) for s in scores)),
                     f"{won}/{len(extractions)}"))  # fmt: skip
    return table(rows)


def main() -> None:
    """Score the extractors on the real fixture pages, or on the corpus, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaks", action="store_true", help="print every leaked line")
    parser.add_argument("--corpus", nargs="?", const=CORPUS, type=Path, metavar="DIR",
                        help=f"score the corpus pages instead (default {CORPUS})")  # fmt: skip
    parser.add_argument("--peers", action="store_true", help="every peer, not trafilatura alone")
    parser.add_argument("--only", default="", help="only the pages whose file name has this")
    args = parser.parse_args()
    pages = corpus_pages(args.corpus) if args.corpus else real_pages()
    pages = [page for page in pages if args.only in page.path.name]
    print(f"{machine_line()}, trafilatura {trafilatura.__version__}")
    extractions = measure(pages, with_peers=args.peers)
    for name, reason in UNAVAILABLE.items():
        print(f"left out: {name}: {reason}")
    if args.corpus:
        print(f"corpus: {args.corpus} (wrong references left out: {len(wrong_references())})")
    report(extractions, show_leaks=args.leaks, per_page=not args.corpus)


if __name__ == "__main__":
    main()
