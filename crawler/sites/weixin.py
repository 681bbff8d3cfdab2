"""微信公众平台 (mp.weixin.qq.com): the article pages of WeChat official accounts."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote, urlsplit

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
    page_class = WeixinPage

    def listed_id(self, url: str, listed: str = "") -> str:
        """Return the account, the message and the article's place in it (`…==&mid=…&idx=…`).

        The same under any of the URL's other parameters (sn, chksm, scene), which a share
        changes, in any order, and with the account's `==` written as it is or as `%3D%3D`.
        """
        values: dict[str, str] = {}
        for pair in urlsplit(url).query.split("&"):
            name, _, value = pair.partition("=")
            values.setdefault(name, unquote(value))  # not `+` as a space: base64 may hold one
        account, message, place = (values.get(name, "") for name in ("__biz", "mid", "idx"))
        if account and message.isdigit() and place.isdigit():
            return f"{account}&mid={message}&idx={place}"
        return listed
