"""The README's supported-sites table lists every registered site, and each has a fixture."""

from __future__ import annotations

import json
import re

from w3lib.url import canonicalize_url

from crawler.render import recorded_headers
from crawler.sites import Site, all_sites, site_for_url
from tests.documents import FIXTURES, ROOT, expected_file, page_meta
from tests.saved_pages import SITE_PAGES, renderer

README = (ROOT / "README.md").read_text(encoding="utf-8")


def supported_sites_rows() -> list[list[str]]:
    """Return the cells of the table under `## Supported sites`, past its header lines."""
    section = README.split("\n## Supported sites\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    assert rows[0] == ["site", "key", "hosts", "channels"]
    return rows[2:]


def listed_sites() -> list[Site]:
    """Return the profiles the table lists: those that claim hosts.

    The generic profile (`web`, no hosts) is the fallback for every other site: it has no
    row, no host to find its fixtures by, and every other site's page is its fixture
    (tests/test_generic_extraction.py).
    """
    return [site for site in all_sites() if site.hosts]


def test_readme_table_lists_every_registered_site_with_its_key_and_hosts() -> None:
    listed = sorted(
        (key.strip("`"), name, tuple(host.strip().strip("`") for host in hosts.split(",")))
        for name, key, hosts, _ in supported_sites_rows()
    )
    registered = sorted((site.key, site.name, site.hosts) for site in listed_sites())
    assert listed == registered


def test_readme_table_names_each_sites_default_channel() -> None:
    channels = {key.strip("`"): cell for _, key, _, cell in supported_sites_rows()}
    for site in listed_sites():
        default = site.channel(site.default_channel)
        assert f"`{default.id}` {default.name}" in channels[site.key], site.key


def test_every_site_has_a_saved_page_with_a_hand_written_expected_file() -> None:
    pages = {
        page: json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["url"]
        for page in FIXTURES.glob("sites/*/*.html")
        if page.with_suffix(".json").is_file()
    }
    for site in listed_sites():
        own = [page for page, url in pages.items() if site.handles(url)]
        assert own, f"no fixture page for {site.key}"
        assert all(expected_file(page).is_file() for page in own), site.key


def test_the_id_known_before_fetching_is_the_id_the_page_gives() -> None:
    # The spiders key an article by the id in its URL before fetching it; the page's own id
    # is data, but on every real page the two agree (the key is the site's id).
    path = renderer()
    for page in SITE_PAGES:
        url = page_meta(page)["url"]
        site = site_for_url(url)
        response = path.response(page.read_bytes(), url, recorded_headers(page))
        parsed = path.extract(response, site, site.channel(site.default_channel))
        if not site.listed_id(url):
            # Sina's 2009–2016 URLs hold a number per channel, no id of the site's: the
            # article is known by its URL.
            assert site.key == "sina" and re.search(r"/\d{4}-\d{2}-\d{2}/", url), page.name
            assert parsed.key == canonicalize_url(url), page.name
            continue
        assert parsed.doc_id, page.name
        assert site.listed_id(url) == parsed.doc_id, page.name
        assert parsed.key == f"{site.key}:{parsed.doc_id}", page.name
