"""Log discovery over node trees, sosreports, Kolla/TripleO/devstack layouts
(ostui.core.reading.discovery)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostui.core.reading import discovery
from ostui.core.reading.discovery import (
    COMPONENT_ORDER,
    LogTree,
    classify,
    component_from_filename,
    component_sort_key,
    discover,
    sources_from_paths,
)

REAL = Path(__file__).parent / "data" / "real"
NOT_OPENSTACK = "a log, but not OpenStack's (no OpenStack logger or request id in its first lines)"
JOURNAL_FILE = "a systemd journal file (binary): journals are read through journalctl (--journal)"


def make(root: Path, *names: str) -> None:
    """Files with a line each, all different (byte-identical files are read once)."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"2015-11-24 10:00:00.000 1 INFO x [-] hello from {root / name}\n")


def summary(tree: LogTree) -> dict[str, dict[str, list[tuple[str, list[str]]]]]:
    """node -> component -> [(log name, member file names)], in the tree's own order."""
    return {
        node.name: {
            component: [(source.name, [path.name for path in source.members]) for source in sources]
            for component, sources in node.components.items()
        }
        for node in tree.nodes
    }


def components(tree: LogTree, node: str) -> dict[str, list[str]]:
    return {component: [name for name, _ in logs] for component, logs in summary(tree)[node].items()}


# --- real trees ---------------------------------------------------------------------------


def test_osp6_two_nodes_nova_and_neutron() -> None:
    tree = discover(REAL / "osp6-live-migration")
    assert [node.name for node in tree.nodes] == ["hp-ms-01-c29", "hp-ms-01-c30"]
    for node in tree.nodes:
        assert list(node.components) == ["nova", "neutron"]  # ansible-debug.log is not OpenStack's
    c29 = components(tree, "hp-ms-01-c29")
    assert "nova-api.log" in c29["nova"] and "vmlife.log" in c29["nova"]
    assert "arpdumper.log" in c29["neutron"] and "server.log" in c29["neutron"]
    assert components(tree, "hp-ms-01-c30")["nova"] == ["nova-compute.log", "vmlife.log"]
    log = REAL / "osp6-live-migration" / "{}" / "var" / "log" / "ansible-debug.log"
    assert tree.skipped == [
        (str(log).format("hp-ms-01-c29"), NOT_OPENSTACK),
        (str(log).format("hp-ms-01-c30"), "empty"),
    ]
    assert [Path(p).parts[-3:] for p in tree.looked_in] == [
        ("hp-ms-01-c29", "var", "log"),
        ("hp-ms-01-c30", "var", "log"),
    ]
    source = tree.nodes[0].components["nova"][0]
    assert (source.node, source.component, source.name) == ("hp-ms-01-c29", "nova", "nova-api.log")


def test_ubuntu_ussuri_tree() -> None:
    tree = discover(REAL / "ubuntu-ussuri")
    assert [node.name for node in tree.nodes] == ["ubuntu-ussuri"]
    found = summary(tree)["ubuntu-ussuri"]
    assert list(found) == ["nova", "qemu", "neutron", "openvswitch", "ovn", "haproxy", "syslog"]
    assert ("nova-compute.log", ["nova-compute.log.1.gz"]) in found["nova"]
    assert ("ovs-vswitchd.log", ["ovs-vswitchd.log.1.gz", "ovs-vswitchd.log"]) in found["openvswitch"]
    assert ("neutron-metadata-agent.log", ["neutron-metadata-agent.log.1"]) in found["neutron"]
    assert ("neutron-openvswitch-agent.log", ["neutron-openvswitch-agent.log.2.gz"]) in found["neutron"]
    assert [name for name, _ in found["ovn"]] == [
        "ovn-controller.log",
        "ovn-northd.log",
        "ovsdb-server-nb.log",
        "ovsdb-server-sb.log",
    ]
    assert [name for name, _ in found["qemu"]] == ["instance-00000001.log", "instance-00000002.log"]
    assert found["syslog"] == [("syslog", ["syslog"])]
    assert found["haproxy"] == [("haproxy.log", ["haproxy.log"])]
    compute = tree.nodes[0].components["nova"][1]
    assert compute.live is None and compute.newest.name == "nova-compute.log.1.gz"


