"""What a CSS selector asks of a tree: the class tokens, ids and attribute text it needs.

A query that needs a name the tree has nowhere cannot match, so it need not walk the tree
to find that out. The needs are what every element the selector matches implies: each
compound of the selector must match some element of the tree.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import cssselect


class Needs(NamedTuple):
    """What a tree must hold for a selector to match in it."""

    classes: frozenset[str]  # class tokens (`.name`)
    ids: frozenset[str]  # ids (`#name`)
    # Text that some `class` or `id` attribute holds (`[class*='qrcode']`, `[id^='quote_']`).
    class_text: frozenset[str]
    id_text: frozenset[str]


NEEDS_NOTHING = Needs(frozenset(), frozenset(), frozenset(), frozenset())


@functools.lru_cache(maxsize=512)
def needs(css: str) -> Needs:
    """Return what a CSS selector needs; nothing for one cssselect cannot parse (the query
    itself then raises) or for a group of selectors (any of them may match)."""
    try:
        parsed = cssselect.parse(css)
    except cssselect.SelectorError:
        return NEEDS_NOTHING
    found: dict[str, set[str]] = {field: set() for field in Needs._fields}
    pending = [parsed[0].parsed_tree] if len(parsed) == 1 else []
    while pending:
        node = pending.pop()
        if isinstance(node, cssselect.parser.CombinedSelector):
            pending += [node.selector, node.subselector]
            continue
        if isinstance(node, cssselect.parser.Class):
            found["classes"].add(node.class_name)
        elif isinstance(node, cssselect.parser.Hash):
            found["ids"].add(node.id)
        elif (
            isinstance(node, cssselect.parser.Attrib)
            and node.attrib in ("class", "id")
            and node.namespace is None
            and node.value is not None  # `[class]` asks for the attribute, not for text
        ):
            # `=`, `~=`, `^=`, `$=`, `*=` and `|=` all find their value in the attribute.
            found[f"{node.attrib}_text"].add(node.value.value or "")
        # Negations, :is(), :has() and the like: only their own subject is needed.
        inner = getattr(node, "selector", None)
        if inner is not None:
            pending.append(inner)
    return Needs(**{field: frozenset(names) for field, names in found.items()})


# The white space that class tokens are separated by, in the XPath cssselect writes for
# `.name` (`normalize-space`): Python's str.split() would split at U+3000 too, which may be
# part of a name.
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def class_tokens(class_values: list[str]) -> frozenset[str]:
    """Return the class tokens of these `class` attribute values."""
    return frozenset(_XML_SPACE.split(" ".join(class_values)))
