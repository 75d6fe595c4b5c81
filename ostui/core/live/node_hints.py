"""The deployment's other nodes, as the controller's own logs name them.

A controller's logs mention the hosts it works with: the scheduler weighs compute hosts,
neutron-server binds ports to hosts and hears from agents on hosts, cinder-scheduler
hears from `host@backend` volume services, RabbitMQ accepts connections from every
service's address. `find_node_hints` collects those names (with how many lines name
each, one example line and the services they point at) so ostui can propose them as
`--node`s or as a `nodes.toml` the operator reviews.

Speed: every pattern starts with a literal (`host`, `to`, `my_ip`, ...), so Python's
regex engine skips to candidates at C speed; each file gets only the passes its
component can use (a RabbitMQ log one, a nova log four), over 8 MiB blocks read with
pread. Python work is per match, never per line.

Names: lower-cased, a trailing dot dropped; a short name (`compute1`) merges into the
one fully qualified name that starts with it (`compute1.example.com`), which is kept
because it is what the services registered and it resolves without a search domain.
Two FQDNs sharing a first label stay apart. IP addresses, UUIDs and hex ids are never
taken for names; addresses only come from RabbitMQ, as address-only hints.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..indexing.logset import LogFile
from ..reading.source import BLOCK_SIZE, ByteSource, open_source
from .remote import RemoteNode


@dataclass
class NodeHint:
    name: str  # a host name, or an IPv4 address for an address-only hint
    roles: set[str] = field(default_factory=set)  # e.g. {"nova-compute", "neutron-agent"}
    evidence: int = 0  # lines that name it
    example: str = ""  # one of those lines, trimmed
    source: str = ""  # the file label of `example`

    @property
    def is_address(self) -> bool:
        return _is_ipv4(self.name)


# -- the lines that name other nodes --------------------------------------------------
# A host name as services print it: letters, digits, `-`, `_`, dots (validated later).
_N = rb"([A-Za-z0-9][A-Za-z0-9_.-]{0,252})"
# cinder's `host@backend#pool`: the backend is kept (it says cinder-volume), the pool not.
_BE = rb"(?:@([A-Za-z0-9_.:-]+))?(?:#[^'\"\s]*)?"
_IP = rb"(\d{1,3}(?:\.\d{1,3}){3})"

COMPONENT = "component"  # role placeholder: decided by the file's component
SELF = "self"  # the name of the node that wrote the file: excluded, never proposed
_COMPONENT_ROLES = {"nova": "nova-compute", "neutron": "neutron-agent", "cinder": "cinder-volume"}


@dataclass(frozen=True)
class _Branch:
    regex: bytes  # one name group, then optionally one backend group
    role: str  # a role, COMPONENT or SELF
    backend: bool = False
    alternates: bool = False  # nova-conductor's list of alternate hosts follows


# Everything that follows the word `host` (one pass finds them all). The comment says
# which service and release writes it; all were seen in real logs or read in the
# services' source.
_HOST_BRANCHES = (
    # neutron port binding, `"binding:host_id": "compute1"`: neutron-server request bodies
    # and RPC notifications, nova's neutronclient DEBUG bodies (OSP6 Juno), nova's port
    # updates (Rocky+).
    _Branch(rb"_id['\"]: u?['\"]" + _N + rb"['\"]", "neutron-agent"),
    # dicts, `'host': u'compute1'`: neutron agent state reports and DVR MAC lists
    # (devstack Havana q-svc, Ussuri openvswitch-agent), nova-consoleauth tokens and
    # os-migrateLive bodies (OSP6), nova-scheduler service dicts, cinder volume dicts
    # (`host@backend#pool` since Juno).
    _Branch(rb"['\"]: u?['\"]" + _N + _BE + rb"['\"]", COMPONENT, backend=True),
    # object reprs, `Instance(...host='compute1'...)` (nova-compute, OSP6 Juno) and
    # neutron's `Agent {..., host=u'net1'}` (devstack Havana q-svc).
    _Branch(rb"=u?['\"]" + _N + rb"['\"]", COMPONENT),
    # query strings, `GET .../servers/detail?host=compute1&...` (nova-api, Havana).
    _Branch(rb"(?<=[?&]host)=" + _N + rb"(?=[&\s\"'])", COMPONENT),
    # phrases: neutron-server ml2 `details requested by agent ... with host H`, `Attempting
    # to bind port P on host H` (Juno to today), `not bound to the agent host H` (OSP6),
    # `L3 agent configuration on host H` (Havana), `Heartbeat received from X agent on
    # host H` (Mitaka+); nova-compute `moved from host A to host B` (OSP6); nova
    # `Compute host H could not be found` (Ussuri).
    _Branch(
        rb"(?:(?<=\swith host)|(?<=\son host)|(?<=\sagent host)|(?<=\sfrom host)|(?<=\sto host)"
        rb"|(?<=\sCompute host)) \"?" + _N,
        COMPONENT,
    ),
    # nova-scheduler's HostState, `(host, node) ram: ...`, as `WeighedHost [host: (c1, c1)`
    # in the Weighed list and `Selected host: (c1, c1)` (Juno to today).
    _Branch(rb": \(" + _N + rb", ", "nova-compute"),
    # nova-conductor, `Selected host: c1; Selected node: c1; Alternates: [('c2', 'c2')]`
    # (Queens+).
    _Branch(rb": " + _N + rb"; Selected node", "nova-compute", alternates=True),
    # nova-conductor, `Unable to migrate instance (...) to current host (H).` (OSP6 Juno).
    _Branch(rb"(?<=current host) \(" + _N + rb"\)", "nova-compute"),
    # neutron-server ml2, `Bound port: P, host: H, vnic_type: ...` (OSP6 Juno).
    _Branch(rb"(?<=, host): " + _N + rb",", "neutron-agent"),
    # cinder-scheduler's backend state, `host 'node1@lvm#LVM':free_capacity_gb: ...` in its
    # Filtered and Weighed lists (Kilo+).
    _Branch(rb" '" + _N + _BE + rb"': ?free_capacity_gb", "cinder-volume", backend=True),
    # oslo.config's option dump at start-up, `host                 = compute4` (every
    # service with debug on, Havana to today): the writer's own name.
    _Branch(rb"(?<=\] host) {2,}= " + _N, SELF),
)

# nova-api `Going to try to live migrate instance to H` and nova-compute `Migrating
# instance to H finished successfully.` (OSP6 Juno); nova-novncproxy `connecting to:
# H:5900` (OSP6 Juno).
_TO_BRANCHES = (
    _Branch(
        rb"(?:(?<=migrate instance to) |(?<=Migrating instance to) |(?<=connecting to): )" + _N,
        "nova-compute",
    ),
)
# nova-compute about itself: `Compute_service record updated for H:N` or `for ('H', 'N')`
# (Juno to Queens, OSP6) and `Final resource view: name=H` (Liberty+).
_RECORD_UPDATED = (_Branch(rb"\(?u?'?" + _N, SELF),)
_FINAL_RESOURCE_VIEW = (_Branch(_N, SELF),)
# cinder-scheduler, `Received volume service update from node1@lvm: {...}` (every minute
# per backend, Kilo+; `from node1.` before).
_CINDER_BRANCHES = (
    _Branch(rb"volume service update from " + _N + _BE, "cinder-volume", backend=True),
    _Branch(rb"backup service update from " + _N + _BE, "cinder-backup", backend=True),
)

_MY_IP = re.compile(rb"my_ip {2,}= " + _IP)  # oslo.config dump: the writer's own address
# RabbitMQ 3.x, `accepting AMQP connection <0.1.0> (10.0.0.133:55402 -> 10.0.0.116:5672)`
# and `connection <0.1.0> (... - neutron-dhcp-agent:155734:0b1a...): user 'neutron'
# authenticated` (Ubuntu Ussuri, RabbitMQ 3.8): the peer's address and oslo.messaging's
# connection name, which starts with the program.
_RABBIT = re.compile(rb"connection <[\d.]+> \(" + _IP + rb":\d+ -> " + _IP + rb":\d+(?: - ([\w.-]+):)?")
# neutron-server, `Agent healthcheck: found 1 dead agents out of 7:` then one row per
# dead agent, `Loadbalancerv2 agent 2016-12-08 17:15:11 haproxy-devstack2` (Kilo+, a
# WARNING: seen at any log level).
_DEAD = b" dead agents out of "
_COUNT_BEFORE = re.compile(rb"(\d+)$")
_DEAD_ROW = re.compile(
    rb" agent +\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)? +" + _N + rb"[ \t]*\r?$", re.MULTILINE
)
# syslog and journal lines, `Feb 10 00:00:01 compute4 systemd[1]: ...` or an ISO stamp:
# the writer's own name, looked at once per block.
_SYSLOG_HEAD = re.compile(
    rb"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
    rb"(?:Z|[+-]\d\d:?\d\d)?) " + _N + rb" [\w./@-]+(?:\[\d+\])?: "
)
_ALTERNATE = re.compile(rb"\(u?'" + _N + rb"', u?'")


class _Pass:
    """One regex over a block: alternatives that share a leading literal."""

    def __init__(self, lead: bytes, branches: Sequence[_Branch]) -> None:
        self.regex = re.compile(lead + b"(?:" + b"|".join(b.regex for b in branches) + b")")
        # lastindex -> (branch, its name group, its backend group or 0)
        self.groups: dict[int, tuple[_Branch, int, int]] = {}
        n = 1
        for b in branches:
            entry = (b, n, n + 1 if b.backend else 0)
            self.groups[n] = entry
            if b.backend:
                self.groups[n + 1] = entry
            n += 2 if b.backend else 1
        assert self.regex.groups == n - 1


_HOST = _Pass(rb"host(?<![\w.-]host)", _HOST_BRANCHES)
_TO = _Pass(b"to", _TO_BRANCHES)
_COMPUTE_SELF = (
    _Pass(b"Compute_service record updated for ", _RECORD_UPDATED),
    _Pass(b"Final resource view: name=", _FINAL_RESOURCE_VIEW),
)
_CINDER = _Pass(b"Received ", _CINDER_BRANCHES)

# Components whose logs never name the deployment's nodes by host name (or only by
# address, e.g. OVN's and Galera's peers): not read at all.
_SKIPPED = frozenset(
    {"qemu", "libvirt", "openvswitch", "ovn", "mariadb", "haproxy", "horizon", "keystone", "glance", "swift"}
)


def _passes(lf: LogFile, addresses: bool) -> tuple[list[_Pass], bool, bool, bool]:
    """(passes, my_ip, dead-agent tables, rabbitmq) for one file. `my_ip` (this node's
    address) is only looked for when there are RabbitMQ peers to tell it from."""
    component = lf.component
    if component == "rabbitmq":
        return [], False, False, True
    if component == "nova":
        name = lf.path.name
        compute = "compute" in name or "n-cpu" in name
        return [_HOST, _TO, *(_COMPUTE_SELF if compute else ())], addresses, False, False
    if component == "neutron":
        return [_HOST], False, True, False
    if component == "cinder":
        return [_HOST, _CINDER], addresses, False, False
    return [_HOST, _TO, _CINDER], addresses, True, False  # syslog, devstack, other: anything


# -- names ----------------------------------------------------------------------------
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_IDISH = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{16,}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
_NOT_NAMES = frozenset(
    {
        "none",
        "null",
        "nil",
        "true",
        "false",
        "unknown",
        "undefined",
        "default",
        "host",
        "another",  # nova: "live migrate instance to another host"
        "localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "self.host",
    }
)


def _is_ipv4(text: str) -> bool:
    if not _IPV4.fullmatch(text):
        return False
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def normalize_name(raw: str) -> str | None:
    """A host name as compared and proposed, or None for what only looks like one
    (an address, a UUID or hex id, a number, a placeholder like `None`)."""
    name = raw.strip().rstrip(".").lower()
    if len(name) < 2 or len(name) > 253 or name in _NOT_NAMES:
        return None
    if _IPV4.fullmatch(name) or _IDISH.search(name):
        return None
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return None
    if not any("a" <= c <= "z" for c in name):
        return None
    return name


@lru_cache(maxsize=4096)
def _name_of(raw: bytes) -> str | None:
    # Busy logs repeat a few names millions of times: validate each once.
    return normalize_name(raw.decode("ascii", "replace"))


def _first_label(name: str) -> str:
    return name.split(".", 1)[0]


class _Excluder:
    """This node's names: equal, or equal first labels when one side is unqualified."""

    def __init__(self, names: Iterable[str]) -> None:
        self.full: set[str] = set()
        self.short: set[str] = set()  # unqualified names: exclude any domain
        self.labels: set[str] = set()  # first labels: exclude an unqualified candidate
        for raw in names:
            name = normalize_name(raw)
            if name is None:
                continue
            self.full.add(name)
            self.labels.add(_first_label(name))
            if "." not in name:
                self.short.add(name)

    def __contains__(self, name: str) -> bool:
        if name in self.full or _first_label(name) in self.short:
            return True
        return "." not in name and name in self.labels


