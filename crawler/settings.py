"""Scrapy settings of the finance-news archiver. Override any with `-s NAME=VALUE`."""

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Polite by default: robots.txt, a real browser's User-Agent (Sina answers 403 to some bots),
# AutoThrottle, a small per-site concurrency and a few retries.
ROBOTSTXT_OBEY = True
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Scrapy hands each callback's output on through this many asyncio tasks, created anew for
# every response (default 100). Our callbacks yield one article, or a list page's requests,
# which gain nothing from parallel tasks; creating 100 of them cost about 0.5 ms of CPU a
# response, a tenth of all our per-article work (docs/benchmarks.md).
CONCURRENT_ITEMS = 1
RETRY_ENABLED = True
RETRY_TIMES = 2
# A 429 or 503 is retried after its Retry-After (at most this long), else after a backoff
# that doubles with each retry.
RETRY_AFTER_MAX_SECONDS = 60.0
RETRY_BACKOFF_SECONDS = 2.0
DOWNLOAD_TIMEOUT = 30

# A page that declares gb2312/gbk/gb18030 but is valid UTF-8 is decoded as UTF-8
# (crawler/encoding.py). 585: after HttpCompressionMiddleware (590) has decompressed the body,
# before MetaRefreshMiddleware (580) reads the text.
DOWNLOADER_MIDDLEWARES = {
    "crawler.encoding.MislabelledUtf8Middleware": 585,
    # A page labelled ISO-8859-1 or not at all: read by its <meta>, else as UTF-8/GB18030.
    "crawler.encoding.GuessCharsetMiddleware": 586,
    # Scrapy's retry middleware, but a retried 429/503 waits for Retry-After (crawler/retry.py).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.RetryAfterMiddleware": 550,
    # 595: it must see the gzip body before HttpCompressionMiddleware (590) inflates what it can.
    "crawler.retry.TruncatedBodyMiddleware": 595,
}
MISLABELLED_UTF8_ENABLED = True
CHARSET_GUESS_ENABLED = True

# Security: no telnet console or remote-control server listening; downloads over http(s)
# only, so a link to file:// or data: in a page or feed cannot make the crawler read local
# files (`scrapy render` reads its saved page itself, in-process); TLS certificates verified; a
# page larger than DOWNLOAD_MAXSIZE is abandoned (logged and counted), not read into memory.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DOWNLOAD_VERIFY_CERTIFICATES = True
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A page's <meta http-equiv="refresh"> is not followed: an article page is read as it is
# (an interstitial then fails extraction with a logged reason) instead of being silently
# swapped for wherever the page points.
METAREFRESH_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.fallback.FallbackReportPipeline": 50,
    "pipelines.body.ArticleBodyPipeline": 100,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.titles.SafeTitlePipeline": 400,
    "pipelines.dedupe.CrossSourceDedupePipeline": 800,
    "pipelines.images.ArchiveImagesPipeline": 850,  # off unless ARCHIVE_IMAGES_ENABLED
    "pipelines.export.MarkdownExportPipeline": 900,
}
# An article whose page stages ran in a page process or a distributed worker passes only the
# stages that write the archive here (crawler/settled.py).
ITEM_PROCESSOR = "crawler.settled.SettledItemProcessor"
EXTENSIONS = {
    "crawler.archive.extension.ArchiveExtension": 100,
    "crawler.page_pool.PagePool": 150,  # off unless PAGE_POOL_PROCESSES
    # After Scrapy's own (0): they count and judge what the crawl did (crawler/monitoring).
    "crawler.monitoring.counts.ArticleCounts": 500,
    "crawler.monitoring.spidermon.MonitorExtension": 510,
    "crawler.monitoring.record.RunReportExtension": 520,
    "crawler.monitoring.progress.ProgressExtension": 530,
}
# The telnet console and the remote control are off (above), but Scrapy imports every
# extension it lists, even one set to None in EXTENSIONS, at every start; the remote control
# imports aiohttp, 0.12-0.15 s of CPU, a sixth of `scrapy refresh`'s start-up
# (docs/benchmarks.md). So they are left out of Scrapy's base list, the rest kept as Scrapy
# has it; turning one on takes putting it back in EXTENSIONS.
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path
    not in (
        "scrapy.extensions.telnet.TelnetConsole",
        "scrapy.extensions.remote_control.RemoteControl",
    )
}
# Processes that read fetched pages (the site parser and every stage before the archive's)
# off the crawl's thread; 0: the crawl's own process does (crawler/page_pool.py). For
# CPU-bound crawls (a fast mirror, Scrapy's HTTP cache) on a machine with cores to spare.
PAGE_POOL_PROCESSES = 0

LOG_FORMATTER = "crawler.logformatter.ArticleLogFormatter"
LOG_LEVEL = "INFO"

# The Markdown archive.
MARKDOWN_EXPORT_ENABLED = True
MARKDOWN_EXPORT_DIR = "output"
MARKDOWN_EXTRA_FIELDS: list[str] = []  # any of: url, media_source, editor, doc_id

# Titles written with `<`, `>` and attribute break-outs in safe forms, for themes (Volantis)
# that write titles into their pages unescaped (pipelines/titles.py).
HEXO_SAFE_TITLES_ENABLED = True

