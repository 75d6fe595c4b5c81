"""The fast faults pass gives the summary the record-by-record one gave, on every tree of tests/data.

`reference_summary` is the way `summarize_faults` worked before it was made fast: every
candidate record parsed, matched once per shape of its text within its file. The fast
pass (`core/knowledge/faultpass.py`: raw shapes, classification shared across files, compact columns,
worker processes) must print the same `faults --json` document, byte for byte, in one
process and in two, and over indexes built without time keys (as `ostui faults` now builds
them, with `scan`'s parallel indexer) as over indexes that kept them.
"""

from __future__ import annotations

import os
import re
import shutil
from array import array
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import pytest

from ostui.core.diagnosis.knowledge import (
    ErrorShape,
    FaultMatcher,
    error_shape,
    load_faults,
    summarize_faults,
)
from ostui.core.diagnosis.knowledge.faultpass import CHUNK, Classifier, FileFaults, Kind, classify, join
from ostui.core.diagnosis.knowledge.matcher import _literal_prefix, _trie_pattern
from ostui.core.diagnosis.knowledge.signatures import clip, first_line
from ostui.core.diagnosis.knowledge.summary import FaultGroup, FaultSummary, _fires
from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.indexing.parallel import build_files
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.reading.discovery import discover
from ostui.core.textsafe import json_text

DATA = Path(__file__).parent / "data"
TREES = (
    "real/devstack-ci",
    "real/osp6-live-migration",
    "real/ubuntu-ussuri",
    "real/ubuntu-ussuri-rabbitmq",
    "seed",
    "faults",
    "hostile/controller",
)
FIXED_MTIME = 1780000000  # a stamp without a year takes its file's year: one for every copy


# -- the record-by-record summary, as it was --------------------------------------------
_SEVERE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)
_SHAPE = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[.,]?\d*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def _reference_candidates(lf: LogFile, matcher: FaultMatcher) -> list[int]:
    idx = lf.index
    assert idx is not None
    found = {m.start() for m in _SEVERE.finditer(idx.levels)}
    path = str(lf.path).lower()
    faults = [
        f
        for f in matcher.faults
        if f.level < Level.ERROR and (not f.match.service or any(s in path for s in f.match.service))
    ]
    triggers = [(s, "") for f in faults for s in (f.match.any or f.match.all[:1])]
    triggers += [_literal_prefix(r) for f in faults for r in f.match.regex]
    if faults and triggers:
        floor, pattern = min(f.level for f in faults), re.compile(_trie_pattern(triggers).encode())
        for pos in range(0, idx.scanned, CHUNK):
            data = idx.source.read(pos, min(CHUNK + 512, idx.scanned - pos))
            for m in pattern.finditer(data):
                i = idx.record_at(pos + m.start())
                if 0 <= i < len(idx.levels) and idx.levels[i] >= floor:
                    found.add(i)
    return sorted(found)


