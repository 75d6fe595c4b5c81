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
