"""Articles whose page stages ran in another process: only the archive's stages are left.

A page read in a page process (crawler/page_pool.py), or by a worker of a distributed run,
went through every item pipeline that does not write the archive there. Its article is
marked here before Scrapy's item processing takes it, and `SettledItemProcessor` (the
project's ITEM_PROCESSOR) then runs only the stages marked `writes_archive` on it, drops it
with the reason a stage over there gave, or raises the error a stage over there raised, so
that Scrapy logs, counts and signals it as if that stage had run here.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, TypeVar

from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager

T = TypeVar("T")


class StageError(RuntimeError):
    """An item pipeline raised in the process that ran the page's stages: `Type: message`."""


class RemoteError(Exception):
    """That error as raised in the other process (its cause): its traceback."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Settled:
    """What the page's stages in another process made of an article."""

    item: Any  # held, so that its id() is not reused while it is marked
    dropped: str = ""  # a stage dropped it: the DropItem's message
    error: str = ""  # a stage raised: `Type: message`
    trace: str = ""  # and where: its traceback


# Marked articles by id(): an item passes from its spider to the item processor at once.
_SETTLED: dict[int, Settled] = {}


def mark_settled(item: T, *, dropped: str = "", error: str = "", trace: str = "") -> T:
    """Mark an article whose page stages ran elsewhere (and how they ended); return it."""
    _SETTLED[id(item)] = Settled(item, dropped, error, trace)
    return item


def take_settled(item: Any) -> Settled | None:
    """Return (once) how the page stages elsewhere ended for this item; None if they ran here."""
    return _SETTLED.pop(id(item), None)


class SettledItemProcessor(ItemPipelineManager):
    """The item pipelines; a settled article passes only the stages that write the archive."""

    async def process_item_async(self, item: Any) -> Any:
        """Run every stage on an article read here; only the archive's on a settled one."""
        settled = take_settled(item)
        if settled is None:
            return await super().process_item_async(item)
        if settled.dropped:
            raise DropItem(settled.dropped)
        if settled.error:
            raise StageError(settled.error) from RemoteError(settled.trace)
        for method in self.methods["process_item"]:
            stage = getattr(method, "__self__", None)
            if method is not None and getattr(stage, "writes_archive", False):
                result = method(item)
                item = await result if inspect.isawaitable(result) else result
        return item
