"""Diagnosis knowledge: HTTP status texts, fault packs, the matcher, error grouping, CLI."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.cli import build_parser, main
from ostui.core.diagnosis.knowledge import (
    DEFAULT_USER_DIR,
    FaultMatcher,
    FaultPack,
    _literal_prefix,
    error_shape,
    error_signature,
    explain_status,
    known_statuses,
    load_faults,
    mask_variables,
    parse_fault,
    pick_lang,
    summarize_faults,
)
from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.model import HttpInfo, Record
from ostui.core.parsing.tracebacks import parse_traceback
from ostui.core.reading.discovery import discover

from .conftest import REAL, SEED

SEED_CODES = {100, 101, *range(200, 207), *range(300, 306), 307, *range(400, 418), *range(500, 506)}
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
IPV4_RE = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


@cache
def shipped() -> FaultPack:
    return load_faults(None)


@cache
def shipped_matcher() -> FaultMatcher:
    return FaultMatcher(shipped())


@pytest.fixture
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own ~/.config/ostui packs out, and give rich a wide console."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("COLUMNS", "200")


def words(text: str) -> str:
    return " ".join(text.split())


# --- HTTP statuses -----------------------------------------------------------------


def test_every_listed_status_is_there() -> None:
    codes = set(known_statuses())
    assert codes >= SEED_CODES
    assert codes >= {409, 413, 422, 429, 503}


@pytest.mark.parametrize("code", known_statuses())
def test_every_status_has_english_and_chinese_text(code: int) -> None:
    en = explain_status(code, "en")
    zh = explain_status(code, "zh")
    assert en is not None and zh is not None
    for ex in (en, zh):
        assert ex.code == code and ex.name and ex.meaning and ex.first_step and ex.family
    assert en.lang == "en" and zh.lang == "zh"
    assert CJK_RE.search(zh.name) and CJK_RE.search(zh.meaning) and CJK_RE.search(zh.first_step)
    assert not CJK_RE.search(en.meaning + en.first_step)
    assert en.family.startswith(f"{code // 100}xx")


def test_openstack_meanings() -> None:
    def meaning(code: int) -> str:
        ex = explain_status(code)
        assert ex is not None
        return ex.meaning

    assert "keystonemiddleware" in meaning(401) and "policy" in meaning(403).lower()
    assert "task_state" in meaning(409) and "Rate limited" in meaning(429)
    assert "HAProxy" in meaning(503) and "Keystone" in meaning(503)
    assert "proxy" in meaning(502).lower() and "proxy" in meaning(504).lower()
    assert "version" in meaning(300).lower() and "queued" in meaning(202)


def test_unknown_code_falls_back_to_its_class() -> None:
    ex = explain_status(418)
    assert ex is not None
    assert ex.code == 418 and ex.name == "4xx client error" and ex.family == "4xx client error"
    family = explain_status(419)  # no entry of its own either
    assert family is not None and family.meaning == ex.meaning
    zh = explain_status(418, "zh_CN")
    assert zh is not None and zh.lang == "zh" and zh.name == "4xx 客户端错误"
    server = explain_status(599)
    assert server is not None and server.name == "5xx server error"
    assert explain_status(99) is None and explain_status(600) is None and explain_status(-1) is None


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("zh", {}, "zh"),
        ("zh_CN", {"LANG": "en_US.UTF-8"}, "zh"),
        ("zh-CN", {}, "zh"),
        ("en", {"LANG": "zh_CN.UTF-8"}, "en"),
        (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
        (None, {"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        (None, {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins
        (None, {"LC_ALL": "zh_CN.GB18030"}, "zh"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_pick_lang(
    explicit: str | None, env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert pick_lang(explicit) == expected


# --- shipped fault packs -------------------------------------------------------------


def test_shipped_packs_load_cleanly() -> None:
    pack = shipped()
    assert pack.errors == []
    by_pack = {info.name: info.count for info in pack.packs}
    assert by_pack == {"openstack": 44, "elastic-recheck": 60, "hotsos": 66, "field": 12}
    assert sum(by_pack.values()) >= 150
    assert len(pack) == sum(by_pack.values())
    ids = [f.id for f in pack.faults]
    assert len(ids) == len(set(ids))
    for fault in pack.faults:
        assert fault.title and fault.cause and fault.fix and fault.example, fault.id
        assert all(o in ids for o in fault.overlaps), fault.id


def test_elastic_recheck_attribution_is_kept() -> None:
    info = shipped().pack_info("elastic-recheck")
    assert info is not None
    assert "elastic-recheck" in info.attribution and "Apache License" in info.attribution
    assert "OpenStack Foundation" in info.attribution
    text = (Path(__file__).parents[1] / "ostui" / "data" / "faults" / "elastic-recheck.toml").read_text()
    head = text.split("\n[[fault]]", 1)[0]
    comments = " ".join(line[1:].strip() for line in head.splitlines() if line.startswith("#"))
    assert "Apache License, Version 2.0" in comments and "elastic-recheck" in comments


@pytest.mark.parametrize("fault_id", [f.id for f in shipped().faults])
def test_example_matches_its_entry_and_only_declared_overlaps(fault_id: str) -> None:
    fault = shipped().get(fault_id)
    assert fault is not None
    hits = {m.fault.id for m in shipped_matcher().match_text(fault.example)}
    assert fault_id in hits
    assert hits - {fault_id} <= set(fault.overlaps)
    # Every overlap listed is real, so the lists do not rot.
    assert set(fault.overlaps) <= hits


# --- the seed case ------------------------------------------------------------------


def _seed_error_record() -> Record:
    lf = LogFile(SEED / "nova-api.log", "controller", "nova", "nova-api.log")
    open_files([lf])
    assert lf.index is not None
    errors = [i for i, level in enumerate(lf.index.levels) if level >= Level.ERROR]
    assert len(errors) == 1
    return parse_record(lf.index, errors[0])


def test_seed_case_end_to_end() -> None:
    rec = _seed_error_record()
    matches = shipped_matcher().match(rec)
    ids = [m.fault.id for m in matches]
    assert ids[0] == "glanceclient-attributeerror-id"
    assert "er-1476770" in ids
    best = matches[0]
    highlighted = [rec.text[a:b] for a, b in best.spans]
    assert any("AttributeError: id" in t for t in highlighted)
    assert any("_translate_from_glance" in t for t in highlighted)
    assert "AttributeError" in best.why
    fix = best.fault.fix
    assert any(re.search(r"(?i)\brestart\b", step) and "nova-api" in step for step in fix)
    for step in fix:
        # Restarting glance is the blog's half-right fix: it may be mentioned only as what does not help.
        if re.search(r"(?i)restart\w*\s+(?:the\s+)?(?:openstack-)?glance", step):
            assert "not" in step
    text = " ".join(fix)
    assert "1.1.0" in text and "urllib3 < 1.11" in text and "requests < 2.8.0" in text
    assert "urllib3" in best.fault.cause


def test_seed_signature_is_the_exception_and_its_message() -> None:
    rec = _seed_error_record()
    assert error_signature(rec) == "AttributeError: id"
    # The exception is bare: its module is the innermost OpenStack frame's.
    assert error_shape(rec).module == "glanceclient.openstack.common.apiclient.base"


# --- user packs and load errors --------------------------------------------------------

GOOD = """
[[fault]]
id = "site-disk-full"
title = "Our NFS share is full"
cause = "The shared instances NFS export ran out of space."
fix = ["Clean up the export."]
example = "OSError: [Errno 28] No space left on device: '/var/lib/nova/instances/x'"

