"""The seed archive format, written and read: YAML front matter in the seeds' layout, the body."""

from __future__ import annotations

import functools
import hashlib
import io
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import IO, Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

# Characters a YAML scalar cannot hold (PyYAML's reader rejects them) or that YAML reads as
# line breaks (NEL, LS, PS), plus every other control character: a title is one line.
_UNPRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+|[\x85\u2028\u2029]+"
)

# Plain scalars a YAML 1.2 reader takes for something other than a string, by the 1.2 core
# schema and by js-yaml (Hexo's reader: also `0b` integers, `.5` floats and timestamps),
# finite or not. PyYAML reads YAML 1.1, where some of them (`1e3`, `0o17`) are strings.
_YAML_1_2_NOT_STRINGS = re.compile(
    r"[-+]?(?:[0-9]+|0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+)"  # integers
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"  # floats
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|<<"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"  # timestamps
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?"
)

# Item fields that MARKDOWN_EXTRA_FIELDS may add after `thumbnail`, with their YAML keys.
EXTRA_FIELD_KEYS = {
    "url": "source_url",
    "media_source": "media_source",
    "editor": "editor",
    "doc_id": "doc_id",
}

KEY_ORDER = ("title", "categories", "headimg", "author", "comments", "date", "thumbnail")

# The layout around the front matter and the body, as every seed document has it.
FRONT_MATTER_OPENING = "\n---\n"
BODY_OPENING = "\n---\n\n<div>   \n"
BODY_CLOSING = "  \n</div>\n" + " " * 12

# libyaml's parser, where PyYAML was built with it: a twelfth of the pure-Python one's time
# per front matter (the main cost of a rebuild or a check), with the same safe constructor.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def one_line(value: str) -> str:
    """Turn line breaks and other unprintable characters into single spaces."""
    return _UNPRINTABLE.sub(" ", value)


# Memoised: categories and author are the same few values in every article of a site, and
# a YAML parse costs more than the rest of the document.
@functools.lru_cache(maxsize=1024)
def _parses_back(yaml_value: str, value: str) -> bool:
    try:
        return bool(yaml.safe_load(f"k: {yaml_value}") == {"k": value})
    except yaml.YAMLError:
        return False


def single_quoted(value: str) -> str:
    """Quote a one-line value in YAML single quotes, doubling any `'` inside."""
    return "'" + value.replace("'", "''") + "'"


def quoted_title(title: str) -> str:
    """Quote a title as the seeds do: single quotes, or double quotes when it holds `'`."""
    title = one_line(title)
    if "'" not in title:
        return single_quoted(title)
    double = f'"{title}"'
    if '"' not in title and "\\" not in title and _parses_back(double, title):
        return double
    return single_quoted(title)


def plain_or_quoted(value: str) -> str:
    """Write a value as a plain YAML scalar when it reads back unchanged, else quote it.

    Unchanged in YAML 1.1 (PyYAML) and in YAML 1.2 (js-yaml, which Hexo reads with) alike.
    """
    value = one_line(value)
    if value and not _YAML_1_2_NOT_STRINGS.fullmatch(value) and _parses_back(value, value):
        return value
    return single_quoted(value)


def gmt_date(published: datetime) -> str:
    """Write a publication time as the seeds' `date`: RFC 1123 in GMT."""
    return format_datetime(published.astimezone(UTC), usegmt=True)


def article_identity(item: Any) -> tuple[str, str]:
    """Return the (title, date) pair that `document_identity` reads from the item's document.

    Taken from the values the document is written from: its title is quoted so that it
    reads back as exactly this one line, its date is written plain and reads back as is.
    """
    adapter = ItemAdapter(item)
    return one_line(adapter["title"]), gmt_date(adapter["published"])


def front_matter_lines(metadata: dict[str, Any]) -> list[str]:
    """Lay out the front matter keys exactly as the seed documents do."""
    lines = [
        f"title: {quoted_title(metadata['title'])}",
        "categories: ",
        *(f" - {plain_or_quoted(name)}" for name in metadata["categories"]),
        f"headimg: {single_quoted(one_line(metadata['headimg']))}",
        f"author: {plain_or_quoted(metadata['author'])}",
        "comments: false",
        f"date: {metadata['date']}",
        f"thumbnail: {single_quoted(one_line(metadata['thumbnail']))}",
    ]
    lines += [
        f"{key}: {plain_or_quoted(str(value))}"
        for key, value in metadata.items()
        if key not in KEY_ORDER
    ]
    return lines


