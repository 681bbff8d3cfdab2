"""和讯 (hexun.com): its article page parser (the 2019 `articleName` + `art_contextBox` page
and the 2011–2012 `artibodyTitle` + `artibody` one)."""

from __future__ import annotations

import re

from crawler.common.text import editor_name
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import texts

SITE_NAME = "和讯"


class HexunPage(DeclaredPage):
    """A hexun.com article page."""

    def editor(self) -> str:
        """Return the editor's name from the 责任编辑 line at the end of the body's text."""
        return editor_name(" ".join(texts(self.body, "::text")))


class Hexun(DeclaredSite):
    """hexun.com article pages (stock.hexun.com, news.hexun.com, ...)."""

    key = "hexun"
    name = SITE_NAME
    hosts = ("hexun.com",)
    article_urls = r"/\d{4}-\d{2}-\d{2}/\d+\.html$"  # /2019-09-26/198678130.html
    default_channel = "stock"
    # The hexun.com logo in the page header (the pages have no og:image).
    default_image = "https://img.hexun.com/2015/sylogo/hexun_logo.jpg"
    channels = (
        # stock.hexun.com is hexun's 股票 channel: its logo's alt text is 股票 and its pages'
        # titles end in `-股票频道-和讯网`.
        Channel(id="stock", name="股票", categories=("金融", SITE_NAME, "股票")),
    )
    boilerplate = (
        # The 责任编辑 line is a classless `div` (`（责任编辑： HN666）`): the generic
        # editor-line rule removes it.
        ".bottomLayer",  # the white fade over the collapsed text ("show all" arrow)
        # Outside the body container on the saved page, after it:
        ".showall_arrow",  # the "show all" arrow
        ".showAllImg",  # app download banner behind "show all"
        "#share",  # share bar under the title
        "div.like",  # 你可能会喜欢 (recommended reading)
        ".picAd",  # ad and sponsored-links block
        # 2011–2012 pages, inside the body container:
        "div.tit",  # the 推荐阅读 (recommended reading) heading
        "div.yuebox",  # its pictures and links
        "#arctTailMark",  # the end-of-text icon a script fills
    )

    # The 2019 page first, then the 2011–2012 one (`#artibodyTitle`, `#artibody`).
    TITLE = (".articleName h1", "#artibodyTitle h1")
    BODY = ("div.art_contextBox", "div.art_context", "div#artibody")
    DATE_TEXT = (
        ".articleName .tip span.pr20",
        ".tip span.pr20",
        ".articleName .tip",
        "#artibodyDesc span.gray",
        "#artibodyTitle span.gray",
    )
    SOURCE = (".articleName .tip a", ".tip a", "#artibodyDesc a", "#artibodyTitle a")
    DOC_ID = re.compile(r"/(\d+)\.html")
    page_class = HexunPage
