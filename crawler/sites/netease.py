"""网易财经 (money.163.com): its article page parser (the 2019 `post_content_main` template)."""

from __future__ import annotations

import re
from datetime import datetime

from crawler.common.dates import parse_iso_datetime
from crawler.common.text import squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite

SITE_NAME = "网易财经"


class NeteasePage(DeclaredPage):
    """A money.163.com article page."""

    def title(self) -> str:
        """Return the headline from the `h1` (163's og:title breaks at a `"` in the title)."""
        return self.text(*self.site.TITLE) or squash(self.meta("og:title"))

    def published(self) -> datetime | None:
        """Return `article:published_time`, else the time printed above the text."""
        declared = parse_iso_datetime(self.meta("article:published_time"))
        return declared or super().published()

    def editor(self) -> str:
        """Return the editor's name, without the staff code 163 appends (`杨倩_NF4425`)."""
        return super().editor().partition("_")[0]


class Netease(DeclaredSite):
    """money.163.com article pages."""

    key = "netease"
    name = SITE_NAME
    hosts = ("money.163.com",)
    article_urls = r"/\d{2}/\d{4}/\d{2}/[0-9A-Z]{16}\.html$"  # /19/0907/13/EOFOC8MJ00258105.html
    default_channel = "money"
    # The money channel's logo in the page's top navigation bar (the pages have no og:image).
    default_image = "https://static.ws.126.net/f2e/news/res/channel_logo_new/money.png"
    channels = (
        # money.163.com is the 财经 channel of 163.com: the page's breadcrumb reads
        # 网易首页 > 财经频道 > 正文, so its articles are filed under 财经.
        Channel(id="money", name="财经", categories=("金融", SITE_NAME, "财经")),
    )
    boilerplate = (
        "span.ep-editor",  # 责任编辑：杨倩_NF4425
        # The byline box after the text: the channel icon (an <img>, which would otherwise
        # become the lead image), "本文来源：…" and the editor line.
        "div.ep-source",
        ".gg200x300",  # the 300x250 ad slot at the end of the text
        ".at_item",  # an ad slot filled by script (`adtype="rightAd"`)
        ".ad_hover_href",  # the ad slot's javascript: link
        # Outside #endText, inside `div.post_body` (the body when a page has no #endText).
        ".post_topshare_wrap",  # share bar, comment count and font-size buttons
        ".post_btmshare",  # share bar under the text
        ".post_end_ad",  # ad iframe under the share bar
    )

    # The 2019 page first, then the 2011–2012 one (`h1#h1title`, its `span.info` dateline).
    TITLE = ("#epContentLeft > h1", ".post_content_main h1", "h1#h1title")
    BODY = ("#endText", "div.post_body .post_text", "div.post_body")
    DATE_TEXT = (".post_time_source", "h1#h1title + span.info")
    SOURCE = ("#ne_article_source", ".post_time_source a", "h1#h1title + span.info a")
    EDITOR = ("span.ep-editor",)
    DOC_ID = re.compile(r"/([0-9A-Z]{16})(?:_\w+)?\.html")
    page_class = NeteasePage
