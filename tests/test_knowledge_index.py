"""Known faults flagged as records are indexed."""

from __future__ import annotations

from pathlib import Path

from ostui.core.diagnosis.faultscan import flag_faults, quick_text
from ostui.core.diagnosis.knowledge import FaultMatcher, load_faults
from ostui.core.indexing.logset import LogFile, open_files

from .conftest import REAL, SEED


def test_seed_error_is_flagged_while_indexing() -> None:
    lf = LogFile(SEED / "nova-api.log", "controller", "nova", "nova-api.log")
    open_files([lf])
    assert flag_faults(lf, FaultMatcher(load_faults())) == 1
    assert lf.faults == {0: "glanceclient-attributeerror-id"}
    assert lf.faults_checked == 3


def test_flagging_resumes_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    seed = (SEED / "nova-api.log").read_bytes()
    path.write_bytes(seed)
    lf = LogFile(path, "controller", "nova", path.name)
    open_files([lf])
    matcher = FaultMatcher(load_faults())
    flag_faults(lf, matcher)
    with path.open("ab") as f:
        f.write(seed)
    assert lf.index is not None
    lf.index.update(final=False)
    assert flag_faults(lf, matcher, lf.faults_checked) == 1
    assert sorted(lf.faults) == [0, 3]


def test_the_packs_are_read_only_when_an_error_record_is_to_be_matched() -> None:
    """The matcher may come as a function that reads the packs (a tenth of a second): it
    is called only once a range holds an ERROR or CRITICAL record."""
    lf = LogFile(SEED / "nova-api.log", "controller", "nova", "nova-api.log")
    open_files([lf])
    asked: list[int] = []

    def matcher() -> FaultMatcher:
        asked.append(1)
        return FaultMatcher(load_faults())

    assert flag_faults(lf, matcher, 1, 3) == 0  # the access lines after the error
    assert asked == [] and lf.faults_checked == 3
    assert flag_faults(lf, matcher, 0) == 1
    assert asked == [1] and lf.faults == {0: "glanceclient-attributeerror-id"}


def test_quick_text_is_the_text_without_colours() -> None:
    assert (
        quick_text(b"\x1b[01;31mERROR\x1b[00m boom\nAttributeError: id\n")
        == "ERROR boom\nAttributeError: id\n"
    )


def test_real_logs_flag_known_faults() -> None:
    lf = LogFile(
        REAL / "osp6-live-migration/hp-ms-01-c29/var/log/nova/nova-conductor.log", "c29", "nova", "x"
    )
    open_files([lf])
    assert flag_faults(lf, FaultMatcher(load_faults())) > 0
    assert set(lf.faults.values()) <= {f.id for f in load_faults().faults}


def test_shapes_remembered_across_files_and_parts_flag_as_a_fresh_matcher_does(tmp_path: Path) -> None:
    """The matcher remembers each error's shape per file: the same text in a file of another
    service is matched anew (a rule may name the service), and a file flagged in two parts
    gets the flags it gets in one."""
    seed = (SEED / "nova-api.log").read_bytes()
    # A rule that holds only in libvirt's or qemu's logs (`service`): flagged in the first
    # file, not in the second, although the record reads the same.
    qemu = (
        b"2022-02-10 16:18:33.031 1074 ERROR nova.virt.libvirt.driver [-] qemu-system-x86_64: "
        b"terminating on signal 15 from pid 1074 (/usr/sbin/libvirtd)\n"
    )
    for name in ("libvirt/qemu-instance.log", "nova/nova-compute.log", "nova-api.log", "glance-api.log"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(seed + qemu)
    paths = [tmp_path / "libvirt/qemu-instance.log", tmp_path / "nova/nova-compute.log"]
    paths += [tmp_path / "nova-api.log", tmp_path / "glance-api.log"]
    files = [LogFile(p, "controller", p.stem.split("-")[0], p.name) for p in paths]
    files.append(
        LogFile(REAL / "osp6-live-migration/hp-ms-01-c29/var/log/nova/nova-conductor.log", "c29", "nova", "x")
    )
    open_files(files)
    shared = FaultMatcher(load_faults())
    for lf in files:
        assert lf.index is not None
        half = len(lf.index) // 2
        flag_faults(lf, shared, 0, half)
        flag_faults(lf, shared, half)
        alone = LogFile(lf.path, lf.node, lf.component, lf.group)
        open_files([alone])
        flag_faults(alone, FaultMatcher(load_faults()))
        assert lf.faults == alone.faults, lf.path.name
    assert {source for source, _ in shared.shapes} == {str(lf.path) for lf in files}
    assert files[0].faults[3] != files[1].faults.get(3)  # the service's rule, in its file only


def test_records_that_differ_in_a_number_are_matched_each(tmp_path: Path) -> None:
    """A rule may hang on a number ('Filter X returned 0 hosts'): an error remembered by its
    shape must not stand for one that differs from it only there."""
    head = "2026-01-01 10:00:0{} 1 ERROR nova.scheduler.filter_scheduler [req-{}] "
    path = tmp_path / "nova-scheduler.log"
    path.write_text(
        head.format(1, "4a7c2a1e-2f9d-4a8e-9d0b-1c5e3f0b7a11")
        + "Filter RamFilter returned 3 hosts\n"
        + head.format(2, "9b2e1f00-5d3c-4e7a-8c21-0f6e2d4b9a35")
        + "Filter RamFilter returned 0 hosts\n"
    )
    lf = LogFile(path, "controller", "nova", path.name)
    open_files([lf])
    assert flag_faults(lf, FaultMatcher(load_faults(None))) == 1
    assert lf.faults == {1: "novalidhost"}
