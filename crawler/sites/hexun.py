"""和讯 (hexun.com): its article page parser (the 2019 `articleName` + `art_contextBox` page)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from crawler.items import Article
from crawler.sites.base import Channel, Site
from crawler.sites.extract import (
    article_body,
    editor_name,
    first_text,
    https_url,
    inner_html,
    meta,
    parse_local_datetime,
    split_keywords,
    texts,
)

SITE_NAME = "和讯"


class Hexun(Site):
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
    )

    TITLE = (".articleName h1",)
    BODY = ("div.art_contextBox", "div.art_context")
    DATE_TEXT = (".articleName .tip span.pr20", ".tip span.pr20", ".articleName .tip")
    SOURCE = (".articleName .tip a", ".tip a")
    DOC_ID = re.compile(r"/(\d+)\.html")

    def parse(
        self, response: TextResponse, channel: Channel, listing: dict[str, Any] | None = None
    ) -> Article:
        """Extract an article from a hexun.com page."""
        page = Selector(text=response.text)
        body = article_body(page, *self.BODY)
        return self.new_article(
            response,
            channel,
            title=first_text(page, *self.TITLE),
            published=self.published(page),
            media_source=first_text(page, *self.SOURCE),
            editor=editor_name(" ".join(texts(body, "::text"))),
            keywords=split_keywords(meta(page, "keywords")),
            lead_image=https_url(meta(page, "og:image"), response.url) or self.default_image,
            body_html=inner_html(body),
            doc_id=self.listed_doc_id(response.url, listing or {}),
        )

    def published(self, page: Selector) -> datetime | None:
        """Return the time printed under the title (`2019-09-26 10:56:28`, Beijing time)."""
        return parse_local_datetime(first_text(page, *self.DATE_TEXT))
