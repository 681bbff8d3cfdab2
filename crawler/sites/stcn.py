"""证券时报网 (stcn.com): its article page parser (the 2018–2019 `intal_tit` template)."""

from __future__ import annotations

import re
from datetime import datetime

from crawler.common.dates import parse_local_datetime
from crawler.common.text import split_keywords
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import script_value

SITE_NAME = "证券时报网"


class StcnPage(DeclaredPage):
    """A stcn.com article page."""

    site: Stcn

    def published(self) -> datetime | None:
        """Return the script's `publishdate` (it has seconds), else the printed time."""
        return parse_local_datetime(
            script_value(self.selector, "publishdate")
        ) or parse_local_datetime(self.text(*self.site.INFO))

    def media_source(self) -> str:
        """Return the `来源：` of the line under the title (the author is not the source)."""
        match = self.site.SOURCE_LINE.search(self.text(*self.site.INFO))
        return match.group(1) if match else ""

    def keywords(self) -> list[str]:
        """Return the page's keywords, which stcn separates with spaces."""
        return split_keywords(self.meta("keywords"), r"[\s,，]+")

    def doc_id(self) -> str:
        """Return stcn's content id: the number in the URL, else the script's `contentid`."""
        return super().doc_id() or script_value(self.selector, "contentid")


class Stcn(DeclaredSite):
    """stcn.com article pages (kuaixun.stcn.com, news.stcn.com, ...)."""

    key = "stcn"
    name = SITE_NAME
    hosts = ("stcn.com",)
    article_urls = r"/\d{4}/\d{4}/\d+\.s?html$"  # /2019/0926/15409036.shtml
    default_channel = "kuaixun"
    # The site logo in the page header (the pages have no og:image).
    default_image = "https://img.stcn.com/templates/stcn/css/2018stcn/news/logo.png"
    channels = (
        # kuaixun.stcn.com; the old archive filed this feed under 金融 / 证券时报网 / 快讯.
        Channel(id="kuaixun", name="快讯", categories=("金融", SITE_NAME, "快讯")),
    )
    boilerplate = (
        # Outside the body container on the saved page, right after it:
        ".fenxiang",  # share bar
        ".shenming",  # 声明：… disclaimer
        ".tuijian",  # 为你推荐 (recommended reading)
    )

    TITLE = (".intal_tit h2", ".txt_tit h1")  # 2018–2019, then 2012 (`txt_tit`)
    BODY = ("#ctrlfscont", "div.txt_con")
    INFO = (".intal_tit .info", "div.info")
    SOURCE_LINE = re.compile(r"来源\s*[:：]\s*(\S+)")
    DOC_ID = re.compile(r"/(\d+)\.s?html")
    page_class = StcnPage