def test_ubuntu_rabbitmq_keeps_extensionless_files() -> None:
    tree = discover(REAL / "ubuntu-ussuri-rabbitmq")
    assert components(tree, "ubuntu-ussuri-rabbitmq") == {
        "rabbitmq": [
            "rabbit@juju-04f1e3-1-lxd-5.log",
            "rabbit@juju-04f1e3-1-lxd-5_upgrade.log",
            "startup_err",
            "startup_log",
        ]
    }


def test_devstack_ci_flat_folder() -> None:
    tree = discover(REAL / "devstack-ci")
    assert summary(tree) == {
        "devstack-ci": {
            "nova": [("screen-n-api.txt", ["screen-n-api.txt.gz"])],
            "cinder": [
                ("devstack@c-api.service.log.txt", ["devstack@c-api.service.log.txt"]),
                ("devstack@c-vol.service.log.txt", ["devstack@c-vol.service.log.txt"]),
                ("screen-c-api.txt", ["screen-c-api.txt.gz"]),
            ],
            "neutron": [
                ("screen-neutron-l3.txt", ["screen-neutron-l3.txt.gz"]),
                ("screen-q-svc.txt", ["screen-q-svc.txt.gz"]),
            ],
        }
    }


def test_folder_of_node_roots_is_one_node_each() -> None:
    tree = discover(REAL)
    # Node roots are found at any depth (osp6's two nodes are one folder down); devstack-ci,
    # a folder of logs beside them, is a node of its own, its files kept by what they hold.
    assert [node.name for node in tree.nodes] == [
        "devstack-ci", "hp-ms-01-c29", "hp-ms-01-c30", "ubuntu-ussuri", "ubuntu-ussuri-rabbitmq",
    ]  # fmt: skip
    assert summary(tree)["devstack-ci"] == summary(discover(REAL / "devstack-ci"))["devstack-ci"]
    assert [reason for _, reason in tree.skipped] == [NOT_OPENSTACK, "empty"]  # osp6's ansible logs


# --- layouts built in tmp_path ------------------------------------------------------------


