"""Neutral helpers for sites, feeds, pipelines and the archive: text, dates, URLs, HTML trees."""