def reference_summary(files: Sequence[LogFile], matcher: FaultMatcher) -> FaultSummary:
    summary = FaultSummary()
    seen: list[tuple[LogFile, int, object, int, Level, tuple, ErrorShape | None, str]] = []
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        summary.files += 1
        shapes: dict[tuple, tuple] = {}
        for i in _reference_candidates(lf, matcher):
            rec = parse_record(idx, i)
            status = rec.http.status if rec.http is not None else None
            shape_key = (_SHAPE.sub("#", rec.text), rec.logger, status)
            known = shapes.get(shape_key)
            if known is None:
                faults = tuple(h.fault for h in matcher.match(rec) if rec.level >= h.fault.level)
                known = shapes[shape_key] = (faults, error_shape(rec) if rec.level >= Level.ERROR else None)
            if not known[0] and rec.level < Level.ERROR:
                continue
            example = clip(first_line(rec), 300)
            seen.append((lf, i, rec.timestamp, rec.key, rec.level, known[0], known[1], example))
    stamps: dict[tuple[str, str], list] = {}
    for lf, _i, stamp, _key, _level, faults, _shape, _ex in seen:
        for fault in faults:
            if fault.repeat is not None and stamp is not None:
                stamps.setdefault((fault.id, lf.node), []).append(stamp)
            elif fault.repeat is not None and fault.repeat.hours is None:
                stamps.setdefault((fault.id, lf.node), [])
    by_id = {f.id: f for s in seen for f in s[5]}
    fired = {p for p, t in stamps.items() if _fires(t, by_id[p[0]].repeat.count, by_id[p[0]].repeat.hours)}
    groups: tuple[dict[str, FaultGroup], dict[str, FaultGroup], dict[str, FaultGroup]] = ({}, {}, {})
    known_g, watching_g, unknown_g = groups
    for lf, i, stamp, key, level, faults, shape, example in seen:
        summary.records += 1
        summary.severe += level >= Level.ERROR
        chosen = next((f for f in faults if f.repeat is None or (f.id, lf.node) in fired), None)
        if chosen is not None:
            group = known_g.setdefault(
                chosen.id, FaultGroup(chosen.id, chosen.text("en")[0], fault=chosen, example=example)
            )
        elif faults:
            group = watching_g.setdefault(
                faults[0].id,
                FaultGroup(faults[0].id, faults[0].text("en")[0], fault=faults[0], example=example),
            )
        else:
            assert shape is not None
            group = unknown_g.setdefault(
                shape.key, FaultGroup(shape.key, shape.title, example=example, module=shape.module)
            )
        group.add(stamp, key, level, lf, i)  # type: ignore[arg-type]
    for group in [*known_g.values(), *watching_g.values()]:
        gated = group.fault
        if gated is not None and gated.repeat is not None:
            nodes = sorted(n for (fid, n) in fired if fid == gated.id)
            rule = gated.repeat.describe("en")
            group.repeat_note = (
                f"{rule}; reached on {', '.join(nodes)}"
                if nodes
                else f"{rule}; seen {group.count}, not reached"
            )
    order = lambda g: (-g.count, g.key)  # noqa: E731
    summary.known, summary.watching, summary.unknown = (sorted(g.values(), key=order) for g in groups)
    return summary


# -- the comparison -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def matcher() -> FaultMatcher:
    return FaultMatcher(load_faults(None))


