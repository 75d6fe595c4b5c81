"""Builds the wrapped fixtures of tests/test_producers.py from one real oslo log.

`nova-compute.payload.log` is lines 2500-3299 of `real/ubuntu-ussuri/var/log/nova/
nova-compute.log.1.gz` (nine modern tracebacks). Each wrapped file carries exactly those
lines, each in the envelope a 2025 deployment writes, stamped from the line's own time:

- `pebble.log`: `kubectl logs --timestamps` of a Sunbeam container, `<stamp> [nova-compute]
  <line>`, with a `[pebble]` notice line after every 7th line, so pebble's lines fall inside
  tracebacks as they do in real pod logs;
- `cri.log`: a CRI file, `<stamp> stdout F <line>`; lines longer than 160 bytes are written
  as a `P` part and an `F` part, as the runtime splits long lines;
- `docker.log`: docker json-file objects.

Run `python tests/data/producers/make_wrapped.py` to rewrite them; a test checks they match.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE.parent / "real/ubuntu-ussuri/var/log/nova/nova-compute.log.1.gz"
FIRST, COUNT = 2500, 800
PEBBLE_NOTICE = "GET /v1/notices?timeout=30s 30.001042193s 200"
_STAMP = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d+)")


def payload_lines() -> list[str]:
    with gzip.open(SOURCE, "rt", encoding="utf-8", newline="\n") as fh:
        lines = fh.read().split("\n")
    return lines[FIRST : FIRST + COUNT]


def stamps(lines: list[str]) -> list[tuple[str, str]]:
    """(millisecond, nanosecond) RFC 3339 stamps of each line, from the last oslo stamp seen."""
    out = []
    day, clock, frac = "2022-02-04", "00:00:00", "000"
    for line in lines:
        m = _STAMP.match(line)
        if m:
            day, clock, frac = m.group(1), m.group(2), m.group(3)
        out.append((f"{day}T{clock}.{frac[:3].ljust(3, '0')}Z", f"{day}T{clock}.{frac.ljust(9, '0')}+00:00"))
    return out


def build() -> dict[str, str]:
    lines = payload_lines()
    marks = stamps(lines)
    pebble, cri, docker = [], [], []
    for n, (line, (ms, ns)) in enumerate(zip(lines, marks, strict=True), 1):
        pebble.append(f"{ms} [nova-compute] {line}")
        if n % 7 == 0:
            pebble.append(f"{ms} [pebble] {PEBBLE_NOTICE}")
        if len(line.encode()) > 160:
            cut = 100
            cri.append(f"{ns} stdout P {line[:cut]}")
            cri.append(f"{ns} stdout F {line[cut:]}")
        else:
            cri.append(f"{ns} stdout F {line}")
        # As docker writes them: no spaces between items.
        docker.append(json.dumps({"log": line + "\n", "stream": "stdout", "time": ns}, separators=(",", ":")))
    return {
        "nova-compute.payload.log": "\n".join(lines) + "\n",
        "pebble.log": "\n".join(pebble) + "\n",
        "cri.log": "\n".join(cri) + "\n",
        "docker.log": "\n".join(docker) + "\n",
    }


if __name__ == "__main__":
    for name, text in build().items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
