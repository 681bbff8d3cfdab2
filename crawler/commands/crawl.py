"""`scrapy crawl`, with spider arguments checked before the crawl starts."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command; a bad `-a` argument is a usage error, not a traceback."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the spider's arguments with its `read_arguments`, if it has one, then crawl."""
        if len(args) == 1 and self.settings is not None:
            try:
                spider_class = get_spider_loader(self.settings).load(args[0])
            except KeyError:
                spider_class = None
            read_arguments = getattr(spider_class, "read_arguments", None)
            if read_arguments is not None:
                try:
                    read_arguments(**opts.spargs)
                except (TypeError, ValueError) as error:
                    raise UsageError(str(error), print_help=False) from None
        super().run(args, opts)