def test_rdo_layout_with_httpd_libvirt_and_top_level_files(tmp_path: Path) -> None:
    make(
        tmp_path,
        "etc/hostname",
        "var/log/nova/nova-api.log",
        "var/log/nova/nova-api.log-20151124.gz",
        "var/log/nova/nova-api-metadata.log",
        "var/log/keystone/keystone.log",
        "var/log/httpd/keystone.log",
        "var/log/httpd/keystone_access.log",
        "var/log/httpd/horizon_error.log",
        "var/log/httpd/access_log",
        "var/log/httpd/error_log-20151124",
        "var/log/libvirt/libvirtd.log",
        "var/log/libvirt/qemu/instance-00000001.log",
        "var/log/glance/api.log",
        "var/log/cinder/volume.log",
        "var/log/neutron/arpdumper.log",
        "var/log/openvswitch/ovs-vswitchd.log",
        "var/log/swift/swift.log",
        "var/log/horizon/horizon.log",
        "var/log/mariadb/mariadb.log",
        "var/log/rabbitmq/rabbit@ctl.log",
        "var/log/heat/heat-engine.log",
        "var/log/placement/placement.log",
        "var/log/swift-proxy.log",
        "var/log/mysqld.log",
        "var/log/messages",
        "var/log/messages-20151124",
        "var/log/haproxy.log",
        "var/log/ansible.log",  # unknown top-level file: said, not read
        "var/log/foo/foo.log",  # unknown top-level folder: the same
        "var/log/journal/abc/system.journal",
        "var/log/nova/nova-api.pid",
        "var/log/openvswitch/ovsdb.sock",
        "var/log/mariadb/aria.db",
    )
    (tmp_path / "etc/hostname").write_text("controller-0.example.org\n")
    tree = discover(tmp_path)
    assert [node.name for node in tree.nodes] == ["controller-0.example.org"]
    found = summary(tree)["controller-0.example.org"]
    assert list(found) == [
        "keystone", "nova", "qemu", "libvirt", "glance", "cinder", "neutron", "openvswitch",
        "swift", "horizon", "mariadb", "rabbitmq", "apache", "haproxy", "heat", "placement", "syslog",
    ]  # fmt: skip
    assert found["keystone"] == [
        ("keystone.log", ["keystone.log"]),
        ("keystone.log", ["keystone.log"]),
        ("keystone_access.log", ["keystone_access.log"]),
    ]
    keystone_dirs = [s.newest.parent.name for s in tree.nodes[0].components["keystone"]]
    assert keystone_dirs == ["httpd", "keystone", "httpd"]
    assert found["nova"] == [
        ("nova-api-metadata.log", ["nova-api-metadata.log"]),
        ("nova-api.log", ["nova-api.log-20151124.gz", "nova-api.log"]),
    ]
    assert found["horizon"] == [
        ("horizon.log", ["horizon.log"]),
        ("horizon_error.log", ["horizon_error.log"]),
    ]
    assert found["apache"] == [("access_log", ["access_log"]), ("error_log", ["error_log-20151124"])]
    assert found["qemu"] == [("instance-00000001.log", ["instance-00000001.log"])]
    assert found["libvirt"] == [("libvirtd.log", ["libvirtd.log"])]
    assert found["swift"] == [("swift-proxy.log", ["swift-proxy.log"]), ("swift.log", ["swift.log"])]
    assert found["mariadb"] == [("mariadb.log", ["mariadb.log"]), ("mysqld.log", ["mysqld.log"])]
    assert found["syslog"] == [("messages", ["messages-20151124", "messages"])]
    assert found["neutron"] == [("arpdumper.log", ["arpdumper.log"])]
    assert found["openvswitch"] == [("ovs-vswitchd.log", ["ovs-vswitchd.log"])]
    log = tmp_path / "var" / "log"
    assert sorted(tree.skipped) == [
        (str(tmp_path / "etc/hostname"), "not a log (etc/ of node controller-0.example.org holds no logs)"),
        (str(log / "ansible.log"), NOT_OPENSTACK),
        (str(log / "foo/foo.log"), NOT_OPENSTACK),
        (str(log / "journal/abc/system.journal"), JOURNAL_FILE),
        (str(log / "mariadb/aria.db"), "not a log (a .db file)"),
        (str(log / "nova/nova-api.pid"), "not a log (a .pid file)"),
        (str(log / "openvswitch/ovsdb.sock"), "not a log (a .sock file)"),
    ]


def test_ubuntu_apache2_and_mysql(tmp_path: Path) -> None:
    make(
        tmp_path / "node",
        "var/log/apache2/keystone_error.log",
        "var/log/apache2/horizon_access.log.1",
        "var/log/apache2/other_vhosts_access.log",
        "var/log/mysql/error.log",
    )
    tree = discover(tmp_path / "node")
    assert components(tree, "node") == {
        "keystone": ["keystone_error.log"],
        "horizon": ["horizon_access.log"],
        "mariadb": ["error.log"],
        "apache": ["other_vhosts_access.log"],
    }


def test_kolla_layout(tmp_path: Path) -> None:
    make(
        tmp_path / "ctl",
        "var/log/kolla/nova/nova-api.log",
        "var/log/kolla/neutron/neutron-server.log",
        "var/log/kolla/mariadb/mariadb.log",
        "var/log/kolla/rabbitmq/rabbit@ctl.log",
        "var/log/kolla/openvswitch/ovs-vswitchd.log",
        "var/log/kolla/openvswitch/ovn-controller.log",
        "var/log/kolla/horizon/horizon.log",
        "var/log/kolla/keystone/keystone-apache-public-access.log",
        "var/log/kolla/libvirt/libvirtd.log",
        "var/log/kolla/libvirt/qemu/instance-00000002.log",
        "var/log/kolla/ansible.log",
        "var/log/kolla/fluentd/fluentd.log",
    )
    tree = discover(tmp_path / "ctl")
    assert components(tree, "ctl") == {
        "keystone": ["keystone-apache-public-access.log"],
        "nova": ["nova-api.log"],
        "qemu": ["instance-00000002.log"],
        "libvirt": ["libvirtd.log"],
        "neutron": ["neutron-server.log"],
        "openvswitch": ["ovs-vswitchd.log"],
        "ovn": ["ovn-controller.log"],
        "horizon": ["horizon.log"],
        "mariadb": ["mariadb.log"],
        "rabbitmq": ["rabbit@ctl.log"],
    }


