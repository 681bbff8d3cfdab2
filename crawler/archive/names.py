"""File and folder names that every system, Hexo and theme keeps (tests/test_hexo_build.py).

A name is the text with path separators, controls, `..` and the characters Windows or a URL
cannot hold replaced by `_`, and, from what real Hexo builds showed:
- `%` written `％`: Hexo 8 decodes a post's path with `decodeURI` and drops the post on a
  stray `%`; Hexo 7 keeps it but writes links that are not valid URLs;
- `'` written `’`: Volantis quotes links with `'`, so `Moody's` linked to `/…/Moody`;
- no leading `_`, `.` or space: Hexo skips every path segment that starts with `_` or `.`;
- a name Windows reserves (`CON`, `nul.txt`, `COM1`) gets `_` after its first part, not
  before it (`CON_.md`), for the same reason.
"""

from __future__ import annotations

import re

from crawler.common.text import squash

MAX_NAME_BYTES = 255
WINDOWS_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)]
)
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f-\x9f:/\\?*"<>|\[\]#\u2028\u2029]+|\.{2,}')
# Characters a Hexo site keeps only in another form: its readable full-width or typographic twin.
_HEXO_TWINS = str.maketrans({"%": "％", "'": "’"})
_HIDDEN_START = "_. "  # Hexo skips a path segment starting with `_` or `.`


def safe_name(text: str, suffix: str = "", fallback: str = "untitled") -> str:
    """Make a file or folder name from text that every system and Hexo keep; ≤255 bytes."""
    name = squash(_UNSAFE_NAME_CHARS.sub("_", text)).translate(_HEXO_TWINS)
    name = name.lstrip(_HIDDEN_START).rstrip(" .") or fallback
    if (name + suffix).partition(".")[0].strip().upper() in WINDOWS_RESERVED_NAMES:
        first, dot, rest = name.partition(".")
        name = f"{first.rstrip()}_{dot}{rest}"
    budget = MAX_NAME_BYTES - len(suffix.encode())
    while len(name.encode()) > budget:
        name = name[:-1]
    return (name.rstrip(" .") or fallback) + suffix


def is_hexo_safe(name: str) -> bool:
    """Tell whether a name written by an older version already follows today's rules."""
    return hexo_safe_name(name) == name


def hexo_safe_name(name: str) -> str:
    """Return today's name for a file or folder name written by an older version.

    The older names already had every other character replaced, so the rules applied to
    the name itself give the name today's rules give its title (suffix and `.md` kept).
    """
    stem, dot, extension = name.rpartition(".")
    if dot and extension == "md":
        return safe_name(stem, ".md")
    return safe_name(name)
