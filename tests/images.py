"""Images for the tests of local images: real PNG files, and a page that shows them."""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a real PNG file of one colour (browsers decode it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


ARTICLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-05-{day:02d}T10:00:00+08:00">
<title>{title}_新浪财经_新浪网</title></head>
<body><div class="main-content w1240">
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2024年05月{day:02d}日 10:00</span></div>
<div class="article" id="artibody">
<p>　　{title}的正文第一段。</p>
{images}
<p>　　正文第二段。</p>
</div></div></body></html>
"""


def article_page(title: str, day: int, image_urls: list[str]) -> str:
    """A Sina desktop article page with these images in its body, one a paragraph."""
    images = "\n".join(f'<p><img src="{url}" alt="图"></p>' for url in image_urls)
    return ARTICLE_PAGE.format(title=title, day=day, images=images)
