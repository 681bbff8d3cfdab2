"""微信公众平台 (mp.weixin.qq.com): the article pages of WeChat official accounts."""

from __future__ import annotations

import re
from datetime import datetime

from crawler.common.dates import BEIJING
from crawler.common.text import squash
from crawler.sites.base import Channel
from crawler.sites.declared import DeclaredPage, DeclaredSite
from crawler.sites.extract import script_value

SITE_NAME = "微信公众平台"
# The latest time a page's `ct` can stand for (datetime's own limit, year 9999).
_LAST_TIMESTAMP = 253_402_300_799


class WeixinPage(DeclaredPage):
    """A WeChat official account's article page."""

    site: Weixin

    def published(self) -> datetime | None:
        """Return the time the article was sent: the page script's `ct`, a Unix time.

        The printed date (`#publish_time`) is written by a script from it. Without it the
        generic reading looks for a date, as for any field a profile misses (and reads none
        from the page's script code, whose comments carry the dates of its own versions).
        """
        sent = script_value(self.selector, "ct")
        if not sent.isdigit() or int(sent) > _LAST_TIMESTAMP:
            return None
        return datetime.fromtimestamp(int(sent), BEIJING)

    def media_source(self) -> str:
        """Return the official account's name: the account is who publishes the article."""
        return self.text(*self.site.ACCOUNT) or squash(script_value(self.selector, "nickname"))


class Weixin(DeclaredSite):
    """mp.weixin.qq.com article pages (`/s?__biz=…&mid=…` and `/s/<token>`)."""

    key = "weixin"
    name = SITE_NAME
    hosts = ("mp.weixin.qq.com",)
    article_urls = r"/s(?:\?|/)"
    default_channel = "mp"
    # WeChat's logo, every article page's apple-touch-icon (the og:image is the article's cover).
    default_image = "https://res.wx.qq.com/a/wx_fed/assets/res/OTE0YTAw.png"
    channels = (Channel(id="mp", name="公众号", categories=("金融", SITE_NAME, "公众号")),)
    boilerplate = (
        # Outside the body container on the saved page, beside it: the 微信扫一扫 QR code.
        ".qr_code_pc",
        "#js_pc_qr_code",
    )

    TITLE = ("#activity-name", "h1.rich_media_title")
    BODY = ("#js_content",)
    ACCOUNT = ("#js_name", ".profile_nickname")
    # The account, the message and the article's place in it: the same under any of the
    # URL's other parameters (sn, chksm, scene), which a share changes.
    DOC_ID = re.compile(r"[?&]__biz=([^&#]+&mid=\d+&idx=\d+)")
    page_class = WeixinPage
