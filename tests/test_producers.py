"""Producers inside files: envelopes split per line, formats sniffed per producer, nothing
dropped. Oracles here are written independently of the engine: plain Python line loops."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.indexing import producers
from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile, expand_producers
from ostui.core.indexing.producers import FileSplit
from ostui.core.indexing.records import parse_record
from ostui.core.parsing.envelopes import PEBBLE, sniff_envelope
from ostui.core.reading.source import FileSource, MemorySource

DATA = Path(__file__).parent / "data"
MIXED = DATA / "mixed-producers"
WRAPPED = DATA / "producers"
SYSLOG = DATA / "real/ubuntu-ussuri/var/log/syslog"


def streams(path: Path) -> list[LogFile]:
    files = expand_producers([LogFile(path, "node", "comp", path.name)])
    for lf in files:
        lf.open()
        lf.build()
    return files


def by_producer(path: Path) -> dict[str | None, LogFile]:
    return {lf.producer: lf for lf in streams(path)}


def file_lines(path: Path) -> int:
    """Lines of a file; a line a container runtime split (CRI `P`) counts once."""
    data = path.read_bytes()
    partial = len(re.findall(rb"(?m)^\S+ (?:stdout|stderr) P ", data))
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1) - partial


# -- the wrapped fixtures: the same records as the bare file ---------------------------


def test_wrapped_fixtures_are_built_by_their_script() -> None:
    sys.path.insert(0, str(WRAPPED))
    try:
        import make_wrapped  # type: ignore[import-not-found]  # the fixture's own script
    finally:
        sys.path.pop(0)
    for name, text in make_wrapped.build().items():
        assert (WRAPPED / name).read_text(encoding="utf-8") == text, name


@pytest.mark.parametrize("name", ["pebble.log", "cri.log", "docker.log"])
def test_a_wrapped_log_gives_the_bare_logs_records(name: str) -> None:
    bare = FileIndex(FileSource(WRAPPED / "nova-compute.payload.log"))
    bare.update()
    found = streams(WRAPPED / name)
    (service,) = [lf for lf in found if lf.producer in ("nova-compute", None) and lf.index and len(lf.index)]
    idx = service.index
    assert idx is not None
    assert bytes(idx.levels) == bytes(bare.levels)
    assert idx.tracebacks == bare.tracebacks == 11
    assert idx.request_ids == bare.request_ids
    # Tracebacks are joined into their record even with pebble's lines between their lines.
    errors = [
        i
        for i, level in enumerate(bare.levels)
        if level == bare.levels[max(range(len(bare)), key=lambda j: bare.levels[j])]
    ]
    for i in errors:
        mine, theirs = parse_record(idx, i), parse_record(bare, i)
        assert mine.message == theirs.message
        assert (mine.traceback is None) == (theirs.traceback is None)
        if theirs.traceback is not None:
            assert mine.traceback is not None
            assert mine.traceback.exc_type == theirs.traceback.exc_type
            assert len(mine.traceback.frames) == len(theirs.traceback.frames)
            assert "[pebble]" not in mine.text


def test_pebble_lines_inside_a_traceback_are_pebbles() -> None:
    found = by_producer(WRAPPED / "pebble.log")
    assert set(found) == {"nova-compute", "pebble"}
    pebble = found["pebble"].index
    assert pebble is not None and len(pebble) == 800 // 7
    assert found["nova-compute"].component == "nova"


def test_a_wrapped_record_knows_its_producer_and_envelope_time() -> None:
    idx = by_producer(WRAPPED / "pebble.log")["pebble"].index
    assert idx is not None
    rec = parse_record(idx, 0)
    assert rec.extra.get("producer") == "pebble"
    assert rec.timestamp is not None and rec.timestamp.year == 2022


# -- real files: per-producer counts against line-by-line oracles -----------------------

ENVELOPED_FILES = [*sorted(MIXED.iterdir()), SYSLOG, WRAPPED / "pebble.log", WRAPPED / "cri.log"]


@pytest.mark.parametrize("path", ENVELOPED_FILES, ids=lambda p: p.name)
def test_every_line_is_in_exactly_one_producer(path: Path) -> None:
    found = streams(path)
    assert sum(lf.index.lines for lf in found if lf.index is not None) == file_lines(path)
    assert all(lf.error is None for lf in found)


def _pebble_oracle(path: Path) -> Counter[str]:
    tag = re.compile(r"^\S+Z \[([^\]]+)\] ")
    return Counter(m.group(1) for line in path.read_text().splitlines() if (m := tag.match(line)))


def test_sunbeam_pod_log_producers() -> None:
    path = MIXED / "sunbeam-pebble.excerpt.log"
    found = by_producer(path)
    assert {k: lf.index.lines for k, lf in found.items() if lf.index} == dict(_pebble_oracle(path))
    assert found["wsgi-cinder-api"].component == "cinder"
    assert found["wsgi-cinder-api"].index.level_counts() == {"INFO": 6}  # type: ignore[union-attr]


def _merger_oracle(path: Path) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Lines per alias (indented lines go with the alias above), and oslo records per level."""
    head = re.compile(
        r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) \[(\w+)\] (.*)"
    )
    oslo = re.compile(r"^(?:\d+ )?(TRACE|DEBUG|INFO|AUDIT|WARNING|ERROR|CRITICAL) \S+ \[(?!instance: )")
    lines: Counter[str] = Counter()
    levels: dict[str, Counter[str]] = {}
    alias = ""
    for line in path.read_text().splitlines():
        m = head.match(line)
        if m:
            alias = m.group(1)
            o = oslo.match(m.group(2))
            if o:
                levels.setdefault(alias, Counter())[o.group(1)] += 1
        lines[alias] += 1
    return lines, levels


