#!/usr/bin/env python3
"""Writes `collection/`, the archive tree of tests/test_discovery_archives.py (ours; run it to
rewrite it). The payload lines are real (see tests/data/SOURCES.md); the folders, envelopes,
host names and the few non-log files around them are ours, laid out as the tools write them:

* `sosreport-sunbeam-ctl1-.../`: a sosreport of a Sunbeam control node. sos's kubernetes plugin
  (podlogs option) keeps `kubectl logs` of every container under
  `sos_commands/kubernetes/cluster-info/<ns>/podlogs/<pod>/`, each file named after the
  command; its logs plugin keeps `journalctl` outputs and `/var/log` (here the node's CRI pod
  logs, `/var/log/pods/...` with their `/var/log/containers/` links).
  - nova-scheduler: the OSP6 node's nova-scheduler.log, each line in pebble's envelope as
    `kubectl logs --timestamps` shows it (`<RFC 3339 ms>Z [nova-scheduler] <line>`), after one
    pebble line (payloads/sunbeam-pebble.excerpt.log's, moved to that time);
  - cinder-api: payloads/sunbeam-pebble.excerpt.log as it is;
  - calico-kube-controllers: payloads/kubectl-logs-calico-kube-controllers as it is;
  - nova-conductor: the OSP6 node's first 60 nova-conductor.log lines as a CRI file, the
    longest line split by the runtime into a `P` part and its `F` end;
  - journalctl_--no-pager: the Ubuntu node's first 40 syslog lines.
* `sosreport-sunbeam-ctl1-copy/`: the same sosreport, copied byte for byte under another name.
* `must-gather.local.../`: a must-gather run with two images. OpenShift's keeps container logs
  at `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log` beside the pod's YAML
  (which names its node): payloads/must-gather-etcd-current.log as it is. openstack-must-gather
  (openstack-k8s-operators/openstack-must-gather, collection-scripts/gather_ctlplane_resources)
  keeps `namespaces/<ns>/pods/<pod>/logs/<container>.log` (`oc logs`, no envelope) and
  `<container>-previous.log` beside `<pod>-describe` (whose `Node:` names the node), and
  `namespaces/<ns>/events.log`: the OSP6 node's first 50 nova-api.log lines, the next 30 as
  the previous run.
* `mergedlogs-compute.log`: payloads/os-log-merger-mergedlogs-compute.head.log, a merged file
  at the top of the collection; `notes.bin`, binary.

A test checks that this script reproduces the tree byte for byte (links included).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAYLOADS = HERE / "payloads"
OSP6 = HERE.parent / "real" / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log" / "nova"
UBUNTU_SYSLOG = HERE.parent / "real" / "ubuntu-ussuri" / "var" / "log" / "syslog"

SOS = "sosreport-sunbeam-ctl1-2025-05-14-qkzvbra"
SOS_COPY = "sosreport-sunbeam-ctl1-copy"
HOSTNAME = "sunbeam-ctl1"
PODLOGS = (
    "sos_commands/kubernetes/cluster-info/{ns}/podlogs/{pod}/k8s_kubectl_--namespace_{ns}_logs_{pod}_-c_{c}"
)
NOVA_UID = "6f1c3a52-8d0e-4b7a-9e21-3c5d7f90ab14"
CONDUCTOR_ID = "4e0f5b8c2a9d7e16" * 4
MUST_GATHER = "must-gather.local.5237114082"
OPENSTACK_IMAGE = "quay-io-openstack-k8s-operators-openstack-must-gather-sha256-0f1e2d3c"
OPENSHIFT_IMAGE = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-4a5b6c7d"
OSLO_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{3})")


def lines_of(path: Path, count: int | None = None) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines if count is None else lines[:count]


def enveloped(lines: list[str], wrap: str) -> list[str]:
    """Each oslo line behind a stamp made from its own (continuation lines keep the last one).
    `wrap` has `{date}`, `{clock}`, `{ms}` and `{line}`."""
    out = []
    date, clock, ms = "1970-01-01", "00:00:00", "000"
    for line in lines:
        stamp = OSLO_STAMP.match(line)
        if stamp:
            date, clock, ms = stamp.groups()
        out.append(wrap.format(date=date, clock=clock, ms=ms, line=line))
    return out


def pebble_scheduler() -> str:
    lines = lines_of(OSP6 / "nova-scheduler.log")
    pebble = lines_of(PAYLOADS / "sunbeam-pebble.excerpt.log")[4]
    first = OSLO_STAMP.match(lines[0])
    assert first is not None
    moved = f"{first[1]}T{first[2]}.000Z" + pebble[len("2025-12-02T12:03:24.521Z") :]
    wrapped = enveloped(lines, "{date}T{clock}.{ms}Z [nova-scheduler] {line}")
    return "\n".join([moved, *wrapped]) + "\n"


def cri_conductor() -> str:
    lines = lines_of(OSP6 / "nova-conductor.log", 60)
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    out = []
    for number, line in enumerate(enveloped(lines, "{date}T{clock}.{ms}123456+00:00 stdout F {line}")):
        if number == longest:
            head, _, payload = line.partition(" stdout F ")
            cut = len(payload) // 2
            out.append(f"{head} stdout P {payload[:cut]}")
            out.append(f"{head} stdout F {payload[cut:]}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def pod_yaml(pod: str, namespace: str, node: str, container: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        f"  name: {pod}\n  namespace: {namespace}\n"
        "spec:\n  containers:\n"
        f"  - name: {container}\n"
        f"  nodeName: {node}\n"
        "status:\n  phase: Running\n"
    )


def sosreport(root: Path) -> None:
    write(root / "hostname", f"{HOSTNAME}\n")
    write(root / "etc" / "hostname", f"{HOSTNAME}\n")
    write(root / "uptime", " 11:30:02 up 3 days,  2:01,  1 user,  load average: 0.52, 0.61, 0.58\n")
    write(root / PODLOGS.format(ns="openstack", pod="nova-0", c="nova-scheduler"), pebble_scheduler())
    write(
        root / PODLOGS.format(ns="openstack", pod="cinder-0", c="cinder-api"),
        (PAYLOADS / "sunbeam-pebble.excerpt.log").read_text(),
    )
    calico = "calico-kube-controllers-5f885f6465-zpvgw"
    write(
        root / PODLOGS.format(ns="kube-system", pod=calico, c="calico-kube-controllers"),
        (PAYLOADS / "kubectl-logs-calico-kube-controllers").read_text(),
    )
    write(
        root / "sos_commands/kubernetes/cluster-info/k8s_kubectl_get_pods_--all-namespaces",
        "NAMESPACE     NAME       READY   STATUS    RESTARTS   AGE\n"
        "openstack     nova-0     4/4     Running   0          3d\n"
        "openstack     cinder-0   2/2     Running   0          3d\n",
    )
    write(root / "sos_commands/logs/journalctl_--no-pager", "\n".join(lines_of(UBUNTU_SYSLOG, 40)) + "\n")
    write(
        root / "sos_commands/logs/journalctl_--disk-usage",
        "Archived and active journals take up 1.1G in the file system.\n",
    )
    pod_folder = f"var/log/pods/openstack_nova-0_{NOVA_UID}/nova-conductor"
    write(root / pod_folder / "0.log", cri_conductor())
    link = root / f"var/log/containers/nova-0_openstack_nova-conductor-{CONDUCTOR_ID}.log"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(f"../../../{pod_folder}/0.log")


def pod_describe(pod: str, namespace: str, node: str, address: str) -> str:
    return (
        f"Name:             {pod}\nNamespace:        {namespace}\nPriority:         0\n"
        f"Node:             {node}/{address}\nStatus:           Running\n"
    )


def must_gather(root: Path) -> None:
    # OpenShift's own must-gather image: `oc adm inspect` of each namespace.
    etcd = "etcd-ip-10-0-187-218.ec2.internal"
    etcd_pod = root / OPENSHIFT_IMAGE / "namespaces/openshift-etcd/pods" / etcd
    write(etcd_pod / f"{etcd}.yaml", pod_yaml(etcd, "openshift-etcd", "ip-10-0-187-218.ec2.internal", "etcd"))
    write(etcd_pod / "etcd/etcd/logs/current.log", (PAYLOADS / "must-gather-etcd-current.log").read_text())
    # openstack-must-gather: `oc logs` of each container, its previous run, `oc describe pod`.
    openstack = root / OPENSTACK_IMAGE / "namespaces/openstack"
    nova_pod = openstack / "pods/nova-api-0"
    write(
        nova_pod / "nova-api-0-describe",
        pod_describe("nova-api-0", "openstack", "worker-1", "192.168.122.11"),
    )
    nova_api = lines_of(OSP6 / "nova-api.log")
    write(nova_pod / "logs/nova-api-api.log", "\n".join(nova_api[:50]) + "\n")
    write(nova_pod / "logs/nova-api-api-previous.log", "\n".join(nova_api[50:80]) + "\n")
    write(
        openstack / "events.log",
        "LAST SEEN   TYPE     REASON    OBJECT           MESSAGE\n"
        "3m          Normal   Pulled    pod/nova-api-0   Container image already present on machine\n",
    )
    write(root / OPENSTACK_IMAGE / "timestamp", "2025-05-14 11:32:07.152 +0000 UTC m=+0.051122333\n")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(out: Path) -> None:
    sosreport(out / SOS)
    shutil.copytree(out / SOS, out / SOS_COPY, symlinks=True)
    must_gather(out / MUST_GATHER)
    shutil.copyfile(PAYLOADS / "os-log-merger-mergedlogs-compute.head.log", out / "mergedlogs-compute.log")
    (out / "notes.bin").write_bytes(bytes(range(256)) * 4)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file and link under root: its bytes, or the link's target."""
    out = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            out[key] = path.read_bytes()
    return out


def main() -> int:
    target = HERE / "collection"
    with tempfile.TemporaryDirectory() as scratch:
        built = Path(scratch) / "collection"
        build(built)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(built, target, symlinks=True)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
