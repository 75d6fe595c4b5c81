"""Where container platforms and support archives keep a pod's logs, read from a path alone.

Pure functions of path parts (no disk access), shared by local discovery and the remote
listing so that both map the same files:

- a Kubernetes node's `/var/log/pods/<ns>_<pod>_<uid>/<container>/<N>.log` (CRI files, rotated
  as `<N>.log.<date>[.gz]`) and its `/var/log/containers/<pod>_<ns>_<container>-<id>.log` links;
- sosreport captures of `kubectl logs`, named after the command line by sos
  (`k8s_kubectl_--namespace_openstack_logs_nova-0_-c_nova-scheduler`, older ones without `-c`),
  under `sos_commands/kubernetes/` (`cluster-info/<ns>/podlogs/<pod>/` or `pods/`);
- OpenShift-style must-gather: `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/<x>.log`.

The component of a pod's log comes from its container, then its pod (`nova-scheduler` and
`nova-0` both say nova); the producer is the container.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Kubernetes names (namespaces, pods, containers) are DNS labels or subdomains: no `_`.
_K8S_NAME = r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?"
_POD_FOLDER = re.compile(rf"^(?P<ns>{_K8S_NAME})_(?P<pod>{_K8S_NAME})_(?P<uid>[0-9a-f-]+)$")
_CRI_FILE = re.compile(r"^\d+\.log(?:\.\d{8}-\d{6}(?:\.gz)?)?$")
_CRI_LINK = re.compile(
    rf"^(?P<pod>{_K8S_NAME})_(?P<ns>{_K8S_NAME})_(?P<container>{_K8S_NAME})-[0-9a-f]{{64}}\.log$"
)
# sos turns `kubectl --namespace=ns logs pod -c c` into `kubectl_--namespace_ns_logs_pod_-c_c`,
# after whatever runs kubectl (`k8s`, `microk8s`) and its `--kubeconfig_...` flag.
_KUBECTL_CAPTURE = re.compile(
    rf"(?:^|_)kubectl_(?:\S*?_)?--namespace_(?P<ns>{_K8S_NAME})_logs_(?:--?[a-z-]+_)*"
    rf"(?P<pod>{_K8S_NAME})(?:_-c_(?P<container>{_K8S_NAME}))?(?:_--?[a-z-]+)*$"
)
_MUST_GATHER_LOG = re.compile(r"^(?:current|previous)(?:\.insecure)?\.log$")
_CONTAINER = re.compile(rf"^{_K8S_NAME}$")
# StatefulSet ordinals (`nova-0`) and the random suffixes of Deployments and DaemonSets
# (`coredns-5f885f6465-zpvgw`, `...-dx8br`), drawn by Kubernetes from consonants and digits
# without 0, 1 and 3, so a word like `sched` is never taken for one.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_POD_SUFFIX = re.compile(rf"(?:-\d+|(?:-{_SAFE}{{6,10}})?-{_SAFE}{{5}})$")


@dataclass(frozen=True, slots=True)
class PodLog:
    """A container's log, as its path names it."""

    namespace: str
    pod: str
    container: str  # "" when the capture does not name one (a pod of one container)

    @property
    def producer(self) -> str:
        return self.container or pod_base(self.pod)


def pod_base(pod: str) -> str:
    """A pod's name without the replica suffix its controller added."""
    return _POD_SUFFIX.sub("", pod) or pod


def node_pod_log(chain: Sequence[str], name: str) -> PodLog | None:
    """A log below a Kubernetes node's var/log (`chain` the folders below it): its
    `pods/<ns>_<pod>_<uid>/<container>/N.log` files and `containers/` links."""
    dirs = [part.lower() for part in chain]
    if len(dirs) == 3 and dirs[0] == "pods" and _CRI_FILE.match(name):
        folder = _POD_FOLDER.match(chain[1])
        if folder:
            return PodLog(folder["ns"], folder["pod"], chain[2])
    if len(dirs) == 1 and dirs[0] == "containers":
        link = _CRI_LINK.match(name)
        if link:
            return PodLog(link["ns"], link["pod"], link["container"])
    return None


