"""Scrapy commands of this project: `render` and `demo`."""
