"""Service log formats: rabbitmq, ovs, qemu/libvirtd, mariadb, client-debug, collector prefixes."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.indexing.index import SNIFF_BYTES, FileIndex
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.parsing import formats
from ostui.core.parsing.formats import LogFormat, get_format, sniff_format
from ostui.core.parsing.formats.base import ParsedHead
from ostui.core.parsing.formats.collector import COLLECTOR_PREFIXES, wrap
from ostui.core.reading.source import MemorySource, open_source
from ostui.core.timekeys import NO_KEY, iso_keys, key_from_parts

DATA = Path(__file__).parent / "data"
REAL = DATA / "real"
RABBIT_LOG = REAL / "ubuntu-ussuri-rabbitmq/var/log/rabbitmq/rabbit@juju-04f1e3-1-lxd-5.log"
VAR = REAL / "ubuntu-ussuri/var/log"
QEMU_1 = VAR / "libvirt/qemu/instance-00000001.log"
QEMU_2 = VAR / "libvirt/qemu/instance-00000002.log"
CLIENT_SEED = DATA / "seed/nova-client-debug.txt"

MY_FORMATS = ("rabbitmq", "rabbitmq-legacy", "ovs", "qemu", "libvirtd", "mariadb", "client-debug")


def header_re(name: str) -> re.Pattern[bytes]:
    return re.compile(get_format(name).header)


def index_of(data: bytes, name: str | None = None, block_size: int | None = None) -> FileIndex:
    ix = FileIndex(MemorySource(Path("x"), data), get_format(name) if name else None)
    if block_size is None:
        ix.update()
    else:
        ix.update(block_size=block_size)
    return ix


def index_file(path: Path) -> FileIndex:
    """The sniffed index of a real file, read through open_source (plain or gzip)."""
    source = open_source(path)
    try:
        data = source.read(0, source.size())
    finally:
        source.close()
    ix = FileIndex(MemorySource(path, data))
    ix.update()
    return ix


def records(ix: FileIndex) -> list[bytes]:
    return [ix.raw(i) for i in range(len(ix))]


def levels(ix: FileIndex) -> list[Level]:
    return [Level(code) for code in ix.levels]


# -- rabbitmq ----------------------------------------------------------------------------

RABBIT_39 = (
    b"\x1b[38;5;87m2025-05-14 11:24:15.459841+00:00 [notice] <0.44.0> Logging: configured\x1b[0m\n"
    b"2025-05-14 11:24:15.460000+00:00 [info] <0.44.0> plain info line\n"
    b"\x1b[38;5;214m2025-05-14 11:24:16.000001+00:00 [warn] <0.50.0> four-letter warning\x1b[0m\n"
    b"\x1b[38;5;160m2025-05-14 11:24:17.000001+00:00 [error] <0.51.0> ** Generic server crashed\x1b[0m\n"
    b"** Last message in was {foo}\n"
    b"\x1b[1;37m\x1b[48;5;196m2025-05-14 11:24:18.000001+00:00 [emergency] <0.52.0> gone\x1b[0m\n"
    b"2025-05-14 11:24:19.000001+00:00 [alert] <0.53.0> alerted\n"
    b"2025-05-14 11:24:20.000001+00:00 [debug] <0.54.0> debugging\n"
)


def test_rabbitmq_header_lines() -> None:
    pat = header_re("rabbitmq")
    assert pat.match(b"2022-02-04 09:52:20.868 [info] <0.8.0> Log file opened with Lager")
    assert pat.match(b"2025-05-14 11:24:15.459841+00:00 [notice] <0.44.0> msg")
    assert pat.match(b"\x1b[38;5;87m2025-05-14 11:24:15.459841+00:00 [noti] <0.44.0> msg")
    assert pat.match(b"2025-05-14T11:24:15.459841Z [ERRO] <0.44.0> msg")
    for line in (
        b" Starting RabbitMQ 3.8.2 on Erlang 22.2.7",
        b"    rabbitmq_management",
        b"** Reason for termination ==",
        b"2022-02-04 09:52:20.868 [infox] <0.8.0> no",
        b"2022-02-04 09:52:20.868 INFO <0.8.0> no",
    ):
        assert not pat.match(line), line


def test_rabbitmq_parse_head() -> None:
    fmt = get_format("rabbitmq")
    head = fmt.parse_head("2022-02-04 09:52:57.795 [warning] <0.267.0> Disk free below limit\r")
    assert head.level == Level.WARNING
    assert head.stamp == "2022-02-04 09:52:57.795"
    assert head.message == "Disk free below limit"
    assert head.fields == {"erlang_pid": "<0.267.0>"}
    head = fmt.parse_head("\x1b[38;5;87m2025-05-14 11:24:15.459841+00:00 [notice] <0.44.0> hi\x1b[0m")
    assert (head.level, head.stamp, head.message) == (Level.NOTICE, "2025-05-14 11:24:15.459841", "hi")
    assert head.fields["erlang_pid"] == "<0.44.0>"
    assert fmt.parse_head("2022-02-04 09:52:57.795 [emergency]  no pid").level == Level.CRITICAL
    assert fmt.parse_head("not a header") == ParsedHead(message="not a header")


def test_rabbitmq_real_log() -> None:
    # grep -cE '^[0-9-]+ [0-9:.]+ \[info\]' and so on: 4641 info, 3 notice, 1256 warning,
    # and 1316 lines without a stamp (boot banner, plugin lists) that continue a record.
    ix = index_file(RABBIT_LOG)
    assert ix.format.name == "rabbitmq"
    assert len(ix) == 5900
    assert ix.level_counts() == {"INFO": 4641, "NOTICE": 3, "WARNING": 1256}
    assert ix.unparsed == 0
    assert ix.lines == 7216
    assert ix.keys[0] == key_from_parts(2022, 2, 4, 9, 52, 20, 868000)
    assert NO_KEY not in ix.keys
    banner = parse_record(ix, 8)
    assert banner.message == ""
    assert banner.body[0] == " Starting RabbitMQ 3.8.2 on Erlang 22.2.7"
    assert banner.extra["erlang_pid"] == "<0.267.0>"


def test_rabbitmq_real_log_crlf_and_small_blocks() -> None:
    data = RABBIT_LOG.read_bytes()
    ix = index_of(data.replace(b"\n", b"\r\n"), block_size=4096)
    assert ix.format.name == "rabbitmq"
    assert ix.level_counts() == {"INFO": 4641, "NOTICE": 3, "WARNING": 1256}


def test_rabbitmq_39_ansi_and_crlf() -> None:
    for data in (RABBIT_39, RABBIT_39.replace(b"\n", b"\r\n")):
        assert sniff_format(data).name == "rabbitmq"
        ix = index_of(data)
        assert levels(ix) == [
            Level.NOTICE,
            Level.INFO,
            Level.WARNING,
            Level.ERROR,
            Level.CRITICAL,
            Level.CRITICAL,
            Level.DEBUG,
        ]
        assert ix.keys[0] == key_from_parts(2025, 5, 14, 11, 24, 15, 459841)
        crash = parse_record(ix, 3)
        assert crash.message == "** Generic server crashed"
        assert crash.body == ["** Last message in was {foo}"]


RABBIT_LEGACY = (
    b"\n"
    b"=INFO REPORT==== 4-Sep-2017::17:14:09 ===\n"
    b"Starting RabbitMQ 3.6.10 on Erlang 19.3\n"
    b"Copyright (C) 2007-2017 Pivotal Software, Inc.\n"
    b"\n"
    b"=WARNING REPORT==== 4-Sep-2017::17:14:10 ===\n"
    b"closing AMQP connection <0.1.0> (10.0.0.1:5672 -> 10.0.0.2:40000):\n"
    b"client unexpectedly closed TCP connection\n"
    b"\n"
    b"=ERROR REPORT==== 4-Sep-2017::17:14:11 ===\r\n"
    b"connection <0.2.0>, channel 1 - soft error:\r\n"
    b"\r\n"
    b"=CRASH REPORT==== 14-Sep-2017::07:01:02.123 ===\n"
    b"  crasher:\n"
    b"=SUPERVISOR REPORT==== 14-Sep-2017::07:01:03 ===\n"
    b"     Supervisor: {local,rabbit_sup}\n"
    b"=PROGRESS REPORT==== 14-Sep-2017::07:01:04 ===\n"
    b"          supervisor: {local,sasl_safe_sup}\n"
)


def test_rabbitmq_legacy() -> None:
    pat = header_re("rabbitmq-legacy")
    assert pat.match(b"=INFO REPORT==== 4-Sep-2017::17:14:09 ===")
    assert not pat.match(b"=INFO REPORT==== yesterday ===")
    assert not pat.match(b"Starting RabbitMQ 3.6.10 on Erlang 19.3")
    assert sniff_format(RABBIT_LEGACY).name == "rabbitmq-legacy"
    ix = index_of(RABBIT_LEGACY)
    assert ix.format.name == "rabbitmq-legacy"
    # The blank first line comes before any record: one UNKNOWN record of its own.
    assert levels(ix) == [
        Level.UNKNOWN,
        Level.INFO,
        Level.WARNING,
        Level.ERROR,
        Level.ERROR,
        Level.ERROR,
        Level.INFO,
    ]
    assert list(ix.keys)[1:] == [
        key_from_parts(2017, 9, 4, 17, 14, 9, 0),
        key_from_parts(2017, 9, 4, 17, 14, 10, 0),
        key_from_parts(2017, 9, 4, 17, 14, 11, 0),
        key_from_parts(2017, 9, 14, 7, 1, 2, 123000),
        key_from_parts(2017, 9, 14, 7, 1, 3, 0),
        key_from_parts(2017, 9, 14, 7, 1, 4, 0),
    ]
    rec = parse_record(ix, 2)
    assert rec.message == "WARNING REPORT"
    assert rec.body[:2] == [
        "closing AMQP connection <0.1.0> (10.0.0.1:5672 -> 10.0.0.2:40000):",
        "client unexpectedly closed TCP connection",
    ]
    assert rec.extra["report"] == "WARNING"
    head = get_format("rabbitmq-legacy").parse_head("=CRASH REPORT==== 14-Sep-2017::07:01:02.123 ===\r")
    assert (head.level, head.stamp) == (Level.ERROR, "14-Sep-2017::07:01:02.123")


# -- ovs / ovn ---------------------------------------------------------------------------


def test_ovs_header_and_parse() -> None:
    pat = header_re("ovs")
    assert pat.match(b"2022-02-10T16:09:19.414Z|00118|bridge|INFO|bridge br-int: added interface")
    assert pat.match(b"2022-02-17T04:35:34.276Z|368558|main|INFO|OVNSB commit failed")
    assert pat.match(b"2013-01-01T00:00:00Z|00001|vlog|EMER|old stamp without ms")
    assert not pat.match(b"2022-02-10T16:09:19.414Z|00118|bridge|NOTE|unknown level")
    assert not pat.match(b"  ofp_port: 3")
    head = get_format("ovs").parse_head("2022-02-17T00:53:18.224Z|27572|reconnect|ERR|ssl:10.1.1.1: nope\r")
    assert head.level == Level.ERROR
    assert head.stamp == "2022-02-17T00:53:18.224"
    assert head.message == "ssl:10.1.1.1: nope"
    assert head.fields == {"seq": 27572, "module": "reconnect"}
    assert get_format("ovs").parse_head("2022-02-17T00:53:18.224Z|1|x|DBG|d").level == Level.DEBUG


@pytest.mark.parametrize(
    ("path", "expected", "count"),
    [
        ("openvswitch/ovs-vswitchd.log", {"INFO": 59, "WARNING": 12}, 71),
        ("openvswitch/ovsdb-server.log", {"INFO": 1, "WARNING": 4}, 5),
        ("ovn/ovn-controller.log", {"INFO": 11, "WARNING": 5}, 16),
        # A blank line after the first record continues it.
        ("ovn/ovn-northd.log", {"INFO": 24, "WARNING": 1, "ERROR": 1}, 26),
        ("ovn/ovsdb-server-nb.log", {"WARNING": 17, "ERROR": 1}, 18),
        ("ovn/ovsdb-server-sb.log", {"INFO": 14, "WARNING": 23, "ERROR": 2}, 39),
    ],
)
def test_ovs_real_logs(path: str, expected: dict[str, int], count: int) -> None:
    ix = index_file(VAR / path)
    assert ix.format.name == "ovs"
    assert len(ix) == count
    assert ix.level_counts() == expected
    assert ix.unparsed == 0
    assert NO_KEY not in ix.keys


def test_ovs_rotated_gz() -> None:
    ix = index_file(VAR / "openvswitch/ovs-vswitchd.log.1.gz")
    assert ix.format.name == "ovs"
    assert ix.unparsed == 0
    assert len(ix) > 100
    assert parse_record(ix, 0).extra["module"]


# -- qemu / libvirtd ---------------------------------------------------------------------


def test_qemu_header_lines() -> None:
    pat = header_re("qemu")
    for line in (
        b"2022-02-10 16:18:04.843+0000: starting up libvirt version: 6.0.0",
        b"2022-02-10T16:18:05.033085Z qemu-system-x86_64: warning: host doesn't support requested feature",
        b"2022-02-10 16:18:33.029+0000: shutting down, reason=migrated",
        b"qemu-system-x86_64: terminating on signal 15 from pid 1074 (/usr/sbin/libvirtd)",
    ):
        assert pat.match(line), line
    for line in (
        b"LC_ALL=C \\",
        b"-msg timestamp=on",
        b"/usr/bin/qemu-system-x86_64 \\",
        b"char device redirected to /dev/pts/3 (label charserial0)",
        # libvirtd's own lines belong to the libvirtd format.
        b"2022-02-10 16:18:04.843+0000: 12345: error : virNetSocketReadWire:1791 : End of file",
    ):
        assert not pat.match(line), line


def test_qemu_parse_head() -> None:
    fmt = get_format("qemu")
    head = fmt.parse_head("2022-02-10T16:18:05.033109Z qemu-system-x86_64: warning: host doesn't support\r")
    assert (head.level, head.stamp) == (Level.WARNING, "2022-02-10T16:18:05.033109")
    assert head.message == "warning: host doesn't support"
    assert head.fields == {"program": "qemu-system-x86_64"}
    head = fmt.parse_head("2022-02-10 16:25:07.123+0000: shutting down, reason=destroyed")
    assert (head.level, head.stamp) == (Level.INFO, "2022-02-10 16:25:07.123")
    assert head.fields == {"program": "libvirt"}
    assert fmt.parse_head("2022-02-10T16:18:05.033109Z qemu-kvm: error: no such file").level == Level.ERROR
    tainted = "2022-02-10 16:25:07.123+0000: Domain id=2 is tainted: host-cpu"
    assert fmt.parse_head(tainted).level == Level.WARNING


def test_qemu_real_logs() -> None:
    one = index_file(QEMU_1)
    assert one.format.name == "qemu"
    assert levels(one) == [Level.INFO, Level.WARNING, Level.WARNING]
    start = parse_record(one, 0)
    # Environment, command line and the unstamped `char device redirected` line.
    assert len(start.body) == 45
    assert start.body[-1] == "char device redirected to /dev/pts/3 (label charserial0)"
    assert one.keys[0] == key_from_parts(2022, 2, 10, 16, 18, 4, 843000)
    assert one.keys[1] == key_from_parts(2022, 2, 10, 16, 18, 5, 33085)

    two = index_file(QEMU_2)
    assert two.format.name == "qemu"
    assert levels(two) == [Level.INFO, Level.WARNING, Level.WARNING, Level.INFO, Level.INFO, Level.ERROR]
    assert [parse_record(two, i).message for i in (3, 4, 5)] == [
        "initiating migration",
        "shutting down, reason=migrated",
        "terminating on signal 15 from pid 1074 (/usr/sbin/libvirtd)",
    ]
    assert list(two.keys) == sorted(two.keys)
    assert two.unparsed == 0


LIBVIRTD = (
    b"2022-02-10 16:18:04.843+0000: 12345: info : libvirt version: 6.0.0, package: 0ubuntu8.15\n"
    b"2022-02-10 16:18:04.843+0000: 12345: info : hostname: compute-1\n"
    b"2022-02-10 16:18:04.900+0000: 12345: error : virNetSocketReadWire:1791 : "
    b"End of file while reading data: Input/output error\n"
    b"2022-02-10 16:18:05.000+0000: 12346: warning : qemuDomainObjTaint:6075 : "
    b"Domain id=2 name='x' is tainted\n"
    b"2022-02-10 16:18:05.001+0000: 12347: debug : virThreadJobSet:94 : Thread 12347 is now running job\n"
    b"  second line of a debug message\n"
)


def test_libvirtd() -> None:
    pat = header_re("libvirtd")
    assert pat.match(LIBVIRTD.split(b"\n")[2])
    assert not pat.match(b"2022-02-10 16:18:04.843+0000: starting up libvirt version: 6.0.0")
    assert sniff_format(LIBVIRTD).name == "libvirtd"
    ix = index_of(LIBVIRTD)
    assert levels(ix) == [Level.INFO, Level.INFO, Level.ERROR, Level.WARNING, Level.DEBUG]
    rec = parse_record(ix, 2)
    assert rec.func == "virNetSocketReadWire"
    assert rec.code_line == 1791
    assert rec.extra["thread"] == 12345
    assert rec.message == "End of file while reading data: Input/output error"
    assert parse_record(ix, 4).body == ["  second line of a debug message"]


# -- mariadb -----------------------------------------------------------------------------

MARIADB = (
    b"151124 10:51:09 mysqld_safe Starting mysqld daemon with databases from /var/lib/mysql\n"
    b"151124 10:51:09 [Note] Plugin 'FEDERATED' is disabled.\n"
    b"151124  9:51:09  InnoDB: Initializing buffer pool, size = 128.0M\n"
    b"2015-11-24 10:51:09 140123456 [Note] InnoDB: Using atomics to ref count buffer pool pages\n"
    b"2015-11-24 10:51:10 7f1b2c5d7740 InnoDB: Error: page 7 log sequence number 123\n"
    b"InnoDB: is in the future! Current system log sequence number 100.\n"
    b"2021-04-27  6:25:32 0 [Warning] WSREP: access file(/var/lib/mysql//gvwstate.dat) failed\r\n"
    b"2021-04-27  6:25:33 0 [ERROR] mysqld: Table './mysql/user' is marked as crashed\r\n"
    b"2020-08-06T14:25:02.835618Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.21) starting\n"
    b"2020-08-06T14:25:02.835700Z 1 [Note] [MY-012487] [InnoDB] DDL log recovery : begin\n"
    b"=====================================\n"
)


def test_mariadb_header_lines() -> None:
    pat = header_re("mariadb")
    lines = MARIADB.split(b"\n")
    for i in (0, 1, 2, 3, 4, 6, 7, 8, 9):
        assert pat.match(lines[i]), lines[i]
    for line in (
        lines[5],
        lines[10],
        b"2015-11-24 10:51:09 140123456 [Info] unknown level",
        b"2015-11-24 10:51:09.123 1234 INFO nova.api [-] an oslo line",
    ):
        assert not pat.match(line), line


def test_mariadb_index() -> None:
    assert sniff_format(MARIADB).name == "mariadb"
    ix = index_of(MARIADB)
    assert levels(ix) == [
        Level.INFO,
        Level.INFO,
        Level.INFO,
        Level.INFO,
        Level.ERROR,
        Level.WARNING,
        Level.ERROR,
        Level.INFO,
        Level.INFO,
    ]
    assert list(ix.keys) == [
        key_from_parts(2015, 11, 24, 10, 51, 9, 0),
        key_from_parts(2015, 11, 24, 10, 51, 9, 0),
        key_from_parts(2015, 11, 24, 9, 51, 9, 0),
        key_from_parts(2015, 11, 24, 10, 51, 9, 0),
        key_from_parts(2015, 11, 24, 10, 51, 10, 0),
        key_from_parts(2021, 4, 27, 6, 25, 32, 0),
        key_from_parts(2021, 4, 27, 6, 25, 33, 0),
        key_from_parts(2020, 8, 6, 14, 25, 2, 835618),
        key_from_parts(2020, 8, 6, 14, 25, 2, 835700),
    ]
    assert parse_record(ix, 0).extra == {"program": "mysqld_safe"}
    innodb = parse_record(ix, 4)
    assert innodb.message == "InnoDB: Error: page 7 log sequence number 123"
    assert innodb.body == ["InnoDB: is in the future! Current system log sequence number 100."]
    mysql8 = parse_record(ix, 8)
    assert mysql8.message == "DDL log recovery : begin"
    assert mysql8.extra == {"thread": "1", "error_code": "MY-012487", "subsystem": "InnoDB"}
    assert mysql8.body == ["====================================="]


def test_mariadb_time_keys_fast_path() -> None:
    fmt = get_format("mariadb")
    stamps = [b"2015-11-24 10:51:09", b"2015-11-24 10:51:10"]
    assert list(fmt.time_keys(stamps, 2000)) == [key_from_parts(2015, 11, 24, 10, 51, s, 0) for s in (9, 10)]
    assert list(fmt.time_keys([b"2021-04-27  6:25:32", b"151124  9:51:09"], 2000)) == [
        key_from_parts(2021, 4, 27, 6, 25, 32, 0),
        key_from_parts(2015, 11, 24, 9, 51, 9, 0),
    ]


# -- client-debug ------------------------------------------------------------------------


def test_client_header_lines() -> None:
    pat = header_re("client-debug")
    for line in (
        b'DEBUG (session:195) REQ: curl -g -i -X GET http://controller:5000/v3 -H "Accept: application/json"',
        b"INFO (connectionpool:213) Starting new HTTP connection (1): controller",
        b"ERROR (ClientException): The server has either erred (HTTP 500) (Request-ID: req-x)",
        b"REQ: curl -g -i -X GET https://host:8774/v2.1/servers",
        b"RESP: [200] Content-Length: 249",
        b"GET call to compute for https://host:8774/v2.1/servers used request id req-abc",
    ):
        assert pat.match(line), line
    for line in (
        b'RESP BODY: {"version": {}}',
        b"Traceback (most recent call last):",
        b'  File "/usr/lib/python2.7/site-packages/novaclient/shell.py", line 911, in main',
        b"ClientException: The server has either erred (HTTP 500)",
        b"DEBUG: not the client shape",
    ):
        assert not pat.match(line), line


def test_client_parse_head() -> None:
    fmt = get_format("client-debug")
    head = fmt.parse_head("DEBUG (session:195) REQ: curl -g -i -X GET http://controller:5000/v3\r")
    assert (head.level, head.stamp, head.message) == (
        Level.DEBUG,
        None,
        "REQ: curl -g -i -X GET http://controller:5000/v3",
    )
    assert head.fields == {"logger": "session", "code_line": 195}
    head = fmt.parse_head(
        "ERROR (ClientException): The server has either erred or is incapable of performing the requested "
        "operation. (HTTP 500) (Request-ID: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)"
    )
    assert head.level == Level.ERROR
    assert head.fields == {
        "exception": "ClientException",
        "request_id": "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2",
    }
    assert fmt.parse_head("RESP: [500] Content-Length: 128").level == Level.DEBUG
    assert fmt.parse_head("DELETE call to compute for http://x used request id req-1").level == Level.DEBUG
    assert fmt.parse_head("  File x").level == Level.UNKNOWN


def test_client_seed_transcript() -> None:
    data = CLIENT_SEED.read_bytes()
    assert sniff_format(data).name == "client-debug"
    ix = index_file(CLIENT_SEED)
    assert ix.format.name == "client-debug"
    # The transcript's first line is blank: an UNKNOWN record before the first header.
    # Then 12 DEBUG, 2 INFO (connectionpool) and the final ERROR; the two RESP BODY lines,
    # the traceback and its closing ClientException line continue records.
    assert len(ix) == 16
    assert ix.level_counts() == {"UNKNOWN": 1, "DEBUG": 12, "INFO": 2, "ERROR": 1}
    assert ix.unparsed == 1
    assert set(ix.keys) == {NO_KEY}
    recs = [parse_record(ix, i) for i in range(len(ix))]
    assert recs[4].message.startswith("RESP: [200] Content-Length: 249")
    assert recs[4].body[0].startswith("RESP BODY: {")
    shell = recs[14]
    assert shell.level == Level.DEBUG
    assert shell.logger == "shell"
    assert shell.body[0] == "Traceback (most recent call last):"
    assert shell.body[-1].startswith("ClientException: The server has either erred")
    assert shell.traceback is not None
    error = recs[15]
    assert error.level == Level.ERROR
    assert error.request_id == "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
    assert error.message.endswith("(HTTP 500) (Request-ID: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)")


OSC = (
    b'REQ: curl -g -i -X GET http://10.0.0.5/compute/v2.1/servers/detail -H "Accept: application/json"\r\n'
    b"RESP: [200] Content-Length: 15 Content-Type: application/json x-openstack-request-id: "
    b"req-0b0d4a2a-8a8e-4a43-9a43-ae0e6a6c0c1b\r\n"
    b'RESP BODY: {"servers": []}\r\n'
    b"GET call to compute for http://10.0.0.5/compute/v2.1/servers/detail used request id "
    b"req-0b0d4a2a-8a8e-4a43-9a43-ae0e6a6c0c1b\r\n"
)


def test_client_openstackclient_style() -> None:
    assert sniff_format(OSC).name == "client-debug"
    ix = index_of(OSC, "client-debug")
    assert levels(ix) == [Level.DEBUG] * 3
    assert parse_record(ix, 1).body == ['RESP BODY: {"servers": []}']


# -- collector prefixes ------------------------------------------------------------------

LOGHUB = (
    b"nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server "
    b"[req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 "
    b"54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 "
    b'"GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" '
    b"status: 200 len: 1893 time: 0.2477829\n"
    b"nova-compute.log.2017-05-14_21:27:09 2017-05-14 19:39:01.445 2931 INFO nova.compute.manager "
    b"[req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab - - - - -] [instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] "
    b"VM Started (Lifecycle Event)\n"
    b"nova-compute.log.2017-05-14_21:27:09 2017-05-14 19:39:02.445 2931 ERROR nova.compute.manager "
    b"[req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab - - - - -] Failed to spawn\n"
    b"nova-compute.log.2017-05-14_21:27:09 2017-05-14 19:39:02.445 2931 ERROR nova.compute.manager "
    b"Traceback (most recent call last):\n"
    b"nova-compute.log.2017-05-14_21:27:09 2017-05-14 19:39:02.445 2931 ERROR nova.compute.manager "
    b'  File "/usr/lib/python2.7/nova/compute/manager.py", line 1, in spawn\n'
)
KUBECTL = (
    b"2021-04-27T06:25:32.123456789Z [nova-api-7d9c] 2021-04-27 06:25:32.123 7 INFO nova.api.openstack "
    b"[req-38101a0b-2096-447d-96ea-a692162415ae - - - - -] hello\r\n"
    b"2021-04-27T06:25:33.123456789Z [nova-api-7d9c] 2021-04-27 06:25:33.123 7 \x1b[01;33mWARNING\x1b[00m "
    b"nova.api [-] careful\r\n"
    b"[pod/nova-api-7d9c/nova-api] 2021-04-27T06:25:34.123456789Z 2021-04-27 06:25:34.123 7 DEBUG nova.api "
    b"[-] dbg f /a.py:1\r\n"
)


def test_collector_prefixes_have_no_groups() -> None:
    for name, prefix in COLLECTOR_PREFIXES.items():
        assert re.compile(prefix).groups == 0, name


def test_loghub_oslo() -> None:
    assert sniff_format(LOGHUB).name == "loghub+oslo"
    ix = index_of(LOGHUB)
    assert ix.format.name == "loghub+oslo"
    assert levels(ix) == [Level.INFO, Level.INFO, Level.ERROR]
    assert ix.keys[1] == key_from_parts(2017, 5, 14, 19, 39, 1, 445000)
    rec = parse_record(ix, 1)
    assert rec.logger == "nova.compute.manager"
    assert rec.request_id == "req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab"
    assert rec.instance == "b9000564-fe1a-409b-b8cc-1e88b294cd1d"
    assert rec.extra == {"collector_source": "nova-compute.log", "collector_time": "2017-05-14_21:27:09"}
    assert parse_record(ix, 0).extra["collector_source"] == "nova-api.log.1"
    failed = parse_record(ix, 2)
    assert failed.body == [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python2.7/nova/compute/manager.py", line 1, in spawn',
    ]


def test_kubectl_oslo() -> None:
    assert sniff_format(KUBECTL).name == "kubectl+oslo"
    ix = index_of(KUBECTL)
    assert levels(ix) == [Level.INFO, Level.WARNING, Level.DEBUG]
    assert list(ix.keys) == [key_from_parts(2021, 4, 27, 6, 25, s, 123000) for s in (32, 33, 34)]
    recs = [parse_record(ix, i) for i in range(3)]
    assert recs[0].extra["collector_source"] == "nova-api-7d9c"
    assert recs[0].extra["collector_time"] == "2021-04-27T06:25:32.123456789Z"
    assert recs[1].message == "careful"
    assert recs[2].extra["collector_source"] == "pod/nova-api-7d9c/nova-api"
    assert recs[2].func == "f"


def test_get_format_wrapped() -> None:
    fmt = get_format("kubectl+oslo")
    assert fmt is get_format("kubectl+oslo")
    assert (fmt.name, fmt.levels, fmt.continuation) == ("kubectl+oslo", get_format("oslo").levels, True)
    assert get_format("loghub+ovs").name == "loghub+ovs"
    assert re.compile(fmt.header).groups == re.compile(get_format("oslo").header).groups
    for bad in ("nosuch+oslo", "kubectl+nosuch", "kubectl+"):
        with pytest.raises(KeyError):
            get_format(bad)
    assert all("+" not in f.name for f in formats.all_formats())


# A format whose every line is a record, as the engine contract has it: the header ends
# in a catch-all alternative `()` that is the last group, mapped to UNKNOWN.
EVERY_LINE = LogFormat(
    name="every-line",
    description="test: one record per line",
    header=rb"(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (?:(INFO)|(ERROR)) |())",
    levels=(Level.INFO, Level.ERROR, Level.UNKNOWN),
    continuation=False,
    time_keys=lambda stamps, year: iso_keys(stamps),
    parse_head=lambda line: ParsedHead(message=line),
    sniff_weight=1.0,
)


def test_wrap_without_continuation() -> None:
    fmt = wrap(EVERY_LINE, "kubectl")
    data = (
        b"2021-04-27T06:25:32Z [svc] 2021-04-27 06:25:32 INFO up\n"
        b"2021-04-27T06:25:33Z [svc] not a record of the inner format\n"
        b"a line the collector did not prefix\n"
        b"2021-04-27T06:25:34Z [svc] 2021-04-27 06:25:34 ERROR down\n"
    )
    for block in (None, 16, 64):
        ix = FileIndex(MemorySource(Path("x"), data), fmt)
        ix.update() if block is None else ix.update(block_size=block)
        # Every line stays a record; those the inner header does not read are UNKNOWN.
        # No empty record after the last newline, no start twice at a block boundary.
        assert levels(ix) == [Level.INFO, Level.UNKNOWN, Level.UNKNOWN, Level.ERROR]
        assert ix.unparsed == 2
        assert b"".join(records(ix)) == data
    head = fmt.parse_head("2021-04-27T06:25:33Z [svc] rest")
    assert head.message == "rest"
    assert head.fields == {"collector_source": "svc", "collector_time": "2021-04-27T06:25:33Z"}


def test_sniff_ignores_catch_all_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    # A catch-all header matches every line; only its real headers may count.
    formats.all_formats()
    monkeypatch.setitem(formats._FORMATS, EVERY_LINE.name, EVERY_LINE)
    assert sniff_format(RABBIT_39).name == "rabbitmq"
    assert sniff_format(b"plain words\nand more words\n").name == "text"
    assert sniff_format(b"2021-04-27 06:25:32 INFO up\nsome text\n").name == "every-line"


# -- sniffing the real files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (RABBIT_LOG, "rabbitmq"),
        (RABBIT_LOG.with_name("rabbit@juju-04f1e3-1-lxd-5_upgrade.log"), "rabbitmq"),
        (VAR / "openvswitch/ovs-vswitchd.log", "ovs"),
        (VAR / "openvswitch/ovs-vswitchd.log.1.gz", "ovs"),
        (VAR / "openvswitch/ovsdb-server.log", "ovs"),
        (VAR / "ovn/ovn-controller.log", "ovs"),
        (VAR / "ovn/ovn-northd.log", "ovs"),
        (VAR / "ovn/ovsdb-server-nb.log", "ovs"),
        (VAR / "ovn/ovsdb-server-sb.log", "ovs"),
        (QEMU_1, "qemu"),
        (QEMU_2, "qemu"),
        (CLIENT_SEED, "client-debug"),
    ],
)
def test_sniff_real(path: Path, name: str) -> None:
    source = open_source(path)
    try:
        assert sniff_format(source.read(0, SNIFF_BYTES)).name == name
    finally:
        source.close()


OSLO_FILES = sorted(
    p
    for p in (REAL / "osp6-live-migration").rglob("*.log")
    if p.parent.name == "nova" or p.name in {"server.log", "l3-agent.log", "dhcp-agent.log"}
)


@pytest.mark.parametrize("path", OSLO_FILES, ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_sniff_osp6_still_oslo(path: Path) -> None:
    assert sniff_format(path.read_bytes()[:SNIFF_BYTES]).name == "oslo"


def test_osp6_files_found() -> None:
    assert len(OSLO_FILES) >= 15


# -- garbage in, nothing lost ------------------------------------------------------------

_PIECES = [
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff\xfe\xc3",
    b"\x1b[31m",
    b"\x1b[0m",
    b" ",
    b"\\",
    b"|",
    b"[",
    b"]",
    b"2022-02-04 09:52:20.868 [info] <0.8.0> x",
    b"2025-05-14 11:24:15.459841+00:00 [noti] ",
    b"=INFO REPORT==== 4-Sep-2017::17:14:09 ===",
    b"=CRASH REPORT==== ",
    b"2022-02-10T16:09:19.414Z|00118|bridge|INFO|m",
    b"2022-02-10T16:09:19.414Z|1|x|",
    b"2022-02-10 16:18:04.843+0000: ",
    b"2022-02-10T16:18:05.033085Z qemu-system-x86_64: warning: ",
    b"qemu: ",
    b"12345: error : f:1 : ",
    b"151124  9:51:09 mysqld_safe ",
    b"2021-04-27  6:25:32 0 [Note] ",
    b"2020-08-06T14:25:02.835618Z 0 [ERROR] ",
    b"DEBUG (session:195) ",
    b"ERROR (ClientException): ",
    b"REQ: ",
    b"RESP:",
    b"GET call to ",
    b"Traceback (most recent call last):",
    b"nova-api.log.1.2017-05-16_13:53:08 ",
    b"2021-04-27T06:25:32.123456789Z [svc] ",
    b"2017-05-16 00:00:00.008 25746 INFO nova.api [-] ",
]
_GARBAGE = st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=12)), max_size=40).map(b"".join)
_ALL_TESTED = (*MY_FORMATS, "kubectl+oslo", "loghub+oslo", "kubectl+rabbitmq", "loghub+client-debug")


@settings(max_examples=300, deadline=None)
@given(data=_GARBAGE, name=st.sampled_from(_ALL_TESTED), block=st.sampled_from([None, 16, 64]))
def test_garbage_never_lost(data: bytes, name: str, block: int | None) -> None:
    ix = index_of(data, name, block)
    starts = list(ix.starts)
    assert all(a < b for a, b in pairwise(starts))
    if data:
        assert starts[0] == 0
    assert b"".join(records(ix)) == data
    assert len(ix.levels) == len(ix) == len(ix.keys)
    for i in range(len(ix)):
        parse_record(ix, i)


@settings(max_examples=200, deadline=None)
@given(data=_GARBAGE)
def test_garbage_sniff_never_raises(data: bytes) -> None:
    fmt = sniff_format(data)
    ix = index_of(data, None)
    assert ix.format.name == fmt.name
    assert b"".join(records(ix)) == data


def test_etcd_both_shapes() -> None:
    """etcd's zap JSON and capnslog lines (an OpenShift must-gather's etcd container):
    level, stamp (ISO or epoch seconds), message and caller; a Go stack line continues."""
    etcd = get_format("etcd")
    zap = (
        '{"level":"warn","ts":"2021-08-03T09:27:02.179Z","caller":"auth/store.go:1366",'
        '"msg":"simple token is not cryptographically signed","member":"5a49"}'
    )
    head = etcd.parse(zap)
    assert (head.level, head.stamp) == (Level.WARNING, "2021-08-03T09:27:02.179Z")
    assert head.message == 'simple token is not cryptographically signed member="5a49"'
    assert head.fields["logger"] == "auth/store.go:1366"
    capn = etcd.parse("2021-08-03 09:27:01.949177 E | etcdserver: publish error: etcdserver: timed out")
    assert (capn.level, capn.message, capn.fields["logger"]) == (
        Level.ERROR,
        "publish error: etcdserver: timed out",
        "etcdserver",
    )
    assert etcd.parse('{"level":"fatal","ts":1628082421.5,"msg":"x"}').level == Level.CRITICAL
    assert list(etcd.time_keys([b"1628082421.5"], 2021)) == [key_from_parts(2021, 8, 4, 13, 7, 1, 500000)]
    data = (zap + "\ngoroutine 1 [running]:\n2021-08-03 09:27:01.949177 I | pkg/flags: ok\n").encode()
    idx = FileIndex(MemorySource(Path("etcd.log"), data), etcd)
    idx.update(final=True)
    assert [Level(x) for x in idx.levels] == [Level.WARNING, Level.INFO]  # the stack line joined
    assert sniff_format(data) is etcd
