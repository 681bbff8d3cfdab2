"""腾讯财经 (finance.qq.com): its article page parser (the 2016–2019 `qq_article` template)."""

from __future__ import annotations

import re
from datetime import datetime

from crawler.common.dates import parse_local_datetime
from crawler.common.text import split_keywords, squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import script_value

SITE_NAME = "腾讯财经"


class TencentPage(DeclaredPage):
    """A finance.qq.com article page."""

    def title(self) -> str:
        """Return the headline, from the `h1` or else the page script's ARTICLE_INFO."""
        return self.text(*self.site.TITLE) or squash(script_value(self.selector, "title"))

    def published(self) -> datetime | None:
        """Return ARTICLE_INFO's `pubtime`, else the time printed under the title (Beijing)."""
        return parse_local_datetime(script_value(self.selector, "pubtime")) or super().published()

    def keywords(self) -> list[str]:
        """Return the page's keywords; qq lists the headline first, which is no keyword."""
        # Split on ASCII commas only: the headline in the list may hold a fullwidth `，`.
        title = self.title()
        return [word for word in split_keywords(self.meta("keywords"), ",") if word != title]

    def doc_id(self) -> str:
        """Return qq's article id: the URL's date and number (`20190923000843`)."""
        return super().doc_id() or script_value(self.selector, "id")


class Tencent(DeclaredSite):
    """finance.qq.com article pages (`/a/<YYYYMMDD>/<number>.htm`)."""

    key = "tencent"
    name = SITE_NAME
    hosts = ("finance.qq.com",)
    article_urls = r"/a/\d{8}/\d+\.s?htm$"  # /a/20190923/000843.htm
    default_channel = "finance"
    # The "腾讯新闻-出品" logo under the article (the pages have no og:image).
    default_image = "https://mat1.gtimg.com/pingjs/ext2020/dcom/article_logo.png"
    channels = (
        # finance.qq.com calls itself 财经: its pages' ARTICLE_INFO has `site_cname:'财经'`
        # and their titles end in `_财经_腾讯网`.
        Channel(id="finance", name="财经", categories=("金融", SITE_NAME, "财经")),
    )
    boilerplate = (
        "#backqqcom",  # "返回腾讯网首页>>" link (with a favicon <img>) ending the last paragraph
        # Outside the body container on the saved page, around it in the same template:
        ".qq_editor",  # 责任编辑：… line
        ".a_share",  # share bar under the title
        ".qq_share",  # share bar and QR code under the text
        ".qq_readBox",  # 相关阅读 (related reading)
    )

    TITLE = (".qq_article h1", ".hd h1")
    BODY = ("#Cnt-Main-Article-QQ", ".Cnt-Main-Article-QQ")
    DATE_TEXT = (".a_Info .a_time", ".a_time")
    SOURCE = (".a_Info .a_source", ".a_source")
    EDITOR = ("#QQeditor", ".qq_editor")
    DOC_ID = re.compile(r"/a/(\d{8})/(\d+)\.s?htm")
    page_class = TencentPage