def test_tripleo_containers_layout(tmp_path: Path) -> None:
    make(
        tmp_path / "overcloud-controller-0",
        "var/log/containers/nova/nova-api.log",
        "var/log/containers/neutron/server.log",
        "var/log/containers/mysql/mysqld.log",
        "var/log/containers/rabbitmq/rabbit@overcloud-controller-0.log",
        "var/log/containers/httpd/keystone/keystone_wsgi_access.log",
        "var/log/containers/httpd/nova-api/nova_api_wsgi_error.log",
        "var/log/containers/httpd/horizon/horizon_access.log",
        "var/log/containers/httpd/heat-api-cfn/heat_api_cfn_wsgi_access.log",
        "var/log/containers/httpd/misc/other.log",
        "var/log/containers/libvirt/qemu/instance-00000003.log",
        "var/log/containers/stdouts/nova_api.log",  # a container's console: its producer
        "var/log/containers/stdouts/nova_api.log.1",
        "var/log/containers/stdouts/ovn_controller.log",
        "var/log/containers/stdouts/iscsid.log",
    )
    tree = discover(tmp_path / "overcloud-controller-0")
    assert components(tree, "overcloud-controller-0") == {
        "keystone": ["keystone_wsgi_access.log"],
        "nova": ["nova-api.log", "nova_api.log", "nova_api_wsgi_error.log"],
        "qemu": ["instance-00000003.log"],
        "neutron": ["server.log"],
        "ovn": ["ovn_controller.log"],
        "horizon": ["horizon_access.log"],
        "mariadb": ["mysqld.log"],
        "rabbitmq": ["rabbit@overcloud-controller-0.log"],
        "apache": ["other.log"],
        "heat": ["heat_api_cfn_wsgi_access.log"],
        "other": ["iscsid.log"],
    }
    consoles = [
        (s.component, s.producer, [m.name for m in s.members])
        for s in tree.sources()
        if s.newest.parent.name == "stdouts"
    ]
    assert sorted(consoles) == [
        ("nova", "nova_api", ["nova_api.log.1", "nova_api.log"]),
        ("other", "iscsid", ["iscsid.log"]),
        ("ovn", "ovn_controller", ["ovn_controller.log"]),
    ]


