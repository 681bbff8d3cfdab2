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
from parsel.csstranslator import HTMLTranslator

from crawler.common.html import attribute_axis_xpath


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


def one_selector(css: str) -> cssselect.parser.Tree | None:
    """Return the parsed selector, if `css` is one selector without a pseudo-element."""
    try:
        parsed = cssselect.parse(css)
    except cssselect.SelectorError:
        return None
    if len(parsed) != 1 or parsed[0].pseudo_element is not None:
        return None
    return parsed[0].parsed_tree


class _NotAChainError(Exception):
    """The selector is not compounds joined by descendant and child combinators."""


_AXES = {" ": "ancestor", ">": "parent"}
# A page has a few headings: testing each one's ancestors looks at few elements.
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _step(compound: cssselect.parser.Tree, held_by: str = "") -> str:
    """Return an XPath step for one compound, with a test of what holds it, if any."""
    expr = _TRANSLATOR.xpath(compound)
    if expr.path:  # a positional pseudo-class that looks at the siblings
        raise _NotAChainError
    step = attribute_axis_xpath(str(expr))
    if not held_by:
        return step
    if step.endswith("/.."):  # `*/@class[…]/..`: the element, found through its attribute
        step = step[: -len("..")] + "parent::*"
    return f"{step}[{held_by}]"


def _chain(tree: cssselect.parser.Tree) -> str:
    """Return the step for a selector's subject, testing the compounds left of it upwards."""
    if not isinstance(tree, cssselect.parser.CombinedSelector):
        return _step(tree)
    axis = _AXES.get(tree.combinator)
    if axis is None:  # a sibling combinator
        raise _NotAChainError
    return _step(tree.subselector, f"{axis}::{_chain(tree.selector)}")


_TRANSLATOR = HTMLTranslator()


@functools.lru_cache(maxsize=512)
def subject_first_xpath(css: str) -> str | None:
    """Return XPath that finds what `css` finds in a whole tree, testing its subject first.

    cssselect writes `.a h1` as a walk to every `.a`, then a walk of each one's subtree
    (`descendant-or-self::*[…a…]/descendant-or-self::*/h1`), where a test of each `h1`'s
    ancestors (`descendant-or-self::h1[ancestor::*[…a…]]`) looks at few elements. Both find
    the same elements, in document order, when the context is the root of its tree: the
    ancestors of an element inside it are then inside it too.

    None where cssselect's XPath is the one to use: for a subject that a page may have
    hundreds of (a tag other than a heading, without a class or an id), for a single
    compound, and for a selector with a sibling combinator, a pseudo-element or a
    positional pseudo-class.
    """
    tree = one_selector(css)
    if not isinstance(tree, cssselect.parser.CombinedSelector) or not _is_rare(tree.subselector):
        return None
    try:
        return f"descendant-or-self::{_chain(tree)}"
    except (_NotAChainError, cssselect.SelectorError):  # cssselect's own XPath raises the error
        return None


def _is_rare(compound: cssselect.parser.Tree) -> bool:
    """Tell whether a compound asks for a class, an id or a heading (not inside `:not()`)."""
    node = compound
    while not isinstance(node, cssselect.parser.Element):
        if isinstance(node, cssselect.parser.Class | cssselect.parser.Hash):
            return True
        node = node.selector  # a negation's own selector is its `subselector`
    return node.element in _HEADINGS
