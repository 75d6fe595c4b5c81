"""The command line as operators type it: options on either side of the paths, and plain
output that grep, awk and sort can read when it is piped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REAL, SEED, SEED_REQUEST

OSP6 = REAL / "osp6-live-migration"


def ostui(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m ostui ARGS` with stdout a pipe, as in `ostui scan | grep`."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COLUMNS")}
    return subprocess.run(
        [sys.executable, "-m", "ostui", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "orders",
    [
        [["scan", "--json", str(SEED)], ["scan", str(SEED), "--json"]],
        [
            ["request", SEED_REQUEST, "--json", str(SEED)],
            ["request", "--json", SEED_REQUEST, str(SEED)],
            ["request", SEED_REQUEST, str(SEED), "--json"],
        ],
        [["faults", "--json", str(SEED)], ["faults", str(SEED), "--json"]],
        [["timeline", "--json", "--root", str(OSP6)], ["timeline", "--root", str(OSP6), "--json"]],
    ],
    ids=["scan", "request", "faults", "timeline"],
)
def test_options_go_before_or_after_the_paths(orders: list[list[str]]) -> None:
    runs = [ostui(*args) for args in orders]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    documents = [json.loads(r.stdout) for r in runs]
    assert documents[0]  # something was found
    assert all(d == documents[0] for d in documents)


def test_piped_scan_is_one_row_a_file() -> None:
    run = ostui("scan", str(OSP6))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split("\t") == [
        "path",
        "node",
        "component",
        "format",
        "records",
        "ERR",
        "WARN",
        "tb",
        "ids",
    ]
    rows = [line.split("\t") for line in lines[1:] if "\t" in line]
    expected = json.loads(ostui("scan", "--json", str(OSP6)).stdout)
    assert len(rows) == len(expected["files"]) == 33
    for row, f in zip(rows, expected["files"], strict=True):
        lv = f["levels"]
        assert row == [
            f["path"],
            f["node"],
            f["component"],
            f["format"],
            *map(
                str,
                (
                    f["records"],
                    lv.get("ERROR", 0) + lv.get("CRITICAL", 0),
                    lv.get("WARNING", 0),
                    f["tracebacks"],
                    f["request_ids"],
                ),
            ),
        ]
    conductor = next(r for r in rows if r[0].endswith("c29/var/log/nova/nova-conductor.log"))
    assert conductor[4:6] == ["260", "25"]  # counted with grep (test_engine_real)
    assert "\x1b" not in run.stdout and "│" not in run.stdout and "┃" not in run.stdout


def test_piped_request_keeps_each_record_on_one_line() -> None:
    run = ostui("request", SEED_REQUEST, str(SEED / "nova-api.log"))
    assert run.returncode == 0, run.stderr
    access = [line for line in run.stdout.splitlines() if '"GET /v2/' in line and "status: 500" in line]
    assert len(access) == 1 and len(access[0]) > 160  # not folded at 80 columns
    assert "AttributeError: id" in run.stdout and "\x1b" not in run.stdout


@pytest.mark.parametrize(
    "command", ["", "scan", "request", "faults", "explain", "nodes", "timeline", "instance"]
)
def test_help_in_chinese_names_every_option_in_chinese(command: str) -> None:
    """Chosen by --lang (before or after the command); argparse's own words too."""
    argv = [*([command] if command else []), "--lang", "zh", "--help"]
    run = ostui(*argv)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert text.startswith(f"用法：ostui{' ' + command if command else ''} [-h]"), text[:80]
    assert "位置参数" in text and "选项" in text and "显示此帮助信息并退出" in text
    # every option's help (the text after its name, on its line or the next) has Chinese in it
    helps = re.findall(r"^  (-[^\n]*?)(?:  +|\n {10,})([^\n]+)", text, re.M)
    assert helps, text
    for name, help_text in helps:
        assert re.search(r"[\u4e00-\u9fff]", help_text), (name, help_text)


def test_the_locale_chooses_chinese_and_errors_follow() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ostui", "scan", "--bogus", str(SEED)],
        capture_output=True,
        text=True,
        env={**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""},
        timeout=60,
    )
    assert run.returncode == 2
    assert "ostui scan：错误：无法识别的参数：--bogus" in run.stderr
    assert ostui("--lang", "zh", "scan", "--json", str(SEED)).returncode == 0  # --lang before the command


def test_exit_statuses_are_the_documented_ones(tmp_path: Path) -> None:
    assert "exit status: 0 found; 1 nothing matched" in ostui("scan", "--help").stdout.replace("\n", " ")
    assert ostui("scan", str(SEED)).returncode == 0
    absent = "req-00000000-0000-0000-0000-000000000000"
    assert ostui("request", absent, str(SEED)).returncode == 1  # logs read, nothing matched
    assert ostui("scan", str(tmp_path)).returncode == 2  # no log there
    assert ostui("scan", "--bogus", str(SEED)).returncode == 2  # bad input
    assert ostui("explain", "999").returncode == 2


def test_plain_output_follows_the_language() -> None:
    scan = ostui("scan", "--lang", "zh", str(SEED)).stdout
    assert scan.splitlines()[-1] == "2 个文件，97 行，19 条记录，1 条未解析，2 个回溯，3 个请求 ID"
    story = ostui("request", SEED_REQUEST, str(SEED / "nova-api.log"), "--lang", "zh").stdout
    assert story.startswith(f"请求 {SEED_REQUEST}\n  HTTP 状态：500")
    timeline = ostui("timeline", "--root", str(REAL / "osp6-live-migration"), "--lang", "zh").stdout
    first, heads = timeline.splitlines()[:2]
    assert first == "2015-10-20 08:48:26 -> 2015-10-29 10:55:23，时间桶宽度 1m"
    assert heads == "时间桶" + " " * 17 + "错误    警告    其他"  # columns counted in cells, as the rows


def test_the_settings_files_language_holds_for_every_output() -> None:
    """language = "zh" in config.toml: help, explain and faults all speak it (explain and
    faults once read only --lang and the locale)."""
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "ostui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('language = "zh"\n')
    assert ostui("scan", "--help").stdout.startswith("用法：ostui scan")
    assert "服务器内部错误" in ostui("explain", "500").stdout
    assert ostui("explain", "500", "--lang", "en").stdout.count("Internal Server Error") >= 1
    faults = ostui("faults", str(SEED)).stdout
    assert "已知故障" in faults, faults[:300]
