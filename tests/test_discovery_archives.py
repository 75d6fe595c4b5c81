"""Archives and container layouts: sosreports with pod logs, must-gathers, Kubernetes nodes,
merged files, byte-identical copies, and every file either read or said why not."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from ostui.core.paths.layouts import (
    PodLog,
    kubectl_capture,
    must_gather_current,
    must_gather_log,
    node_pod_log,
    pod_base,
    pod_log_title,
)
from ostui.core.reading.census import look_at
from ostui.core.reading.discovery import (
    SERVICES,
    LogTree,
    classify,
    discover,
    left_out_by_choice,
    sources_from_paths,
)
from ostui.core.reading.duplicates import find_duplicates

ARCHIVES = Path(__file__).parent / "data" / "archives"
COLLECTION = ARCHIVES / "collection"
REAL = Path(__file__).parent / "data" / "real"
SOS = COLLECTION / "sosreport-sunbeam-ctl1-2025-05-14-qkzvbra"
SOS_COPY = COLLECTION / "sosreport-sunbeam-ctl1-copy"
PODLOGS = (
    "sos_commands/kubernetes/cluster-info/{ns}/podlogs/{pod}/k8s_kubectl_--namespace_{ns}_logs_{pod}_-c_{c}"
)
CALICO = "calico-kube-controllers-5f885f6465-zpvgw"
MUST_GATHER = COLLECTION / "must-gather.local.5237114082"
OPENSHIFT_IMAGE = next(MUST_GATHER.glob("quay-io-openshift-*"))
OPENSTACK_IMAGE = next(MUST_GATHER.glob("quay-io-openstack-k8s-operators-*"))
NOVA_API_POD = OPENSTACK_IMAGE / "namespaces/openstack/pods/nova-api-0"


def _make_archives():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_archives", ARCHIVES / "make_archives.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layout(tree: LogTree) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """node -> component -> [(producer, file path below the collection)]."""
    return {
        node.name: {
            component: [
                (source.producer, str(member.relative_to(COLLECTION)))
                for source in sources
                for member in source.members
            ]
            for component, sources in node.components.items()
        }
        for node in tree.nodes
    }


def test_the_fixture_is_what_its_script_writes(tmp_path: Path) -> None:
    make = _make_archives()
    make.build(tmp_path / "collection")
    assert make.tree_bytes(tmp_path / "collection") == make.tree_bytes(COLLECTION)


def test_a_collection_of_archives_is_read_by_node_component_and_container() -> None:
    tree = discover(COLLECTION)
    openshift = str(OPENSHIFT_IMAGE.relative_to(COLLECTION))
    nova_api = str(NOVA_API_POD.relative_to(COLLECTION))
    sos = SOS.name
    assert layout(tree) == {
        "collection": {"other": [("", "mergedlogs-compute.log")]},  # a merged file at the top is kept
        # Outside a var/log any log is kept: must-gather's start and end stamps are one.
        "must-gather.local.5237114082": {
            "other": [("", str((OPENSTACK_IMAGE / "timestamp").relative_to(COLLECTION)))]
        },
        "ip-10-0-187-218.ec2.internal": {  # the node the pod's YAML names
            "other": [
                (
                    "etcd",
                    f"{openshift}/namespaces/openshift-etcd/pods/etcd-ip-10-0-187-218.ec2.internal/etcd/etcd/logs/current.log",
                )
            ]
        },
        "sunbeam-ctl1": {  # the sosreport's hostname file, never `podlogs`
            "nova": [
                (
                    "nova-conductor",
                    f"{sos}/var/log/pods/openstack_nova-0_6f1c3a52-8d0e-4b7a-9e21-3c5d7f90ab14/nova-conductor/0.log",
                ),
                (
                    "nova-scheduler",
                    f"{sos}/" + PODLOGS.format(ns="openstack", pod="nova-0", c="nova-scheduler"),
                ),
            ],
            "cinder": [
                ("cinder-api", f"{sos}/" + PODLOGS.format(ns="openstack", pod="cinder-0", c="cinder-api"))
            ],
            "other": [
                (
                    "calico-kube-controllers",
                    f"{sos}/" + PODLOGS.format(ns="kube-system", pod=CALICO, c="calico-kube-controllers"),
                )
            ],
            "syslog": [("", f"{sos}/sos_commands/logs/journalctl_--no-pager")],
        },
        "worker-1": {  # the node `oc describe pod` names; the container's previous run first
            "nova": [
                ("nova-api-api", f"{nova_api}/logs/nova-api-api-previous.log"),
                ("nova-api-api", f"{nova_api}/logs/nova-api-api.log"),
            ]
        },
    }


def test_every_regular_file_is_read_or_said_why_not() -> None:
    tree = discover(COLLECTION)
    read = [member for source in tree.sources() for member in source.members]
    skipped = [Path(path) for path, _ in tree.skipped]
    regular = sorted(
        Path(folder) / name
        for folder, _, names in os.walk(COLLECTION)
        for name in names
        if not (Path(folder) / name).is_symlink()
    )
    assert sorted(read + skipped) == regular  # each once: none dropped, none doubled
    reasons = dict(tree.skipped)
    assert reasons[str(COLLECTION / "notes.bin")] == "binary"
    assert reasons[str(SOS / "uptime")] == "not a log (the top folder of node sunbeam-ctl1 holds no logs)"
    assert reasons[
        str(SOS / "sos_commands/kubernetes/cluster-info/k8s_kubectl_get_pods_--all-namespaces")
    ] == ("not a log (sos_commands/kubernetes/ of node sunbeam-ctl1 holds no logs)")
    assert reasons[str(SOS / "sos_commands/logs/journalctl_--disk-usage")] == (
        "not a log (no time stamps in its first lines)"
    )
    for no_log in (NOVA_API_POD / "nova-api-0-describe", OPENSTACK_IMAGE / "namespaces/openstack/events.log"):
        assert reasons[str(no_log)] == "not a log (no time stamps in its first lines)"


def test_a_byte_identical_copy_of_a_node_is_its_alias_and_read_once() -> None:
    tree = discover(COLLECTION)
    assert tree.aliases == {"sunbeam-ctl1-2": "sunbeam-ctl1"}
    assert "sunbeam-ctl1-2" not in [node.name for node in tree.nodes]
    node = tree.node("sunbeam-ctl1")
    assert node is not None
    originals = {str(member) for source in node.sources() for member in source.members}
    copies = {path: reason for path, reason in tree.skipped if reason.startswith("duplicate of ")}
    assert len(copies) == len(originals) == 5
    for path, reason in copies.items():
        original = path.replace(SOS_COPY.name, SOS.name)
        assert reason == f"duplicate of {original} (node sunbeam-ctl1-2 is a copy of node sunbeam-ctl1)"
        assert original in originals


def test_duplicates_need_equal_bytes_not_only_equal_size_and_ends(tmp_path: Path) -> None:
    # Real payload: the same syslog lines, one byte changed in the middle of a long copy.
    text = (REAL / "ubuntu-ussuri/var/log/syslog").read_bytes()
    assert len(text) > 4 * 65536
    middle = len(text) // 2
    changed = text[:middle] + (b"X" if text[middle : middle + 1] != b"X" else b"Y") + text[middle + 1 :]
    for name, data in (("a", text), ("b", text), ("c", changed), ("d", b""), ("e", b"")):
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / name for name in "abcde"]
    assert find_duplicates(paths) == {tmp_path / "b": tmp_path / "a"}  # empty files double nothing


def test_a_kubernetes_node_reads_each_container_once_through_pods_or_containers(tmp_path: Path) -> None:
    node = tmp_path / "worker-3"
    uid = "0b6d2f7e-1a2b-4c3d-8e9f-001122334455"
    pod = node / f"var/log/pods/openstack_neutron-0_{uid}"
    lines = (REAL / "ubuntu-ussuri/var/log/neutron/neutron-l3-agent.log").read_text().splitlines()[:3]
    for number, container in enumerate(("neutron-server", "charm")):
        (pod / container).mkdir(parents=True)
        cri = "".join(f"2022-02-10T16:09:1{number}.414000000Z stdout F {line}\n" for line in lines[number:])
        (pod / container / "0.log").write_text(cri)
    (pod / "neutron-server/0.log.20220210-160000.gz").write_bytes(gzip.compress(b"older\n", mtime=0))
    (pod / "neutron-server/1.log").write_text(f"2022-02-10T16:20:00.000000000Z stdout F {lines[0]}\n")
    links = node / "var/log/containers"
    links.mkdir()
    for container in ("neutron-server", "charm"):
        target = f"../pods/{pod.name}/{container}/0.log"
        (links / f"neutron-0_openstack_{container}-{'ab' * 32}.log").symlink_to(target)
    tree = discover(node)
    sources = [(s.component, s.producer, s.name, [m.name for m in s.members]) for s in tree.sources()]
    assert sources == [
        ("neutron", "charm", "0.log", ["0.log"]),  # the pod names the component of its charm container
        # A restart's 1.log continues the container's log after its first run's files.
        ("neutron", "neutron-server", "1.log", ["0.log.20220210-160000.gz", "0.log", "1.log"]),
    ]
    assert all("pods" in str(m) for s in tree.sources() for m in s.members)  # real files, not links
    assert tree.skipped == []


@pytest.mark.parametrize(
    ("chain", "name", "component"),
    [
        (
            ("pods", "openstack_nova-0_6f1c3a52-8d0e-4b7a-9e21-3c5d7f90ab14", "nova-scheduler"),
            "0.log",
            "nova",
        ),
        (("pods", "openstack_ovn-central-0_6f1c3a52", "ovn-northd"), "1.log.20250514-112233.gz", "ovn"),
        (("pods", "kube-system_coredns-5f885f6465-zpvgw_6f1c3a52", "coredns"), "0.log", "other"),
        (("containers",), f"keystone-0_openstack_keystone-{'0f' * 32}.log", "keystone"),
        (("containers",), "nova-api.log", "nova"),  # TripleO's containers/ still maps by name
        (("pods", "openstack_nova-0_6f1c3a52", "nova-scheduler"), "notes.txt", None),
        (("pods",), "0.log", None),
    ],
)
def test_the_rule_table_both_local_and_remote_discovery_use(
    chain: tuple[str, ...], name: str, component: str | None
) -> None:
    assert classify(chain, name) == component


@pytest.mark.parametrize(
    ("name", "pod"),
    [
        (
            "k8s_kubectl_--namespace_openstack_logs_nova-0_-c_nova-scheduler",
            PodLog("openstack", "nova-0", "nova-scheduler"),
        ),
        (
            "microk8s_kubectl_--namespace_openstack_logs_--previous_keystone-0_-c_keystone",
            PodLog("openstack", "keystone-0", "keystone"),
        ),
        (
            f"kubectl_--kubeconfig_.root.cdk.cdk_addons_kubectl_config_--namespace_kube-system_logs_{CALICO}",
            PodLog("kube-system", CALICO, ""),
        ),
        ("k8s_kubectl_get_pods_--all-namespaces", None),
        ("kubectl_--namespace_openstack_describe_pod_nova-0", None),
    ],
)
def test_sosreport_kubectl_capture_names(name: str, pod: PodLog | None) -> None:
    assert kubectl_capture(name) == pod


def test_pod_names_and_must_gather_paths() -> None:
    pods = (CALICO, "nova-0", "openstack-cloud-controller-manager-dx8br", "nova-sched")
    assert [pod_base(pod) for pod in pods] == [
        "calico-kube-controllers", "nova", "openstack-cloud-controller-manager", "nova-sched",
    ]  # fmt: skip
    parts = ["mg", "namespaces", "openstack", "pods", "nova-api-0", "nova-api-log", "nova-api-log", "logs"]
    parts.append("previous.log")
    found = must_gather_log(parts)
    assert found is not None and found.pod == PodLog("openstack", "nova-api-0", "nova-api-log")
    assert parts[: found.pod_folder][-1] == "nova-api-0"
    assert must_gather_log([*parts[:-2], "other", "current.log"]) is None
    found = must_gather_log(
        ["namespaces", "openstack", "pods", "nova-api-0", "logs", "nova-api-api-previous.log"]
    )
    assert found is not None and found.pod == PodLog("openstack", "nova-api-0", "nova-api-api")
    assert must_gather_log(["namespaces", "openstack", "events.log"]) is None
    assert node_pod_log(("pods", "not-a-pod-folder", "c"), "0.log") is None


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (
            "podlogs/nova-0/k8s_kubectl_--namespace_openstack_logs_nova-0_-c_nova-scheduler",
            "nova-0/nova-scheduler",
        ),
        (
            "podlogs/k8s_kubectl_--namespace_kube-system_logs_coredns-5f885f6465-zpvgw",
            "coredns-5f885f6465-zpvgw",
        ),
        ("var/log/pods/openstack_nova-0_6f1c3a52-8d0e/nova-conductor/1.log", "nova-0/nova-conductor 1.log"),
        (
            "mg/namespaces/openstack/pods/nova-api-0/logs/nova-api-previous.log",
            "nova-api-0/nova-api (previous)",
        ),
        ("mg/namespaces/openstack/pods/nova-api-0/nova-api/nova-api/logs/current.log", "nova-api-0/nova-api"),
        ("var/log/nova/nova-api.log", None),
        ("var/log/pods/0.log", None),
    ],
)
def test_a_pod_log_is_titled_pod_slash_container(path: str, title: str | None) -> None:
    assert pod_log_title(Path(path).parts) == title


def test_what_a_file_holds_is_judged_on_its_head(tmp_path: Path) -> None:
    osp6 = REAL / "osp6-live-migration/hp-ms-01-c29/var/log"
    assert look_at(osp6 / "nova/nova-api.log", SERVICES).kind == "openstack"
    assert look_at(osp6 / "ansible-debug.log", SERVICES).kind == "log"
    assert look_at(REAL / "devstack-ci/screen-n-api.txt.gz", SERVICES).kind == "openstack"
    broken = tmp_path / "nova-api.log.1.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00 not a gzip stream at all")
    assert look_at(broken, SERVICES).kind == "unreadable"
    assert look_at(broken, SERVICES).reason.startswith("unreadable: ")


def test_a_folder_inside_a_sosreport_belongs_to_its_node() -> None:
    podlogs = SOS / "sos_commands/kubernetes/cluster-info/openstack/podlogs"
    tree = discover(podlogs)
    assert [node.name for node in tree.nodes] == ["sunbeam-ctl1"]  # never `podlogs`
    sources = [(s.component, s.producer) for s in tree.sources()]
    assert sources == [("nova", "nova-scheduler"), ("cinder", "cinder-api")]
    assert tree.skipped == []


def test_a_sosreport_without_var_log_is_a_node(tmp_path: Path) -> None:
    sos = tmp_path / "sosreport-sunbeam-ctl1-2025-05-14-qkzvbra"
    sos.mkdir()
    (sos / "hostname").write_bytes((SOS / "hostname").read_bytes())
    shutil.copytree(SOS / "sos_commands", sos / "sos_commands")
    tree = discover(sos)
    assert [node.name for node in tree.nodes] == ["sunbeam-ctl1"]
    producers = sorted(s.producer for s in tree.sources())
    assert producers == ["", "calico-kube-controllers", "cinder-api", "nova-scheduler"]  # "": the journal


def test_files_left_out_for_what_they_are_are_told_from_files_that_could_not_be_read(tmp_path: Path) -> None:
    tree = discover(COLLECTION)
    assert tree.skipped and all(left_out_by_choice(reason) for _, reason in tree.skipped)
    broken = tmp_path / "logs" / "nova-api.log.1.gz"
    broken.parent.mkdir()
    broken.write_bytes(b"\x1f\x8b\x08\x00 not a gzip stream at all")
    (tmp_path / "logs" / "notes.txt").write_text("")
    reasons = dict(discover(tmp_path).skipped)
    assert not left_out_by_choice(reasons[str(broken)])  # unreadable: a broken archive
    assert left_out_by_choice(reasons[str(tmp_path / "logs" / "notes.txt")])  # empty


def test_a_must_gather_containers_previous_run_is_the_older_part_of_its_log() -> None:
    tree = discover(COLLECTION)
    node = tree.node("worker-1")
    assert node is not None
    sources = [(s.name, [m.name for m in s.members]) for s in node.sources()]
    assert sources == [("nova-api-api.log", ["nova-api-api-previous.log", "nova-api-api.log"])]
    assert must_gather_current("previous.insecure.log") == "current.insecure.log"
    assert must_gather_current("keystone-previous.log") == "keystone.log"
    assert must_gather_current("current.log") is None


def test_scan_of_a_collection_lists_every_file_read_or_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    from ostui.cli import main

    assert main(["scan", "--root", str(COLLECTION), "--json", "--no-journal"]) == 0
    report = json.loads(capsys.readouterr().out)
    read = [Path(f["path"]) for f in report["files"]]
    skipped = [Path(s["path"]) for s in report["skipped"]]
    regular = [
        Path(folder) / name
        for folder, _, names in os.walk(COLLECTION)
        for name in names
        if not (Path(folder) / name).is_symlink()
    ]
    assert sorted(read + skipped) == sorted(regular)
    assert {f["node"] for f in report["files"]} == {
        "collection", "ip-10-0-187-218.ec2.internal", "must-gather.local.5237114082",
        "sunbeam-ctl1", "worker-1",
    }  # fmt: skip
    assert all(s["reason"] for s in report["skipped"])


def summary_of(node: object) -> dict[str, list[str]]:
    components = getattr(node, "components", {})
    return {component: [s.name for s in sources] for component, sources in components.items()}


def test_a_node_folder_without_var_log_in_a_collection_names_components_by_its_folders(
    tmp_path: Path,
) -> None:
    osp6 = REAL / "osp6-live-migration"
    shutil.copytree(osp6 / "hp-ms-01-c29", tmp_path / "hp-ms-01-c29")
    shutil.copytree(osp6 / "hp-ms-01-c30/var/log/neutron", tmp_path / "hp-ms-01-c30/neutron")
    tree = discover(tmp_path)
    c30 = tree.node("hp-ms-01-c30")
    assert c30 is not None
    # `neutron/`, not the files' names, says neutron, as it does below a var/log
    below_var_log = summary_of(discover(osp6 / "hp-ms-01-c30").node("hp-ms-01-c30"))
    assert summary_of(c30) == {"neutron": below_var_log["neutron"]} and len(below_var_log["neutron"]) == 10
    assert [Path(path).name for path, _ in tree.skipped] == ["ansible-debug.log"]  # c29's, not OpenStack's


def test_archive_files_given_by_hand_keep_their_node_and_container() -> None:
    scheduler = SOS / PODLOGS.format(ns="openstack", pod="nova-0", c="nova-scheduler")
    nova_api = NOVA_API_POD / "logs/nova-api-api.log"
    tree = sources_from_paths([scheduler, nova_api])
    found = [(s.node, s.component, s.producer, s.members) for s in tree.sources()]
    assert found == [
        ("sunbeam-ctl1", "nova", "nova-scheduler", [scheduler]),
        ("worker-1", "nova", "nova-api-api", [nova_api]),
    ]
