"""Signatures of unknown errors: one group per fault, whatever device, host or id it hit."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ostui.core.diagnosis.knowledge import (
    FaultMatcher,
    error_shape,
    error_signature,
    mask_variables,
    summarize_faults,
)
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.model import Record

from .conftest import DATA

FAULTS = DATA / "faults"
IP_LINK = FAULTS / "neutron-l3-agent-ip-link.log"


def _indexed(path: Path) -> LogFile:
    lf = LogFile(path, "net1", "neutron", path.name)
    open_files([lf])
    assert lf.index is not None
    return lf


def _no_faults() -> FaultMatcher:
    return FaultMatcher([])  # every error is unknown: what is tested is the grouping


def test_fixtures_are_what_their_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_fault_logs", FAULTS / "make_fault_logs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FILES.items():
        assert (FAULTS / name).read_text(encoding="utf-8") == make(), name


def test_ip_link_delete_family_folds_into_one_group_titled_by_its_stderr() -> None:
    summary = summarize_faults([_indexed(IP_LINK)], _no_faults())
    assert summary.severe == 9
    assert [g.count for g in summary.unknown] == [8, 1]
    family, other = summary.unknown
    # Gateway, HA and router ports of four routers, in both of neutron's shapes: one group.
    assert family.title == (
        "ProcessExecutionError: ip link delete failed (exit 2): RTNETLINK answers: Operation not supported"
    )
    assert family.module == "oslo_concurrency.processutils"
    for device in ("qg-", "ha-", "qr-", "qrouter-"):
        assert device not in family.key
    # The same command failing for another reason stays apart, and says why.
    assert other.title == 'ProcessExecutionError: ip link delete failed (exit 1): Cannot find device "<dev>"'
    assert family.first_seen is not None and family.last_seen is not None
    assert family.first_seen < family.last_seen and family.nodes == {"net1"}
    assert "Command:" in family.example or "Failed to process router" in family.example


def test_process_execution_error_of_two_devices_is_one_signature() -> None:
    idx = _indexed(IP_LINK).index
    assert idx is not None
    heads = [i for i in range(len(idx)) if b"Failed to process router" in idx.raw(i)]
    first, second = parse_record(idx, heads[0]), parse_record(idx, heads[2])
    assert "qg-8c4ff5ed-0a" in first.text and "ha-5b6c7d8e-1d" in second.text
    assert error_signature(first) == error_signature(second)
    assert error_shape(first).exc_type == "ProcessExecutionError"


def test_masks_devices_hosts_and_quoted_values_but_not_names() -> None:
    masked = mask_variables(
        "Failed to plug tap7ab8c9d0-1e and vxlan-0a000001 on host compute4.mylab.home "
        "(juju-04f1e3-1-lxd-5): value '12ab/x' for 'no_track'"
    )
    assert masked == "Failed to plug <dev> and <dev> on host <host> (<host>): value '<v>' for 'no_track'"
    # Dotted module names are no host names.
    assert mask_variables("neutron.agent.l3.agent failed") == "neutron.agent.l3.agent failed"


def test_logged_exception_class_names_the_group() -> None:
    text = (
        "2022-02-04 09:56:57.441 1901 ERROR nova.compute.manager [req-4215634a-130e-4473-b9a3-045c25aa4e96 "
        "- - - - -] No compute node record for host compute4.mylab.home: "
        "nova.exception_Remote.ComputeHostNotFound_Remote: "
        "Compute host compute4.mylab.home could not be found."
    )
    rec = Record("nova-compute.log", index=0, offset=0, level=Level.ERROR, text=text, message=text[60:])
    shape = error_shape(rec)
    assert shape.key == "ComputeHostNotFound: Compute host <host> could not be found."
    assert shape.exc_type == "ComputeHostNotFound" and shape.module == "nova.exception"