def container_run(name: str) -> int | None:
    """Which run of a container a CRI log's live name is (kubelet writes `<restarts>.log`)."""
    return int(name[:-4]) if _CRI_FILE.match(name) and name[:-4].isdigit() else None


def is_container_link(chain: Sequence[str], name: str) -> bool:
    """Whether a node's `containers/<pod>_<ns>_<container>-<id>.log`: kubelet's link to a file
    under `pods/`, which is read there."""
    return len(chain) == 1 and chain[0].lower() == "containers" and _CRI_LINK.match(name) is not None


def is_node_pods_folder(chain: Sequence[str]) -> bool:
    """Whether folders `chain` below var/log are (inside) a Kubernetes node's `pods/`."""
    if not chain or chain[0].lower() != "pods":
        return False
    return len(chain) == 1 or (_POD_FOLDER.match(chain[1]) is not None and len(chain) <= 3)


def kubectl_capture(name: str) -> PodLog | None:
    """A sosreport's `kubectl logs` capture, told by its file name."""
    match = _KUBECTL_CAPTURE.search(name)
    if match is None:
        return None
    return PodLog(match["ns"], match["pod"], match["container"] or "")


def must_gather_current(name: str) -> str | None:
    """The log a must-gather container's previous run (`previous.log`, `<container>-previous.log`)
    came before, None for any other name."""
    if name in ("previous.log", "previous.insecure.log"):
        return "current" + name.removeprefix("previous")
    if name.endswith("-previous.log"):
        return name.removesuffix("-previous.log") + ".log"
    return None


@dataclass(frozen=True, slots=True)
class MustGatherLog:
    pod: PodLog
    pod_folder: int  # how many leading path parts make the pod's folder (`.../pods/<pod>`)


def must_gather_log(parts: Sequence[str]) -> MustGatherLog | None:
    """A must-gather container log, in either layout:
    `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log` (`oc adm
    inspect`, OpenShift's must-gather) or `namespaces/<ns>/pods/<pod>/logs/<container>[-previous].log`
    (openstack-must-gather's `oc logs` of each container)."""
    if len(parts) >= 8 and _MUST_GATHER_LOG.match(parts[-1]):
        top = len(parts) - 8
        namespaces, ns, pods, pod, container, again, logs = parts[top:-1]
        if namespaces == "namespaces" and pods == "pods" and logs == "logs" and container == again:
            return MustGatherLog(PodLog(ns, pod, container), top + 4)
    if len(parts) >= 6 and parts[-1].endswith(".log"):
        top = len(parts) - 6
        namespaces, ns, pods, pod, logs = parts[top:-1]
        container = parts[-1].removesuffix(".log").removesuffix("-previous")
        if namespaces == "namespaces" and pods == "pods" and logs == "logs" and _CONTAINER.match(container):
            return MustGatherLog(PodLog(ns, pod, container), top + 4)
    return None


def pod_log_title(parts: Sequence[str]) -> str | None:
    """How an operator names a pod's log (`nova-0/nova-scheduler`, `kubectl logs` style), from
    its path's parts; None when the path is not a pod's log. Its file names (`0.log`,
    `current.log`, sos's command lines) say nothing on their own."""
    name = parts[-1] if parts else ""
    capture = kubectl_capture(name)
    if capture is not None:
        return f"{capture.pod}/{capture.container}" if capture.container else capture.pod
    if len(parts) >= 3:
        folder = _POD_FOLDER.match(parts[-3])
        if folder and _CRI_FILE.match(name):
            return f"{folder['pod']}/{parts[-2]} {name}"
    gathered = must_gather_log(parts)
    if gathered is not None:
        pod = gathered.pod
        previous = " (previous)" if "previous" in name else ""
        return f"{pod.pod}/{pod.container}{previous}"
    return None
