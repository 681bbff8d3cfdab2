"""Text helpers: white space, keyword lists, the editor line."""

from __future__ import annotations

import re

# The editor line many Chinese news sites print: `责任编辑：NAME`, `（责任编辑： CODE）`.
_EDITOR_LINE = re.compile(r"责任编辑\s*[:：]\s*([^\s()（）]+)")


def squash(text: str) -> str:
    """Collapse runs of whitespace (ideographic spaces included) into one space, trimmed."""
    return " ".join(text.split())


def split_keywords(text: str, separators: str = r"[,，]") -> list[str]:
    """Split a keywords list (a `<meta name="keywords">` value) into its words."""
    return [word.strip() for word in re.split(separators, text) if word.strip()]


def editor_name(text: str) -> str:
    """Return the name (or staff code) after `责任编辑：` in text, or an empty string."""
    match = _EDITOR_LINE.search(text)
    return match.group(1) if match else ""
