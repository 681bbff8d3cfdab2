"""`scrapy render FILE --url URL [--channel LID] [--generic]`: print what a crawl would write.

The page goes through crawler/render.py, in-process: the response built from FILE's bytes
and the headers recorded in `<FILE stem>.json` next to it (if there is one; else
`Content-Type: text/html`), the re-decoding middlewares, the site's parser, every item
pipeline but those that write the archive, and the seed format.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import check_command_settings
from crawler.common.urls import web_url
from crawler.render import Rendered, recorded_headers, render_page
from crawler.sites import profile_for_url, site_named
from crawler.sites.generic import Generic


class Command(ScrapyCommand):
    """Render a saved article page through the parser and every pipeline, to stdout."""

    requires_project = True

    def syntax(self) -> str:
        """Show the arguments."""
        return "FILE --url URL [--channel LID] [--generic]"

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Print the Markdown file a crawl would write for a saved page (writes nothing)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add --url, --channel and --generic."""
        super().add_options(parser)
        parser.add_argument("--url", required=True, help="the page's real URL (picks the site)")
        parser.add_argument("--channel", help="the channel id (default: the site's default)")
        parser.add_argument(
            "--generic",
            action="store_true",
            help="extract with the generic profile even if the URL's site has its own",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Log only warnings unless -L asks otherwise: stdout is the document, keep stderr short."""
        super().process_options(args, opts)
        if not opts.loglevel and self.settings is not None:
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Render the saved page in-process and print the document, or the reason there is none."""
        if len(args) != 1:
            raise UsageError("give exactly one saved page FILE")
        page = Path(args[0])
        if not page.is_file():
            raise UsageError(f"no such file: {page}", print_help=False)
        assert self.settings is not None
        check_command_settings(self.settings)
        try:
            web_url(opts.url)
        except ValueError as error:
            raise UsageError(f"--url: {error}", print_help=False) from None
        try:
            # A URL of no known site renders through the generic profile anyway.
            site = site_named(Generic.key) if opts.generic else profile_for_url(opts.url)
            channel = site.channel(opts.channel or site.default_channel)
        except KeyError as error:
            raise UsageError(error.args[0], print_help=False) from None

        try:
            headers = recorded_headers(page)
        except ValueError as error:  # a JSON syntax error is one too
            raise UsageError(
                f"cannot read the record of {page}: {error}", print_help=False
            ) from None

        assert self.settings is not None
        result = render_page(
            page.read_bytes(), opts.url, headers, site, channel, settings=self.settings
        )
        if isinstance(result, Rendered):
            sys.stdout.buffer.write(result.document)
            sys.stdout.buffer.flush()
            return
        print(f"render: nothing rendered for {opts.url}: {result.reason}", file=sys.stderr)
        self.exitcode = 1
