"""Prometheus textfile metrics of every run (ARCHIVE_METRICS_TEXTFILE), read back as
Prometheus reads them: parsed from the file, and served by a real node_exporter."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crawler.monitoring.checks import CHECKS
from tests.crawling import mirror_of, refresh

NODE_EXPORTER = "prometheus-node-exporter"  # Debian's node_exporter (.ci/debian-packages)
RAISING = json.dumps({"tests.test_monitors.RaisingPipeline": 100})


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The samples of a metrics text, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def refresh_with_metrics(fixtures: Path, archive: Path, textfile: Path, *args: str) -> int:
    with mirror_of(fixtures) as mirror:
        result = refresh(mirror, archive, "-s", f"ARCHIVE_METRICS_TEXTFILE={textfile}", *args)
    return result.process.returncode


def test_a_run_writes_its_metrics(fixtures: Path, tmp_path: Path) -> None:
    textfile = tmp_path / "textfile" / "archive.prom"
    before = int(time.time())  # the report keeps whole seconds
    assert refresh_with_metrics(fixtures, tmp_path / "archive", textfile) == 0
    values = samples(textfile.read_text(encoding="utf-8"))
    assert before <= values["archive_run_last_timestamp_seconds", ()] <= time.time()
    last = values["archive_run_last_timestamp_seconds", ()]
    assert values["archive_run_last_success_timestamp_seconds", ()] == last
    assert values["archive_run_success", ()] == 1
    assert 0 < values["archive_run_duration_seconds", ()] < 60
    source = ("source", "sina")
    assert values["archive_run_articles", (("outcome", "new"), source)] == 3
    assert values["archive_run_articles", (("outcome", "errors"), source)] == 0
    assert {values["archive_monitor_failed", (("monitor", name),)] for name in CHECKS} == {0}
    assert values["archive_articles", ()] == 3
    assert [path.name for path in textfile.parent.iterdir()] == ["archive.prom"]  # no temp left


def test_a_failed_run_keeps_the_time_of_the_last_success(fixtures: Path, tmp_path: Path) -> None:
    archive, textfile = tmp_path / "archive", tmp_path / "archive.prom"
    assert refresh_with_metrics(fixtures, archive, textfile) == 0
    succeeded = samples(textfile.read_text())["archive_run_last_success_timestamp_seconds", ()]
    failing = (
        "-s",
        "REFRESH_SOURCES=sina refresh=all max_pages=2",
        "-s",
        f"ITEM_PIPELINES={RAISING}",
    )
    assert refresh_with_metrics(fixtures, archive, textfile, *failing) == 1
    values = samples(textfile.read_text())
    assert values["archive_run_success", ()] == 0
    assert values["archive_run_last_success_timestamp_seconds", ()] == succeeded
    assert values["archive_run_last_timestamp_seconds", ()] >= succeeded
    assert values["archive_monitor_failed", (("monitor", "errors"),)] == 1
    assert values["archive_monitor_failed", (("monitor", "articles"),)] == 1
    assert values["archive_monitor_failed", (("monitor", "drops"),)] == 0
    source = ("source", "sina refresh=all max_pages=2")
    assert values["archive_run_articles", (("outcome", "errors"), source)] == 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def node_exporter(textfiles: Path) -> Iterator[str]:
    """Run node_exporter on 127.0.0.1 with only its textfile collector; yield its URL."""
    binary = shutil.which(NODE_EXPORTER)
    assert binary, f"{NODE_EXPORTER} is not installed (apt-get install {NODE_EXPORTER})"
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            binary, f"--web.listen-address={address}", "--collector.disable-defaults",
            "--collector.textfile", f"--collector.textfile.directory={textfiles}",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://{address}/metrics"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"node_exporter did not start: {process.stderr}")  # noqa: B904
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


@pytest.mark.component
def test_node_exporter_serves_the_metrics_of_a_run(fixtures: Path, tmp_path: Path) -> None:
    textfiles = tmp_path / "textfile"
    assert refresh_with_metrics(fixtures, tmp_path / "archive", textfiles / "archive.prom") == 0
    with node_exporter(textfiles) as url, urllib.request.urlopen(url, timeout=5) as answer:
        served = samples(answer.read().decode("utf-8"))
    written = samples((textfiles / "archive.prom").read_text(encoding="utf-8"))
    for key, value in written.items():
        assert served[key] == value, key
    assert served["archive_run_success", ()] == 1
    assert served["node_textfile_scrape_error", ()] == 0
    finished = datetime.fromtimestamp(served["archive_run_last_timestamp_seconds", ()])
    assert abs((datetime.now() - finished).total_seconds()) < 60
