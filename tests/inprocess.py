"""`scrapy` commands of this project, run in the test process as `scrapy.cmdline` runs them.

The command's own class parses the arguments (`-s NAME=VALUE`, `-a name=value`, its
options) and runs: `crawl` checks the spider's arguments and takes the archive lock,
`refresh` prints its summary line, `render` prints the document. Only the crawler process
differs: the crawls run in the session's reactor (tests/reactor.py) instead of starting
one. What a child process would have told is told the same way: an exit status, standard
output, and standard error with the log in Scrapy's format, and the crawlers themselves,
whose stats objects the tests read.
"""

from __future__ import annotations

import argparse
import configparser
import importlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from scrapy.cmdline import ScrapyArgumentParser
from scrapy.commands import ScrapyCommand, ScrapyHelpFormatter
from scrapy.crawler import AsyncCrawlerRunner, Crawler, CrawlerProcessBase
from scrapy.exceptions import UsageError
from scrapy.settings import Settings
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import TopLevelFormatter

from tests.reactor import wait

ROOT = Path(__file__).resolve().parent.parent
USAGE_ERROR_STATUS = 2  # what scrapy.cmdline exits with on a UsageError


@dataclass
class Run:
    """What one command did, told as a finished child process tells it, and its crawlers."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str  # what the command wrote to standard error, its log included
    crawlers: list[Crawler]

    def stat(self, name: str) -> int:
        """A stats counter, added up over the run's crawlers (0 where none counted it)."""
        stats = [crawler.stats for crawler in self.crawlers if crawler.stats is not None]
        return sum(int(each.get_value(name, 0)) for each in stats)


class InProcessRunner(AsyncCrawlerRunner):
    """The crawler process of a command run in a test: `start()` waits for its crawls.

    Scrapy's own (AsyncCrawlerProcess) would install and run a reactor, and stop it after
    the crawls; here the session's reactor is running already and goes on running.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.created: list[Crawler] = []

    def create_crawler(self, crawler_or_spidercls: type[Spider] | str | Crawler) -> Crawler:
        """Create a crawler as Scrapy does, and keep it for its stats."""
        crawler = super().create_crawler(crawler_or_spidercls)
        if crawler not in self.created:
            self.created.append(crawler)
        return crawler

    def start(self, stop_after_crawl: bool = True, install_signal_handlers: bool = True) -> None:
        """Wait until every crawl started so far has finished."""
        try:
            wait(deferred_from_coro(self.join()))
        except TimeoutError:
            wait(deferred_from_coro(self.stop()))
            raise


def project_settings() -> Settings:
    """The project's settings, from the module scrapy.cfg names (as `scrapy` finds them)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "scrapy.cfg", encoding="utf-8")
    settings = Settings()
    settings.setmodule(config["settings"]["default"], priority="project")
    return settings


def load_command(settings: Settings, name: str) -> ScrapyCommand:
    """The command named `name`: the project's (COMMANDS_MODULE) before Scrapy's."""
    for package in (settings["COMMANDS_MODULE"], "scrapy.commands"):
        try:
            module = importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError:
            continue
        command: ScrapyCommand = module.Command()
        return command
    raise ValueError(f"no scrapy command named {name!r}")


def run_command(*argv: str) -> Run:
    """Run `scrapy <argv>` in this process; return what it did."""
    name, *args = argv
    settings = project_settings()
    command = load_command(settings, name)
    parser = ScrapyArgumentParser(
        formatter_class=ScrapyHelpFormatter,
        usage=f"scrapy {name} {command.syntax()}",
        conflict_handler="resolve",
        description=command.long_desc(),
    )
    settings.setdict(command.default_settings, priority="command")
    command.settings = settings
    command.add_options(parser)
    process = InProcessRunner(settings)
    stdout, stderr = io.BytesIO(), io.StringIO()
    with redirect_stdout(io.TextIOWrapper(stdout, encoding="utf-8")) as out:
        with redirect_stderr(stderr):
            status = _execute(command, parser, args, process, stderr)
        out.flush()
        output = stdout.getvalue()
    # Read as a child's output is read with text=True: universal newlines.
    text = io.TextIOWrapper(io.BytesIO(output), encoding="utf-8", newline=None).read()
    return Run(list(argv), status, text, stderr.getvalue(), process.created)


def _execute(
    command: ScrapyCommand,
    parser: argparse.ArgumentParser,
    args: list[str],
    process: InProcessRunner,
    stderr: io.StringIO,
) -> int:
    """Parse the arguments and run the command as scrapy.cmdline.execute does; its status."""
    assert command.settings is not None
    try:
        opts, args = parser.parse_known_args(args)
        try:
            command.process_options(args, opts)
            command.crawler_process = cast(CrawlerProcessBase, process)
            with captured_log(command.settings, stderr):
                command.run(args, opts)
        except UsageError as error:  # as scrapy.cmdline._run_print_help reports it
            if str(error):
                parser.error(str(error))
            if error.print_help:
                parser.print_help()
            return USAGE_ERROR_STATUS
    except SystemExit as exit_:  # argparse's own errors, and parser.error() above
        return exit_.code if isinstance(exit_.code, int) else 1
    return command.exitcode


@contextmanager
def captured_log(settings: Settings, stream: io.StringIO) -> Iterator[None]:
    """Write the log to `stream` during a block, as Scrapy's root handler writes it to stderr."""
    if not settings.getbool("LOG_ENABLED"):
        yield
        return
    handler = logging.StreamHandler(stream)
    handler.setLevel(settings.get("LOG_LEVEL"))
    formatter = logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
    handler.setFormatter(formatter)
    if settings.getbool("LOG_SHORT_NAMES"):
        handler.addFilter(TopLevelFormatter(["scrapy"]))
    root = logging.getLogger()
    level = root.level
    if level > handler.level:  # the root's default, WARNING, would keep INFO records from it
        root.setLevel(handler.level)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