def copied_files(tree: str, root: Path, times: bool) -> list[LogFile]:
    """The files of a copy of `tree` (fixed modification times), opened and indexed."""
    if not root.exists():
        shutil.copytree(DATA / tree, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        for folder, _dirs, names in os.walk(root):
            for name in names:
                os.utime(Path(folder) / name, (FIXED_MTIME, FIXED_MTIME))
    files = files_from_tree(discover(root))
    for lf in files:
        lf.open(times=times)
    if times:
        for lf in files:
            lf.build()
    else:
        build_files(files, workers=2)
    return files


def document(summary: FaultSummary) -> str:
    return json_text(summary.to_dict("en"), indent=1)


def first_difference(got: str, want: str) -> str | None:
    """The first line that differs, in words (pytest's diff of long texts takes minutes)."""
    if got == want:
        return None
    pairs = zip(got.splitlines(), want.splitlines(), strict=False)
    line, (a, b) = next(((n, p) for n, p in enumerate(pairs, 1) if p[0] != p[1]), (0, ("", "")))
    return f"line {line}: got {a.strip()!r}, want {b.strip()!r}" if line else "lengths differ"


@pytest.mark.parametrize("tree", TREES)
def test_fast_pass_prints_what_the_record_by_record_one_printed(
    tree: str, tmp_path: Path, matcher: FaultMatcher
) -> None:
    root = tmp_path / "root"
    want = document(reference_summary(copied_files(tree, root, times=True), matcher))
    assert '"records": 0' in want or '"count"' in want
    for workers in (1, 2):
        got = document(summarize_faults(copied_files(tree, root, times=True), matcher, workers=workers))
        assert first_difference(got, want) is None, f"{tree}, {workers} worker(s)"
    # `ostui faults` indexes as `scan` does, without time keys: they are read from the headers.
    got = document(summarize_faults(copied_files(tree, root, times=False), matcher, workers=2))
    assert first_difference(got, want) is None, f"{tree}, indexed without time keys"


def test_each_shape_is_parsed_once_across_files(tmp_path: Path, matcher: FaultMatcher) -> None:
    """Ten copies of one log whose records come twice (the next day): each shape is parsed
    once, in the first file only."""
    once = (DATA / "faults" / "neutron-l3-agent-ip-link.log").read_bytes()
    log = once + once.replace(b"2024-05-14 ", b"2024-05-15 ")
    for n in range(10):
        (tmp_path / f"copy{n}-neutron-l3-agent.log").write_bytes(log)
    files = [LogFile(p, "node", "neutron", p.name) for p in sorted(tmp_path.iterdir())]
    for lf in files:
        lf.open()
        lf.build()
    classifier = Classifier(matcher)
    first = classify(files[0], classifier)
    parsed = classifier.parsed
    for lf in files[1:]:
        again = classify(lf, classifier)
        assert list(again.records) == list(first.records) and again.table == first.table
    assert classifier.parsed == parsed, "copies of a file were parsed again"
    assert 2 * parsed == len(first), "a record that differs only in its stamps was parsed again"


def test_a_shape_shared_across_files_keeps_each_files_services(tmp_path: Path, matcher: FaultMatcher) -> None:
    """A fault limited to some services matches the same record in nova's log, not in keystone's."""
    line = (
        b"2024-05-14 10:00:01.100 3012 ERROR keystonemiddleware.auth_token [-] Authorization failed for "
        b"token: keystonemiddleware.auth_token._exceptions.InvalidToken: Token authorization failed\n"
    )
    files = []
    for name in ("nova-api.log", "keystone.log"):
        (tmp_path / name).write_bytes(line)
        lf = LogFile(tmp_path / name, "node", name.split(".")[0], name)
        lf.open()
        lf.build()
        files.append(lf)
    classifier = Classifier(matcher)
    nova, keystone = (classify(lf, classifier) for lf in files)

    def ids(found: FileFaults) -> list[str]:
        return [matcher.faults[n].id for n in found.table[0][0]]

    assert "hotsos-token-authorization-failed" in ids(nova)
    assert "hotsos-token-authorization-failed" not in ids(keystone), "keystone's took nova's classification"


def test_parts_of_a_big_file_join_in_order_each_record_once() -> None:
    """A record found by two parts (a fault's text in the overlap after a part's end) is kept once."""
    kind_a: Kind = ((1,), None)
    kind_b: Kind = ((), ("k", "t", "E", "m"))
    first = FileFaults(
        array("Q", [3, 9]), array("q", [30, 90]), bytearray([7, 6]), array("I", [0, 1]), [kind_a, kind_b]
    )
    second = FileFaults(
        array("Q", [9, 12]), array("q", [90, 120]), bytearray([6, 8]), array("I", [0, 1]), [kind_b, kind_a]
    )
    joined = join([first, second])
    assert list(joined.records) == [3, 9, 12]
    assert list(joined.keys) == [30, 90, 120]
    assert [joined.table[k] for k in joined.kinds] == [kind_a, kind_b, kind_a]


@pytest.mark.parametrize("tree", ["faults", "real/ubuntu-ussuri"])
def test_ostui_faults_json_prints_the_reference_document(
    tree: str, tmp_path: Path, matcher: FaultMatcher, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command (scan's parallel indexer, then the faults pass on every core) prints what the
    record-by-record summary of the same files gives."""
    from ostui.cli import main

    root = tmp_path / "root"
    reference = reference_summary(copied_files(tree, root, times=True), matcher)
    capsys.readouterr()
    assert main(["faults", "--json", "--root", str(root)]) == 0
    got = capsys.readouterr().out
    attributions = {info.name: info.attribution for info in load_faults(None).packs}
    want = json_text(reference.to_dict("en", attributions), indent=1) + "\n"
    assert first_difference(got, want) is None


def test_a_fault_counted_at_info_level_is_found_in_the_files_bytes(
    tmp_path: Path, matcher: FaultMatcher
) -> None:
    """INFO records are no candidates by level: the byte search over the file finds this one."""
    log = tmp_path / "neutron-ovn-metadata-agent.log"
    noise = b"2024-05-14 10:00:00.000 4711 INFO neutron.agent.ovn.metadata.agent [-] Port bound\n" * 50
    hit = (
        b"2024-05-14 10:00:01.100 4711 INFO neutron.agent.ovn.metadata.agent [-] There is no metadata port "
        b"for network 9d5e7b52-7f4c-4c1b-a7a3-0b1a1b3b7c22 or it has no MAC or IP addresses configured, "
        b"tearing the namespace down\n"
    )
    log.write_bytes(noise + hit + noise)
    lf = LogFile(log, "node", "neutron", log.name)
    lf.open()
    lf.build()
    summary = summarize_faults([lf], matcher)
    assert [g.key for g in summary.known] == ["hotsos-lp2017748-metadata-port-missing"]
    assert summary.known[0].newest == (str(log), 50)
    assert first_difference(document(summary), document(reference_summary([lf], matcher))) is None


def test_parts_indexed_apart_join_to_the_whole_files_classification(
    tmp_path: Path, matcher: FaultMatcher
) -> None:
    """The hook for parallel indexing: each part classified where it was indexed, the record
    cut by each part's end classified over the whole file, gives the whole file's result,
    wherever the cuts fall (inside tracebacks and command output too)."""
    from ostui.core.diagnosis.knowledge.faultpass import boundary_faults, part_faults, shifted
    from ostui.core.indexing.index import FileIndex
    from ostui.core.reading.source import FileSource, SliceSource

    # Named so that a fault counted at INFO level applies, with one such record in the middle.
    log = tmp_path / "neutron-ovn-metadata-agent.log"
    text = (DATA / "faults" / "neutron-l3-agent-ip-link.log").read_bytes()
    info = (
        b"2024-05-14 10:02:00.000 4711 INFO neutron.agent.ovn.metadata.agent [-] There is no metadata port "
        b"for network 9d5e7b52-7f4c-4c1b-a7a3-0b1a1b3b7c22 or it has no MAC or IP addresses configured, "
        b"tearing the namespace down\n"
    )
    log.write_bytes(text + info + text + (DATA / "faults" / "neutron-l3-agent-lp1979089.log").read_bytes())
    whole_file = LogFile(log, "node", "neutron", log.name)
    whole_file.open(times=False)
    whole_file.build()
    whole = whole_file.index
    assert whole is not None
    want = classify(whole_file, Classifier(matcher))
    line_starts = [0] + [n + 1 for n, byte in enumerate(log.read_bytes()[:-1]) if byte == 10]
    inner = FileSource(log)
    after_info = line_starts[text.count(b"\n") + 1]  # the INFO record ends a part
    for step in (7, 13, 29, 0):
        cuts = [0, *line_starts[step::step], whole.scanned] if step else [0, after_info, whole.scanned]
        parts, boundaries, first = [], [], 0
        for k, (a, b) in enumerate(pairwise(cuts)):
            idx = FileIndex(
                SliceSource(inner, a, b), whole.format, times=False, year=whole.year, continued=a > 0
            )
            idx.update(final=True)
            last_part = k == len(cuts) - 2
            parts.append(
                shifted(
                    part_faults(LogFile(log, "node", "neutron", log.name, index=idx), matcher, last_part),
                    first,
                )
            )
            if len(idx) and not last_part:
                boundaries.append(first + len(idx) - 1)
            first += len(idx)
        got = join([*parts, boundary_faults(whole_file, boundaries, matcher)])
        assert list(got.records) == list(want.records), f"cut every {step} lines"
        assert list(got.keys) == list(want.keys)
        assert [got.table[k] for k in got.kinds] == [want.table[k] for k in want.kinds], (
            f"cut every {step} lines"
        )
    inner.close()


def test_small_files_go_to_a_worker_together_and_big_ones_in_units(tmp_path: Path) -> None:
    from ostui.core.diagnosis.knowledge import faultpass

    small = [tmp_path / f"s{n}.log" for n in range(3)]
    for path in small:
        path.write_text("2016-06-10 21:49:22.000 1 ERROR nova.x [-] boom\n")
    files = open_files([LogFile(p, "n", "nova", p.name) for p in small])
    big = files[1].index
    assert big is not None
    big.scanned = faultpass.UNIT + 10  # as if it were that big: two units
    assert faultpass._batches(files, [0, 1, 2]) == [
        [(0, 0, None)],
        [(1, 0, faultpass.UNIT)],
        [(1, faultpass.UNIT, faultpass.UNIT + 10), (2, 0, None)],
    ]
    assert faultpass._batches(files, [0, 2]) == [[(0, 0, None), (2, 0, None)]]
