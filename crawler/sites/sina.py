"""Sina Finance (新浪财经): its roll-API channels and its article page parser."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler.common.dates import parse_epoch, parse_iso_datetime, parse_local_datetime
from crawler.common.text import editor_name, split_keywords, squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredSite
from crawler.sites.extract import first_text, meta, texts

SITE_NAME = "新浪财经"


def _channel(pageid: str, lid: str, name: str, category: str | None = None) -> Channel:
    return Channel(
        id=lid,
        name=name,
        categories=("金融", SITE_NAME, category or f"{SITE_NAME}－{name}"),
        params={"pageid": pageid, "lid": lid},
    )


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

    def title(self, page: Selector, listing: dict[str, Any]) -> str:
        """Return the headline: the page's `h1`, else its `og:title`, else the listing's."""
        return (
            first_text(page, *self.TITLE)
            or squash(meta(page, "og:title"))
            or squash(str(listing.get("title", "")))
        )

    def published(self, page: Selector, listing: dict[str, Any]) -> datetime | None:
        """Return `article:published_time`, the printed date (Beijing), or the API's `intime`."""
        declared = parse_iso_datetime(meta(page, "article:published_time"))
        return (
            declared
            or parse_local_datetime(first_text(page, *self.DATE_TEXT))
            or parse_epoch(listing.get("intime"))
            or parse_epoch(listing.get("ctime"))
        )

    def modified(self, listing: dict[str, Any]) -> datetime | None:
        """Return the roll API's `mtime`: a later one means the article changed."""
        return parse_epoch(listing.get("mtime"))

    def media_source(self, page: Selector, listing: dict[str, Any]) -> str:
        """Return the article's own source (新京报, 参考消息, ...)."""
        return (
            squash(meta(page, "article:author"))
            or first_text(page, *self.SOURCE)
            or squash(str(listing.get("media_name", "")))
        )

    def editor(self, page: Selector, body: Selector) -> str:
        """Return the editor's name from the body's 责任编辑 line."""
        return editor_name(" ".join(texts(body, "p ::text")))

    def keywords(self, page: Selector, listing: dict[str, Any], title: str) -> list[str]:
        """Return the page's keywords, else the listing's."""
        return split_keywords(meta(page, "keywords")) or split_keywords(
            str(listing.get("keywords", ""))
        )

    def doc_id(self, page: Selector, url: str, listing: dict[str, Any]) -> str:
        """Return Sina's document id: `publishid`, else the one in the URL or the listing."""
        return meta(page, "publishid") or self.listed_doc_id(url, listing)

    def listed_doc_id(self, url: str, listing: dict[str, Any]) -> str:
        """Return the document id known before fetching: in the URL, else the API's `docid`."""
        return (
            super().listed_doc_id(url, listing) or str(listing.get("docid", "")).rpartition(":")[2]
        )
