"""Sina Finance (新浪财经): its roll-API channels and its article page parser."""

from __future__ import annotations

import re
from datetime import datetime

from crawler.common.dates import parse_iso_datetime, parse_local_datetime
from crawler.common.text import editor_name, squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import texts

SITE_NAME = "新浪财经"


def _channel(pageid: str, lid: str, name: str, category: str | None = None) -> Channel:
    return Channel(
        id=lid,
        name=name,
        categories=("金融", SITE_NAME, category or f"{SITE_NAME}－{name}"),
        params={"pageid": pageid, "lid": lid},
    )


class SinaPage(DeclaredPage):
    """A Sina article page: desktop (2016, 2018–2024) or mobile."""

    def title(self) -> str:
        """Return the headline: the page's `h1`, else its `og:title`."""
        return self.text(*self.site.TITLE) or squash(self.meta("og:title"))

    def published(self) -> datetime | None:
        """Return `article:published_time`, else the printed date (Beijing time)."""
        declared = parse_iso_datetime(self.meta("article:published_time"))
        return declared or parse_local_datetime(self.text(*self.site.DATE_TEXT))

    def media_source(self) -> str:
        """Return the article's own source (新京报, 参考消息, ...)."""
        return squash(self.meta("article:author")) or self.text(*self.site.SOURCE)

    def editor(self) -> str:
        """Return the editor's name from the body's 责任编辑 line."""
        return editor_name(" ".join(texts(self.body, "p ::text")))

    def doc_id(self) -> str:
        """Return Sina's document id: `publishid`, else the one in the URL or the listing."""
        return self.meta("publishid") or super().doc_id()


class Sina(DeclaredSite):
    """finance.sina.com.cn, news.sina.com.cn and the mobile finance.sina.cn pages."""

    key = "sina"
    name = SITE_NAME
    hosts = ("sina.com.cn", "sina.cn")
    article_urls = r"/doc-i[0-9a-z]+\.shtml$|/detail-i[0-9a-z]+\.d\.html$"  # desktop, mobile
    default_channel = "1686"
    default_image = "https://n.sinaimg.cn/finance/page/ent/images/sina_logo.png"
    channels = (
        # The seeds' feed; its category is spelled with U+5167 內, exactly as in the seeds.
        _channel("155", "1686", "国内", category="新浪财经－国內"),
        _channel("155", "1687", "宏观经济"),
        _channel("155", "1688", "地方经济"),
        _channel("155", "1689", "部委动态"),
        _channel("155", "1690", "金融新闻"),
        _channel("155", "3231", "今日财经TOP10"),
        _channel("384", "2519", "财经"),
        _channel("384", "2671", "股市"),
        _channel("384", "2672", "美股"),
        _channel("384", "2673", "中国概念股"),
        _channel("384", "2674", "港股"),
        _channel("384", "2675", "研究报告"),
        _channel("384", "2676", "全球市场"),
        _channel("384", "2487", "外汇"),
        _channel("153", "2516", "新闻财经"),
        _channel("153", "2517", "新闻股市"),
        _channel("153", "2518", "新闻美股"),
    )
    boilerplate = (
        ".appendQr_wrap",  # "海量资讯、精准解读，尽在新浪财经APP" QR-code footer
        "p.article-editor",  # 责任编辑 line, finance.sina.com.cn
        "p.show_author",  # 责任编辑 line, news.sina.com.cn
        ".video-2017",  # script-driven video player: a poster and a link, no video
        "span[id^='quote_']",  # live quotes a browser script wrote beside stock names
    )

    TITLE = ("h1.main-title", "h1#artibodyTitle", "h1.art_tit_h1", "#artibodyTitle")
    BODY = ("#artibody", "div#article", "section.art_content")
    DATE_TEXT = (".date-source span.date", "span.time-source", "time.weibo_time", ".date")
    SOURCE = (".date-source .source", "span.time-source a", "span.time-source span")
    DOC_ID = re.compile(r"(?:doc|detail)-i([0-9a-z]+)\.")
    page_class = SinaPage
