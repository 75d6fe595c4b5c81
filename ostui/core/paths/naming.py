"""What a log is named after: its component (nova, neutron, ovn...) and producer, from the
folders and file names of the layouts deployments write (RDO/Ubuntu, Kolla, TripleO/EDPM,
devstack, Kubernetes pods), and which names no log has. Shared by local discovery and the
remote listing (`classify`), so both map the same files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .layouts import PodLog, is_node_pods_folder, kubectl_capture, node_pod_log, pod_base
from .rotation import base_name

# The seed table's order (the order an operator walks a request), then the rest alphabetically.
COMPONENT_ORDER: tuple[str, ...] = (
    "keystone",
    "nova",
    "qemu",
    "libvirt",
    "glance",
    "cinder",
    "neutron",
    "openvswitch",
    "ovn",
    "swift",
    "horizon",
    "mariadb",
    "rabbitmq",
)

SERVICES: frozenset[str] = frozenset(
    {
        "nova",
        "neutron",
        "glance",
        "cinder",
        "keystone",
        "swift",
        "heat",
        "horizon",
        "placement",
        "octavia",
        "ironic",
        "manila",
        "designate",
        "barbican",
        "aodh",
        "ceilometer",
        "gnocchi",
        "masakari",
    }
)

# Folder name (under var/log, kolla/ or containers/) -> component.
_DIR_COMPONENTS: dict[str, str] = {
    **{name: name for name in SERVICES},
    "openvswitch": "openvswitch",
    "ovn": "ovn",
    "rabbitmq": "rabbitmq",
    "mariadb": "mariadb",
    "mysql": "mariadb",
    "libvirt": "libvirt",
    "qemu": "qemu",
    "haproxy": "haproxy",
}
_APACHE_DIRS = frozenset({"httpd", "apache2"})
# Folders that only hold per-service folders (Kolla, TripleO).
_WRAPPER_DIRS = frozenset({"kolla", "containers"})
# TripleO's and EDPM's container consoles, `containers/stdouts/<container>.log`: one file per
# container, the container its producer.
_CONSOLE_DIR = "stdouts"

# First word of a file name -> component, for files outside a service folder.
_NAME_COMPONENTS: dict[str, str] = {
    **{name: name for name in SERVICES},
    "ovs": "openvswitch",
    "ovsdb": "openvswitch",
    "openvswitch": "openvswitch",
    "ovn": "ovn",
    "libvirtd": "libvirt",
    "libvirt": "libvirt",
    "qemu": "qemu",
    "instance": "qemu",  # libvirt's instance-0000000a.log
    "rabbit": "rabbitmq",
    "rabbitmq": "rabbitmq",
    "mysqld": "mariadb",
    "mysql": "mariadb",
    "mariadb": "mariadb",
    "haproxy": "haproxy",
    "syslog": "syslog",
    "messages": "syslog",
}
_WORD_SPLIT = re.compile(r"[-_.@]")

# devstack: screen-n-api.txt(.gz), screen-n-api.log, devstack@n-api.service.log.txt (a journal
# export), and bare n-api.log; the short names' first letters name the project.
_DEVSTACK_FILE = re.compile(
    r"^(?:screen-(?P<screen>.+?)\.(?:txt|log)|devstack@(?P<unit>.+?)\.service(?:\..*)?)$"
)
_DEVSTACK_SHORT_FILE = re.compile(r"^(?P<short>[a-z]{1,2}-[a-z0-9_-]+)\.(?:log|txt)$")
_DEVSTACK_PREFIXES: dict[str, str] = {
    "n": "nova",
    "q": "neutron",
    "c": "cinder",
    "g": "glance",
    "s": "swift",
    "h": "heat",
    "o": "octavia",
    "m": "manila",
    "ir": "ironic",
}
_DEVSTACK_STARTS: tuple[tuple[str, str], ...] = (
    ("key", "keystone"),
    ("placement", "placement"),
    ("rabbit", "rabbitmq"),
    ("mysql", "mariadb"),
)
_DEVSTACK_OWN_LOGS = frozenset({"stack.sh.log", "devstacklog.txt", "devstack.log"})

# Files next to logs that are not logs; skipped without a word.
_NOT_LOG_SUFFIXES: tuple[str, ...] = (
    ".pid",
    ".sock",
    ".socket",
    ".lock",
    ".db",
    ".sqlite",
    ".sqlite3",
    ".swp",
    ".pos",
    ".ctl",
    ".journal",
    ".journal~",
    ".pyc",
)
_NOT_LOG_NAMES = frozenset({"lastlog", "wtmp", "btmp", "faillog", "tallylog"})
SKIPPED_DIRS = frozenset({"journal"})

# Parent folder names that say nothing about the component of a file given by hand.
GENERIC_DIRS = frozenset({"", ".", "..", "log", "logs", "var", "tmp"})


def component_sort_key(component: str) -> tuple[int, str]:
    """Seed-table components first in table order, then the others alphabetically."""
    try:
        return COMPONENT_ORDER.index(component), ""
    except ValueError:
        return len(COMPONENT_ORDER), component


def _devstack_component(short: str) -> str:
    head, dash, _rest = short.partition("-")
    if dash and head in _DEVSTACK_PREFIXES:
        return _DEVSTACK_PREFIXES[head]
    for start, component in _DEVSTACK_STARTS:
        if short.startswith(start):
            return component
    # neutron-l3, horizon...; an unknown unit (dstat, etcd, tls-proxy) keeps its own name.
    return _NAME_COMPONENTS.get(_WORD_SPLIT.split(short, maxsplit=1)[0], short)


def _is_ovn_name(lowered: str) -> bool:
    # OVN's databases run as ovsdb-server-nb/-sb and often share Open vSwitch's folder.
    return lowered.startswith(("ovn", "ovsdb-server-nb", "ovsdb-server-sb"))


def component_from_filename(name: str) -> str | None:
    """Component told by a file name alone (rotation suffixes ignored), None when it says nothing."""
    return _component_from_base(base_name(name).lower())


def _component_from_base(lowered: str) -> str | None:
    match = _DEVSTACK_FILE.match(lowered)
    if match:
        return _devstack_component(match["screen"] or match["unit"])
    if lowered in _DEVSTACK_OWN_LOGS:
        return "devstack"
    if _is_ovn_name(lowered):
        return "ovn"
    component = _NAME_COMPONENTS.get(_WORD_SPLIT.split(lowered, maxsplit=1)[0])
    if component is not None:
        return component
    match = _DEVSTACK_SHORT_FILE.match(lowered)
    if match and match["short"].partition("-")[0] in _DEVSTACK_PREFIXES:
        return _devstack_component(match["short"])
    return None


def component_from_dirname(name: str) -> str | None:
    """Component of a service folder: `nova`, `mysql`, TripleO's `nova-api` or `heat_api_cfn`."""
    lowered = name.lower()
    if lowered in _DIR_COMPONENTS:
        return _DIR_COMPONENTS[lowered]
    first = _WORD_SPLIT.split(lowered, maxsplit=1)[0]
    return first if first in SERVICES else None


