"""The shipped packs: hotsos-derived and field faults, repetition rules, versions, hand-over."""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.diagnosis.knowledge import (
    Fault,
    FaultMatcher,
    FaultPack,
    FixedVersion,
    Installed,
    compare_versions,
    find_installed,
    load_faults,
    parse_package_list,
    summarize_faults,
)
from ostui.core.indexing.logset import LogFile, open_files

from .conftest import DATA

CJK_RE = re.compile(r"[\u4e00-\u9fff]")
LP1979089 = DATA / "faults" / "neutron-l3-agent-lp1979089.log"
NEW_PACKS = ("hotsos", "field")


@cache
def shipped() -> FaultPack:
    return load_faults(None)


@cache
def matcher() -> FaultMatcher:
    return FaultMatcher(shipped())


def new_faults() -> list[Fault]:
    return [f for f in shipped().faults if f.pack in NEW_PACKS]


@pytest.fixture
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("COLUMNS", "80")  # narrow on purpose: piped output must not wrap


def test_at_least_150_shipped_faults_each_with_a_test_line() -> None:
    faults = shipped().faults
    assert len(faults) >= 150
    assert all(f.example for f in faults)
    assert len([f for f in faults if f.pack == "hotsos"]) >= 60


@pytest.mark.parametrize("fault", new_faults(), ids=lambda f: f.id)
def test_new_fault_matches_its_line_and_not_its_near_misses(fault: Fault) -> None:
    assert fault.id in {m.fault.id for m in matcher().match_text(fault.example)}
    assert fault.near_misses, "every new fault needs a line that must not match"
    for line in fault.near_misses:
        assert fault.id not in {m.fault.id for m in matcher().match_text(line)}, line


@pytest.mark.parametrize("fault", new_faults(), ids=lambda f: f.id)
def test_new_fault_is_written_in_english_and_chinese(fault: Fault) -> None:
    title, cause, fix = fault.text("zh")
    assert CJK_RE.search(title) and CJK_RE.search(cause) and all(CJK_RE.search(s) for s in fix)
    assert len(fault.fix_zh) == len(fault.fix) >= 1
    assert not CJK_RE.search(fault.title + fault.cause + " ".join(fault.fix))
    # A bug id comes with its link, so the operator can open it.
    for bug in fault.bugs:
        number = re.sub(r"\D", "", bug)
        assert any(number in re.sub(r"\D", "", link) for link in fault.links), bug


def test_hotsos_pack_keeps_its_attribution() -> None:
    info = shipped().pack_info("hotsos")
    assert info is not None and "canonical/hotsos" in info.attribution and "Apache" in info.attribution


# --- repetition rules ---------------------------------------------------------------------


def _summary(path: Path) -> tuple[list[str], list[str], list[str]]:
    lf = LogFile(path, "net1", "neutron", "neutron-l3-agent")
    open_files([lf])
    summary = summarize_faults([lf], matcher())
    return [g.key for g in summary.known], [g.key for g in summary.watching], [g.key for g in summary.unknown]


def test_repetition_rule_fires_at_n_and_not_at_n_minus_one(tmp_path: Path) -> None:
    rule = shipped().get("hotsos-lp1979089-l3-namespace-respawn")
    assert rule is not None and rule.repeat is not None and rule.repeat.count == 10
    lines = LP1979089.read_text().splitlines(keepends=True)
    assert len(lines) == 10
    full = tmp_path / "at-n" / "neutron-l3-agent.log"
    full.parent.mkdir()
    shutil.copy(LP1979089, full)
    known, watching, unknown = _summary(full)
    assert known == ["hotsos-lp1979089-l3-namespace-respawn"] and not watching and not unknown

    short = tmp_path / "n-minus-one" / "neutron-l3-agent.log"
    short.parent.mkdir()
    short.write_text("".join(lines[:-1]))
    known, watching, unknown = _summary(short)
    # Nine is below the rule: the fault is watched, not reported, and the lines are not lost.
    assert not known and watching == ["hotsos-lp1979089-l3-namespace-respawn"] and not unknown


def test_repetition_rule_needs_its_window(tmp_path: Path) -> None:
    # The same ten lines spread over ten hours: never ten within one hour.
    lines = LP1979089.read_text().splitlines(keepends=True)
    spread = [re.sub(r"06:2(\d):\d\d", f"{10 + n}:00:00", line, count=1) for n, line in enumerate(lines)]
    path = tmp_path / "neutron-l3-agent.log"
    path.write_text("".join(spread))
    known, watching, _unknown = _summary(path)
    assert not known and watching == ["hotsos-lp1979089-l3-namespace-respawn"]


# --- versions from the archive ----------------------------------------------------------


def test_package_lists_and_version_order() -> None:
    packages = parse_package_list(
        "ii  python3-openvswitch 2.17.0-0ubuntu1 amd64 Python bindings\n"
        "ii  neutron-common:all 2:16.4.2-0ubuntu6.2 all Neutron\n"
        "python3-neutron-16.0.1-1.el8.noarch                  Tue 01 Mar 2022\n"
        "oslo.privsep==2.1.1\n"
    )
    assert packages == {
        "python3-openvswitch": "2.17.0-0ubuntu1",
        "neutron-common": "2:16.4.2-0ubuntu6.2",
        "python3-neutron": "16.0.1-1.el8",
        "oslo.privsep": "2.1.1",
    }
    assert compare_versions("2.17.0-0ubuntu1", "2.17.2") < 0
    assert compare_versions("2.17.2-0ubuntu0.22.04.1", "2.17.2") > 0
    assert compare_versions("2.17.2~rc1", "2.17.2") < 0
    assert compare_versions("1:1.0", "2.0") > 0
    assert compare_versions("20.03.2-0ubuntu0.20.04.3", "20.12.0") < 0