# The archive state: what the archive holds, so scheduled runs fetch only what changed.
ARCHIVE_ENABLED = True
ARCHIVE_STATE_PATH = ""  # default: <MARKDOWN_EXPORT_DIR>/.archive/state.db
ARCHIVE_STATE_TIMEOUT = 30.0  # seconds a state write waits for another connection's lock
# Sweep temporary files and check the whole state at this start, as after a crash.
ARCHIVE_FULL_CHECK = False

# Local copies of each article's images in the site (pipelines/images.py); off: the seed
# format links to the news sites' images.
ARCHIVE_IMAGES_ENABLED = False
ARCHIVE_IMAGES_DIR = ""  # default: `images` beside MARKDOWN_EXPORT_DIR (Hexo's source/images)
ARCHIVE_IMAGES_URL = "/images/"  # where the site serves ARCHIVE_IMAGES_DIR
ARCHIVE_IMAGES_MAX_BYTES = 10 * 1024 * 1024  # a larger image keeps its remote URL
ARCHIVE_IMAGES_MAX_PER_ARTICLE = 50

# `scrapy refresh`: which spiders to run ("name arg=value ..."; empty: every spider that
# declares itself a refresh source) and how many logged errors still count as a good run.
REFRESH_SOURCES: list[str] = []
REFRESH_MAX_ERRORS = 0

# Monitors at the end of every crawl (Spidermon; crawler/monitoring/checks.py): a failure
# fails `scrapy refresh`. Articles, drops and fields are judged on at least MONITOR_MIN_ARTICLES.
SPIDERMON_ENABLED = True
MONITOR_FINISH_REASONS = ["finished"]
MONITOR_MIN_ARTICLES = 5
MONITOR_MIN_ARCHIVED_SHARE = 0.5  # of the listed new articles, at least this share archived
MONITOR_MAX_DROPPED_SHARE = 0.25  # of the pages fetched, at most this share dropped
MONITOR_REQUIRED_FIELDS = ["title", "date", "body"]  # on every article
MONITOR_FIELD_MIN_SHARES = {"lead_image": 0.3, "source": 0.3, "editor": 0.3}  # or "site/field"
MONITOR_MAX_FALLBACK_SHARE = 0.5  # of a site's pages, at most this share per field by fallback

# A JSON report of every run in <MARKDOWN_EXPORT_DIR>/.archive/runs/ (the last N kept), and
# node_exporter textfile metrics when ARCHIVE_METRICS_TEXTFILE names a file.
RUN_REPORT_ENABLED = True
RUN_REPORT_KEEP = 100
ARCHIVE_METRICS_TEXTFILE = ""

# Progress on long work (a backfill with `-a since=`): a bar on a terminal, else a log line
# every PROGRESS_INTERVAL seconds. PROGRESS_ENABLED = True shows it on every crawl.
PROGRESS_ENABLED = False
PROGRESS_INTERVAL = 60.0

# Sina Finance's roll API: point it at a mirror (or the offline demo) to crawl elsewhere.
SINA_ROLL_API_URL = "https://feed.mix.sina.com.cn/api/roll/get"
SINA_ROLL_PAGE_SIZE = 50
SINA_ROLL_BACKFILL_MAX_PAGES = 5000  # list pages a channel's `-a since=` backfill reads at most
SINA_ROLL_REFERER = "https://finance.sina.com.cn/"

# `scrapy crawl feed`: an item's own HTML is the whole article (no page fetched) when it has
# at least this many paragraphs and characters of text and does not end cut off.
FEED_FULLTEXT_MIN_BLOCKS = 2
FEED_FULLTEXT_MIN_CHARS = 80

# The offline demo (`scrapy demo`): recorded pages and made-up roll API answers.
DEMO_FIXTURES_DIR = "tests/fixtures/sites/sina"

FEED_EXPORT_ENCODING = "utf-8"

# Distributed runs (crawler/distributed/): with REDIS_URL set (scrapy-redis's setting, e.g.
# redis://host:6379/0), `scrapy crawl`/`scrapy refresh` coordinate and `scrapy worker` fetch.
REDIS_URL = ""
DISTRIBUTED_IDLE_TIMEOUT = 300.0  # seconds without an outcome before the run ends unfinished
DISTRIBUTED_WORKER_MAX_IDLE = 0.0  # seconds a worker waits for work before it stops (0: ever)
# Seconds between a worker's signs of life; after three missed, the coordinator queues again
# the requests it took and did not answer (it died).
DISTRIBUTED_WORKER_HEARTBEAT = 10.0
# Seconds between two requests to one host from all workers together (default DOWNLOAD_DELAY).
DISTRIBUTED_HOST_DELAY = None  # None: DOWNLOAD_DELAY
# scrapy-redis's connection parameters, over its own (a 30 s socket timeout, one retry):
# a Redis that stops answering holds a call at most twice 5 s, where 30 s would outlast the
# three heartbeats after which a worker still waiting on it is taken for dead.
REDIS_PARAMS = {"socket_timeout": 5, "socket_connect_timeout": 5}