[fault.match]
all = ["No space left on device", "/var/lib/nova/instances"]
"""

MIXED = """name = "site"

[[fault]]
id = "site-first"
title = "First good entry"
fix = ["Do the first thing."]

[fault.match]
any = ["site marker one"]

[[fault]]
id = "site-broken"
title = "Broken entry: its regex does not compile"
fix = ["never loaded"]

[fault.match]
regex = ["unclosed (group"]

[[fault]]
title = "No id at all"

[fault.match]
any = ["whatever"]

[[fault]]
id = "site-second"
title = "Second good entry"

[fault.match]
any = ["site marker two"]

[[fault]]
id = "novalidhost"
title = "Local wording of NoValidHost"
fix = ["Call the capacity team."]

[fault.match]
any = ["No valid host was found"]
"""

BAD_TOML = """[[fault]]
id = "site-bad"
title = "unterminated
"""


def test_broken_user_files_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "a-good.toml").write_text(GOOD)
    (tmp_path / "b-bad.toml").write_text(BAD_TOML)
    (tmp_path / "c-mixed.toml").write_text(MIXED)
    (tmp_path / "notes.txt").write_text("not a pack")
    pack = load_faults(tmp_path)
    errors = pack.errors
    bad = [e for e in errors if "b-bad.toml" in e]
    assert len(bad) == 1 and "line 3" in bad[0] and "b-bad.toml:3:" in bad[0]
    broken = [e for e in errors if "site-broken" in e]
    assert len(broken) == 1 and "c-mixed.toml:11:" in broken[0] and "regex" in broken[0]
    no_id = [e for e in errors if "#3" in e]
    assert len(no_id) == 1 and "c-mixed.toml:19:" in no_id[0] and "'id'" in no_id[0]
    assert len(errors) == 3
    # Everything else still loads: the shipped packs, the good user entries, the override.
    assert pack.get("site-disk-full") and pack.get("site-first") and pack.get("site-second")
    assert pack.get("site-broken") is None
    assert len(pack) == len(shipped()) + 3
    override = pack.get("novalidhost")
    assert override is not None and override.fix == ["Call the capacity team."] and override.pack == "site"
    assert override.priority == 0
    good = pack.get("site-disk-full")
    assert good is not None and good.line == 2
    ids = [m.fault.id for m in FaultMatcher(pack).match_text(good.example)]
    assert ids[0] == "site-disk-full"  # user entries rank first


@pytest.mark.usefixtures("isolated")
def test_user_dir_follows_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faults_d = tmp_path / "ostui" / "faults.d"
    faults_d.mkdir(parents=True)
    (faults_d / "site.toml").write_text(GOOD)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_faults().get("site-disk-full") is not None
    assert load_faults(DEFAULT_USER_DIR).get("site-disk-full") is not None
    assert load_faults(None).get("site-disk-full") is None


def test_semantic_checks() -> None:
    with pytest.raises(ValueError, match="match"):
        parse_fault({"id": "x", "title": "t"})
    with pytest.raises(ValueError, match="at least one"):
        parse_fault({"id": "x", "title": "t", "match": {"logger": ["nova"]}})
    with pytest.raises(ValueError, match="http_status"):
        parse_fault({"id": "x", "title": "t", "match": {"any": ["a"], "http_status": 42}})
    with pytest.raises(ValueError, match="empty string"):
        parse_fault({"id": "x", "title": "t", "match": {"any": [""]}})
    with pytest.raises(ValueError, match="id"):
        parse_fault({"id": "Has Spaces", "title": "t", "match": {"any": ["a"]}})
    fault, notes = parse_fault({"id": "x", "title": "t", "match": {"any": ["a"]}, "fixes": ["typo"]})
    assert fault.id == "x" and notes == ["unknown key 'fixes' ignored"]


# --- matcher semantics -------------------------------------------------------------------


def _record(text: str, **kw: object) -> Record:
    lines = text.split("\n")
    rec = Record(
        source=str(kw.pop("source", "")),
        index=0,
        offset=0,
        level=Level.ERROR,
        text=text,
        message=lines[0],
        body=lines[1:],
    )
    for key, value in kw.items():
        setattr(rec, key, value)
    rec.traceback = parse_traceback(lines)
    return rec


def test_conditions_combine() -> None:
    fault, _ = parse_fault(
        {
            "id": "combo",
            "title": "combo",
            "match": {
                "all": ["boom"],
                "any": ["alpha", "beta"],
                "none": ["ignore me"],
                "exception": "ValueError",
                "logger": ["nova.compute"],
                "service": ["nova-compute"],
                "http_status": 500,
            },
        }
    )
    m = FaultMatcher([fault])
    tb = 'boom beta\nTraceback (most recent call last):\n  File "x.py", line 1, in f\nValueError: bad'
    assert m.match(_record(tb, logger="nova.compute.manager", source="/var/log/nova/nova-compute.log"))
    assert not m.match(_record(tb, logger="neutron.agent"))
    assert not m.match(_record(tb, source="/var/log/nova/nova-api.log"))
    assert not m.match(_record(tb, http=HttpInfo(status=404)))
    assert m.match(_record(tb, http=HttpInfo(status=500)))
    assert not m.match(_record(tb + "\nignore me"))
    assert not m.match(_record(tb.replace("beta", "gamma")))
    assert not m.match(_record(tb.replace("ValueError", "KeyError")))
    assert m.match_text("boom alpha oslo.exceptions.ValueError_Remote: x")


def test_regex_with_groups_bypasses_prefilter() -> None:
    fault, _ = parse_fault({"id": "rep", "title": "repeat", "match": {"regex": [r"(ab)\1"]}})
    other, _ = parse_fault({"id": "lit", "title": "literal", "match": {"any": ["zzz"]}})
    m = FaultMatcher([fault, other])
    assert [x.fault.id for x in m.match_text("xxababyy")] == ["rep"]
    assert m.match_text("xxabyy") == []


def test_inline_flags_work_inside_the_prefilter() -> None:
    fault, _ = parse_fault({"id": "ci", "title": "case", "match": {"regex": ["(?i)disk full"]}})
    assert FaultMatcher([fault]).match_text("DISK FULL on /dev/sdb")


def test_records_no_fault_explains_are_rejected() -> None:
    assert shipped_matcher().match_text("INFO everything is fine, 42 requests served") == []


# --- summaries -------------------------------------------------------------------------------


def _indexed(root: Path) -> list[LogFile]:
    files = open_files(files_from_tree(discover(root)))
    assert files
    return files


@pytest.mark.parametrize("name", ["osp6-live-migration", "ubuntu-ussuri"])
def test_summarize_real_logs(name: str) -> None:
    files = _indexed(REAL / name)
    severe = sum(1 for lf in files if lf.index for level in lf.index.levels if level >= Level.ERROR)
    summary = summarize_faults(files, shipped_matcher())
    assert summary.severe == severe > 0
    groups = summary.known + summary.watching + summary.unknown
    assert sum(g.count for g in groups) == summary.records
    assert sum(g.severe for g in groups) == severe
    assert summary.known
    assert any(g.key == "amqp-unreachable" for g in summary.known)
    for group in summary.unknown:
        assert not UUID_RE.search(group.key) and not IPV4_RE.search(group.key)
    by_path = {str(lf.path): lf for lf in files}
    for group in summary.known + summary.unknown:
        assert group.nodes and group.components and group.newest is not None
        path, record = group.newest
        idx = by_path[path].index
        floor = group.fault.level if group.fault is not None else Level.ERROR
        assert idx is not None and idx.levels[record] >= floor
        if group.first_seen and group.last_seen:
            assert group.first_seen <= group.last_seen


def test_summary_groups_amqp_errors_across_nodes() -> None:
    summary = summarize_faults(_indexed(REAL / "osp6-live-migration"), shipped_matcher())
    amqp = next(g for g in summary.known if g.key == "amqp-unreachable")
    assert amqp.nodes == {"hp-ms-01-c29", "hp-ms-01-c30"} and amqp.components == {"nova", "neutron"}


def test_mask_variables() -> None:
    masked = mask_variables(
        "AMQP server on 10.12.27.29:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 3 seconds."
    )
    expected = "AMQP server on <ip> is unreachable: [Errno 111] ECONNREFUSED. Trying again in <n> seconds."
    assert masked == expected
    masked = mask_variables(
        "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 instance 3b3f8c21-6d4e-4f5a-9b0c-1d2e3f4a5b6c at "
        "/var/lib/nova/instances/x at 2015-10-29 10:51:49.064 id 03384abb3c864c6bb55b09d33371beb4 ptr 0x7f4a"
    )
    assert masked == "<req> instance <uuid> at <path> at <time> id <hex> ptr <hex>"


# --- CLI --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated")
def test_cli_explain_zh(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "500", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "500" in out and "服务器内部错误" in out and "含义" in out


@pytest.mark.usefixtures("isolated")
def test_cli_explain_fallback_fault_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "418", "--lang", "en"]) == 0
    assert "4xx client error" in capsys.readouterr().out
    assert main(["explain", "glanceclient-attributeerror-id"]) == 0
    out = words(capsys.readouterr().out)
    assert "Restart nova-api" in out and "urllib3" in out
    assert main(["explain", "er-1476770"]) == 0
    assert "Apache License" in words(capsys.readouterr().out)
    assert main(["explain", "999"]) == 2
    assert main(["explain", "no-such-fault"]) == 2
    assert "neither" in capsys.readouterr().err


@pytest.mark.usefixtures("isolated")
def test_cli_faults_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faults", "--json", "--root", str(REAL / "ubuntu-ussuri")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"known", "unknown", "records"}
    keys = {"title", "count", "nodes", "components", "first_seen", "last_seen", "newest"}
    assert doc["known"] and all(keys | {"id"} <= set(item) for item in doc["known"])
    assert doc["unknown"] and all(keys | {"signature", "example"} <= set(item) for item in doc["unknown"])
    assert all(set(item["newest"]) == {"file", "record"} for item in doc["known"] + doc["unknown"])
    total = sum(item["count"] for item in doc["known"] + doc["watching"] + doc["unknown"])
    assert total == doc["records"]
    # What an operator acts on is handed over whole: cause, every step, bugs and links.
    for item in doc["known"]:
        assert {"cause", "fix", "bugs", "links", "pack", "attribution"} <= set(item)


@pytest.mark.usefixtures("isolated")
def test_cli_faults_seed_and_plain_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faults", "--json", str(SEED / "nova-api.log")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in doc["known"]] == ["glanceclient-attributeerror-id"]
    assert doc["known"][0]["newest"]["record"] == 0
    assert main(["faults", str(SEED / "nova-api.log")]) == 0
    out = capsys.readouterr().out
    assert "glanceclient-attributeerror-id" in out


def test_cli_lang_on_the_browser_parser() -> None:
    assert build_parser(None).parse_args(["--lang", "zh"]).lang == "zh"
    assert build_parser(None).parse_args([]).lang is None


# --- fuzzing --------------------------------------------------------------------------------

# Arbitrary text, biased towards the punctuation and hex that ids, paths and tracebacks are made of.
LOGGY = st.sampled_from(list("\n:/.-_ []()'\"0123456789abcdef"))
# Category names are Literal-typed, and through hypothesis's strategy decorators mypy cannot
# take a bare ("Cs",) for one: the tuple is annotated.
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
TEXT = st.text(alphabet=st.characters(blacklist_categories=SURROGATES) | LOGGY, max_size=400)
# Lines that look like traceback pieces, shuffled with arbitrary ones.
TB_LINES = st.sampled_from(
    [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 12, in spawn',
        '  File "/usr/lib/python3.8/socket.py", line 7, in create_connection',
        "    return self._do(x)",
        "oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID 1",
        "During handling of the above exception, another exception occurred:",
        "ValueError",
        "",
    ]
)
TRACEBACKY = st.lists(TB_LINES | TEXT, max_size=12).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(TEXT | TRACEBACKY, st.none() | st.text(max_size=30))
def test_error_signature_never_raises(text: str, logger: str | None) -> None:
    rec = _record(text, logger=logger)
    sig = error_signature(rec)
    assert isinstance(sig, str) and len(sig) <= 200


@settings(max_examples=200, deadline=None)
@given(TEXT | TRACEBACKY)
def test_match_text_never_raises(text: str) -> None:
    for hit in shipped_matcher().match_text(text):
        assert all(0 <= a < b <= len(text) for a, b in hit.spans)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_literal_prefix_of_an_escaped_string_is_the_string(text: str) -> None:
    assert _literal_prefix(re.escape(text)) == (text, "")