@pytest.mark.parametrize(
    "name", ["os-log-merger-mergedlogs-compute.log", "os-log-merger-var-log-messages-mixed.log"]
)
def test_merged_file_producers(name: str) -> None:
    path = MIXED / name
    found = by_producer(path)
    lines, levels = _merger_oracle(path)
    assert {k: lf.index.lines for k, lf in found.items() if lf.index and lf.index.lines} == dict(lines)
    for alias, counts in levels.items():
        idx = found[alias].index
        assert idx is not None
        got = idx.level_counts()
        assert {k: got.get(k, 0) for k in counts} == dict(counts), alias


def test_syslog_splits_openstack_programs_only() -> None:
    program = re.compile(r"^\w{3} [ \d]\d [\d:]+ \S+ ([^\s\[:]+)(?:\[\d+\])?: (.*)")
    per_program: Counter[str] = Counter()
    oslo_levels: Counter[str] = Counter()
    for line in SYSLOG.read_text().splitlines():
        m = program.match(line)
        if m:
            per_program[m.group(1)] += 1
            if m.group(1) == "neutron-keepalived-state-change":
                level = re.match(r"\S+ \S+ \d+ (\w+) ", m.group(2))
                if level:
                    oslo_levels[level.group(1)] += 1
    found = by_producer(SYSLOG)
    keepalived = found["neutron-keepalived-state-change"].index
    assert keepalived is not None
    assert keepalived.lines == per_program["neutron-keepalived-state-change"]
    assert keepalived.level_counts() == dict(oslo_levels)
    assert found["neutron-keepalived-state-change"].component == "neutron"
    assert "kernel" not in found and "systemd" not in found  # not OpenStack's: they stay in the syslog stream
    rest = found[None].index
    assert rest is not None and rest.format.name == "syslog"


