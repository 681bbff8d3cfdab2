"""Knowing when a run goes wrong: counts, monitors, run reports, metrics, progress, checks.

counts.py counts what the monitors read (from Scrapy's signals, so spiders stay as they
are); monitors.py judges a finished crawl (Spidermon, wrapped by spidermon.py); report.py
and metrics.py tell how each run went; progress.py shows long work going on; check.py
checks (and repairs) an archive against its state.
"""
