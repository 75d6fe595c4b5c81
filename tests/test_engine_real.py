"""The engine on every real log in tests/data: exact counts from an independent oracle.

The expected numbers were counted with grep on the files themselves: record lines
are `<stamp> [<pid>] <LEVEL> <logger> [` (not `[instance:`), tracebacks are
`Traceback (most recent call last)` occurrences, request ids are distinct
`req-<uuid>` tokens.
"""

from __future__ import annotations

import pytest

from ostui.core.indexing.logset import files_from_tree, open_files
from ostui.core.indexing.scan import scan_summary
from ostui.core.reading.discovery import discover

from .conftest import REAL

OSP6 = {
    # path under osp6-live-migration: (lines, records, ERROR records, tracebacks, request ids)
    "hp-ms-01-c29/var/log/neutron/dhcp-agent.log": (150, 44, 7, 4, 6),
    "hp-ms-01-c29/var/log/neutron/l3-agent.log": (10, 10, 0, 0, 2),
    "hp-ms-01-c29/var/log/neutron/metadata-agent.log": (288, 78, 6, 6, 2),
    "hp-ms-01-c29/var/log/neutron/openvswitch-agent.log": (1544, 846, 1, 0, 4),
    "hp-ms-01-c29/var/log/neutron/ovs-cleanup.log": (15, 15, 0, 0, 0),
    "hp-ms-01-c29/var/log/neutron/server.log": (2981, 2484, 4, 8, 102),
    "hp-ms-01-c29/var/log/nova/nova-api.log": (2294, 2188, 1, 1, 16),
    "hp-ms-01-c29/var/log/nova/nova-cert.log": (80, 31, 7, 3, 2),
    "hp-ms-01-c29/var/log/nova/nova-compute.log": (1636, 1435, 0, 0, 41),
    "hp-ms-01-c29/var/log/nova/nova-conductor.log": (983, 260, 25, 23, 44),
    "hp-ms-01-c29/var/log/nova/nova-consoleauth.log": (83, 49, 4, 2, 20),
    "hp-ms-01-c29/var/log/nova/nova-manage.log": (79, 79, 0, 0, 0),
    "hp-ms-01-c29/var/log/nova/nova-novncproxy.log": (170, 152, 0, 2, 12),
    "hp-ms-01-c29/var/log/nova/nova-scheduler.log": (84, 35, 7, 3, 4),
    "hp-ms-01-c29/var/log/nova/vmlife.log": (5, 5, 0, 0, 0),
    "hp-ms-01-c30/var/log/neutron/dhcp-agent.log": (362, 98, 25, 10, 11),
    "hp-ms-01-c30/var/log/neutron/l3-agent.log": (166, 66, 13, 4, 2),
    "hp-ms-01-c30/var/log/neutron/metadata-agent.log": (414, 84, 14, 10, 2),
    "hp-ms-01-c30/var/log/neutron/openvswitch-agent.log": (1704, 922, 1, 0, 5),
    "hp-ms-01-c30/var/log/neutron/ovs-cleanup.log": (15, 15, 0, 0, 0),
    "hp-ms-01-c30/var/log/nova/nova-compute.log": (1671, 1485, 0, 0, 35),
    "hp-ms-01-c30/var/log/nova/vmlife.log": (4, 4, 0, 0, 0),
}
# Helper scripts' logs in Python's default style: one DEBUG record per line.
PYLOG = {
    "hp-ms-01-c29/var/log/neutron/arpdumper.log": 4,
    "hp-ms-01-c29/var/log/neutron/fdbshow.log": 769,
    "hp-ms-01-c29/var/log/neutron/pinger.log": 288,
    "hp-ms-01-c29/var/log/neutron/qvodumper.log": 399,
    "hp-ms-01-c29/var/log/neutron/tapdumper.log": 365,
    "hp-ms-01-c30/var/log/neutron/arpdumper.log": 7,
    "hp-ms-01-c30/var/log/neutron/fdbshow.log": 650,
    "hp-ms-01-c30/var/log/neutron/pinger.log": 287,
    "hp-ms-01-c30/var/log/neutron/qvodumper.log": 805,
    "hp-ms-01-c30/var/log/neutron/tapdumper.log": 781,
}


