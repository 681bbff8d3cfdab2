"""Front matter reads back the same in YAML 1.1 (PyYAML) and YAML 1.2 (js-yaml, Hexo's reader).

js-yaml runs under the machine's node, pinned by tests/js_yaml/package-lock.json (the
version Hexo 8.1.2 resolves) and installed from it with `npm ci`.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.archive.document import front_matter_lines, one_line

READER = Path(__file__).resolve().parent / "js_yaml"

# Plain-looking values of every class a YAML 1.2 reader may take for a number, a date, a
# boolean or null, although a YAML 1.1 reader takes some of them for strings; and values
# both take for strings, which stay plain.
CLASSES = [
    "1e3", "1E3", "1e-3", "1e+3", "-1e3", "+1E3", "1e999", "2.5e4", ".5", ".5e3", "1.", "+.5",
    "0o17", "-0o7", "0x1F", "+0x1f", "0b101", "-0b1", "0", "-0", "007", "+12", "1_000",
    ".inf", "-.Inf", "+.INF", ".nan", ".NaN", ".NAN",
    "2024-01-01", "2024-1-1 10:00:00", "2024-01-01T00:00:00Z", "2024-01-01 10:00:00 +8",
    "12:30:45", "true", "False", "NULL", "Null", "~", "yes", "off", "y", "<<", "=",
    "21世纪经济报道", "3D打印", "1e3中文", "0x", "0o", "0b", "e3", "1e", "1.5e", "1e3 报告",
    "金融", "新浪财经－国內", "Reuters 路透",
]  # fmt: skip


def number_like(chance: random.Random) -> str:
    """A made-up value near the shapes of YAML numbers, dates and special floats."""
    digits = "".join(chance.choice("0123456789") for _ in range(chance.randint(0, 4)))
    parts = [chance.choice(["", "", "+", "-"])]
    shape = chance.randint(0, 4)
    if shape == 0:
        parts += [chance.choice(["0x", "0o", "0b", "0X", "0O"]), digits, chance.choice(["", "f"])]
    elif shape == 1:
        parts += [digits, chance.choice(["", ".", "._"]), digits[::-1]]
        parts += [chance.choice(["", "e", "E", "e-", "E+"]), digits[:2]]
    elif shape == 2:
        parts += [f"{chance.randint(0, 9999):04d}-{chance.randint(1, 12)}-{chance.randint(1, 31)}"]
        parts += [chance.choice(["", "T1:02:03", " 10:00:00Z", " 1:2"])]
    elif shape == 3:
        parts += [".", chance.choice(["inf", "Inf", "nan", "NaN", "INF", "iNf"]), digits[:1]]
    else:
        parts += [digits, ":", digits, chance.choice(["", ":30"])]
    parts.append(chance.choice(["", "", "", " 报告", "年", "_1", "%"]))
    return "".join(parts)


def values() -> list[str]:
    chance = random.Random(12)  # the same values every run
    made = {number_like(chance) for _ in range(4000)}
    return CLASSES + sorted(value for value in made if value and value not in CLASSES)


def front_matter(value: str) -> str:
    """The front matter of a document whose title, category, author and extra field are `value`."""
    metadata: dict[str, Any] = {
        "title": value,
        "categories": ["金融", value],
        "headimg": "https://n.sinaimg.cn/a.jpg",
        "author": value,
        "comments": False,
        "date": "Fri, 28 Dec 2018 11:56:29 GMT",
        "thumbnail": "https://n.sinaimg.cn/a.jpg",
        "doc_id": value,
    }
    return "\n".join(front_matter_lines(metadata))


def expected(value: str) -> dict[str, Any]:
    text = one_line(value)
    return {
        "title": text, "categories": ["金融", text], "headimg": "https://n.sinaimg.cn/a.jpg",
        "author": text, "comments": False, "date": "Fri, 28 Dec 2018 11:56:29 GMT",
        "thumbnail": "https://n.sinaimg.cn/a.jpg", "doc_id": text,
    }  # fmt: skip


@pytest.fixture(scope="module")
def js_yaml_reader() -> Path:
    """The js-yaml reader, installed from its lock file with `npm ci` unless it is already."""
    lock = json.loads((READER / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/js-yaml"]["version"]
    installed = READER / "node_modules" / "js-yaml" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=READER, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return READER / "read.js"


def read_with_js_yaml(reader: Path, texts: list[str]) -> list[dict[str, Any]]:
    """What js-yaml reads from each text: `{"data": ...}` or `{"error": ...}`."""
    done = subprocess.run(
        ["node", str(reader)], input=json.dumps(texts), capture_output=True, text=True,
        check=True, timeout=120,
    )  # fmt: skip
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


@pytest.mark.component
def test_every_scalar_reads_back_as_the_same_string_in_yaml_1_1_and_1_2(
    js_yaml_reader: Path,
) -> None:
    tried = values()
    texts = [front_matter(value) for value in tried]
    by_js_yaml = read_with_js_yaml(js_yaml_reader, texts)
    wrong = [
        (value, text, pyyaml, js)
        for value, text, js in zip(tried, texts, by_js_yaml, strict=True)
        if (pyyaml := yaml.safe_load(text)) != expected(value) or js != {"data": expected(value)}
    ]
    assert wrong == [], wrong[:5]
    assert len(tried) > 2000


@pytest.mark.component
def test_values_both_readers_take_for_strings_stay_plain(js_yaml_reader: Path) -> None:
    lines = front_matter("21世纪经济报道").splitlines()
    assert " - 21世纪经济报道" in lines and "author: 21世纪经济报道" in lines
    assert read_with_js_yaml(js_yaml_reader, ["\n".join(lines)]) == [
        {"data": expected("21世纪经济报道")}
    ]
    assert "author: '1e3'" in front_matter("1e3").splitlines()
