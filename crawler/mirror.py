"""A local HTTP server that mirrors Sina from recorded pages and roll API answers.

It serves, from a fixtures folder:
- `/api/roll/get?lid=L&page=P` → `roll-L-page-P.json` (an empty list past the last page);
- `/<host>/<path>` → the page whose `<stem>.json` record names `https://<host>/<path>`, with
  the `Content-Type` the record holds (`text/html; charset=utf-8` if none); the record's
  `file`, if it has one, names the body's file (else `<stem>.html`).
Sina URLs inside roll answers are rewritten to point at the mirror, so a crawl of it never
leaves 127.0.0.1 (the end-to-end tests); or, with `real_urls`, kept as they are, and the
crawl's every request goes to the mirror through `MirrorDownloadHandler`, so that pages
keep their real URLs and the links in their bodies their real hosts (`scrapy demo`).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response

_SINA_URL = re.compile(r"https?://([a-z0-9.-]+\.sina\.(?:com\.)?cn)/")
ROLL_API_PATHS = ("/api/roll/get", "/feed.mix.sina.com.cn/api/roll/get")  # mirrored, real
EMPTY_ROLL_PAGE = {"result": {"status": {"code": 0, "msg": "succ"}, "data": []}}


@dataclass
class Route:
    """One canned answer."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


@dataclass
class Mirror:
    """What the server answers, and a count of the paths it was asked for."""

    fixtures: Path
    routes: dict[str, Route] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    origin: str = ""
    real_urls: bool = False  # roll answers keep their URLs: requests come routed (see above)

    def load_pages(self) -> None:
        """Route every fixture page to the path of its recorded URL, with its Content-Type."""
        for meta_file in sorted(self.fixtures.glob("*.json")):
            if meta_file.name.startswith("roll-"):
                continue
            record = json.loads(meta_file.read_text(encoding="utf-8"))
            # A record may name its body's file (an image, say); else `<stem>.html`.
            page = meta_file.with_name(record.get("file", f"{meta_file.stem}.html"))
            # A page a test adds has no recorded headers: the mirror's default label.
            content_type = record.get("headers", {}).get("Content-Type", Route.content_type)
            self.routes[mirror_path(record["url"])] = Route(page.read_bytes(), content_type)

    def roll_route(self, lid: str, page: str) -> Route:
        """Answer one list page from `roll-<lid>-page-<page>.json` (empty past the last)."""
        answer = self.fixtures / f"roll-{lid}-page-{page}.json"
        body = answer.read_bytes() if answer.exists() else json.dumps(EMPTY_ROLL_PAGE).encode()
        return Route(body, "application/json; charset=utf-8")

    def roll_answer(self, query: str) -> Route:
        """Answer a roll API request, with Sina URLs rewritten to point at the mirror."""
        params = parse_qs(query)
        route = self.roll_route(params.get("lid", [""])[0], params.get("page", ["1"])[0])
        if self.real_urls:
            return route
        text = route.body.decode("utf-8", errors="replace")
        rewritten = _SINA_URL.sub(lambda m: f"{self.origin}/{m.group(1)}/", text)
        return Route(rewritten.encode(), route.content_type, route.status)

    def answer(self, target: str) -> Route:
        """Find the answer for a request target (path and query)."""
        parts = urlsplit(target)
        self.requests[parts.path] += 1
        if parts.path in self.routes:
            return self.routes[parts.path]
        if parts.path in ROLL_API_PATHS:
            return self.roll_answer(parts.query)
        return Route(b"not found", "text/plain", 404)


def mirror_path(url: str) -> str:
    """Return the mirror path of a real URL: `/<host><path>`."""
    parts = urlsplit(url)
    return f"/{parts.hostname}{parts.path}"


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP download handler, sending every request to the mirror at `origin`.

    The response keeps the URL that was asked for: the crawl sees the real site, while
    nothing leaves 127.0.0.1 (a URL the mirror does not hold is a 404).
    """

    origin = ""

    async def download_request(self, request: Request) -> Response:
        """Fetch the request's URL from the mirror; answer under the URL itself."""
        parts = urlsplit(request.url)
        query = f"?{parts.query}" if parts.query else ""
        routed = request.replace(url=f"{self.origin}{mirror_path(request.url)}{query}")
        response: Response = await super().download_request(routed)
        return response.replace(url=request.url)


def routed_to(mirror: Mirror) -> dict[str, Any]:
    """Return the DOWNLOAD_HANDLERS entries that send every http(s) request to the mirror."""
    handler = type("RoutedToMirror", (MirrorDownloadHandler,), {"origin": mirror.origin})
    return {"http": handler, "https": handler}


class MirrorHandler(BaseHTTPRequestHandler):
    """Answer GET requests with the mirror's canned routes."""

    mirror: Mirror

    def do_GET(self) -> None:
        route = self.mirror.answer(self.path)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the crawler logs what it fetches."""


@contextmanager
def serve(mirror: Mirror, handler_class: type[MirrorHandler] = MirrorHandler) -> Iterator[Mirror]:
    """Run the mirror on 127.0.0.1 (a free port) in a thread for the duration of a block.

    `handler_class` lets the tests serve through a handler that misbehaves on purpose.
    """
    handler = type("Handler", (handler_class,), {"mirror": mirror})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    mirror.origin = f"http://127.0.0.1:{server.server_address[1]}"
    # Polled often, so that shutting the mirror down takes a moment, not half a second.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
