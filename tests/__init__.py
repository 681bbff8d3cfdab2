"""Tests of the finance-news archiver."""