def _name_component(name: str) -> str | None:
    lowered = name.lower()
    return component_from_dirname(lowered) or _component_from_base(lowered)


def pod_component(pod: PodLog) -> str:
    """A pod log's component: its container's (`nova-scheduler`), else its pod's (`nova-0`)."""
    return _name_component(pod.container) or _name_component(pod_base(pod.pod)) or "other"


def _strip_wrappers(chain: Sequence[str]) -> list[str]:
    dirs = [part.lower() for part in chain]
    while dirs and dirs[0] in _WRAPPER_DIRS:
        dirs.pop(0)
    return dirs


def classify_log(chain: Sequence[str], name: str) -> tuple[str, str] | None:
    """(component, producer) of file `name` in folders `chain` below var/log, or None.

    A Kubernetes node's pod logs and sosreport captures of `kubectl logs` name their container
    (the producer); other logs name none."""
    pod = node_pod_log(chain, name) or kubectl_capture(name)
    if pod is not None:
        return pod_component(pod), pod.producer
    if _strip_wrappers(chain) == [_CONSOLE_DIR]:
        container = base_name(name).removesuffix(".log")
        return _name_component(container) or "other", container
    if chain and chain[0].lower() == "pods":
        return None  # anything else in a Kubernetes node's pods/ is no container log
    component = _classify_service_log(chain, name)
    return None if component is None else (component, "")


def classify(chain: Sequence[str], name: str) -> str | None:
    """Component of file `name` found in folders `chain` (relative to var/log), or None."""
    mapped = classify_log(chain, name)
    return None if mapped is None else mapped[0]


def _classify_service_log(chain: Sequence[str], name: str) -> str | None:
    """A service's own log: the folder decides when it is known; otherwise the file name does."""
    dirs = _strip_wrappers(chain)
    base = base_name(name).lower()
    if dirs:
        head = dirs[0]
        if head in _APACHE_DIRS:
            if len(dirs) > 1:  # TripleO containers/httpd/<svc>/
                return component_from_dirname(dirs[1]) or "apache"
            if base.startswith("keystone"):
                return "keystone"
            if base.startswith("horizon"):
                return "horizon"
            return "apache"
        if head == "libvirt":
            return "qemu" if len(dirs) > 1 and dirs[1] == "qemu" else "libvirt"
        component = component_from_dirname(head)
        if component == "openvswitch" and _is_ovn_name(base):
            return "ovn"
        if component is not None:
            return component
    return _component_from_base(base)


def folder_wanted(chain: Sequence[str]) -> bool:
    """Whether a folder under a log root can hold logs we map (unknown folders are ignored)."""
    if is_node_pods_folder(chain):
        return True
    dirs = _strip_wrappers(chain)
    if not dirs:
        return True
    head = dirs[0]
    return head in _APACHE_DIRS or head == _CONSOLE_DIR or component_from_dirname(head) is not None


def named_like_no_log(name: str) -> bool:
    lowered = name.lower()
    return lowered in _NOT_LOG_NAMES or lowered.endswith(_NOT_LOG_SUFFIXES)


def why_named_no_log(name: str) -> str:
    """Why a file named like no log is not read."""
    lowered = name.lower()
    if lowered.endswith((".journal", ".journal~")):
        return "a systemd journal file (binary): journals are read through journalctl (--journal)"
    suffix = next((s for s in _NOT_LOG_SUFFIXES if lowered.endswith(s)), "")
    return f"not a log (a {suffix} file)" if suffix else "not a log (a binary login record)"
