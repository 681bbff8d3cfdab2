"""Registry of site profiles: every module in this package declares one `Site`."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from scrapy.http import TextResponse

from crawler.filing import file_under
from crawler.items import Article
from crawler.listing import Listing
from crawler.sites.base import Channel, ExtractionError, Site
from crawler.sites.generic import Generic

__all__ = [
    "Channel",
    "ExtractionError",
    "Site",
    "all_sites",
    "extract_article",
    "profile_for_url",
    "site_for_url",
    "site_named",
]


@functools.cache
def all_sites() -> tuple[Site, ...]:
    """Import every site module of this package and return one instance of each site."""
    for module in pkgutil.iter_modules(__path__):
        if module.name not in {"base", "declared", "extract", "page", "prose"}:
            importlib.import_module(f"{__name__}.{module.name}")
    return tuple(cls() for cls in _profiles(Site))


def _profiles(cls: type[Site]) -> list[type[Site]]:
    """Every subclass of `cls` that names a site (a `key`), in the order they were defined."""
    found = []
    for subclass in cls.__subclasses__():
        if "key" in vars(subclass):
            found.append(subclass)
        found += _profiles(subclass)
    return found


def site_named(key: str) -> Site:
    """Return the site whose key is `key`."""
    for site in all_sites():
        if site.key == key:
            return site
    raise KeyError(f"no site profile named {key!r}")


def site_for_url(url: str) -> Site:
    """Return the site whose hosts include the URL's host (never the generic profile)."""
    for site in all_sites():
        if site.handles(url):
            return site
    raise KeyError(f"no site profile for {url}")


def profile_for_url(url: str) -> Site:
    """Return the site whose hosts include the URL's host, else the generic profile."""
    try:
        return site_for_url(url)
    except KeyError:
        return site_named(Generic.key)


def extract_article(
    site: Site, response: TextResponse, channel: Channel, listing: Listing | None = None
) -> Article:
    """Read a fetched article page with the site's page object and file it under the channel.

    Raises ExtractionError when the page is not an article page.
    """
    return file_under(site.page(response, listing).article(), channel)
