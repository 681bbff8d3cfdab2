"""Benchmarks: extraction quality and speed, crawl throughput, refresh cost (scripts)."""
