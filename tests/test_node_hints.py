"""The deployment's other nodes, proposed from a controller's own logs."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.live import node_hints
from ostui.core.live.node_hints import (
    NodeHint,
    find_node_hints,
    format_inventory,
    hints_to_nodes,
    normalize_name,
)
from ostui.core.live.remote import load_inventory
from ostui.core.reading.discovery import discover

REAL = Path(__file__).parent / "data" / "real"
SEED = Path(__file__).parent / "data" / "seed"
C29 = "hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com"
C30 = "hp-ms-01-c30.moonshot1.lab.eng.rdu.redhat.com"


def real_files(folder: Path) -> list[LogFile]:
    return files_from_tree(discover(folder))


def names(hints: list[NodeHint]) -> list[str]:
    return [h.name for h in hints]


def one_file(tmp_path: Path, text: str | bytes, component: str = "nova", name: str = "x.log") -> LogFile:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return LogFile(path, "controller", component, name)


# -- the real logs ----------------------------------------------------------------------
def test_osp6_controller_reveals_its_compute_node() -> None:
    hints = find_node_hints(real_files(REAL / "osp6-live-migration" / "hp-ms-01-c29"))
    assert names(hints) == [C30]  # and not the controller itself
    c30 = hints[0]
    assert c30.roles == {"nova-compute", "neutron-agent"}
    assert c30.evidence >= 30
    assert C30 in c30.example and "\n" not in c30.example
    assert c30.source.startswith("hp-ms-01-c29/")


def test_osp6_compute_names_the_controller_and_both_nodes_name_nobody_new() -> None:
    assert names(find_node_hints(real_files(REAL / "osp6-live-migration" / "hp-ms-01-c30"))) == [C29]
    assert find_node_hints(real_files(REAL / "osp6-live-migration")) == []  # both already open


def test_osp6_from_an_indexed_file_and_by_hand() -> None:
    # Files given by hand land on node "hp-ms-01-c29" (the path says so); indexed files
    # are read through their index's source.
    server = REAL / "osp6-live-migration/hp-ms-01-c29/var/log/neutron/server.log"
    lf = LogFile(server, "local", "neutron", "server.log")
    open_files([lf], build=False)
    assert lf.index is not None
    hints = find_node_hints([lf])
    assert names(hints) == [C30]
    assert hints[0].roles == {"neutron-agent"}


def test_ubuntu_ussuri_compute_reveals_its_dvr_peers_not_itself() -> None:
    hints = find_node_hints(real_files(REAL / "ubuntu-ussuri"))
    # neutron-openvswitch-agent's DVR MAC list; compute4 itself is known from oslo.config's
    # `host = compute4.mylab.home` and the syslog headers, though the folder says otherwise.
    assert names(hints) == ["compute1.mylab.home", "compute2.mylab.home"]
    assert all(h.roles == {"neutron-agent"} for h in hints)
    assert "{'host': 'compute1.mylab.home', 'mac_address'" in hints[0].example


def test_devstack_single_nodes_reveal_nothing() -> None:
    # Three single-node gate runs: each file names only its own host (config dumps,
    # journal headers), so nothing is proposed.
    assert find_node_hints(real_files(REAL / "devstack-ci")) == []


def test_seed_case_reveals_nothing() -> None:
    assert find_node_hints(real_files(SEED)) == []


def test_rabbitmq_peers_are_address_hints() -> None:
    hints = find_node_hints(real_files(REAL / "ubuntu-ussuri-rabbitmq"))
    by_name = {h.name: h for h in hints}
    assert set(by_name) == {"10.0.0.114", "10.0.0.122", "10.0.0.126", "10.0.0.128", "10.0.0.133"}
    assert "10.0.0.116" not in by_name  # the broker's own end of every connection
    assert all(h.is_address for h in hints)
    for compute in ("10.0.0.114", "10.0.0.128", "10.0.0.133"):
        assert {"nova-compute", "neutron-agent"} <= by_name[compute].roles
    assert by_name["10.0.0.122"].roles == {"neutron-server"}
    assert [h.evidence for h in hints] == sorted((h.evidence for h in hints), reverse=True)


def test_rabbit_addresses_come_after_names_and_own_address_is_dropped() -> None:
    files = real_files(REAL / "ubuntu-ussuri") + real_files(REAL / "ubuntu-ussuri-rabbitmq")
    hints = find_node_hints(files)
    assert names(hints)[:2] == ["compute1.mylab.home", "compute2.mylab.home"]
    # compute4's nova logs say `my_ip = 10.0.0.128`: its own address is not proposed
    assert "10.0.0.128" not in names(hints)
    assert all(h.is_address for h in hints[2:])
    assert "10.0.0.114" not in names(find_node_hints(files, exclude=["10.0.0.114"]))


# -- one line of each kind --------------------------------------------------------------
STAMP = "2024-05-02 10:00:00.000 4242 DEBUG"
LINES = [
    # (component, line, name, role)
    (
        "nova",
        f"{STAMP} nova.scheduler.filter_scheduler [req-1 - - - - -] Weighed [WeighedHost [host: "
        "(compute-7, compute-7) ram: 1024MB disk: 2048MB io_ops: 0 instances: 1, weight: 1.0]] _schedule",
        "compute-7",
        "nova-compute",
    ),
    (
        "nova",
        f"{STAMP} nova.conductor.manager [req-1 - - - - -] [instance: 6a5f0b7c-1111-2222-3333-444455556666] "
        "Selected host: compute-8; Selected node: compute-8; Alternates: [('compute-9', 'compute-9')] "
        "schedule_and_build_instances",
        "compute-9",
        "nova-compute",
    ),
    (
        "nova",
        "2015-10-29 10:54:14.334 28356 DEBUG nova.compute.api [req-4 None] [instance: "
        "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd] Going to try to live migrate instance to cmp2.lab.example "
        "live_migrate /usr/lib/python2.7/site-packages/nova/compute/api.py:3170",
        "cmp2.lab.example",
        "nova-compute",
    ),
    (
        "nova",
        "2015-10-20 14:20:01.909 1369 INFO nova.console.websocketproxy [req-b None] connecting to: "
        "cmp3.lab.example:5900",
        "cmp3.lab.example",
        "nova-compute",
    ),
    (
        "nova",
        f"{STAMP} nova.conductor.manager [req-1 - - - - -] Compute host cmp5 could not be found.",
        "cmp5",
        "nova-compute",
    ),
    (
        "neutron",
        f"{STAMP} neutron.plugins.ml2.managers [req-1 - - - - -] Attempting to bind port "
        "2e6d0f35-cb87-4175-9d6f-c76ba1c75cc8 by drivers openvswitch on host net-2 at level 0 using "
        "segments [] _bind_port_level",
        "net-2",
        "neutron-agent",
    ),
    (
        "neutron",
        f"{STAMP} neutron.plugins.ml2.managers [req-1 None] Bound port: 2e6d0f35-cb87-4175-9d6f-c76ba1c75cc8,"
        " host: net-3, vnic_type: normal, profile: , driver: openvswitch, vif_type: ovs",
        "net-3",
        "neutron-agent",
    ),
    (
        "neutron",
        "2024-05-02 10:00:00.000 4242 INFO neutron.db.agents_db [req-1 - - - - -] Heartbeat received "
        "from L3 agent agent on host net-4, uuid 6a5f0b7c-1111-2222-3333-444455556666 after 0:00:30",
        "net-4",
        "neutron-agent",
    ),
    (
        "cinder",
        f"{STAMP} cinder.scheduler.host_manager [req-1 - - - - -] Received volume service update from "
        "stor-1@lvmdriver-1: {'volume_backend_name': 'lvmdriver-1'} update_service_capabilities",
        "stor-1",
        "cinder-volume",
    ),
    (
        "cinder",
        f"{STAMP} cinder.scheduler.filter_scheduler [req-1 - - - - -] Filtered [host 'stor-2@ceph#ceph':"
        "free_capacity_gb: 100, total_capacity_gb: 200,allocated_capacity_gb: 0] _get_weighted_candidates",
        "stor-2",
        "cinder-volume",
    ),
    (
        "cinder",
        f"{STAMP} cinder.api [req-1 - - - - -] volume {{'id': 1, 'host': 'stor-3@lvm#LVM', 'size': 1}}",
        "stor-3",
        "cinder-volume",
    ),
]


@pytest.mark.parametrize(("component", "line", "name", "role"), LINES, ids=[x[2] for x in LINES])
def test_each_kind_of_line(tmp_path: Path, component: str, line: str, name: str, role: str) -> None:
    hints = find_node_hints([one_file(tmp_path, line + "\n", component)])
    found = {h.name: h for h in hints}
    assert name in found, hints
    assert role in found[name].roles
    assert found[name].evidence == 1


def test_dead_agent_table(tmp_path: Path) -> None:
    text = (
        "2016-12-08 17:16:11.123 1234 WARNING neutron.db.agents_db [req-1 - - - - -] Agent healthcheck: "
        "found 2 dead agents out of 7:\n"
        "                Type       Last heartbeat host\n"
        "  Open vSwitch agent  2016-12-08 17:15:11 compute-3\n"
        "Loadbalancerv2 agent 2016-12-08 17:15:11 haproxy-devstack2\n"
        "2016-12-08 17:16:12.000 1234 INFO neutron.wsgi [-] done agent 2016-12-08 17:15:11 not-a-row\n"
    )
    hints = find_node_hints([one_file(tmp_path, text, "neutron")])
    assert sorted(names(hints)) == ["compute-3", "haproxy-devstack2"]


# -- what is not a node -----------------------------------------------------------------
NOT_NODES = [
    ("neutron", "'binding:host_id': u'2803c28a-7368-476e-ba4c-65f0d7942084'"),  # a UUID
    ("neutron", '"binding:host_id": "10.0.0.5"'),  # an address
    ("neutron", '"binding:host_id": ""'),
    ("neutron", "'host': None, 'binding:host_id': u'0123456789abcdef0123'"),  # a hex id
    ("nova", "{'host': u'localhost'}"),
    ("nova", "[instance: 6a5f0b7c] Setting instance to ACTIVE state."),
    ("nova", "Support for a SSH Bastion host is forthcoming."),
    ("nova", "Going to try to live migrate instance to another host"),
    ("nova", "Instance(host='2001', hostname='instance1')"),  # a number; an instance's own name
    ("nova", "ghost='phantom' localhost='nothing'"),
]


@pytest.mark.parametrize(("component", "line"), NOT_NODES)
def test_ids_addresses_and_prose_are_not_nodes(tmp_path: Path, component: str, line: str) -> None:
    assert find_node_hints([one_file(tmp_path, f"{STAMP} x [-] {line}\n", component)]) == []


def test_this_node_is_never_proposed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        f"{STAMP} x [-] {{'host': u'ctl-1.example.com'}} {{'host': u'ctl-2'}} {{'host': u'me'}}\n"
        f"{STAMP} x [-] {{'host': u'controller'}} {{'host': u'cmp-1'}}\n"
    )
    lf = one_file(tmp_path, text)  # node "controller"
    monkeypatch.setattr(socket, "gethostname", lambda: "me.example.com")
    # the short name excludes any domain; an FQDN excludes its short form
    assert names(find_node_hints([lf], exclude=["ctl-1", "ctl-2.example.com"])) == ["cmp-1"]


def test_the_writers_own_name_from_its_logs_is_excluded(tmp_path: Path) -> None:
    text = (
        f"{STAMP} oslo_service.service [-] host{' ' * 27}= cmp-4.example.com log_opt_values\n"
        f"{STAMP} x [-] on host \"cmp-4\" since it is not registered; 'host': 'cmp-5.example.com'\n"
    )
    assert names(find_node_hints([one_file(tmp_path, text)])) == ["cmp-5.example.com"]
    syslog = "Feb 10 00:00:01 cmp-6 nova-compute[42]: x {'host': u'cmp-6'} {'host': u'cmp-7'}\n" * 3
    assert names(find_node_hints([one_file(tmp_path, syslog, "syslog", "syslog")])) == ["cmp-7"]


def test_a_log_server_syslog_has_no_single_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_hints, "BLOCK_SIZE", 256)
    text = "".join(
        f"Feb 10 00:00:0{i} {host} nova-compute[42]: 'host': u'{host}'\n"
        for i, host in enumerate(["cmp-1", "cmp-2"] * 8)
    )
    assert names(find_node_hints([one_file(tmp_path, text, "syslog", "syslog")])) == ["cmp-1", "cmp-2"]


# -- names, evidence, reading -----------------------------------------------------------
def test_short_and_qualified_names_merge(tmp_path: Path) -> None:
    text = (
        f"{STAMP} x [-] 'host': u'compute1'\n"
        f"{STAMP} x [-] 'host': u'Compute1.Example.COM.'\n"
        f"{STAMP} x [-] 'host': u'compute1.example.com' and again 'host': u'compute1.example.com'\n"
        f"{STAMP} x [-] 'host': u'node2.site-a.example' 'host': u'node2.site-b.example' 'host': u'node2'\n"
    )
    hints = {h.name: h for h in find_node_hints([one_file(tmp_path, text)])}
    assert hints["compute1.example.com"].evidence == 3  # lines, not mentions
    assert "compute1" not in hints
    # two domains share `node2`: which one the short name means is not guessed
    assert {"node2", "node2.site-a.example", "node2.site-b.example"} <= set(hints)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("compute1", "compute1"),
        ("Compute1.Example.COM.", "compute1.example.com"),
        ("ovs_node_1", "ovs_node_1"),
        ("10.0.0.1", None),
        ("2803c28a-7368-476e-ba4c-65f0d7942084", None),
        ("deadbeefdeadbeef", None),
        ("12345", None),
        ("1.2", None),
        ("None", None),
        ("-bad", None),
        ("a..b", None),
        ("x" * 64, None),
    ],
)
def test_normalize_name(raw: str, name: str | None) -> None:
    assert normalize_name(raw) == name


def test_blocks_do_not_change_the_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f"{STAMP} x [-] 'host': u'cmp-{i % 7}' padding {'.' * (i % 50)}\n" for i in range(500)]
    lf = one_file(tmp_path, "".join(lines))
    whole = [(h.name, h.evidence) for h in find_node_hints([lf])]
    monkeypatch.setattr(node_hints, "BLOCK_SIZE", 97)
    assert [(h.name, h.evidence) for h in find_node_hints([lf])] == whole
    assert sum(n for _, n in whole) == 500


def test_limit_bytes_reads_only_the_tail(tmp_path: Path) -> None:
    text = f"{STAMP} x [-] 'host': u'old-node'\n" * 100 + f"{STAMP} x [-] 'host': u'new-node'\n" * 3
    lf = one_file(tmp_path, text)
    assert names(find_node_hints([lf], limit_bytes=200)) == ["new-node"]
    assert names(find_node_hints([lf])) == ["old-node", "new-node"]


def test_unreadable_and_skipped_files(tmp_path: Path) -> None:
    gone = LogFile(tmp_path / "gone.log", "controller", "nova", "gone.log")
    qemu = one_file(tmp_path, "'host': u'cmp-9'\n", "qemu")  # never names nodes: not read
    assert find_node_hints([gone, qemu]) == []


# garbage, with the patterns' own words thrown in so the parsers get exercised
FRAGMENTS = [
    b"'host': u'",
    b'"binding:host_id": "',
    b"host='",
    b"?host=",
    b" on host ",
    b"host: (",
    b"Selected host: a; Selected node: b; Alternates: [('",
    b"dead agents out of 99",
    b" agent 2020-01-01 00:00:00 ",
    b"connection <0.1.0> (10.0.0.1:1 -> 10.0.0.2:5672 - nova-compute:",
    b"Received volume service update from ",
    b"] host                 = ",
    b"my_ip          = ",
    b"Feb 10 00:00:01 ",
    b"cmp-1",
    b"@lvm#pool",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff\xfe",
    b"'",
    b'"',
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=60),
    component=st.sampled_from(["nova", "neutron", "cinder", "rabbitmq", "syslog", "other"]),
)
def test_garbage_never_raises(tmp_path: Path, parts: list[bytes], component: str) -> None:
    lf = one_file(tmp_path, b"".join(parts), component)
    hints = find_node_hints([lf], limit_bytes=None)
    for h in hints:
        assert h.is_address or normalize_name(h.name) == h.name
        assert h.evidence >= 1
    tomllib.loads(format_inventory(hints))


# -- proposing them -------------------------------------------------------------------
def test_hints_to_nodes() -> None:
    nodes = hints_to_nodes([NodeHint("cmp-1.example.com", {"nova-compute"}, 3)])
    assert [(n.name, n.target, n.root) for n in nodes] == [("cmp-1.example.com", "cmp-1.example.com", "/")]


def test_inventory_round_trip(tmp_path: Path) -> None:
    hints = find_node_hints(real_files(REAL / "osp6-live-migration" / "hp-ms-01-c29"))
    hints += [
        NodeHint("cmp_2", set(), 1, 'a "quoted" line\x07 with \\ and a bell', "n/c/f.log"),
        NodeHint("10.0.0.114", {"nova-compute"}, 5, "accepting AMQP connection", "n/rabbitmq/r.log"),
    ]
    text = format_inventory(hints)
    path = tmp_path / "nodes.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_inventory(path)
    # the address is proposed commented out: it may be one of the named nodes
    assert [(n.name, n.target) for n in loaded] == [(C30, C30), ("cmp_2", "cmp_2")]
    assert f'[nodes."{C30}"]' in text and "[nodes.cmp_2]" in text
    assert '# [nodes."10.0.0.114"]' in text
    assert "neutron-agent, nova-compute" in text
    assert format_inventory([]).startswith("#")
    assert load_inventory(_write(tmp_path / "empty.toml", format_inventory([]))) == []


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