def test_klog_levels() -> None:
    path = MIXED / "kubectl-logs-openstack-cloud-controller-manager"
    letters = Counter(line[0] for line in path.read_text().splitlines() if re.match(r"[IWEF]\d{4} ", line))
    (lf,) = streams(path)
    assert lf.index is not None and lf.index.format.name == "klog"
    names = {"I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}
    assert lf.index.level_counts() == {names[k]: n for k, n in letters.items()}


def test_cri_klog_and_mod_wsgi_oslo() -> None:
    (cri,) = streams(MIXED / "crio-openshift.excerpt.log")
    assert cri.index is not None and cri.index.format.name == "cri+klog"
    assert cri.index.level_counts() == {"INFO": 5}
    (wsgi,) = streams(MIXED / "apache-wsgi-octavia.excerpt.log")
    assert wsgi.index is not None and wsgi.index.format.name == "mod_wsgi+oslo"
    # One oslo ERROR record; mod_wsgi's own two lines continue it.
    assert len(wsgi.index) == 1 and wsgi.index.level_counts() == {"ERROR": 1}


def test_scan_json_lists_producers_per_file() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ostui", "scan", "--json", str(WRAPPED / "pebble.log")],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout)
    (entry,) = doc["files"]
    assert entry["format"] == "pebble"
    assert {p["producer"]: p["lines"] for p in entry["producers"]} == {"nova-compute": 800, "pebble": 114}
    assert entry["lines"] == doc["totals"]["lines"] == file_lines(WRAPPED / "pebble.log")
    assert doc["totals"]["producers"] == 2


# -- the split itself: any interleaving, any block size -----------------------------------

_TAGS = ["nova-api", "pebble", "keystone"]
line_st = st.text(alphabet="abc xyz[]:-", max_size=30)
record_st = st.tuples(st.sampled_from(_TAGS), st.lists(line_st, min_size=1, max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.lists(record_st, min_size=1, max_size=40), st.sampled_from([16, 64, 1 << 20]), st.booleans())
def test_split_keeps_each_producers_lines(
    records: list[tuple[str, list[str]]], block: int, unwrapped_head: bool
) -> None:
    """Each producer's payload is exactly its enveloped lines and the unenveloped lines
    after them, whatever the block boundaries; the file's own stream gets the rest."""
    expected: dict[int, list[str]] = {n: [] for n in range(len(_TAGS) + 1)}
    lines = []
    if unwrapped_head:
        lines.append("no envelope here")
        expected[len(_TAGS)].append("no envelope here")
    for tag, parts in records:
        n = _TAGS.index(tag)
        first = f"2025-05-14T04:23:56.905Z [{tag}] {parts[0]}"
        lines.append(first)
        expected[n].append(first)
        for extra in parts[1:]:
            cont = "  " + extra  # a continued line: no envelope
            lines.append(cont)
            expected[n].append(cont)
    data = ("\n".join(lines) + "\n").encode()
    old = producers.SPLIT_BLOCK
    producers.SPLIT_BLOCK = block
    try:
        split = FileSplit(MemorySource(Path("x"), data), PEBBLE, _TAGS)
        split.advance()
    finally:
        producers.SPLIT_BLOCK = old
    for n, want in expected.items():
        source = producers.PayloadSource(split, n)
        got = source.read(0, source.size()).decode()
        assert got == "".join(line + "\n" for line in want), (n, block)


any_line_st = st.one_of(
    st.builds(lambda t, x: f"2025-05-14T04:23:56.905Z [{t}] {x}", st.sampled_from([*_TAGS, "x"]), line_st),
    line_st,  # no envelope, maybe empty
)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_line_st, min_size=1, max_size=30))
def test_the_newline_led_cutters_cut_as_the_line_start_ones(lines: list[str]) -> None:
    """The fast cutters (a literal newline first) delete exactly what `(?m)^` ones do."""
    body = ("\n".join(lines) + "\n").encode()
    slow = producers.stream_cutters(PEBBLE, _TAGS)
    fast = producers.newline_cutters(PEBBLE, _TAGS)
    for old, new in zip(slow, fast, strict=True):
        assert new.sub(b"", b"\n" + body)[1:] == old.sub(b"", body)


def test_the_envelope_is_sniffed_from_most_lines() -> None:
    sample = b"2025-05-14T04:23:56.905Z [pebble] a\n2025-05-14T04:23:57.905Z [nova-api] b\nstray\n"
    sniffed = sniff_envelope(sample)
    assert sniffed is not None and sniffed.envelope is PEBBLE
    assert sniffed.tags == ("pebble", "nova-api")
    assert (
        sniff_envelope(b"2022-02-04 09:52:20.868 [info] <0.8.0> rabbit\n") is None
    )  # a level, not a producer


def test_every_producer_of_a_followed_file_grows(tmp_path: Path) -> None:
    from ostui.session.loops import _grow_producers

    path = tmp_path / "pod.log"
    path.write_bytes(
        b"2025-05-14T04:23:56.905Z [pebble] started\n2025-05-14T04:23:57.000Z [nova-api] " * 1 + b"up\n"
    )
    found = streams(path)
    assert {lf.producer for lf in found} == {"pebble", "nova-api"}
    with path.open("ab") as fh:
        fh.write(
            b"2025-05-14T04:24:00.000Z [nova-api] GET /\n2025-05-14T04:24:01.000Z [pebble] GET /v1/notices\n"
        )
    changes = _grow_producers(found, set())
    assert sorted((c.file.producer, c.kind, c.records) for c in changes) == [
        ("nova-api", "grew", 1),
        ("pebble", "grew", 1),
    ]


def test_each_producer_keeps_its_own_faults_and_problems() -> None:
    """Producers of one file are flagged apart: the pebble stream has no errors, so no fault."""
    from ostui.core.diagnosis.faultscan import flag_faults
    from ostui.core.diagnosis.knowledge import FaultMatcher, load_faults

    path = (
        DATA
        / "archives/collection/sosreport-sunbeam-ctl1-2025-05-14-qkzvbra"
        / (
            "sos_commands/kubernetes/cluster-info/openstack/podlogs/nova-0/"
            "k8s_kubectl_--namespace_openstack_logs_nova-0_-c_nova-scheduler"
        )
    )
    found = by_producer(path)
    matcher = FaultMatcher(load_faults())
    for lf in found.values():
        flag_faults(lf, matcher)
    assert found["nova-scheduler"].faults, "the scheduler's AMQP errors are a known fault"
    assert found["pebble"].faults == {}
    assert found["pebble"].problems is not found["nova-scheduler"].problems


