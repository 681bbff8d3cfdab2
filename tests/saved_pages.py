"""The saved pages of tests/fixtures/sites/<site key>/, rendered in-process by crawler/render.py."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crawler.render import Dropped, PageRenderer, Rendered, project_settings, recorded_headers
from crawler.sites import Site, profile_for_url, site_named
from tests.documents import FIXTURES, page_meta

SITES = FIXTURES / "sites"
SITE_PAGES = sorted(SITES.glob("*/*.html"))


def folder_site(page: Path) -> Site:
    """Return the profile a saved page is rendered with: the one its folder is named after."""
    return site_named(page.parent.name)


@functools.cache
def _renderer(settings: tuple[tuple[str, Any], ...]) -> PageRenderer:
    return PageRenderer(project_settings(dict(settings)))


def renderer(settings: Mapping[str, Any] | None = None) -> PageRenderer:
    """Return a renderer of the project's settings (plus `settings`), built once per settings."""
    return _renderer(tuple(sorted((settings or {}).items())))


def render_saved(
    page: Path,
    url: str | None = None,
    channel: str | None = None,
    *,
    site: Site | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Rendered | Dropped:
    """Render a saved page as `scrapy render` does: under `url` (default: its record's),
    with the URL's site profile unless `site` is given, the site's default channel unless
    `channel` is, and the headers recorded next to the page (`text/html` without a record)."""
    url = url or page_meta(page)["url"]
    site = site or profile_for_url(url)
    return renderer(settings).render(
        page.read_bytes(),
        url,
        recorded_headers(page),
        site,
        site.channel(channel or site.default_channel),
    )


def rendered_document(
    page: Path,
    url: str | None = None,
    channel: str | None = None,
    *,
    site: Site | None = None,
    settings: Mapping[str, Any] | None = None,
) -> str:
    """Render a saved page (as `render_saved`) and return its document; fail if there is none."""
    result = render_saved(page, url, channel, site=site, settings=settings)
    assert isinstance(result, Rendered), f"{page.name}: {result}"
    return result.text
