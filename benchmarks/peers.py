"""The peer extractors the quality benchmark compares ours with, each as text lines.

Each peer is given the page's decoded text (the response a crawl's downloader hands on)
with its best settings for Chinese news, as its documentation says:

- trafilatura: `trafilatura.extract`, default settings;
- readability-lxml: `Document(html).summary(html_partial=True)`, its HTML cut into lines;
- newspaper4k: `Article(url, language="zh")`, given the HTML, parsed: `.text`;
- goose3: `Goose` with `StopWordsChinese` (jieba), `.cleaned_text`;
- GNE: `GeneralNewsExtractor().extract(html)["content"]`.

They are development dependencies (pyproject.toml `dev`), used only by the benchmarks and
the quality gate. A peer that cannot be imported is left out, with the reason in
`UNAVAILABLE` (the benchmark prints it).
"""

from __future__ import annotations

import importlib
import logging
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import trafilatura

Lines = list[str]
Extractor = Callable[[str, str], Lines]  # (decoded page, its URL) → its text lines
UNAVAILABLE: dict[str, str] = {}


def _trafilatura(html: str, url: str) -> Lines:
    from benchmarks.quality import text_lines  # noqa: PLC0415 (quality imports this module)

    return text_lines(trafilatura.extract(html) or "")


def _readability(html: str, url: str) -> Lines:
    from benchmarks.quality import html_lines  # noqa: PLC0415

    document = importlib.import_module("readability").Document(html)
    return html_lines(document.summary(html_partial=True))


def _newspaper(html: str, url: str) -> Lines:
    from benchmarks.quality import text_lines  # noqa: PLC0415

    article = importlib.import_module("newspaper").Article(url, language="zh", fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return text_lines(article.text or "")


@cache
def _goose_client() -> Any:
    goose3 = importlib.import_module("goose3")
    chinese = importlib.import_module("goose3.text").StopWordsChinese
    return goose3.Goose({"stopwords_class": chinese, "enable_image_fetching": False})


def _goose(html: str, url: str) -> Lines:
    from benchmarks.quality import text_lines  # noqa: PLC0415

    return text_lines(_goose_client().extract(raw_html=html).cleaned_text or "")


@cache
def _gne_extractor() -> Any:
    return importlib.import_module("gne").GeneralNewsExtractor()


def _gne(html: str, url: str) -> Lines:
    from benchmarks.quality import text_lines  # noqa: PLC0415

    return text_lines(_gne_extractor().extract(html).get("content") or "")


CANDIDATES: dict[str, tuple[str, Extractor]] = {
    "trafilatura": ("trafilatura", _trafilatura),
    "readability-lxml": ("readability", _readability),
    "newspaper4k": ("newspaper", _newspaper),
    "goose3": ("goose3", _goose),
    "gne": ("gne", _gne),
}


@cache
def peers() -> dict[str, Extractor]:
    """Return every peer that can be imported here, by name; note why any other cannot."""
    found: dict[str, Extractor] = {}
    for name, (module, extract) in CANDIDATES.items():
        try:
            with warnings.catch_warnings():
                # Their own imports use APIs their dependencies deprecate: not ours to fix.
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except ImportError as error:
            UNAVAILABLE[name] = f"not installed: {error}"
            continue
        found[name] = extract
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return found


def peer_lines(name: str, html: str, url: str) -> Lines:
    """Return a peer's text lines for a page; a peer that fails on it gives none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return peers()[name](html, url)
    except Exception:
        return []