def test_more_tags_finds_every_new_producer_with_its_first_line() -> None:
    from ostui.core.parsing.envelopes import PEBBLE, more_tags

    lines = [
        b"2025-05-14T04:23:56.905Z [pebble] GET /v1/notices 200",
        b"2025-05-14T04:23:57.000Z [nova-api] 2025-05-14 04:23:57.000 21 INFO nova.api [-] up",
        b"2025-05-14T04:23:57.100Z [nova-api-wsgi] 10.0.0.1 - - GET / 200",  # a longer tag
        b"  a line in no envelope",
        b"2025-05-14T04:23:58.000Z [nova-api] again",
        b"2025-05-14T04:23:59.000Z [last] no newline after me",
    ]
    data = b"\n".join(lines)
    starts = [sum(len(x) + 1 for x in lines[:n]) for n in range(len(lines))]
    assert more_tags(PEBBLE, data, []) == [
        ("pebble", starts[0]),
        ("nova-api", starts[1]),
        ("nova-api-wsgi", starts[2]),
        ("last", starts[5]),
    ]
    later = [("nova-api-wsgi", starts[2]), ("last", starts[5])]
    assert more_tags(PEBBLE, data, ["pebble", "nova-api"]) == later
    assert more_tags(PEBBLE, data, ["pebble", "nova-api", "nova-api-wsgi", "last"]) == []


@pytest.mark.parametrize("block", [48, 64, 200, 1 << 20])  # any buffer an envelope fits in
def test_the_tag_scan_finds_every_producer_across_its_buffer(
    tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Producers first seen past the sample, with lines longer than the scan's buffer and
    a last line with no newline: every one is found, whatever the buffer's size."""
    from ostui.core.indexing import logset
    from ostui.core.parsing.envelopes import sniff_envelope

    lines = [f"2025-05-14T04:23:56.{n:03d}Z [nova-api] line {n}" for n in range(40)]
    lines[10] = "2025-05-14T04:23:57.000Z [pebble] " + "x" * 500  # longer than small buffers
    lines[11] = "  a continued line " + "[keystone] " * 30
    lines[25] = "2025-05-14T04:23:58.000Z [keystone] up"
    path = tmp_path / "pod.log"
    path.write_bytes(("\n".join(lines) + "\n2025-05-14T04:23:59.000Z [last] no newline").encode())
    sample = (lines[0] + "\n").encode()
    monkeypatch.setattr(logset, "TAG_SCAN_BLOCK", block)
    first = sniff_envelope(sample)
    assert first is not None
    sniffed, grown, own = logset._every_tag(path, first, sample)
    assert sniffed.tags == ("nova-api", "pebble", "keystone", "last")
    assert not own
    assert b"[keystone] up\n" in grown and b"[last] no newline\n" in grown


def test_the_follower_leaves_a_shared_file_to_its_producers(tmp_path: Path) -> None:
    """Followed by path, a pod log came back as a 'new generation' read whole in one
    producer's format: every record shown twice. Its producers grow through their split."""
    from ostui.core.live.follow import Follower
    from ostui.session.loops import _grow_producers

    path = tmp_path / "pod.log"
    path.write_bytes(b"2025-05-14T04:23:56.905Z [pebble] started\n2025-05-14T04:23:57.000Z [nova-api] up\n")
    found = streams(path)
    follower = Follower(found, [tmp_path], catch=False)
    try:
        with path.open("ab") as fh:
            fh.write(b"2025-05-14T04:24:00.000Z [nova-api] GET /\n")
        assert follower.poll(now=time.monotonic() + 5) == []
        assert [(c.file.producer, c.records) for c in _grow_producers(found, set())] == [("nova-api", 1)]
    finally:
        follower.close()


def test_a_replaced_shared_file_is_said_once(tmp_path: Path) -> None:
    """logrotate moves a pod log (or a split syslog) away: its successor is not re-split yet,
    so the change is said once, as a problem of the file, never in silence."""
    from ostui.session.loops import ROTATED_SHARE, _grow_producers

    path = tmp_path / "pod.log"
    path.write_bytes(b"2025-05-14T04:23:56.905Z [pebble] started\n2025-05-14T04:23:57.000Z [nova-api] up\n")
    found = streams(path)
    said: set[int] = set()
    assert _grow_producers(found, set(), said) == []
    path.rename(tmp_path / "pod.log.1")
    path.write_bytes(b"2025-05-14T05:00:00.000Z [nova-api] a new day\n")
    first = _grow_producers(found, set(), said)
    assert [(c.kind, c.note.endswith(ROTATED_SHARE)) for c in first] == [("problem", True)]
    assert ROTATED_SHARE in first[0].file.problems
    assert _grow_producers(found, set(), said) == []