def test_devstack_names(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    make(
        logs,
        "screen-n-cpu.txt.gz",
        "screen-n-sch.txt",
        "screen-n-api-meta.txt.gz",
        "screen-key.txt.gz",
        "screen-g-api.log",
        "n-cond.log",
        "devstack@placement-api.service.log.txt",
        "devstack@keystone.service.log.txt",
        "screen-s-proxy.txt",
        "screen-h-eng.txt",
        "screen-horizon.txt",
        "screen-rabbit.txt",
        "screen-mysql.txt",
        "screen-q-agt.txt.gz",
        "neutron-server.log",
        "screen-dstat.txt.gz",
        "stack.sh.log",
        "notes.txt",
    )
    tree = discover(logs)
    assert components(tree, "logs") == {
        "keystone": ["devstack@keystone.service.log.txt", "screen-key.txt"],
        "nova": ["n-cond.log", "screen-n-api-meta.txt", "screen-n-cpu.txt", "screen-n-sch.txt"],
        "glance": ["screen-g-api.log"],
        "neutron": ["neutron-server.log", "screen-q-agt.txt"],
        "swift": ["screen-s-proxy.txt"],
        "horizon": ["screen-horizon.txt"],
        "mariadb": ["screen-mysql.txt"],
        "rabbitmq": ["screen-rabbit.txt"],
        "devstack": ["stack.sh.log"],
        "dstat": ["screen-dstat.txt"],
        "heat": ["screen-h-eng.txt"],
        "other": ["notes.txt"],
        "placement": ["devstack@placement-api.service.log.txt"],
    }


def test_devstack_screen_symlinks_counted_once(tmp_path: Path) -> None:
    logs = tmp_path / "screen-logs"
    make(logs, "screen-n-api.2013-09-26-101010.log", "screen-n-api.2013-09-27-181531.log")
    os.symlink(logs / "screen-n-api.2013-09-27-181531.log", logs / "screen-n-api.log")
    tree = discover(logs)
    assert summary(tree) == {
        "screen-logs": {
            "nova": [
                (
                    "screen-n-api.log",
                    ["screen-n-api.2013-09-26-101010.log", "screen-n-api.2013-09-27-181531.log"],
                )
            ]
        }
    }


def test_sosreports_and_node_folders(tmp_path: Path) -> None:
    make(
        tmp_path,
        "sosreport-ctl0-2021-01-01/hostname",
        "sosreport-ctl0-2021-01-01/var/log/nova/nova-api.log",
        "extracted/sos_commands/README",
        "extracted/etc/hostname",
        "extracted/var/log/neutron/server.log",
        "compute-1/var/log/nova/nova-compute.log",
        "compute-1/etc/hostname",  # not a sosreport: the folder name wins
        "sosreport-dup/hostname",
        "sosreport-dup/var/log/nova/nova-api.log",
        "notes/readme.txt",
    )
    (tmp_path / "sosreport-ctl0-2021-01-01/hostname").write_text("controller-0\n")
    (tmp_path / "sosreport-dup/hostname").write_text("controller-0\n")
    (tmp_path / "extracted/etc/hostname").write_text("network-0\n")
    (tmp_path / "compute-1/etc/hostname").write_text("something-else\n")
    (tmp_path / "notes/readme.txt").write_text("Collected after the outage.\nAsk the on-call first.\n")
    tree = discover(tmp_path)
    assert [node.name for node in tree.nodes] == ["compute-1", "controller-0", "controller-0-2", "network-0"]
    reasons = dict(tree.skipped)
    assert reasons[str(tmp_path / "notes/readme.txt")] == "not a log (no time stamps in its first lines)"
    assert components(tree, "network-0") == {"neutron": ["server.log"]}
    assert len(tree.looked_in) == 4


def test_root_with_var_log_without_hostname_is_named_by_folder(tmp_path: Path) -> None:
    make(tmp_path / "box", "var/log/cinder/cinder-volume.log")
    tree = discover(tmp_path / "box")
    assert components(tree, "box") == {"cinder": ["cinder-volume.log"]}
    assert tree.looked_in == [str(tmp_path / "box" / "var" / "log")]


def test_root_inside_a_var_log(tmp_path: Path) -> None:
    make(tmp_path / "n1", "var/log/neutron/server.log", "var/log/nova/nova-api.log", "var/log/syslog")
    neutron_only = discover(tmp_path / "n1" / "var" / "log" / "neutron")
    assert components(neutron_only, "n1") == {"neutron": ["server.log"]}
    whole = discover(tmp_path / "n1" / "var" / "log")
    assert components(whole, "n1") == {
        "nova": ["nova-api.log"],
        "neutron": ["server.log"],
        "syslog": ["syslog"],
    }


def test_plain_folder_named_like_a_service(tmp_path: Path) -> None:
    make(tmp_path / "neutron", "server.log", "l3-agent.log.1")
    tree = discover(tmp_path / "neutron")
    assert components(tree, "neutron") == {"neutron": ["l3-agent.log", "server.log"]}


def test_missing_root_and_file_root(tmp_path: Path) -> None:
    tree = discover(tmp_path / "nope")
    assert tree.nodes == [] and tree.skipped == [(str(tmp_path / "nope"), "not found")]
    make(tmp_path, "nova-api.log")
    assert components(discover(tmp_path / "nova-api.log"), "local") == {"nova": ["nova-api.log"]}


def test_host_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "var/log/nova/nova-compute.log", "opt/stack/logs/screen-n-api.txt", "opt/stack/logs/x.log")
    monkeypatch.setattr(discovery, "HOST_LOG_ROOTS", (tmp_path / "var/log",))
    monkeypatch.setattr(discovery, "HOST_DEVSTACK_DIRS", (tmp_path / "opt/stack/logs", tmp_path / "absent"))
    monkeypatch.setattr(socket, "gethostname", lambda: "myhost")
    tree = discover()
    assert components(tree, "myhost") == {
        "nova": ["nova-compute.log", "screen-n-api.txt"],
        "devstack": ["x.log"],
    }
    assert tree.looked_in == [
        str(tmp_path / "var/log"),
        str(tmp_path / "opt/stack/logs"),
        str(tmp_path / "absent"),
    ]