@pytest.fixture(scope="module")
def osp6() -> dict[str, dict]:
    files = open_files(files_from_tree(discover(REAL / "osp6-live-migration")), times=False)
    summary = scan_summary(files)
    root = str(REAL / "osp6-live-migration") + "/"
    return {f["path"].replace(root, ""): f for f in summary["files"]} | {"_totals": summary["totals"]}


@pytest.mark.parametrize("path", sorted(OSP6))
def test_osp6_oslo_counts(osp6: dict[str, dict], path: str) -> None:
    lines, records, errors, tracebacks, ids = OSP6[path]
    f = osp6[path]
    assert f["format"] == "oslo"
    assert (f["lines"], f["records"], f["levels"].get("ERROR", 0), f["tracebacks"], f["request_ids"]) == (
        lines,
        records,
        errors,
        tracebacks,
        ids,
    )
    assert f["unparsed"] == 0
    assert sum(f["levels"].values()) == f["records"]


@pytest.mark.parametrize("path", sorted(PYLOG))
def test_osp6_helper_script_logs(osp6: dict[str, dict], path: str) -> None:
    f = osp6[path]
    assert f["format"] == "pylog"
    assert f["lines"] == f["records"] == f["levels"]["DEBUG"] == PYLOG[path]


def test_osp6_totals_and_nodes(osp6: dict[str, dict]) -> None:
    totals = osp6["_totals"]
    assert totals["tracebacks"] == sum(v[3] for v in OSP6.values())
    assert totals["files"] == 33  # the two ansible-debug.log files are not OpenStack logs
    nodes = {f["node"] for k, f in osp6.items() if not k.startswith("_")}
    assert nodes == {"hp-ms-01-c29", "hp-ms-01-c30"}
    # distinct ids across files: 210 counted with grep over both nodes
    assert totals["request_ids"] == 210


def test_every_real_file_is_read_without_loss() -> None:
    """Every file of every real tree: records cover every byte, nothing dropped."""
    for tree in ("osp6-live-migration", "ubuntu-ussuri", "ubuntu-ussuri-rabbitmq", "devstack-ci"):
        files = open_files(files_from_tree(discover(REAL / tree)), times=True)
        for lf in files:
            assert lf.error is None, (lf.path, lf.error)
            idx = lf.index
            assert idx is not None
            size = idx.source.size()
            assert idx.scanned == size, lf.path
            if size:
                assert idx.starts[0] == 0
                assert all(a < b for a, b in zip(idx.starts, idx.starts[1:], strict=False))
                assert len(idx.keys) == len(idx.starts) == len(idx.levels)


def test_a_remote_traceback_printed_as_a_list_continues_its_record() -> None:
    """oslo.messaging's RemoteError logged with LOG.exception prints the remote traceback
    as a Python list, `[u'Traceback (most recent call last):\\n', ...]`, behind the
    exception prefix, which has no context: the bracket is the message, not a context, and
    the line goes on the record that logged the error (neutron's l3 agent, devstack CI)."""
    from ostui.core.indexing.logset import LogFile

    path = REAL / "devstack-ci/screen-neutron-l3.txt.gz"
    lf = LogFile(path, "devstack", "neutron", path.name)
    open_files([lf])
    idx = lf.index
    assert idx is not None
    heads = [idx.source.read(idx.starts[i], 120) for i in range(len(idx))]
    assert not [h for h in heads if b"ERROR neutron.agent.l3.agent [u'" in h]
    (failed,) = [i for i, h in enumerate(heads) if b"Failed to fetch router information for '5b130483" in h]
    s, e = idx.span(failed)
    text = idx.source.read(s, e - s)
    assert b"[u'Traceback (most recent call last):\\n'" in text
    assert text.rstrip().endswith(b"ERROR neutron.agent.l3.agent")
