"""Filing: where an article goes in the archive (its channel, categories and site name)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from crawler.items import Article

if TYPE_CHECKING:  # the registry files through this module: no import of it at run time
    from crawler.sites.base import Channel


def file_under(article: Article, channel: Channel) -> Article:
    """File an article under a channel: its id, its category triple, and the site as `author`.

    The site level of the categories is the `author`, so the folder and the author always
    agree; a channel `named_by_page` (the generic profile's own) takes the site name the
    page gave itself instead.
    """
    topic, site, name = channel.categories
    if channel.named_by_page:
        site = article.site
    return replace(article, site=site, channel=channel.id, categories=(topic, site, name))