# -- scanning ---------------------------------------------------------------------------
@dataclass
class _Tally:
    lines: int = 0
    roles: set[str] = field(default_factory=set)
    example: str = ""
    source: str = ""


def _program_role(program: str) -> str:
    """The role a RabbitMQ client's program name says."""
    if program.startswith("neutron-") and "agent" in program:
        return "neutron-agent"
    return program


def _line_text(data: bytes, start: int, end: int, hit: int, hit_end: int, width: int = 200) -> str:
    """The line data[start:end], cut to a window around the hit when long."""
    if end - start > width:
        lo = max(start, hit - width // 3)
        hi = min(end, max(lo + width, hit_end))
        text = data[lo:hi].decode("utf-8", "replace")
        return ("…" if lo > start else "") + text + ("…" if hi < end else "")
    return data[start:end].decode("utf-8", "replace")


class _Scanner:
    def __init__(self) -> None:
        self.names: dict[str, _Tally] = {}
        self.addresses: dict[str, _Tally] = {}
        self.self_names: set[str] = set()
        self.self_addresses: set[str] = set()
        self.heads: set[str] = set()  # syslog header names seen in the current file

    # one hit: a name (or address) on the line starting at `start` of `data`
    def _hit(
        self,
        table: dict[str, _Tally],
        key: str,
        role: str | None,
        data: bytes,
        span: tuple[int, int],
        seen: set[tuple[int, str]],
        label: str,
    ) -> None:
        start = data.rfind(b"\n", 0, span[0]) + 1
        tally = table.get(key)
        if tally is None:
            tally = table[key] = _Tally()
        if role:
            tally.roles.add(role)
        if (start, key) in seen:
            return  # the same line names it twice: one line of evidence
        seen.add((start, key))
        tally.lines += 1
        if not tally.example:
            end = data.find(b"\n", span[1])
            end = len(data) if end < 0 else end
            tally.example = _line_text(data, start, end, span[0], span[1]).strip()
            tally.source = label

    def block(self, lf: LogFile, data: bytes, end: int, plan: tuple[list[_Pass], bool, bool, bool]) -> None:
        passes, my_ip, dead, rabbit = plan
        label = lf.label
        component_role = _COMPONENT_ROLES.get(lf.component)
        seen: set[tuple[int, str]] = set()
        # syslog's writer, from the block's first and last lines (see `scan`)
        for at in (0, data.rfind(b"\n", 0, max(0, end - 1)) + 1):
            head = _SYSLOG_HEAD.match(data, at, end)
            if head is not None and (name := _name_of(head.group(1))):
                self.heads.add(name)
        for p in passes:
            for m in p.regex.finditer(data, 0, end):
                branch, name_group, backend_group = p.groups[m.lastindex or 0]
                name = _name_of(m.group(name_group))
                if name is None:
                    continue
                if branch.role == SELF:
                    self.self_names.add(name)
                    continue
                role: str | None = branch.role
                if backend_group and m.group(backend_group):
                    role = "cinder-backup" if branch.role == "cinder-backup" else "cinder-volume"
                elif role == COMPONENT:
                    role = component_role
                self._hit(self.names, name, role, data, m.span(name_group), seen, label)
                if branch.alternates:
                    stop = data.find(b"\n", m.end(), end)
                    for alt in _ALTERNATE.finditer(data, m.end(), end if stop < 0 else stop):
                        other = _name_of(alt.group(1))
                        if other is not None:
                            self._hit(self.names, other, role, data, alt.span(1), seen, label)
        if my_ip:
            for m in _MY_IP.finditer(data, 0, end):
                self.self_addresses.add(m.group(1).decode("ascii"))
        if dead:
            self._dead_agents(data, end, seen, label)
        if rabbit:
            for m in _RABBIT.finditer(data, 0, end):
                peer, local = m.group(1).decode("ascii"), m.group(2).decode("ascii")
                self.self_addresses.add(local)  # the broker's own end
                if not _is_ipv4(peer):
                    continue
                program = m.group(3)
                role = _program_role(program.decode("ascii", "replace")) if program else None
                self._hit(self.addresses, peer, role, data, m.span(1), seen, label)

    def _dead_agents(self, data: bytes, end: int, seen: set[tuple[int, str]], label: str) -> None:
        pos = data.find(_DEAD, 0, end)
        while pos >= 0:
            digits = _COUNT_BEFORE.search(data, max(0, pos - 12), pos)
            count = int(digits.group(1)) if digits else 0
            # this line, the table's heading, then one row per dead agent
            stop = pos
            for _ in range(min(count, 10000) + 2):
                nl = data.find(b"\n", stop + 1, end)
                if nl < 0:
                    stop = end
                    break
                stop = nl
            for m in _DEAD_ROW.finditer(data, pos, stop):
                name = _name_of(m.group(1))
                if name is not None:
                    self._hit(self.names, name, "neutron-agent", data, m.span(1), seen, label)
            pos = data.find(_DEAD, stop, end)

    def scan(self, lf: LogFile, limit_bytes: int | None, addresses: bool = True) -> None:
        plan = _passes(lf, addresses)
        source: ByteSource | None = lf.index.source if lf.index is not None else None
        opened = source is None
        if source is None:
            try:
                source = open_source(lf.path)
            except OSError:
                return  # unreadable: nothing to learn from it
        self.heads = set()
        try:
            self._scan_source(lf, source, limit_bytes, plan)
        except OSError:
            pass  # a file that vanished or failed mid-read: keep what was found
        finally:
            if opened:
                source.close()
        # One name in every header sampled is the writer; several mean a log server
        # gathering other hosts' syslog, whose writer cannot be told from its peers.
        if len(self.heads) == 1:
            self.self_names |= self.heads

    def _scan_source(
        self,
        lf: LogFile,
        source: ByteSource,
        limit_bytes: int | None,
        plan: tuple[list[_Pass], bool, bool, bool],
    ) -> None:
        size = source.size()
        pos = 0 if limit_bytes is None else max(0, size - limit_bytes)
        if pos > 0:  # begin on a line start
            nl = source.read(pos - 1, 1 << 20).find(b"\n")
            pos = pos + nl if nl >= 0 else size
        while pos < size:
            data = source.read(pos, min(BLOCK_SIZE, size - pos))
            if not data:
                break
            end = data.rfind(b"\n") + 1
            if end == 0 or pos + len(data) >= size:
                end = len(data)  # the last block, or one line longer than a block
            self.block(lf, data, end, plan)
            pos += end


def _merge_short(names: dict[str, _Tally]) -> dict[str, _Tally]:
    """Fold `compute1` into `compute1.example.com` when that is the only FQDN for it."""
    fqdns: dict[str, list[str]] = {}
    for name in names:
        if "." in name:
            fqdns.setdefault(_first_label(name), []).append(name)
    out = {name: t for name, t in names.items() if "." in name or len(fqdns.get(name, ())) != 1}
    for name, tally in names.items():
        if name in out:
            continue
        into = out[fqdns[name][0]]
        into.lines += tally.lines
        into.roles |= tally.roles
        if not into.example:
            into.example, into.source = tally.example, tally.source
    return out


def find_node_hints(
    files: Sequence[LogFile], exclude: Iterable[str] = (), limit_bytes: int | None = None
) -> list[NodeHint]:
    """The other nodes the files name, most evidence first (address-only hints last).

    `exclude`: names (or addresses) of this node besides what is excluded anyway: the
    files' own node names, `socket.gethostname()`, and the names the logs give for their
    writer (oslo.config's `host =`, nova-compute's own records, syslog headers).
    `limit_bytes`: read at most the last this many bytes of each file (the recent past
    is what the deployment is now).
    """
    scanner = _Scanner()
    addresses = any(lf.component == "rabbitmq" for lf in files)
    for lf in files:
        if lf.component not in _SKIPPED:
            scanner.scan(lf, limit_bytes, addresses)
    extra = list(exclude)
    own = [*extra, *(lf.node for lf in files), socket.gethostname(), *scanner.self_names]
    excluded = _Excluder(own)
    names = {k: t for k, t in scanner.names.items() if k not in excluded}
    hints = [NodeHint(k, t.roles, t.lines, t.example, t.source) for k, t in _merge_short(names).items()]
    own_addresses = scanner.self_addresses | {a for a in extra if _is_ipv4(a)}
    for address, t in scanner.addresses.items():
        ip = ipaddress.IPv4Address(address)
        if address in own_addresses or ip.is_loopback or ip.is_unspecified:
            continue
        hints.append(NodeHint(address, t.roles, t.lines, t.example, t.source))
    hints.sort(key=lambda h: (h.is_address, -h.evidence, h.name))
    return hints


def hints_to_nodes(hints: Iterable[NodeHint]) -> list[RemoteNode]:
    """RemoteNodes reached by the hinted name itself (`ssh <name>`)."""
    return [RemoteNode(h.name, target=h.name) for h in hints]


# -- nodes.toml -----------------------------------------------------------------------
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def _toml_key(text: str) -> str:
    return text if _BARE_KEY.fullmatch(text) else _toml_string(text)


def _comment(text: str) -> str:
    # TOML forbids control characters in comments; a log line may hold any.
    return _CONTROL.sub(" ", text)


def format_inventory(hints: Iterable[NodeHint]) -> str:
    """A nodes.toml proposing the hinted nodes, to review and save as
    ~/.config/ostui/nodes.toml. Address-only hints are written commented out: the logs
    do not say which named node an address belongs to, so they may be duplicates."""
    out = [
        "# Nodes named by this host's logs (ostui). Review, then save as ~/.config/ostui/nodes.toml.",
        '# Each node is reached as `ssh <ssh>`: change ssh to "user@host" or a Host of ~/.ssh/config.',
    ]
    for hint in hints:
        roles = ", ".join(sorted(hint.roles)) or "role unknown"
        lines = "line" if hint.evidence == 1 else "lines"
        about = f"{roles}: {hint.evidence} {lines}, e.g. in {hint.source}"
        body = [
            f"# {_comment(about)}",
            f"#   {_comment(hint.example)}" if hint.example else "",
            f"[nodes.{_toml_key(hint.name)}]",
            f"ssh = {_toml_string(hint.name)}",
        ]
        body = [line for line in body if line]
        if hint.is_address:
            body = [
                "# An address that connected to RabbitMQ: uncomment if it is none of the nodes above.",
                *(line if line.startswith("#") else "# " + line for line in body),
            ]
        out.append("")
        out.extend(body)
    return "\n".join(out) + "\n"