class SeedLayoutHandler(YAMLHandler):
    """A python-frontmatter handler that writes the seed documents' layout byte for byte."""

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        """Write the front matter block (without its `---` lines)."""
        return "\n".join(front_matter_lines(metadata))

    def format(self, post: frontmatter.Post, **kwargs: object) -> str:
        """Write the whole document: blank line, front matter, the body in its `<div>`."""
        return (
            f"{FRONT_MATTER_OPENING}{self.export(post.metadata)}"
            f"{BODY_OPENING}{post.content}{BODY_CLOSING}"
        )


def article_post(item: Any, extra_fields: tuple[str, ...] = ()) -> frontmatter.Post:
    """Build the front-matter post of an article item."""
    adapter = ItemAdapter(item)
    published = adapter["published"]
    metadata: dict[str, Any] = {
        "title": adapter["title"],
        "categories": list(adapter["categories"]),
        "headimg": adapter["lead_image"],
        "author": adapter["site"],
        "comments": False,
        "date": gmt_date(published),
        "thumbnail": adapter["lead_image"],
    }
    for name in extra_fields:
        if adapter.get(name):
            metadata[EXTRA_FIELD_KEYS[name]] = adapter[name]
    return frontmatter.Post(adapter["body_html"], handler=SeedLayoutHandler(), **metadata)


def format_article(item: Any, extra_fields: tuple[str, ...] = ()) -> str:
    """Render an article item as the Markdown document the archive stores."""
    return frontmatter.dumps(article_post(item, extra_fields))


class MarkdownItemExporter(BaseItemExporter):
    """Scrapy item exporter writing one article as a seed-format Markdown document."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        extra = kwargs.pop("extra_fields", ())
        super().__init__(dont_fail=True, **kwargs)
        unknown = set(extra) - EXTRA_FIELD_KEYS.keys()
        if unknown:
            raise ValueError(f"unknown extra front-matter fields: {sorted(unknown)}")
        self.file = file
        self.extra_fields = tuple(extra)

    def export_item(self, item: Any) -> None:
        """Write the item's document to the file."""
        self.file.write(format_article(item, self.extra_fields).encode(self.encoding or "utf-8"))


def document_identity(text: str) -> tuple[str, str] | None:
    """Read the (title, date) pair that identifies the article in a seed-format document."""
    if not text.startswith("\n---\n"):
        return None
    try:
        data = yaml.load(text.split("\n---\n", 2)[1], Loader=YAML_LOADER)
    except (IndexError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or "title" not in data or "date" not in data:
        return None
    return str(data["title"]), str(data["date"])


def layout_problem(text: str) -> tuple[str | None, tuple[str, str] | None]:
    """Tell what keeps a text from being a whole seed-format document; its (title, date)."""
    if not text.startswith(FRONT_MATTER_OPENING):
        return "does not start with the front matter", None
    front, separator, _ = text[len(FRONT_MATTER_OPENING) :].partition(BODY_OPENING)
    if not separator:
        return "no end of the front matter and <div> opening", None
    try:
        data = yaml.load(front, Loader=YAML_LOADER)
    except yaml.YAMLError as error:
        return f"front matter is not YAML ({str(error).splitlines()[0]})", None
    if not isinstance(data, dict) or tuple(data)[: len(KEY_ORDER)] != KEY_ORDER:
        return f"front matter keys are not {', '.join(KEY_ORDER)}", None
    identity = (str(data["title"]), str(data["date"]))
    if not text.endswith(BODY_CLOSING):
        return "cut short: no closing </div> and trailing spaces", identity
    return None, identity


def body_digest(text: str) -> str | None:
    """Return the sha256 of what follows a document's front matter (its body), or None.

    It stays the same when only the front matter changes, e.g. a new headline.
    """
    parts = text.split("\n---\n", 2)
    if len(parts) != 3 or parts[0]:
        return None
    return hashlib.sha256(parts[2].encode("utf-8", errors="surrogatepass")).hexdigest()


def document_bytes(item: Any, extra_fields: tuple[str, ...] = ()) -> bytes:
    """Return the bytes of an article's document, through the exporter's whole lifecycle."""
    buffer = io.BytesIO()
    exporter = MarkdownItemExporter(buffer, extra_fields=extra_fields)
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    return buffer.getvalue()