def test_host_mode_nothing_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(discovery, "HOST_LOG_ROOTS", (tmp_path / "missing",))
    monkeypatch.setattr(discovery, "HOST_DEVSTACK_DIRS", ())
    tree = discover()
    assert tree.nodes == [] and tree.looked_in == [str(tmp_path / "missing")] and tree.skipped == []


# --- failures never raise -----------------------------------------------------------------


@pytest.fixture
def locked_dir(tmp_path: Path) -> Iterator[Path]:
    make(tmp_path / "n", "var/log/nova/nova-api.log", "var/log/neutron/server.log")
    locked = tmp_path / "n" / "var" / "log" / "neutron"
    locked.chmod(0)
    yield locked
    locked.chmod(0o755)


def test_unreadable_directory_chmod(locked_dir: Path) -> None:
    tree = discover(locked_dir.parent.parent.parent)
    assert "nova" in tree.nodes[0].components
    if os.geteuid() != 0:  # root reads through mode 000
        assert (str(locked_dir), "permission denied") in tree.skipped
        assert "neutron" not in tree.nodes[0].components


def test_unreadable_directory_scandir_permission_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path / "n", "var/log/nova/nova-api.log", "var/log/neutron/server.log")
    locked = tmp_path / "n" / "var" / "log" / "neutron"
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    tree = discover(tmp_path / "n")
    assert tree.skipped == [(str(locked), "permission denied")]
    assert components(tree, "n") == {"nova": ["nova-api.log"]}


def test_unreadable_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path / "n", "var/log/nova/nova-api.log", "var/log/nova/nova-compute.log")
    secret = tmp_path / "n/var/log/nova/nova-compute.log"
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != secret and real_access(p, mode))
    tree = discover(tmp_path / "n")
    assert components(tree, "n") == {"nova": ["nova-api.log"]}
    assert tree.skipped == [(str(secret), "permission denied")]
    explicit = sources_from_paths([secret])
    assert explicit.nodes == [] and explicit.skipped == [(str(secret), "permission denied")]


def test_symlink_loops(tmp_path: Path) -> None:
    make(tmp_path / "n", "var/log/nova/nova-api.log")
    nova = tmp_path / "n/var/log/nova"
    os.symlink(nova, nova / "again")  # folder pointing at itself
    os.symlink("self.log", nova / "self.log")  # link pointing at itself: ELOOP
    kolla = tmp_path / "n/var/log/kolla"
    kolla.mkdir()
    os.symlink(nova, kolla / "nova")  # the same folder seen twice, not a loop
    tree = discover(tmp_path / "n")
    assert summary(tree) == {"n": {"nova": [("nova-api.log", ["nova-api.log"])]}}
    assert (str(nova / "again"), "symlink loop") in tree.skipped
    assert (str(nova / "self.log"), "symlink loop") in tree.skipped
    assert (str(kolla / "nova"), f"same folder as {nova}") in tree.skipped


def test_symlink_loop_between_node_folders(tmp_path: Path) -> None:
    make(tmp_path / "a", "var/log/nova/nova-api.log")
    os.symlink(tmp_path / "a" / "var", tmp_path / "a" / "var" / "log" / "nova" / "up")
    tree = discover(tmp_path)
    assert components(tree, "a") == {"nova": ["nova-api.log"]}


# --- files named on the command line ------------------------------------------------------


