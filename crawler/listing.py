"""What discovery knows of an article before fetching it, and the key it is archived under."""

from __future__ import annotations

from w3lib.url import canonicalize_url


def article_key(site_key: str, doc_id: str, url: str) -> str:
    """Return an article's stable key: the site's own id where it has one, else its URL."""
    return f"{site_key}:{doc_id}" if site_key and doc_id else canonicalize_url(url)
