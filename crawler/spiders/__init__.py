"""Spiders: discovery only; extraction lives in `crawler.sites`."""
