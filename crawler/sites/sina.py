"""Sina Finance (新浪财经): its roll-API channels and its article page parser."""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from crawler.common.dates import parse_iso_datetime, parse_local_datetime
from crawler.common.text import editor_name, squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import texts

SITE_NAME = "新浪财经"
# The comments around the article text in a 2009–2016 page's `#artibody`.
PUBLISHED_TEXT_START = "publish_helper name="
PUBLISHED_TEXT_END = "publish_helper_end"


def _is_picture(node: etree._Element) -> bool:
    """Tell whether a node is a 2009–2016 page's picture with its caption (`.img_wrapper`)."""
    return isinstance(node.tag, str) and "img_wrapper" in (node.get("class") or "").split()


def _comments(nodes: list[etree._Element]) -> list[tuple[int, str]]:
    """Return the position and the stripped text of each comment among `nodes`."""
    # Read once, with no Python call per node: a body has a hundred children, a handful
    # of them comments, and both marks are looked for among those.
    return [
        (i, (node.text or "").strip())
        for i, node in enumerate(nodes)
        if isinstance(node, etree._Comment)
    ]


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

    def body_html(self) -> str:
        """Return the body container's HTML; on a 2009–2016 page, only its article text.

        Sina's publishing system marked the text it wrote into `#artibody` with the
        comments `publish_helper name='原始正文' …` and `publish_helper_end`: what the
        template adds around it there (share bar, 微博推荐, slide-show and app links,
        a product box) is outside them, and so are the article's pictures before the text,
        which are kept.
        """
        children = list(self.body.root)
        if self.body.root.get("class") == "txt":  # a city site's page: h1, h2 dateline, text
            while children and children[0].tag in ("h1", "h2"):
                children.pop(0)
            return "".join(
                etree.tostring(node, method="html", encoding="unicode", with_tail=True)
                for node in children
            )
        comments = _comments(children)
        marks = [i for i, text in comments if text.startswith(PUBLISHED_TEXT_START)]
        ends = [i for i, text in comments if text.startswith(PUBLISHED_TEXT_END)]
        if not marks or not ends or ends[-1] < marks[0]:
            return super().body_html()
        start, end = marks[0], ends[-1]
        # The article's pictures (with their captions) come before the marks.
        pictures = [node for node in children[:start] if _is_picture(node)]
        return (
            "".join(
                etree.tostring(node, method="html", encoding="unicode", with_tail=False)
                for node in pictures
            )
            + (children[start].tail or "")
            + "".join(
                etree.tostring(node, method="html", encoding="unicode", with_tail=True)
                for node in children[start + 1 : end]
            )
        )

    def doc_id(self) -> str:
        """Return Sina's document id: `publishid`, else the one in the URL or the listing."""
        return self.meta("publishid") or super().doc_id()


class Sina(DeclaredSite):
    """finance.sina.com.cn, news.sina.com.cn and the mobile finance.sina.cn pages."""

    key = "sina"
    name = SITE_NAME
    hosts = ("sina.com.cn", "sina.cn")
    # Desktop, mobile, and the 2009–2016 desktop pages (/2012-01-17/07416645550.shtml).
    article_urls = (
        r"/doc-i[0-9a-z]+\.shtml$|/detail-i[0-9a-z]+\.d\.html$|/\d{4}-\d{2}-\d{2}/\d+\.s?html$"
    )
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
        # 2009–2016 pages:
        "#sinashareto",  # 分享到: … 我要评论 (share bar and comment link)
        "p.page",  # 上一页 1 2 下一页 (a long article's page links)
        ".moreIn",  # 更多精彩内容请进入…频道 >> (a city site's channel link)
    )

    TITLE = ("h1.main-title", "h1#artibodyTitle", "h1.art_tit_h1", "#artibodyTitle", "div.txt > h1")
    # The last: a 2009–2012 city site's page (sh.sina.com.cn), whose text follows the h1 and
    # the h2 dateline in `div.txt`.
    BODY = ("#artibody", "div#article", "section.art_content", "div.txt")
    DATE_TEXT = (
        ".date-source span.date",
        "span.time-source",
        "time.weibo_time",
        ".date",
        "#pub_date",  # 2009–2016 pages
        "div.txt > h2",  # a city site's dateline
    )
    SOURCE = (
        ".date-source .source",
        "span.time-source a",
        "span.time-source span",
        "#media_name",  # 2009–2016 pages
        "div.txt > h2 a",  # a city site's dateline
    )
    DOC_ID = re.compile(r"(?:doc|detail)-i([0-9a-z]+)\.")
    page_class = SinaPage
