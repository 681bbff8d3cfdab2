"""A local Sina mirror that misbehaves on purpose, for end-to-end tests of network faults."""

from __future__ import annotations

import gzip
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.mirror import MirrorHandler, Route, serve
from tests.crawling import ScriptedMirror


@dataclass
class Fault:
    """How the server spoils its answer for a path: status, headers, body, timing."""

    status: int = 200
    headers: Mapping[str, str | None] = field(default_factory=dict)  # None: leave it out
    body: bytes | None = None  # None: the page the mirror would have sent
    delay: float = 0.0  # seconds to wait before answering
    cut: int | None = None  # send only this many body bytes, then close the connection
    times: int = 0  # misbehave for this many requests, then answer normally; 0: always


@dataclass
class FaultyMirror(ScriptedMirror):
    """The fixture mirror, with faults per path and the time of every request per path."""

    faults: dict[str, Fault] = field(default_factory=dict)
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def next_fault(self, target: str) -> Fault | None:
        """Note the request's arrival; return the fault to answer it with, if any."""
        path = urlsplit(target).path
        self.arrivals[path].append(time.monotonic())
        fault = self.faults.get(path)
        if fault is None or (fault.times and len(self.arrivals[path]) > fault.times):
            return None
        return fault


class FaultyHandler(MirrorHandler):
    """Answer as the mirror does, but through the fault scripted for the path."""

    mirror: FaultyMirror

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        fault = self.mirror.next_fault(self.path)
        if fault is None:
            super().do_GET()
            return
        route = self.mirror.answer(self.path)  # counts the request, gives the page spoiled
        body = route.body if fault.body is None else fault.body
        headers: dict[str, str | None] = {
            "Content-Type": route.content_type,
            "Content-Length": str(len(body)),
            **fault.headers,
        }
        time.sleep(fault.delay)
        try:
            self.send_response(fault.status)
            for name, value in headers.items():
                if value is not None:
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body if fault.cut is None else body[: fault.cut])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up waiting (a timeout): nobody is listening any more
        if fault.cut is not None:
            self.close_connection = True


@contextmanager
def faulty_mirror_of(
    fixtures: Path, faults: dict[str, Fault], scripted: dict[str, Route] | None = None
) -> Iterator[FaultyMirror]:
    """Serve a fixtures folder, with `faults` keyed by mirror path (`/<host>/<path>`).

    `scripted` maps `lid_page` (e.g. `1686_1`) to a roll API answer, as in `mirror_of`.
    """
    routes = {
        (key.partition("_")[0], key.partition("_")[2]): route
        for key, route in (scripted or {}).items()
    }
    mirror = FaultyMirror(fixtures, scripted=routes, faults=faults)
    mirror.load_pages()
    with serve(mirror, FaultyHandler):
        yield mirror


def gzipped(body: bytes) -> bytes:
    """Compress a body as a server does for `Content-Encoding: gzip`."""
    return gzip.compress(body, mtime=0)


def gzip_cut(body: bytes, keep: int) -> bytes:
    """A gzip stream of a body's first `keep` bytes that never ends: a server died mid-body."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return compressor.compress(body[:keep]) + compressor.flush(zlib.Z_SYNC_FLUSH)
