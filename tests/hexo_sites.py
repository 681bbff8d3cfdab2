"""Real Hexo sites built from an archive (tests/hexo/<site>/), and what a reader's browser sees.

Each site folder holds what a user of that Hexo and theme writes: `package.json` with its
committed `package-lock.json` (installed with `npm ci` from the registry, once per lock file:
the installed folder is reused while the lock file is unchanged), `_config.yml` and the
theme's `_config.<theme>.yml`. A build copies the archive in as `source/_posts`, as users do.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import lxml.html

HEXO_SITES = Path(__file__).resolve().parent / "hexo"
INSTALLED_STAMP = ".installed-from"  # in node_modules: the sha256 of the lock file it holds
READER_TIME_ZONE = "Asia/Shanghai"
SITE_URL = "http://localhost"  # the sites' `url`
_STRAY_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")


@functools.cache
def installed(site: str) -> Path:
    """Return the site's folder with its packages installed by `npm ci` (once per lock file)."""
    folder = HEXO_SITES / site
    lock = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / INSTALLED_STAMP
    if not stamp.exists() or stamp.read_text() != lock:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder, check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        stamp.write_text(lock)
    return folder


@dataclass
class Build:
    """One `hexo generate` of an archive: its site folder, its output and its log."""

    site: Path
    returncode: int
    log: str

    @property
    def public(self) -> Path:
        """The generated site."""
        return self.site / "public"

    @property
    def posts(self) -> Path:
        """The archive as the site holds it."""
        return self.site / "source" / "_posts"

    def error_lines(self) -> list[str]:
        """The log's ERROR lines (Hexo logs a post it drops this way, and exits 0)."""
        return [line for line in self.log.splitlines() if "ERROR" in line]


def build(
    site: str,
    archive: Path,
    folder: Path,
    images: Path | None = None,
    *,
    timezone: str = "",
    reader_time_zone: str = READER_TIME_ZONE,
) -> Build:
    """Build the archive with the site's Hexo and theme, in `folder`, as a user would:
    the archive as `source/_posts`, its local images (if any) as `source/images`, Hexo's
    `timezone` setting as given and the process's `TZ` the reader's."""
    source = installed(site)
    folder.mkdir(parents=True)
    for name in ("package.json", "_config.yml", *(p.name for p in source.glob("_config.*.yml"))):
        shutil.copy(source / name, folder / name)
    config = (folder / "_config.yml").read_text(encoding="utf-8")
    (folder / "_config.yml").write_text(
        config.replace("\ntimezone: ''\n", f"\ntimezone: '{timezone}'\n"), encoding="utf-8"
    )
    (folder / "node_modules").symlink_to(source / "node_modules")
    shutil.copytree(archive, folder / "source" / "_posts")
    if images is not None:
        shutil.copytree(images, folder / "source" / "images")
    binaries = source / "node_modules" / ".bin"  # `npx hexo`: the theme runs `hexo -v` too
    environment = {
        **os.environ,
        "PATH": f"{binaries}{os.pathsep}{os.environ['PATH']}",
        "TZ": reader_time_zone,
    }
    process = subprocess.run(
        [str(binaries / "hexo"), "generate"],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return Build(folder, process.returncode, process.stdout + process.stderr)


def post_page(build: Build, document: Path, date: datetime) -> Path:
    """Return where the site must have written a post: `:year/:month/:day/:title/` in the
    reader's time zone, `:title` being the file's path under `_posts` without `.md`."""
    day = date.astimezone(ZoneInfo(READER_TIME_ZONE)).strftime("%Y/%m/%d")
    title = document.relative_to(build.posts).with_suffix("")
    return build.public / day / title / "index.html"


def pages(build: Build) -> list[Path]:
    """Every HTML page of the site."""
    return sorted(build.public.rglob("*.html"))


def parse(page: Path) -> lxml.html.HtmlElement:
    """Parse a generated page as a browser would read its markup."""
    return lxml.html.fromstring(page.read_bytes())


def is_valid_url_path(path: str) -> bool:
    """Tell whether a URL path is well percent-encoded: each `%` starts an escape of UTF-8."""
    if _STRAY_PERCENT.search(path):
        return False
    try:
        unquote(path, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def broken_links(build: Build) -> dict[str, set[str]]:
    """Return each internal link (href, src) that leads to no generated file, with its pages."""
    broken: dict[str, set[str]] = {}
    for page in pages(build):
        for element in parse(page).iter():
            for attribute in ("href", "src"):
                link = element.get(attribute)
                if link and not resolves(build, page, link):
                    broken.setdefault(link, set()).add(str(page.relative_to(build.public)))
    return broken


def resolves(build: Build, page: Path, link: str) -> bool:
    """Tell whether a link is external, or leads to a file of the generated site."""
    if link.startswith(SITE_URL):
        link = link.removeprefix(SITE_URL) or "/"
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path:
        return True  # another site, `mailto:`, `javascript:`, `#fragment`
    if not is_valid_url_path(parts.path):
        return False
    path = unquote(parts.path)
    target = (
        build.public / path.lstrip("/") if path.startswith("/") else page.parent / path
    ).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target.is_file() and target.is_relative_to(build.public.resolve())


@dataclass
class Served:
    """A generated site served on 127.0.0.1, and the requests it answered."""

    origin: str
    answered: list[tuple[str, int]]  # (path, status)


@contextmanager
def served(folder: Path) -> Iterator[Served]:
    """Serve a generated site on 127.0.0.1 for a block."""
    answered: list[tuple[str, int]] = []
    handler_class = type("Handler", (SiteHandler,), {"answered": answered})
    handler = functools.partial(handler_class, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", answered)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class SiteHandler(SimpleHTTPRequestHandler):
    """A static file server that notes what it answered instead of logging it."""

    answered: list[tuple[str, int]]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Note the request's path and status."""
        self.answered.append((unquote(urlsplit(self.path).path), int(code)))

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


def browser_doms(urls: list[str]) -> dict[str, str]:
    """Load pages in headless Chromium, two at a time; return each one's final DOM."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(urls, pool.map(browser_dom, urls), strict=True))


def browser_dom(url: str) -> str:
    """Load a page in headless Chromium with no network but 127.0.0.1; return its final DOM.

    Scripts run, images load (a failing one fires its `onerror`), and the DOM is dumped
    once the page has settled.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (.ci/debian-packages)"
    process = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-dev-shm-usage", "--virtual-time-budget=3000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return process.stdout
