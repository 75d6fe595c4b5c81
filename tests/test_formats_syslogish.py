"""journald, syslog, swift, keystone, apache-access and apache-error: record splitting,
levels, fields, sniffing, and the indexer's invariants on hostile bytes."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.parsing.formats import get_format, sniff_format
from ostui.core.parsing.formats.base import ParsedHead
from ostui.core.parsing.formats.syslog import stamp_keys
from ostui.core.reading.source import MemorySource
from ostui.core.timekeys import NO_KEY, key_from_parts

REAL = Path(__file__).parent / "data" / "real"
C_VOL = REAL / "devstack-ci" / "devstack@c-vol.service.log.txt"
C_API = REAL / "devstack-ci" / "devstack@c-api.service.log.txt"
UBUNTU = REAL / "ubuntu-ussuri" / "var" / "log"
OSP6 = REAL / "osp6-live-migration"

REQ = "req-34715675-437c-4668-8f27-ee0f5f10cabb"
GREQ = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
TXN = "txf0e2f8e5e2d14cbc8d4c2-005654e8b1"
PFX = "May 26 20:44:32.276580 devstack cinder-volume[27348]: "


def index(fmt: str, data: bytes, block_size: int = 8 << 20) -> FileIndex:
    idx = FileIndex(MemorySource(Path("x"), data), get_format(fmt), year=2017)
    idx.update(block_size=block_size)
    return idx


def levels(idx: FileIndex) -> list[Level]:
    return [Level(code) for code in idx.levels]


def header_matches(fmt: str, line: str) -> bool:
    """Whether `line` is a record start of `fmt` (not its catch-all for other lines)."""
    pat = re.compile(get_format(fmt).header)
    m = pat.match(line.encode())
    return m is not None and m.start(1) >= 0


# -- journald ----------------------------------------------------------------------------
J_RECORDS = [
    PFX + f"INFO cinder.volume.manager [{REQ} tempest-VolumesDeleteCascade-157659443 None] Delete snapshot.",
    PFX + f"DEBUG oslo_concurrency.lockutils [None {REQ} admin demo] Lock acquired",
    PFX + "WARNING oslo_reports.guru_meditation_report [-] Guru meditation now registers SIGUSR1",
    PFX + f"\x1b[01;31mERROR cinder.volume.manager [\x1b[01;36mNone {REQ} \x1b[00;36madmin admin\x1b[01;31m] "
    "\x1b[01;35m\x1b[01;31mFailed to delete\x1b[00m",
    "Mar 28 12:20:42.377230 ubuntu-xenial systemd[1]: Started Devstack devstack@c-api.service.",
    "May 26 20:44:39.848686 devstack sudo[552]:    stack : TTY=unknown ; PWD=/ ; USER=root ; COMMAND=/bin/id",
    "May 26 20:44:39.849078 devstack sudo[552]: pam_unix(sudo:session): session opened for user root",
    # use_syslog=True: the whole oslo line, stamp and pid included, after the syslog prefix.
    f"Nov 24 08:00:01 controller nova-api[1234]: 2015-11-24 08:00:01.123 1234 ERROR nova.api [{REQ} u p] bad",
    f"Nov 24 08:00:01 controller nova-api: 2015-11-24 08:00:01.123 1234 INFO nova.api [{REQ} u p] ok",
]
J_CONTINUATIONS = [
    PFX + "Traceback (most recent call last):",
    PFX + '  File "/usr/lib/python2.7/dist-packages/eventlet/hubs/hub.py", line 457, in fire_timers',
    PFX + "    timer()",
    PFX + "error: cannot switch to a different thread",
    PFX + "AttributeError: 'NoneType' object has no attribute 'x'",
    PFX + "oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply",
    PFX + "KeyboardInterrupt",
    PFX + "During handling of the above exception, another exception occurred:",
    PFX,
    # oslo's exception prefix as devstack sets it (`ERROR %(name)s %(instance)s`), coloured.
    PFX + "ERROR cinder.volume.manager \x1b[01;35m\x1b[00mTraceback (most recent call last):",
    PFX + 'ERROR cinder.volume.manager \x1b[01;35m[instance: 4a5b] \x1b[00m  File "x.py", line 1, in f',
    "Nov 24 08:00:01 controller nova-api[1234]: 2015-11-24 08:00:01.123 1234 TRACE nova.api Traceback (most",
    "Nov 24 08:00:01 controller nova-api[1234]: 2015-11-24 08:00:01.123 1234 ERROR nova.api [instance: x] ba",
    "-- Logs begin at Tue 2017-03-28 12:02:58 UTC, end at Tue 2017-03-28 13:16:45 UTC. --",
    "plain text",
]


@pytest.mark.parametrize("line", J_RECORDS)
def test_journald_header_matches_records(line: str) -> None:
    assert header_matches("journald", line)


@pytest.mark.parametrize("line", J_CONTINUATIONS)
def test_journald_header_skips_continuations(line: str) -> None:
    assert not header_matches("journald", line)


def test_journald_parse_head_devstack_fields() -> None:
    head = get_format("journald").parse_head(J_RECORDS[0])
    assert head.level is Level.INFO
    assert head.stamp == "May 26 20:44:32.276580"
    assert head.message == "Delete snapshot."
    assert head.fields["host"] == "devstack"
    assert head.fields["program"] == "cinder-volume"
    assert head.fields["pid"] == 27348
    assert head.fields["logger"] == "cinder.volume.manager"
    assert head.fields["request_id"] == REQ
    # devstack's bracket is `project_name user_name`: the project here, no user.
    assert head.fields["project"] == "tempest-VolumesDeleteCascade-157659443"
    assert "user" not in head.fields


def test_journald_parse_head_global_id_project_user_and_colours() -> None:
    line = PFX + (
        f"\x1b[00;32mDEBUG cinder.api [\x1b[01;36m{GREQ} {REQ} \x1b[00;36mproj usr\x1b[00;32m] "
        "\x1b[01;35m[instance: 4a5b] \x1b[00;32mhello\x1b[00m"
    )
    head = get_format("journald").parse_head(line)
    assert head.level is Level.DEBUG
    assert head.fields["global_request_id"] == GREQ
    assert head.fields["request_id"] == REQ
    assert (head.fields["project"], head.fields["user"]) == ("proj", "usr")
    assert head.fields["instance"] == "4a5b"
    assert head.message == "hello"


def test_journald_debug_suffixes() -> None:
    fmt = get_format("journald")
    braces = fmt.parse_head(
        PFX + f"DEBUG oslo_concurrency.processutils [{REQ} p None] Running cmd: tgt-admin --show "
        "{{(pid=27788) execute /usr/lib/python2.7/dist-packages/oslo_concurrency/processutils.py:355}}"
    )
    assert braces.message == "Running cmd: tgt-admin --show"
    assert braces.fields["func"] == "execute"
    assert braces.fields["code_path"].endswith("/processutils.py")
    assert braces.fields["code_line"] == 355
    old = fmt.parse_head(
        PFX + 'DEBUG oslo_concurrency.lockutils [-] Acquired semaphore "singleton_lock" from (pid=8526) lock '
        "/usr/local/lib/python2.7/dist-packages/oslo_concurrency/lockutils.py:212"
    )
    assert old.message == 'Acquired semaphore "singleton_lock"'
    assert (old.fields["func"], old.fields["code_line"]) == ("lock", 212)


def test_journald_parse_head_use_syslog_line() -> None:
    head = get_format("journald").parse_head(J_RECORDS[7])
    assert head.level is Level.ERROR
    assert head.stamp == "Nov 24 08:00:01"
    assert head.fields["pid"] == 1234
    assert head.fields["logger"] == "nova.api"
    # oslo's own bracket order: user then project.
    assert (head.fields["user"], head.fields["project"]) == ("u", "p")
    assert head.message == "bad"


def test_journald_parse_head_other_messages() -> None:
    fmt = get_format("journald")
    started = fmt.parse_head(J_RECORDS[4])
    assert started.level is Level.INFO
    assert started.message == "Started Devstack devstack@c-api.service."
    assert (started.fields["program"], started.fields["pid"]) == ("systemd", 1)
    assert "logger" not in started.fields
    orphan = fmt.parse_head(J_CONTINUATIONS[-2])
    assert orphan.level is Level.UNKNOWN and orphan.stamp is None


def test_journald_strip_body() -> None:
    fmt = get_format("journald")
    assert fmt.strip_body(J_CONTINUATIONS[0]) == "Traceback (most recent call last):"
    assert fmt.strip_body(J_CONTINUATIONS[1]).startswith('  File "/usr/lib/python2.7/')
    assert fmt.strip_body(J_CONTINUATIONS[2]) == "    timer()"
    assert fmt.strip_body(J_CONTINUATIONS[9]) == "Traceback (most recent call last):"
    assert fmt.strip_body(J_CONTINUATIONS[10]) == '  File "x.py", line 1, in f'
    assert fmt.strip_body(J_CONTINUATIONS[11]) == "Traceback (most"
    assert fmt.strip_body("no prefix at all") == "no prefix at all"


def test_journald_index_crlf_and_colours() -> None:
    lines = [
        "-- Logs begin at Tue 2017-03-28 12:02:58 UTC, end at Tue 2017-03-28 13:16:45 UTC. --",
        J_RECORDS[3],
        PFX + "ERROR cinder.volume.manager \x1b[01;35m\x1b[00mTraceback (most recent call last):",
        PFX + 'ERROR cinder.volume.manager \x1b[01;35m\x1b[00m  File "x.py", line 1, in f',
        PFX + "ERROR cinder.volume.manager \x1b[01;35m\x1b[00mValueError: boom",
        J_RECORDS[4],
        J_RECORDS[1],
    ]
    data = "\r\n".join(lines).encode() + b"\r\n"
    idx = index("journald", data)
    assert levels(idx) == [Level.UNKNOWN, Level.ERROR, Level.INFO, Level.DEBUG]
    assert idx.unparsed == 1
    assert idx.tracebacks == 1
    rec = parse_record(idx, 1)
    assert rec.message == "Failed to delete"
    assert rec.body == [
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in f',
        "ValueError: boom",
    ]
    assert rec.traceback is not None and rec.traceback.exc_type == "ValueError"
    assert idx.keys[1] == key_from_parts(2017, 5, 26, 20, 44, 32, 276580)
    assert idx.keys[0] == NO_KEY


def test_journald_real_c_vol_traceback_joins_previous_record() -> None:
    data = C_VOL.read_bytes()
    idx = index("journald", data)
    assert idx.lines == 14
    assert len(idx) == 6
    assert idx.unparsed == 0
    assert idx.tracebacks == 1
    raw = idx.raw(0)
    assert b"Delete snapshot completed successfully." in raw
    assert b"Traceback (most recent call last):" in raw
    assert raw.rstrip().endswith(b"error: cannot switch to a different thread")
    assert raw.count(b"\n") == 9
    rec = parse_record(idx, 0)
    assert rec.level is Level.INFO
    assert rec.body[0] == "Traceback (most recent call last):"
    assert rec.body[1].startswith('  File "/usr/local/lib/python2.7/dist-packages/eventlet/hubs/hub.py"')
    assert rec.body[-1] == "error: cannot switch to a different thread"
    assert rec.traceback is not None and rec.traceback.exc_type == "error"
    # The DEBUG record with devstack's `{{(pid=N) ...}}` suffix and sudo's lines after it.
    debug = parse_record(idx, 2)
    assert debug.level is Level.DEBUG and debug.func == "execute" and debug.code_line == 355
    assert [parse_record(idx, i).extra.get("program") for i in (3, 4, 5)] == ["sudo"] * 3
    assert idx.level_counts() == {"INFO": 5, "DEBUG": 1}


def test_journald_real_c_api() -> None:
    idx = index("journald", C_API.read_bytes())
    assert len(idx) == 10
    assert idx.unparsed == 1
    assert levels(idx)[:3] == [Level.UNKNOWN, Level.INFO, Level.WARNING]
    assert idx.level_counts() == {"UNKNOWN": 1, "INFO": 4, "WARNING": 1, "DEBUG": 4}


# -- syslog ------------------------------------------------------------------------------
S_LINES = [
    ("Feb 10 00:00:01 compute4 systemd[1]: logrotate.service: Succeeded.", Level.INFO),
    ("Feb  3 00:00:19 compute4 kernel: [ 4931.803472] audit: type=1400", Level.INFO),
    ("Feb 10 16:09:19 compute4 networkd-dispatcher[921]: WARNING:Unknown index 30 seen", Level.WARNING),
    ("Feb 10 16:10:35 compute4 Keepalived[1775812]: WARNING - keepalived was build for newer", Level.WARNING),
    ("Feb 10 16:10:35 compute4 foo[1]: error: disk on fire", Level.ERROR),
    ("Feb 10 16:10:35 compute4 foo[1]: ERROR something", Level.ERROR),
    ("Feb 10 16:10:35 compute4 foo: CRITICAL down", Level.CRITICAL),
    (
        "Feb 10 16:09:22 compute4 neutron-keepalived-state-change: 2022-02-10 16:09:22.576 1773264 DEBUG "
        "neutron.common.config [-] command line",
        Level.DEBUG,
    ),
    ("2022-02-10T16:09:19.414+00:00 compute4 ovs-vsctl[9]: ovs|00001|vsctl|INFO|Called as x", Level.INFO),
    ("2022-02-10T16:09:19.414123Z compute4 foo: Warning: low", Level.WARNING),
    ("Feb 10 16:09:23 compute4 haproxy-metadata-proxy-984c22fd[1773296]: Proxy listener started", Level.INFO),
]


@pytest.mark.parametrize(("line", "level"), S_LINES)
def test_syslog_header_and_level(line: str, level: Level) -> None:
    assert header_matches("syslog", line)
    idx = index("syslog", line.encode() + b"\n")
    assert levels(idx) == [level]
    assert get_format("syslog").parse_head(line).level is level


@pytest.mark.parametrize(
    "line",
    [
        "plain text",
        "  indented",
        "",
        # journalctl's short-precise stamps are the journald format's (that is how the two sniff apart).
        "May 26 20:44:32.276580 devstack cinder-volume[27348]: INFO cinder.volume.manager [-] x",
    ],
)
def test_syslog_header_other_lines(line: str) -> None:
    assert not header_matches("syslog", line)


def test_syslog_parse_head_fields() -> None:
    fmt = get_format("syslog")
    head = fmt.parse_head(S_LINES[0][0])
    assert head.stamp == "Feb 10 00:00:01"
    assert head.message == "logrotate.service: Succeeded."
    assert head.fields == {"host": "compute4", "program": "systemd", "pid": 1}
    oslo = fmt.parse_head(S_LINES[7][0])
    assert oslo.fields["program"] == "neutron-keepalived-state-change"
    assert oslo.fields["logger"] == "neutron.common.config"
    assert oslo.fields["pid"] == 1773264
    assert oslo.message == "command line"
    iso = fmt.parse_head(S_LINES[8][0])
    assert iso.stamp == "2022-02-10T16:09:19.414"
    assert iso.fields["program"] == "ovs-vsctl"
    other = fmt.parse_head("plain text")
    assert other == ParsedHead(level=Level.UNKNOWN, message="plain text")


def test_syslog_index_every_line_a_record_crlf_ansi() -> None:
    data = (
        b"Feb 10 00:00:01 compute4 systemd[1]: Started x.\r\n"
        b"a line of something else\r\n"
        b"\r\n"
        b"Feb 10 00:00:02 compute4 foo[2]: \x1b[01;31mERROR\x1b[00m bad\r\n"
        b"2022-02-10T16:09:19.414+00:00 compute4 bar[3]: warning: hmm\r\n"
        b"Feb 10 00:00:03 compute4 no newline at end"
    )
    idx = index("syslog", data)
    assert levels(idx) == [Level.INFO, Level.UNKNOWN, Level.UNKNOWN, Level.ERROR, Level.WARNING, Level.INFO]
    assert idx.unparsed == 2
    assert idx.keys[0] == key_from_parts(2017, 2, 10, 0, 0, 1, 0)
    assert idx.keys[1] == NO_KEY
    assert idx.keys[4] == key_from_parts(2022, 2, 10, 16, 9, 19, 414000)
    assert parse_record(idx, 3).message == "ERROR bad"
    assert b"".join(idx.raw(i) for i in range(len(idx))) == data


def test_syslog_real_ubuntu() -> None:
    data = (UBUNTU / "syslog").read_bytes()
    idx = index("syslog", data)
    assert len(idx) == idx.lines == 1406
    assert idx.unparsed == 0
    assert NO_KEY not in idx.keys
    assert idx.level_counts() == {"DEBUG": 4, "INFO": 1393, "WARNING": 9}


def test_stamp_keys_mixed_shapes() -> None:
    keys = list(stamp_keys([b"Feb 10 00:00:01", b"2022-02-10T16:09:19.414", b"May 26 20:44:32.276580"], 2019))
    assert keys == [
        key_from_parts(2019, 2, 10, 0, 0, 1, 0),
        key_from_parts(2022, 2, 10, 16, 9, 19, 414000),
        key_from_parts(2019, 5, 26, 20, 44, 32, 276580),
    ]
    assert list(stamp_keys([], 2019)) == []


# -- swift -------------------------------------------------------------------------------
SWIFT_PROXY = (
    "Nov 24 08:00:01 node1 proxy-server: 10.0.0.1 10.0.0.1 24/Nov/2015/08/00/01 GET /v1/AUTH_x/c/o HTTP/1.0 "
    f"200 - python-swiftclient - - 1024 - {TXN} - 0.0123 - - 1448352001.1 1448352001.2 0"
)
SWIFT_OBJECT = (
    "Nov 24 08:00:01 node2 object-server: 10.0.0.2 - - [24/Nov/2015:08:00:01 +0000] "
    f'"GET /sdb1/123/AUTH_x/c/o" 503 1024 "-" "{TXN}" "proxy-server 1234" 0.0012 "-" 1234 0'
)
SWIFT_CONTAINER = (
    "Nov 24 08:00:03 node2 container-server: 10.0.0.2 - - [24/Nov/2015:08:00:03 +0000] "
    f'"PUT /sdb1/1/AUTH_x/c" 404 - "-" "{TXN}" "proxy-server 1" 0.0005 "-" 12 0'
)
SWIFT_ERROR = (
    "Nov 24 08:00:02 node1 proxy-server: ERROR with Object server 10.0.0.2:6000/sdb1 re: Trying to GET "
    f"/v1/AUTH_x/c/o: ConnectionTimeout (0.5s) (txn: {TXN})"
)
SWIFT_SAMPLE = (
    "\n".join(
        [
            SWIFT_PROXY,
            SWIFT_OBJECT,
            SWIFT_ERROR,
            "Nov 24 08:00:03 node2 object-replicator: Starting object replication pass.",
            SWIFT_CONTAINER,
            "Nov 24 08:00:04 node1 proxy-server: WARNING: something odd",
            "Nov 24 08:00:05 node1 account-auditor: STDERR: Traceback (most recent call last):",
            "Nov 24 08:00:05 node1 swift: Begin account audit pass.",
            "garbage line",
        ]
    )
    + "\n"
)


def test_swift_index_levels() -> None:
    idx = index("swift", SWIFT_SAMPLE.encode())
    assert levels(idx) == [
        Level.INFO,
        Level.ERROR,
        Level.ERROR,
        Level.INFO,
        Level.WARNING,
        Level.WARNING,
        Level.ERROR,
        Level.INFO,
        Level.UNKNOWN,
    ]
    assert idx.unparsed == 1
    assert idx.keys[0] == key_from_parts(2017, 11, 24, 8, 0, 1, 0)


def test_swift_parse_head_fields() -> None:
    fmt = get_format("swift")
    proxy = fmt.parse_head(SWIFT_PROXY)
    assert proxy.level is Level.INFO
    assert proxy.fields["program"] == "proxy-server"
    assert proxy.fields["host"] == "node1"
    assert proxy.fields["txn"] == TXN
    http = proxy.fields["http"]
    assert (http.method, http.url, http.status, http.length) == ("GET", "/v1/AUTH_x/c/o", 200, 1024)
    obj = fmt.parse_head(SWIFT_OBJECT)
    assert obj.level is Level.ERROR
    assert (obj.fields["program"], obj.fields["txn"]) == ("object-server", TXN)
    assert obj.fields["http"].status == 503
    err = fmt.parse_head(SWIFT_ERROR)
    assert err.level is Level.ERROR and err.fields["txn"] == TXN
    assert err.message.startswith("ERROR with Object server")
    rec = parse_record(index("swift", SWIFT_ERROR.encode()), 0)
    assert rec.request_id == TXN


def test_swift_header_only_swift_programs() -> None:
    assert not header_matches("swift", "Feb 10 00:00:01 compute4 systemd[1]: logrotate.service: Succeeded.")
    assert header_matches("swift", "Nov 24 08:00:03 node2 container-updater[12]: Begin container sweep")


# -- keystone ----------------------------------------------------------------------------
KEYSTONE_SAMPLE = (
    "(keystone.common.wsgi): 2021-04-27 06:25:32,122 INFO Request: GET /v3\n"
    "(keystone.common.wsgi): 2021-04-27 06:25:33,500 ERROR Unexpected error\n"
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/keystone/common/wsgi.py", line 1, in f\n'
    "KeyError: 'x'\n"
    "(keystone.token.provider): 2021-04-27 06:25:34,001 WARNING Token expired\r\n"
    "(keystone.server): 2021-04-27 06:25:35,001 \x1b[00;32mDEBUG\x1b[00m colourful\n"
)


def test_keystone_header() -> None:
    assert header_matches("keystone", "(keystone.common.wsgi): 2021-04-27 06:25:32,122 INFO Request: GET /v3")
    assert not header_matches("keystone", "Traceback (most recent call last):")
    assert not header_matches("keystone", "(keystone.common.wsgi): 2021-04-27 06:25:32,122 INFOx")


def test_keystone_index_and_fields() -> None:
    idx = index("keystone", KEYSTONE_SAMPLE.encode())
    assert levels(idx) == [Level.INFO, Level.ERROR, Level.WARNING, Level.DEBUG]
    assert idx.unparsed == 0 and idx.tracebacks == 1
    assert idx.keys[0] == key_from_parts(2021, 4, 27, 6, 25, 32, 122000)
    rec = parse_record(idx, 1)
    assert rec.logger == "keystone.common.wsgi"
    assert rec.message == "Unexpected error"
    assert rec.body[-1] == "KeyError: 'x'"
    assert rec.traceback is not None and rec.traceback.exc_type == "KeyError"
    assert parse_record(idx, 2).message == "Token expired"
    assert parse_record(idx, 3).message == "colourful"


# -- apache ------------------------------------------------------------------------------
ACCESS_SAMPLE = (
    '10.0.0.1 - - [10/Jun/2016:13:49:29 +0000] "GET /v3 HTTP/1.1" 200 249 "-" "keystoneclient" 2345(us)\n'
    '10.0.0.1, 192.168.1.5 - - [10/Jun/2016:13:49:30 +0000] "POST /v3/auth/tokens HTTP/1.1" 401 114 12345 '
    '"-" "openstacksdk"\r\n'
    '10.0.0.3 - admin [10/Jun/2016:13:49:31 +0000] "GET /v3/x\\"y HTTP/1.1" 503 - "-" "curl"\n'
    "not an access line\n"
    '10.0.0.4 - - [10/Jun/2016:13:49:32 +0000] "-" 408 - "-" "-"\n'
)


def test_apache_access_index_levels_and_keys() -> None:
    idx = index("apache-access", ACCESS_SAMPLE.encode())
    assert levels(idx) == [Level.INFO, Level.WARNING, Level.ERROR, Level.UNKNOWN, Level.WARNING]
    assert idx.unparsed == 1
    assert idx.keys[0] == key_from_parts(2016, 6, 10, 13, 49, 29, 0)
    assert idx.keys[3] == NO_KEY


def test_apache_access_fields() -> None:
    fmt = get_format("apache-access")
    lines = ACCESS_SAMPLE.splitlines()
    combined = fmt.parse_head(lines[0])
    assert combined.stamp == "10/Jun/2016:13:49:29"
    f = combined.fields
    assert (f["client"], f["method"], f["url"], f["protocol"], f["status"], f["length"]) == (
        "10.0.0.1",
        "GET",
        "/v3",
        "HTTP/1.1",
        200,
        249,
    )
    assert f["duration"] == pytest.approx(0.002345)
    assert f["http"].status == 200
    kolla = fmt.parse_head(lines[1]).fields
    assert (kolla["client"], kolla["status"], kolla["length"]) == ("10.0.0.1, 192.168.1.5", 401, 114)
    assert kolla["duration"] == pytest.approx(0.012345)
    escaped = fmt.parse_head(lines[2])
    assert escaped.level is Level.ERROR
    assert (escaped.fields["method"], escaped.fields["status"]) == ("GET", 503)
    assert escaped.fields["client"] == "10.0.0.3"
    assert fmt.parse_head(lines[3]).level is Level.UNKNOWN


ERROR_SAMPLE = (
    "[Tue Apr 27 06:25:32.122345 2021] [wsgi:error] [pid 1234:tid 5678] [remote 10.0.0.1:1234] mod_wsgi "
    "(pid=1234): Exception occurred processing WSGI script '/usr/bin/keystone-wsgi-public'.\n"
    "[Tue Apr 27 06:25:32.122400 2021] [wsgi:error] [pid 1234:tid 5678] [remote 10.0.0.1:1234] "
    "Traceback (most recent call last):\n"
    "[Tue Apr 27 06:25:32.122410 2021] [wsgi:error] [pid 1234:tid 5678] [remote 10.0.0.1:1234] "
    '  File "/usr/lib/python3/x.py", line 3, in f\n'
    "[Tue Apr 27 06:25:32.122420 2021] [wsgi:error] [pid 1234:tid 5678] [remote 10.0.0.1:1234] "
    "KeyError: 'x'\n"
    "[Tue Apr 27 06:25:33.000001 2021] [mpm_event:notice] [pid 1:tid 2] AH00489: Apache/2.4.41 configured\r\n"
    "[Tue Apr 27 06:25:34 2021] [crit] [client 10.0.0.9] something bad\n"
    "[Tue Apr 27 06:25:34.5 2021] [ssl:warn] [pid 1:tid 2] AH01909: certificate does not include an ID\n"
    "2021-04-27 06:25:35.122345 mod_wsgi (pid=77): Target WSGI script cannot be loaded as Python module.\n"
    "2021-04-27 06:25:35.122346 Traceback (most recent call last):\n"
    '2021-04-27 06:25:35.122347   File "/x.py", line 1, in <module>\n'
    "2021-04-27 06:25:35.122348 ImportError: No module named foo\n"
    "2021-04-27 06:25:36.000000 ERROR: something failed\n"
)


def test_apache_error_index() -> None:
    idx = index("apache-error", ERROR_SAMPLE.encode())
    assert levels(idx) == [Level.ERROR, Level.NOTICE, Level.CRITICAL, Level.WARNING, Level.INFO, Level.ERROR]
    assert idx.unparsed == 0 and idx.tracebacks == 2
    assert idx.keys[0] == key_from_parts(2021, 4, 27, 6, 25, 32, 122345)
    assert idx.keys[2] == key_from_parts(2021, 4, 27, 6, 25, 34, 0)
    assert idx.keys[4] == key_from_parts(2021, 4, 27, 6, 25, 35, 122345)
    wsgi = parse_record(idx, 0)
    assert wsgi.pid == 1234
    assert wsgi.extra["module"] == "wsgi" and wsgi.extra["client"] == "10.0.0.1:1234"
    assert wsgi.message.startswith("mod_wsgi (pid=1234): Exception occurred")
    assert wsgi.body == [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/x.py", line 3, in f',
        "KeyError: 'x'",
    ]
    assert wsgi.traceback is not None and wsgi.traceback.exc_type == "KeyError"
    kolla = parse_record(idx, 4)
    assert kolla.body[-1] == "ImportError: No module named foo"
    assert kolla.traceback is not None and kolla.traceback.exc_type == "ImportError"
    assert parse_record(idx, 5).message == "ERROR: something failed"


def test_apache_headers_split_records_from_continuations() -> None:
    error = ERROR_SAMPLE.splitlines()
    assert [header_matches("apache-error", line) for line in error] == [
        True,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,
    ]
    access = ACCESS_SAMPLE.splitlines()
    assert [header_matches("apache-access", line) for line in access] == [True, True, True, False, True]


def test_apache_error_header_other_lines() -> None:
    assert not header_matches("apache-error", "2016-06-10 21:49:30.191 7533 INFO nova.api [-] oslo line")
    assert not header_matches("apache-error", "plain text")


# -- sniffing ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "name"),
    [
        (C_API, "journald"),
        (C_VOL, "journald"),
        (UBUNTU / "syslog", "syslog"),
        (UBUNTU / "haproxy.log", "syslog"),
        *((p, "oslo") for p in sorted(OSP6.glob("*/var/log/nova/*.log"))),
        (OSP6 / "hp-ms-01-c29" / "var" / "log" / "neutron" / "server.log", "oslo"),
    ],
    ids=lambda v: v if isinstance(v, str) else "/".join(v.parts[-3:]),
)
def test_sniff_real_files(path: Path, name: str) -> None:
    assert sniff_format(path.read_bytes()[: 256 << 10]).name == name


@pytest.mark.parametrize(
    ("sample", "name"),
    [
        (SWIFT_SAMPLE, "swift"),
        (KEYSTONE_SAMPLE, "keystone"),
        (ACCESS_SAMPLE, "apache-access"),
        (ERROR_SAMPLE, "apache-error"),
        ("\n".join(line for line, _ in S_LINES) + "\n", "syslog"),
        # A syslog with a swift line or two is still syslog.
        ("\n".join(line for line, _ in S_LINES) + "\n" + SWIFT_PROXY + "\n", "syslog"),
        ("\n".join(J_RECORDS[:5] + J_CONTINUATIONS[:4]) + "\n", "journald"),
    ],
)
def test_sniff_samples(sample: str, name: str) -> None:
    assert sniff_format(sample.encode()).name == name


# -- hostile bytes -----------------------------------------------------------------------
MY_FORMATS = ["journald", "syslog", "swift", "keystone", "apache-access", "apache-error"]
_parts = st.sampled_from(
    [
        b"\n",
        b"\r\n",
        b"\x00",
        b"\xff\xfe\xc3(",
        b"\x1b[01;31m",
        b"\x1b[00m",
        b" ",
        b'  File "x.py", line 1\n',
        PFX.encode(),
        b"Feb 10 00:00:01 h p[1]: ",
        b"2022-02-10T16:09:19.414+00:00 h p: ",
        b"INFO x.y [",
        b"ERROR x ",
        b"Traceback (most recent call last):",
        b"KeyError: 'x'",
        b"error:",
        b"[-] ",
        b"req-",
        b"\n-- Logs begin --\n",
        b"(keystone.common.wsgi): 2021-04-27 06:25:32,122 INFO ",
        b"Nov 24 08:00:01 n proxy-server: ",
        b'1.2.3.4 - - [10/Jun/2016:13:49:29 +0000] "GET / HTTP/1.1" 500 1',
        b'\\"',
        b"[Tue Apr 27 06:25:32.122345 2021] [wsgi:error] ",
        b"[remote 1.2.3.4:5] ",
        b"2021-04-27 06:25:32.122345 ",
        b'10.0.0.2 - - [24/Nov/2015:08:00:01 +0000] "GET /x" 404 1 ',
        b"    stack : TTY=x ; ",
    ]
)
_garbage = st.lists(st.one_of(_parts, st.binary(max_size=24)), max_size=50).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_garbage, fmt=st.sampled_from(MY_FORMATS), block=st.sampled_from([5, 64, 8 << 20]))
def test_hostile_bytes_never_crash_nor_lose_bytes(data: bytes, fmt: str, block: int) -> None:
    idx = index(fmt, data, block_size=block)
    assert idx.scanned == len(data)
    if not data:
        assert len(idx) == 0
        return
    assert len(idx.starts) >= 1
    assert idx.starts[0] == 0
    starts = list(idx.starts)
    assert all(a < b for a, b in pairwise(starts))
    assert len(idx.levels) == len(idx.keys) == len(starts)
    assert b"".join(idx.raw(i) for i in range(len(idx))) == data
    for i in range(len(idx)):
        rec = parse_record(idx, i)
        assert isinstance(rec.message, str)
