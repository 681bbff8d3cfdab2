"""The test session's Twisted reactor: Scrapy's asyncio reactor, run in a greenlet.

A crawl needs a running reactor, and a reactor runs once per process. Tests are plain
functions, so the reactor runs in a greenlet of its own for the whole session: `wait()`
switches into it until a Deferred fires, then back to the test, which goes on where it was.

pytest-twisted does the same, but it runs every test function inside the reactor's
greenlet, where waiting is impossible: its `blockon()` refuses to be called from a plain
(not `async def`) test. These few lines keep the test bodies plain.
"""

from __future__ import annotations

from logging.config import dictConfig
from typing import Any, TypeVar, cast

import greenlet
from scrapy.utils.log import DEFAULT_LOGGING
from scrapy.utils.reactor import install_reactor
from twisted.internet import defer
from twisted.internet.asyncioreactor import AsyncioSelectorReactor
from twisted.internet.defer import Deferred
from twisted.python import log as twisted_log
from twisted.python.failure import Failure

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # Scrapy's default

_T = TypeVar("_T")
_reactor_greenlet: greenlet.greenlet | None = None


def _reactor() -> Any:  # an AsyncioSelectorReactor, whose methods Twisted leaves untyped
    """The installed reactor (importing it earlier would install the default one)."""
    from twisted.internet import reactor  # noqa: PLC0415

    assert isinstance(reactor, AsyncioSelectorReactor)
    return reactor


def install() -> None:
    """Install the reactor `scrapy crawl` installs, before anything imports another one.

    Logging is set up as `scrapy crawl` sets it up, but for the root handler (each run
    captures its own log) and the capture of warnings (pytest turns warnings into errors).
    """
    global _reactor_greenlet  # noqa: PLW0603 (one reactor per process)
    install_reactor(ASYNCIO_REACTOR)
    reactor = _reactor()
    observer = twisted_log.PythonLoggingObserver("twisted")  # type: ignore[no-untyped-call]
    observer.start()  # as scrapy.utils.log does: Twisted's log goes to the `twisted` logger
    # Scrapy's logger levels, but for its own DEBUG: a run's root level is its LOG_LEVEL,
    # so debug records of the `scrapy` loggers are not made for pytest's capture to format.
    levels = cast(dict[str, Any], DEFAULT_LOGGING["loggers"])
    loggers = {name: level for name, level in levels.items() if name != "scrapy"}
    dictConfig({**DEFAULT_LOGGING, "loggers": loggers})
    _reactor_greenlet = greenlet.greenlet(lambda: reactor.run(installSignalHandlers=False))


def wait(deferred: Deferred[_T], timeout: float = 120) -> _T:
    """Run the reactor until `deferred` fires; return its result or raise its error.

    After `timeout` seconds the Deferred is cancelled and TimeoutError raised.
    """
    assert _reactor_greenlet is not None, "tests.reactor.install() was not called"
    caller = greenlet.getcurrent()
    assert caller is not _reactor_greenlet, "wait() cannot be called from inside the reactor"
    outcome: list[Any] = []

    def done(result: Any) -> None:
        outcome.append(result)
        if greenlet.getcurrent() is not caller:  # fired in the reactor: back to the test
            caller.switch()

    deferred.addTimeout(timeout, _reactor())
    deferred.addBoth(done)
    if not outcome:
        _reactor_greenlet.switch()
    result = outcome[0]
    if isinstance(result, Failure):
        if isinstance(result.value, defer.TimeoutError):
            raise TimeoutError(f"nothing after {timeout} s: {deferred!r}")
        result.raiseException()
    return cast(_T, result)


def stop() -> None:
    """Stop the reactor, if it ever ran, and let its greenlet end."""
    if _reactor_greenlet is not None and _reactor_greenlet:  # started and not finished
        reactor = _reactor()
        reactor.callLater(0, reactor.stop)
        _reactor_greenlet.switch()
