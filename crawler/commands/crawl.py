"""`scrapy crawl`, with spider arguments checked first and the archive locked while it runs."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.archive.run import run_under_lock
from crawler.commands import check_command_settings, check_spider_arguments, unknown_spider
from crawler.distributed import make_coordinator


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command; a bad `-a` is a usage error; one run per archive at a time."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the settings and the spider's arguments (`read_arguments`), then crawl."""
        assert self.settings is not None
        check_command_settings(self.settings)
        if len(args) == 1:
            try:
                known = check_spider_arguments(self.settings, args[0], opts.spargs)
            except (TypeError, ValueError) as error:
                raise UsageError(str(error), print_help=False) from None
            if not known:
                raise UsageError(unknown_spider(self.settings, args[0]), print_help=False)
        make_coordinator(self.settings)  # with REDIS_URL: workers fetch the articles
        status = run_under_lock(self.settings, lambda: super(Command, self).run(args, opts))
        self.exitcode = status or self.exitcode
