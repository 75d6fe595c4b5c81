"""The headless commands: one JSON document, clear messages, forced formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ostui.cli import main

from .conftest import REAL, SEED


def test_scan_json_is_one_document_with_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--json", "--root", str(REAL / "ubuntu-ussuri")]) == 0
    doc = json.loads(capsys.readouterr().out)
    keys = {
        "path",
        "node",
        "component",
        "format",
        "lines",
        "records",
        "unparsed",
        "levels",
        "tracebacks",
        "request_ids",
        "problems",
    }
    assert doc["files"] and all(keys <= set(f) for f in doc["files"])
    assert {"lines", "records", "unparsed", "levels", "tracebacks", "request_ids"} <= set(doc["totals"])
    gz = [f for f in doc["files"] if f["path"].endswith("nova-compute.log.1.gz")]
    assert gz and gz[0]["format"] == "oslo" and gz[0]["tracebacks"] > 0


def test_scan_plain_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(SEED / "nova-api.log")]) == 0
    out = capsys.readouterr().out
    assert "nova-api.log" in out and "1 tracebacks" in out


def test_nothing_found_says_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "--root" in err


def test_forced_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--json", "--format", "text", str(SEED / "nova-api.log")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["files"][0]["format"] == "text" and doc["files"][0]["records"] == 52


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        main(["scan", "--format", "nope", str(SEED / "nova-api.log")])
    except SystemExit as exc:
        assert exc.code == 2
    assert "unknown format" in capsys.readouterr().err


def test_installed_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ostui", "scan", "--json", str(SEED / "nova-api.log")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["totals"]["tracebacks"] == 1
