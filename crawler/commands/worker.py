"""`scrapy worker <spider>`: one worker of a distributed run (REDIS_URL, crawler/distributed/)."""

from __future__ import annotations

import argparse

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands import check_command_settings, check_spider_arguments
from crawler.distributed import check_redis, is_distributed
from crawler.distributed.worker import make_worker, worker_spider
from crawler.spiders.archiving import ArchivingSpider


class Command(BaseRunSpiderCommand):
    """Fetch, parse, clean and validate the article requests a coordinator queued in Redis."""

    requires_project = True

    def syntax(self) -> str:
        """Show the arguments."""
        return "[options] <spider>"

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Work for a distributed crawl: take the spider's article requests from REDIS_URL"

    def long_desc(self) -> str:
        """Describe what a worker does and when it stops."""
        return (
            "Takes the article requests that `scrapy crawl <spider>` (run with the same "
            "REDIS_URL) queued, fetches and parses them, and sends every article, and the "
            "outcome of every request, back to it. Waits for work while the queue is empty; "
            "stops on Ctrl-C, SIGTERM, or after DISTRIBUTED_WORKER_MAX_IDLE idle seconds."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the spider and REDIS_URL, then work until stopped."""
        if len(args) != 1:
            raise UsageError("scrapy worker takes one spider name", print_help=False)
        assert self.settings is not None and self.crawler_process is not None
        check_command_settings(self.settings)
        if not is_distributed(self.settings):
            raise UsageError(
                "scrapy worker needs REDIS_URL (e.g. -s REDIS_URL=redis://host:6379/0)",
                print_help=False,
            )
        try:
            spider_class = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            raise UsageError(f"no spider named {args[0]!r}", print_help=False) from None
        if not issubclass(spider_class, ArchivingSpider):
            raise UsageError(f"spider {args[0]!r} cannot run as a worker", print_help=False)
        try:  # the spider checks its arguments when it starts, in a worker too
            check_spider_arguments(self.settings, args[0], opts.spargs)
        except (TypeError, ValueError) as error:
            raise UsageError(str(error), print_help=False) from None
        check_redis(self.settings)
        make_worker(self.settings)
        self.crawler_process.crawl(worker_spider(spider_class), **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
