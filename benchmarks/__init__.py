"""Benchmarks: extraction quality and speed, crawl throughput, refresh cost (scripts)."""

from __future__ import annotations

import os
import platform
import sys


def machine_line() -> str:
    """Name the machine a benchmark runs on: platform, cores, Python."""
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )


def load_average() -> str:
    """The one-minute load average, as the benchmarks print it."""
    return f"load average {os.getloadavg()[0]:.2f}"
