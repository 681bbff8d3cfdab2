"""The machine line of the benchmarks names the processor, so that two sessions' figures compare."""

from __future__ import annotations

import platform
from pathlib import Path

from benchmarks import processor

CPUINFO = """processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
model\t\t: 167
cpu MHz\t\t: 2599.998
flags\t\t: fpu vme

processor\t: 1
model name\t: Intel(R) Xeon(R) Processor
model\t\t: 167
cpu MHz\t\t: 2600.001
"""


def test_the_processor_is_named_with_its_model_and_clock(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO)
    assert processor(cpuinfo) == "Intel(R) Xeon(R) Processor (model 167) at 2600 MHz"


def test_without_cpuinfo_the_processor_is_python_s_name_for_it(tmp_path: Path) -> None:
    assert processor(tmp_path / "none") == (platform.processor() or "processor unknown")