@pytest.mark.parametrize(("version", "affected"), [("2.17.0-0ubuntu1", True), ("2.17.2-0ubuntu1", False)])
def test_fault_says_whether_the_installed_version_is_affected(
    tmp_path: Path, version: str, affected: bool
) -> None:
    fault = shipped().get("hotsos-lp1980211-ovsdb-ssl-reconnect")
    assert fault is not None
    # The example is a traceback line of oslo.log: the record starts at its head line.
    logger = "neutron.plugins.ml2.drivers.ovn.mech_driver.ovsdb.impl_idl_ovn"
    head = f"2024-03-15 00:01:55.759 5331 ERROR {logger} [-] Unexpected exception in reconnect\n"
    line = head + fault.example + "\n"
    log = tmp_path / "var" / "log" / "neutron" / "neutron-ovn-metadata-agent.log"
    log.parent.mkdir(parents=True)
    log.write_text(line)
    dpkg = tmp_path / "sos_commands" / "dpkg" / "dpkg_-l"
    dpkg.parent.mkdir(parents=True)
    dpkg.write_text(f"ii  python3-openvswitch {version} amd64 Python bindings for Open vSwitch\n")
    lf = LogFile(log, "compute1", "neutron", "neutron-ovn-metadata-agent")
    open_files([lf])
    installed = find_installed([tmp_path])
    assert installed.sources == [str(dpkg)]
    summary = summarize_faults([lf], matcher(), installed)
    (group,) = summary.known
    assert group.key == "hotsos-lp1980211-ovsdb-ssl-reconnect"
    assert group.versions == [
        {"package": "python3-openvswitch", "installed": version, "fixed_in": "2.17.2", "affected": affected}
    ]


def test_installed_ignores_packages_it_was_not_told_about() -> None:
    assert Installed({"nova-common": "2:21.0"}).check([FixedVersion("neutron-common", "2:16.4.2")]) == []


# --- handed over whole ---------------------------------------------------------------------


@pytest.mark.usefixtures("isolated")
def test_cli_faults_json_carries_bug_ids_links_and_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = tmp_path / "net1" / "var" / "log" / "neutron"
    node.mkdir(parents=True)
    shutil.copy(LP1979089, node / "neutron-l3-agent.log")
    assert main(["faults", "--json", "--root", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    (item,) = doc["known"]
    assert item["id"] == "hotsos-lp1979089-l3-namespace-respawn" and item["count"] == 10
    assert item["bugs"] == ["LP#1979089"] and item["links"] == ["https://bugs.launchpad.net/bugs/1979089"]
    assert item["pack"] == "hotsos" and "canonical/hotsos" in item["attribution"]
    assert len(item["fix"]) == 2 and item["cause"]
    assert item["repeat"]["count"] == 10 and "reached on" in item["repeat_note"]


@pytest.mark.usefixtures("isolated")
def test_cli_faults_plain_prints_every_step_and_link_unwrapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = tmp_path / "net1" / "var" / "log" / "neutron"
    node.mkdir(parents=True)
    shutil.copy(LP1979089, node / "neutron-l3-agent.log")
    assert main(["faults", "--root", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    fault = shipped().get("hotsos-lp1979089-l3-namespace-respawn")
    assert fault is not None
    for n, step in enumerate(fault.fix, 1):
        # Each step whole on one line, although it is longer than the 80 columns of COLUMNS.
        assert any(line.strip() == f"{n}. {step}" for line in lines), step
    assert any(len(line) > 80 for line in lines)
    assert any("https://bugs.launchpad.net/bugs/1979089" in line for line in lines)


@pytest.mark.usefixtures("isolated")
def test_cli_explain_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "409", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "冲突" in out and "含义" in out
    assert main(["explain", "hotsos-lp1979089-l3-namespace-respawn", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "neutron l3-agent 不断为已删除的路由重启 haproxy" in out
    assert "原因" in out and "处理步骤" in out and "ip netns add" in out
    assert main(["explain", "field-ceph-client-keyring", "--lang", "zh", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["lang"] == "zh" and CJK_RE.search(doc["title"]) and CJK_RE.search(doc["cause"])


@pytest.mark.usefixtures("isolated")
def test_cli_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "503", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["code"] == 503 and doc["meaning"]
    assert main(["explain", "hotsos-lp1980211-ovsdb-ssl-reconnect", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["bugs"] == ["LP#1980211"] and doc["fixed_in"] == [
        {"package": "python3-openvswitch", "version": "2.17.2"}
    ]


def test_indexing_never_flags_a_fault_that_needs_repetition(tmp_path: Path) -> None:
    # One record cannot tell whether a rule of "10 within 1 h" is met: only the summary can.
    from ostui.core.diagnosis.faultscan import flag_faults

    lf = LogFile(LP1979089, "net1", "neutron", "neutron-l3-agent")
    open_files([lf])
    assert flag_faults(lf, matcher()) == 0 and not lf.faults


@pytest.mark.parametrize("fault", shipped().faults, ids=lambda f: f.id)
def test_every_shipped_fault_has_its_chinese_text(fault: Fault) -> None:
    title, cause, fix = fault.text("zh")
    assert fault.title_zh and CJK_RE.search(title) and CJK_RE.search(cause)
    assert len(fault.fix_zh) == len(fault.fix) and all(CJK_RE.search(step) for step in fix)