def test_sources_from_paths(tmp_path: Path) -> None:
    make(
        tmp_path,
        "c29/var/log/nova/nova-api.log",
        "c29/var/log/nova/nova-api.log.1",
        "c29/var/log/nova/nova-api.log.2.gz",
        "c29/var/log/ansible-debug.log",
        "c29/var/log/libvirt/qemu/instance-1.log",
        "loose/screen-q-svc.txt.gz",
        "loose/mystery.log",
        "logs/mystery.log",
    )
    given = [
        tmp_path / "c29/var/log/nova/nova-api.log.1",
        tmp_path / "c29/var/log/nova/nova-api.log",  # .2.gz not given: not part of the group
        tmp_path / "c29/var/log/ansible-debug.log",  # unknown, but given by hand: kept
        tmp_path / "c29/var/log/libvirt/qemu/instance-1.log",
        tmp_path / "loose/screen-q-svc.txt.gz",
        tmp_path / "loose/mystery.log",
        tmp_path / "logs/mystery.log",
        tmp_path / "missing.log",
        tmp_path / "loose",  # a folder is discovered and merged in
    ]
    tree = sources_from_paths(given)
    found = summary(tree)
    assert found["c29"] == {
        "nova": [("nova-api.log", ["nova-api.log.1", "nova-api.log"])],
        "qemu": [("instance-1.log", ["instance-1.log"])],
        "other": [("ansible-debug.log", ["ansible-debug.log"])],
    }
    assert found["local"] == {
        "neutron": [("screen-q-svc.txt", ["screen-q-svc.txt.gz"])],
        "loose": [("mystery.log", ["mystery.log"])],
        "other": [("mystery.log", ["mystery.log"])],
    }
    # the folder `loose` became a node of its own
    assert found["loose"] == {
        "neutron": [("screen-q-svc.txt", ["screen-q-svc.txt.gz"])],
        "other": [("mystery.log", ["mystery.log"])],
    }
    assert (str(tmp_path / "missing.log"), "not found") in tree.skipped
    assert [node.name for node in tree.nodes] == ["c29", "local", "loose"]


def test_sources_from_paths_sosreport_node_and_host_path(tmp_path: Path) -> None:
    make(tmp_path, "sosreport-x/hostname", "sosreport-x/var/log/nova/nova-api.log")
    (tmp_path / "sosreport-x/hostname").write_text("compute-7\n")
    tree = sources_from_paths([tmp_path / "sosreport-x/var/log/nova/nova-api.log"])
    assert components(tree, "compute-7") == {"nova": ["nova-api.log"]}
    node, chain = discovery._locate(Path("/var/log/nova/nova-api.log"))
    assert (node, chain) == ("local", ("nova",))


def test_sources_from_paths_rejects_non_regular(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    tree = sources_from_paths([fifo])
    assert tree.skipped == [(str(fifo), "not a regular file (a FIFO): not opened")]


def test_log_named_fifos_sockets_devices_and_dangling_links_are_skipped_with_a_reason(tmp_path: Path) -> None:
    make(tmp_path / "n", "var/log/nova/nova-api.log")
    nova = tmp_path / "n/var/log/nova"
    os.mkfifo(nova / "nova-compute.log")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(nova / "nova-conductor.log"))
    os.symlink("gone.log", nova / "nova-scheduler.log")
    os.mkfifo(nova / "nova-api.ctl")  # named as no log is: no word needed
    try:
        tree = discover(tmp_path / "n")
    finally:
        listener.close()
    assert components(tree, "n") == {"nova": ["nova-api.log"]}
    assert sorted(tree.skipped) == [
        (str(nova / "nova-compute.log"), "not a regular file (a FIFO): not opened"),
        (str(nova / "nova-conductor.log"), "not a regular file (a socket): not opened"),
        (str(nova / "nova-scheduler.log"), "dangling symlink (to gone.log)"),
    ]


def test_symlinks_leaving_the_log_folder_are_not_followed(tmp_path: Path) -> None:
    make(tmp_path / "n", "var/log/nova/nova-api.2026-12-05.log", "var/log/nova/real/nova-cell.log")
    make(tmp_path, "etc/secret/shadow.log", "elsewhere/neutron/server.log")
    nova = tmp_path / "n/var/log/nova"
    os.symlink(tmp_path / "etc/secret/shadow.log", nova / "nova-compute.log")
    os.symlink("/dev/zero", nova / "nova-conductor.log")
    os.symlink(tmp_path / "elsewhere/neutron", tmp_path / "n/var/log/neutron")
    os.symlink("nova-api.2026-12-05.log", nova / "nova-api.log")  # inside: followed
    os.symlink(nova / "real", nova / "linked")  # a folder inside: followed
    tree = discover(tmp_path / "n")
    log_root = tmp_path / "n/var/log"
    assert summary(tree)["n"] == {
        "nova": [
            ("nova-api.log", ["nova-api.2026-12-05.log"]),
            ("nova-cell.log", ["nova-cell.log"]),
        ]
    }
    assert sorted(tree.skipped) == sorted(
        [
            (
                str(log_root / "neutron"),
                f"symlink to {tmp_path / 'elsewhere/neutron'}, outside {log_root}: not followed",
            ),
            (
                str(nova / "nova-compute.log"),
                f"symlink to {tmp_path / 'etc/secret/shadow.log'}, outside {log_root}: not followed",
            ),
            (str(nova / "nova-conductor.log"), f"symlink to /dev/zero, outside {log_root}: not followed"),
            (str(nova / "linked"), f"same folder as {nova / 'real'}"),
        ]
    )


