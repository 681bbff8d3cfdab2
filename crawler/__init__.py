"""The Scrapy project: settings, items, site profiles, spiders and commands."""
