"""What spiders check on a fetched page before a site parser reads it, and how they log it.

Shared so that each spider that hands pages to a site parser (sina, feed, sitemap) drops
an empty answer or a non-text one with the same reason, names a redirected page by the URL
it asked for as well as the one it got (a login or captcha page, typically), and says why
a request failed in words rather than an exception's name; and reads a page's article
the one way (`read_article`) the spiders, the page processes and `scrapy render` share.
"""

from __future__ import annotations

from lxml import etree
from scrapy.exceptions import DownloadCancelledError, ResponseDataLossError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import response_status_message
from twisted.python.failure import Failure

from crawler.common.html import has_text
from crawler.items import Article
from crawler.listing import Listing
from crawler.sites import Channel, ExtractionError, Site, extract_article


def article_page(response: Response) -> TextResponse:
    """Return the page as text, or raise ExtractionError saying why it cannot be an article."""
    if not response.body.strip():
        raise ExtractionError(f"empty page (HTTP {response.status} with no content)")
    if not isinstance(response, TextResponse):
        raise ExtractionError("not a text page")
    return response


def read_article(
    response: Response, site: Site, channel: Channel, listing: Listing | None = None
) -> Article:
    """Read a fetched page's article with the site's page object; raise ExtractionError if none.

    A body left without text because the page nests deeper than the HTML parser reads is
    refused with that reason, not passed on to be dropped as empty.
    """
    page = article_page(response)
    article = extract_article(site, page, channel, listing)
    too_deep = unread_depth(article.body_html, page.body)
    if too_deep:
        raise ExtractionError(too_deep)
    return article


def unread_depth(body_html: str, page: bytes) -> str:
    """Say why a page's body came out without text when the HTML parser stopped short; "".

    libxml2 reads no deeper than 2,048 levels (with `huge_tree`, as parsel reads pages):
    what a page nests deeper is silently left out. Checked only for a body without text.
    """
    if has_text(body_html):
        return ""
    parser = etree.HTMLParser(huge_tree=True)
    etree.fromstring(page, parser=parser)
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":
            return f"the page nests elements deeper than the HTML parser reads ({error.message})"
    return ""


def page_name(response: Response) -> str:
    """Name a page for a log line: `<url>`, or `<asked> (redirected to <got>)`."""
    # `meta` is the request's: a response built without one (in a test) has none.
    redirects = response.meta.get("redirect_urls") if response.request is not None else None
    if redirects:
        return f"<{redirects[0]}> (redirected to <{response.url}>)"
    return f"<{response.url}>"


def failure_reason(failure: Failure) -> str:
    """Say in a few words why a request failed for good (after its retries)."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {response_status_message(error.response.status)}"
    if isinstance(error, ResponseDataLossError):  # its message is empty
        return "the connection closed before the whole body arrived (ResponseDataLossError)"
    if isinstance(error, DownloadCancelledError) and not str(error):
        # Empty only when a body without Content-Length grew past the limit mid-download.
        return "the body grew past DOWNLOAD_MAXSIZE: download abandoned (DownloadCancelledError)"
    return failure.getErrorMessage() or type(error).__name__