# --- naming helpers -----------------------------------------------------------------------


def test_component_order() -> None:
    assert COMPONENT_ORDER[:3] == ("keystone", "nova", "qemu")
    ordered = sorted(["syslog", "apache", "rabbitmq", "nova", "keystone", "heat"], key=component_sort_key)
    assert ordered == ["keystone", "nova", "rabbitmq", "apache", "heat", "syslog"]


@pytest.mark.parametrize(
    ("name", "component"),
    [
        ("screen-n-api.txt.gz", "nova"),
        ("screen-n-novnc.txt", "nova"),
        ("screen-c-vol.log", "cinder"),
        ("devstack@q-svc.service.log.txt", "neutron"),
        ("devstack@g-api.service", "glance"),
        ("devstack@keystone.service.log.txt", "keystone"),
        ("screen-key-access.txt", "keystone"),
        ("screen-ir-api.txt", "ironic"),
        ("q-l3.log", "neutron"),
        ("ovsdb-server-nb.log", "ovn"),
        ("ovsdb-server.log", "openvswitch"),
        ("libvirtd.log", "libvirt"),
        ("syslog.2.gz", "syslog"),
        ("messages-20151124", "syslog"),
        ("novalidate.log", None),
        ("server.log", None),
    ],
)
def test_component_from_filename(name: str, component: str | None) -> None:
    assert component_from_filename(name) == component


def test_classify_folder_beats_name() -> None:
    assert classify(("neutron",), "openvswitch-agent.log") == "neutron"
    assert classify(("kolla", "openvswitch"), "ovsdb-server-sb.log") == "ovn"
    assert classify(("containers", "httpd", "placement"), "placement_wsgi.log") == "placement"
    assert classify(("httpd",), "ssl_error_log") == "apache"
    assert classify(("libvirt", "lxc"), "x.log") == "libvirt"
    assert classify(("unknown",), "nova-api.log") == "nova"
    assert classify((), "dpkg.log") is None


def deep_folder(top: Path, depth: int) -> Path:
    """`top/a/a/.../a`, made one level at a time (os.makedirs itself recurses)."""
    folder = str(top)
    os.makedirs(folder)
    for _ in range(depth):
        folder += "/a"
        os.mkdir(folder)
    return Path(folder)


def remove_deep_folder(top: Path, leaf: Path) -> None:
    """Undo `deep_folder` bottom up: pytest's own clean-up of old runs recurses and fails on it."""
    for entry in leaf.iterdir():
        entry.unlink()
    folder = leaf
    while folder != top.parent:
        folder.rmdir()
        folder = folder.parent


def test_folders_deeper_than_pythons_recursion_limit_are_walked(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 100
    logs = deep_folder(tmp_path / "n/var/log/nova", depth)
    (logs / "nova-deep.log").write_text("2015-11-24 10:00:00.000 1 INFO nova.api [-] deep\n")
    elsewhere = deep_folder(tmp_path / "n/elsewhere", depth)
    (elsewhere / "notes.txt").write_text("no stamps here\n")
    try:
        tree = discover(tmp_path / "n")
        assert components(tree, "n") == {"nova": ["nova-deep.log"]}
        assert [Path(path).name for path, _ in tree.skipped] == ["notes.txt"]
    finally:
        remove_deep_folder(tmp_path / "n/var/log/nova", logs)
        remove_deep_folder(tmp_path / "n/elsewhere", elsewhere)
