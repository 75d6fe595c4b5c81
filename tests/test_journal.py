"""The journal as a log source: real journal files (made by systemd-journal-remote from
the export fixtures in data/journal/), read by journalctl through JournalMirror, and the
mirror read by the real engine: discovery, index, records, request search."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.indexing.records import parse_record, parse_text
from ostui.core.levels import Level
from ostui.core.live.journal import (
    MIRROR_FORMAT,
    JournalMirror,
    JournalSelector,
    entry_to_text,
    is_openstack_unit,
    journal_store_hosts,
    list_units,
    local_argv,
    unit_log_path,
    use_journal_format,
)
from ostui.core.live.remote import RemoteNode, Ssh
from ostui.core.parsing.formats import get_format, sniff_format
from ostui.core.reading.discovery import classify, discover
from ostui.core.reading.source import FileSource
from ostui.core.stream.requests import search_request

from .conftest import DATA, SEED_REQUEST
from .sshd import Sshd, sshd_binary
from .waiting import eventually

EXPORTS = DATA / "journal"
JOURNAL_REMOTE = next(
    (
        p
        for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
        if os.path.exists(p)
    ),
    None,
)
needs_journal = pytest.mark.skipif(
    JOURNAL_REMOTE is None or shutil.which("journalctl") is None,
    reason="journalctl or systemd-journal-remote not installed (package systemd-journal-remote)",
)
LATER = [f"req-7c1d42aa-3e0f-4b8e-9d61-0a5b8c2e4f{n:02d}" for n in range(6)]


@pytest.fixture(autouse=True)
def china_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The seed's controller was at UTC+8: its journal, read there, says 21:49:30."""
    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_journal(out: Path, *exports: Path | bytes) -> Path:
    """Append export files (or export bytes) to a real journal file at `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    assert JOURNAL_REMOTE is not None
    for export in exports:
        if isinstance(export, bytes):
            with tempfile.NamedTemporaryFile(suffix=".export") as tmp:
                tmp.write(export)
                tmp.flush()
                subprocess.run([JOURNAL_REMOTE, f"--output={out}", tmp.name], check=True, capture_output=True)
        else:
            subprocess.run([JOURNAL_REMOTE, f"--output={out}", str(export)], check=True, capture_output=True)
    return out


def export_entries(path: Path) -> list[bytes]:
    """An export file's entries, each as export bytes (text-only files: split at blank lines)."""
    return [chunk + b"\n\n" for chunk in path.read_bytes().split(b"\n\n") if chunk.strip()]


def engine_files(root: Path) -> list[LogFile]:
    files = files_from_tree(discover(root))
    use_journal_format(files, [root])
    return open_files(files)


def records(lf: LogFile) -> list:
    assert lf.index is not None, lf.error
    return [parse_record(lf.index, i) for i in range(len(lf.index))]


def wait(cond: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll `cond`; the test fails here, saying what it waited for, at the timeout."""
    return bool(eventually(cond, timeout, "journal condition never held"))


# -- conversion --------------------------------------------------------------------------


SEED_FIELDS = {
    "__REALTIME_TIMESTAMP": "1465566570191000",
    "_HOSTNAME": "controller",
    "_SYSTEMD_UNIT": "openstack-nova-api.service",
    "SYSLOG_IDENTIFIER": "nova-api",
    "_PID": "7533",
    "PRIORITY": "3",
    "LOGGER_NAME": "nova.api.openstack",
    "REQUEST_ID": SEED_REQUEST,
    "USER_ID": "03384abb3c864c6bb55b09d33371beb4",
    "PROJECT_ID": "276eb659fd4b44859849c773dcfdf138",
    "MESSAGE": "Caught error: id",
    "EXCEPTION_INFO": 'Traceback (most recent call last):\n  File "/x/images.py", line 83, in show\n'
    "    image = self._image_api.get(context, id)\nAttributeError: id\n",
}


def test_oslo_fields_become_an_oslo_line_the_engine_reads() -> None:
    text = entry_to_text(SEED_FIELDS)
    assert text == (
        b"2016-06-10T21:49:30.191000+0800 controller nova-api[7533]: 2016-06-10 21:49:30.191 7533 ERROR "
        b"nova.api.openstack [req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 03384abb3c864c6bb55b09d33371beb4 "
        b"276eb659fd4b44859849c773dcfdf138 - - -] Caught error: id\n"
        b" Traceback (most recent call last):\n"
        b'   File "/x/images.py", line 83, in show\n'
        b"     image = self._image_api.get(context, id)\n"
        b" AttributeError: id\n"
    )
    rec = parse_text(text.decode(), get_format(MIRROR_FORMAT))
    assert rec.level is Level.ERROR  # from PRIORITY 3: no LOGGER_LEVEL here
    assert (rec.request_id, rec.logger, rec.pid) == (SEED_REQUEST, "nova.api.openstack", 7533)
    assert (rec.user, rec.project) == (SEED_FIELDS["USER_ID"], SEED_FIELDS["PROJECT_ID"])
    assert rec.traceback is not None and rec.traceback.exc_type == "AttributeError"
    assert rec.timestamp is not None and rec.timestamp.isoformat() == "2016-06-10T21:49:30.191000"


def test_message_already_formatted_is_kept_and_its_traceback_not_repeated() -> None:
    formatted = (
        "ERROR cinder.volume.manager [req-34715675-437c-4668-8f27-ee0f5f10cabb tempest-P None] failed.\n"
        "ERROR cinder.volume.manager Traceback (most recent call last):\n"
        'ERROR cinder.volume.manager   File "/x/hub.py", line 457, in fire_timers\n'
        "ERROR cinder.volume.manager error: cannot switch to a different thread\n"
    )
    exc = "\n".join(line.removeprefix("ERROR cinder.volume.manager ") for line in formatted.splitlines()[1:])
    entry = {
        "__REALTIME_TIMESTAMP": "1495831481120775",
        "_HOSTNAME": "devstack",
        "SYSLOG_IDENTIFIER": "cinder-volume",
        "LOGGER_NAME": "cinder.volume.manager",
        "LOGGER_LEVEL": "ERROR",
        "REQUEST_ID": "req-34715675-437c-4668-8f27-ee0f5f10cabb",
        "MESSAGE": formatted,
        "EXCEPTION_INFO": exc,
    }
    lines = entry_to_text(entry).decode().splitlines()
    assert lines[0].endswith(": " + formatted.splitlines()[0])  # kept as oslo wrote it
    # oslo's exception prefix goes (the engine strips it from unindented lines only).
    assert lines[1:] == [
        " Traceback (most recent call last):",
        '   File "/x/hub.py", line 457, in fire_timers',
        " error: cannot switch to a different thread",
    ]
    rec = parse_text("\n".join(lines), get_format(MIRROR_FORMAT))
    assert rec.level is Level.ERROR and rec.request_id == entry["REQUEST_ID"]
    assert rec.project == "tempest-P"  # devstack's bracket: project name first


def test_plain_binary_and_odd_entries() -> None:
    plain = entry_to_text(
        {
            "__REALTIME_TIMESTAMP": "1465566550087000",
            "_HOSTNAME": "controller",
            "_COMM": "sshd",
            "MESSAGE": "hi",
        }
    )
    assert plain == b"2016-06-10T21:49:10.087000+0800 controller sshd: hi\n"
    binary = entry_to_text(
        {
            "__REALTIME_TIMESTAMP": "1465566571002000",
            "_HOSTNAME": "con troller",
            "_SYSTEMD_UNIT": "neutron-server.service",
            "_PID": "31x",
            "MESSAGE": list(b"caf\xe9\x00 net\r\nsecond\r\n\n"),
        }
    )
    assert (
        binary
        == "2016-06-10T21:49:31.002000+0800 con_troller neutron-server: caf\ufffd net\n second\n".encode()
    )
    assert entry_to_text({}) == b"1970-01-01T08:00:00.000000+0800 - -: \n"
    too_big = entry_to_text({"__REALTIME_TIMESTAMP": "0", "MESSAGE": None})
    assert too_big.endswith(b"-: [message not shown by journalctl]\n")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.one_of(
            st.sampled_from(
                [
                    "MESSAGE",
                    "__REALTIME_TIMESTAMP",
                    "_HOSTNAME",
                    "SYSLOG_IDENTIFIER",
                    "_COMM",
                    "_SYSTEMD_UNIT",
                    "_PID",
                    "PRIORITY",
                    "LOGGER_NAME",
                    "LOGGER_LEVEL",
                    "REQUEST_ID",
                    "USER_ID",
                    "PROJECT_ID",
                    "EXCEPTION_INFO",
                    "CODE_FUNC",
                    "CODE_FILE",
                    "CODE_LINE",
                ]
            ),
            st.text(max_size=12),
        ),
        st.one_of(
            st.text(), st.lists(st.integers(0, 255), max_size=40), st.none(), st.from_regex(r"\d{1,20}")
        ),
        max_size=10,
    )
)
def test_any_entry_converts_to_one_record(entry: dict) -> None:
    out = entry_to_text(entry)
    assert isinstance(out, bytes) and out.endswith(b"\n")
    first, *rest = out[:-1].split(b"\n")
    assert all(line.startswith(b" ") for line in rest)
    assert first[:4].isdigit()  # a stamp starts every record


# -- units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "path", "component"),
    [
        ("nova-api.service", "nova/nova-api.log", "nova"),
        ("openstack-nova-compute.service", "nova/nova-compute.log", "nova"),
        ("devstack@n-cpu.service", "nova/n-cpu.log", "nova"),
        ("devstack@q-svc.service", "neutron/q-svc.log", "neutron"),
        ("devstack@g-api.service", "glance/g-api.log", "glance"),
        ("devstack@c-vol.service", "cinder/c-vol.log", "cinder"),
        ("devstack@keystone.service", "keystone/keystone.log", "keystone"),
        ("devstack@placement-api.service", "placement/placement-api.log", "placement"),
        ("neutron-openvswitch-agent.service", "neutron/neutron-openvswitch-agent.log", "neutron"),
        ("openstack-glance-api.service", "glance/glance-api.log", "glance"),
        ("openstack-swift-proxy.service", "swift/swift-proxy.log", "swift"),
        ("keystone-wsgi-public.service", "keystone/keystone-wsgi-public.log", "keystone"),
        ("libvirtd.service", "libvirt/libvirtd.log", "libvirt"),
        ("virtqemud.service", "libvirt/virtqemud.log", "libvirt"),
        ("ovs-vswitchd.service", "openvswitch/ovs-vswitchd.log", "openvswitch"),
        ("ovsdb-server.service", "openvswitch/ovsdb-server.log", "openvswitch"),
        ("openvswitch-switch.service", "openvswitch/openvswitch-switch.log", "openvswitch"),
        ("ovn-controller.service", "ovn/ovn-controller.log", "ovn"),
        ("ovn-ovsdb-server-sb.service", "ovn/ovn-ovsdb-server-sb.log", "ovn"),
        ("rabbitmq-server.service", "rabbitmq/rabbitmq-server.log", "rabbitmq"),
        ("mariadb.service", "mariadb/mariadb.log", "mariadb"),
        ("mysqld.service", "mariadb/mysqld.log", "mariadb"),
        ("httpd.service", "httpd/httpd.log", "apache"),
        ("apache2.service", "apache2/apache2.log", "apache"),
    ],
)
def test_unit_files_are_classified_by_discovery(unit: str, path: str, component: str) -> None:
    got = unit_log_path(unit)
    assert str(got) == path
    assert classify(got.parts[:-1], got.name) == component
    assert is_openstack_unit(unit)


@pytest.mark.parametrize(
    "unit",
    [
        "memcached.service",
        "sshd.service",
        "init.scope",
        "session-3.scope",
        "devstack@dstat.service",
        "cron.service",
    ],
)
def test_other_units_are_not_openstack(unit: str) -> None:
    assert not is_openstack_unit(unit)
    assert ".." not in str(unit_log_path(unit)) and not unit_log_path(unit).is_absolute()


def test_selector_options_are_shell_quoted() -> None:
    assert JournalSelector().options() == ""
    assert (
        JournalSelector(directory="/var/log/journal/remote").options()
        == "--directory=/var/log/journal/remote"
    )
    assert JournalSelector(files=("/a b.journal", "/x/*.journal")).options() == (
        "--file='/a b.journal' --file='/x/*.journal'"
    )
    with pytest.raises(ValueError, match="not both"):
        JournalSelector(directory="/d", files=("/f",))


def test_store_hosts_from_file_names(tmp_path: Path) -> None:
    names = [
        "remote-controller.journal",
        "remote-controller@5a1b2c3d4e5f60718293a4b5c6d7e8f9-0000000000000001-0005d6b1c4b1f1a0.journal",
        "remote-10.0.0.12.journal",
        "remote-compute1.journal~",
        "remote.journal",  # --split-mode=none: every host in one file
        "system.journal",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "remote-adir.journal").mkdir()
    hosts = journal_store_hosts(tmp_path)
    assert list(hosts) == ["10.0.0.12", "compute1", "controller"]
    assert [p.name for p in hosts["controller"]] == [names[0], names[1]]
    assert journal_store_hosts(tmp_path / "missing") == {}


# -- real journals -----------------------------------------------------------------------


def test_fixtures_match_their_generator(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.EXPORTS.items():
        assert (EXPORTS / name).read_bytes() == module.export(make()), name


@needs_journal
def test_controller_journal_mirrored_and_read_by_the_engine(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "j" / "system.journal", EXPORTS / "controller.export")
    selector = JournalSelector(files=(str(journal),))
    assert list_units(local_argv, selector) == [
        "httpd.service",
        "mariadb.service",
        "neutron-server.service",
        "openstack-nova-api.service",
    ]
    root = tmp_path / "mirror" / "controller"
    states: list[str] = []
    mirror = JournalMirror(selector, root, on_change=lambda m: states.append(m.state))
    assert mirror.sync(backlog_entries=100)
    assert states == ["connecting", "live"]
    assert (mirror.written, mirror.skipped, mirror.unrouted) == (8 - 1, 0, 0)  # sshd's entry is not asked for
    assert mirror.cursor and mirror.cursor.startswith("s=")

    log = root / "var" / "log"
    assert sorted(str(p.relative_to(log)) for p in log.rglob("*") if p.is_file()) == [
        "httpd/httpd.log",
        "mariadb/mariadb.log",
        "neutron/neutron-server.log",
        "nova/nova-api.log",
    ]
    tree = discover(root)
    assert [n.name for n in tree.nodes] == ["controller"]
    assert list(tree.nodes[0].components) == ["nova", "neutron", "mariadb", "apache"]

    files = {lf.path.name: lf for lf in engine_files(root)}
    assert all(lf.index is not None and lf.index.format.name == "journald" for lf in files.values())
    nova = records(files["nova-api.log"])
    assert [(r.level, r.request_id, r.logger) for r in nova] == [
        (Level.INFO, None, None),  # systemd's `Started OpenStack Nova API Server.`, routed by UNIT=
        (Level.ERROR, SEED_REQUEST, "nova.api.openstack"),
        (Level.INFO, SEED_REQUEST, "nova.api.openstack"),
        (Level.INFO, SEED_REQUEST, "nova.osapi_compute.wsgi.server"),
    ]
    error = nova[1]
    assert error.text.startswith("2016-06-10T21:49:30.191000+0800 controller nova-api[7533]: ")
    assert error.traceback is not None and error.traceback.exc_type == "AttributeError"
    assert len(error.traceback.frames) == 23  # every frame of the seed's traceback
    assert error.user == "03384abb3c864c6bb55b09d33371beb4"
    assert error.project == "276eb659fd4b44859849c773dcfdf138"
    assert nova[3].http is not None and nova[3].http.status == 500
    neutron = records(files["neutron-server.log"])
    assert len(neutron) == 1 and neutron[0].level is Level.WARNING
    assert neutron[0].message == "WARNING: network 'caf\ufffd-net' description is not UTF-8"

    story = search_request(list(files.values()), SEED_REQUEST)
    assert [e.record.level for e in story.entries] == [Level.ERROR, Level.INFO, Level.INFO]
    assert story.status == 500 and len(story.tracebacks) == 1


@needs_journal
def test_mirror_is_sniffed_as_journald(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "j" / "system.journal", EXPORTS / "controller.export")
    root = tmp_path / "m"
    assert JournalMirror(JournalSelector(files=(str(journal),)), root).sync(100)
    log = root / "var/log/nova/nova-api.log"
    assert sniff_format(log.read_bytes()).name == "journald"
    index = FileIndex(FileSource(log))
    index.update(final=True)
    assert len(index) == 4 and index.format.name == "journald"


@needs_journal
def test_devstack_journal(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "j" / "x.journal", EXPORTS / "devstack.export")
    root = tmp_path / "devstack"
    mirror = JournalMirror(JournalSelector(directory=str(journal.parent)), root)
    assert mirror.sync(1000) and mirror.units == ("devstack@c-api.service", "devstack@c-vol.service")
    files = {lf.path.name: lf for lf in engine_files(root)}
    assert set(files) == {"c-api.log", "c-vol.log"}
    assert {s.component for s in discover(root).sources()} == {"cinder"}
    vol = records(files["c-vol.log"])
    summary = [(r.level, r.request_id, len(r.body), r.traceback is not None) for r in vol]
    delete, term = "req-34715675-437c-4668-8f27-ee0f5f10cabb", "req-7f545400-cf49-47ac-a901-133d9bc6a909"
    assert summary == [
        (Level.INFO, delete, 8, True),  # eventlet's stderr lines, one entry each, join the record
        (Level.INFO, term, 0, False),  # coloured: journalctl hands it over as bytes
        (Level.DEBUG, term, 0, False),
        (Level.INFO, None, 0, False),  # sudo, in the service's cgroup
        (Level.INFO, None, 0, False),
        (Level.INFO, None, 0, False),
        (Level.ERROR, delete, 4, True),
    ]
    assert vol[2].func == "execute"
    assert vol[6].traceback is not None and vol[6].traceback.exc_type == "error"
    api = records(files["c-api.log"])
    assert [r.level for r in api] == [Level.INFO, Level.WARNING]
    assert search_request(list(files.values()), term).entries[0].record.message.startswith("Terminate volume")


@needs_journal
def test_store_of_hosts_one_node_each(tmp_path: Path) -> None:
    store = tmp_path / "remote"
    make_journal(store / "remote-controller.journal", EXPORTS / "controller.export")
    # An archived file of the same host, as journal-remote names them after rotation.
    make_journal(
        store
        / "remote-controller@5a1b2c3d4e5f60718293a4b5c6d7e8f9-0000000000000001-0005d6b1c4b1f1a0.journal",
        EXPORTS / "controller-later.export",
    )
    make_journal(store / "remote-compute1.journal", EXPORTS / "compute.export")
    make_journal(store / "remote-ubuntu-xenial-rax-dfw-9013276.journal", EXPORTS / "devstack.export")
    hosts = journal_store_hosts(store)
    assert {h: len(p) for h, p in hosts.items()} == {
        "compute1": 1,
        "controller": 2,
        "ubuntu-xenial-rax-dfw-9013276": 1,
    }

    root = tmp_path / "nodes"
    mirror = JournalMirror(JournalSelector(directory=str(store)), root, split_hosts=True)
    assert mirror.sync(1000)
    tree = discover(root)
    assert {n.name: sorted(n.components) for n in tree.nodes} == {
        "compute1": ["libvirt", "nova", "openvswitch"],
        "controller": ["apache", "mariadb", "neutron", "nova"],
        "ubuntu-xenial-rax-dfw-9013276": ["cinder"],
    }
    files = engine_files(root)
    story = search_request(files, SEED_REQUEST)
    assert {e.file.node for e in story.entries} == {"controller"} and story.status == 500
    nova_api = (root / "controller/var/log/nova/nova-api.log").read_text()
    assert all(nova_api.count(rid) == 1 for rid in LATER)  # both files of the host, in time order
    assert nova_api.index(SEED_REQUEST) < nova_api.index(LATER[0])

    # A bounded backlog: the newest entries of the whole store, never all of it.
    small = JournalMirror(JournalSelector(directory=str(store)), tmp_path / "small", split_hosts=True)
    assert small.sync(backlog_entries=3) and small.written == 3


def mirrored_ids(path: Path) -> list[str]:
    text = path.read_text() if path.exists() else ""
    return [rid for rid in LATER if rid in text]


@needs_journal
def test_a_stop_just_before_journalctl_starts_still_ends_the_follow(tmp_path: Path) -> None:
    """stop() between a reconnect's catch-up and its `journalctl -f` (it ended the process
    it saw, the one before): the follow that starts next must end too, not run for ever."""
    journal = make_journal(tmp_path / "j" / "system.journal", EXPORTS / "controller.export")
    mirror = JournalMirror(JournalSelector(directory=str(journal.parent)), tmp_path / "controller")
    assert mirror.sync(backlog_entries=5)
    mirror.stop()  # no process of its own under way: nothing to end yet
    thread = threading.Thread(target=mirror.follow_once)
    thread.start()
    thread.join(5)
    try:
        assert not thread.is_alive(), "journalctl -f started after stop() and was left running"
    finally:
        if mirror._proc is not None and mirror._proc.poll() is None:
            mirror._proc.kill()
        thread.join(5)


def test_follow_reconnect_and_resume_without_loss_or_repeat(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "j" / "system.journal", EXPORTS / "controller.export")
    later = export_entries(EXPORTS / "controller-later.export")
    selector = JournalSelector(directory=str(journal.parent))
    root = tmp_path / "controller"
    nova = root / "var/log/nova/nova-api.log"
    states: list[str] = []
    first = JournalMirror(selector, root, on_change=lambda m: states.append(m.state))
    thread = threading.Thread(target=first.run, kwargs={"backlog_entries": 100, "backoff": (0.3,)})
    thread.start()
    try:
        assert wait(lambda: first.state == "live" and nova.exists())
        time.sleep(0.3)  # journalctl -f is waiting
        make_journal(journal, later[0], later[1])
        assert wait(lambda: mirrored_ids(nova) == LATER[:2]), nova.read_text()
        # The connection drops (journalctl dies); what is written meanwhile is caught up.
        assert first._proc is not None
        first._proc.kill()
        make_journal(journal, later[2])
        assert wait(lambda: mirrored_ids(nova) == LATER[:3]), nova.read_text()
        assert "unreachable" in states and wait(lambda: first.state == "live")
    finally:
        first.stop()
        thread.join(5)
    assert not thread.is_alive()

    # ostui stops; the journal goes on; a new mirror resumes from the cursor.
    make_journal(journal, later[3], later[4])
    second = JournalMirror(selector, root, units=first.units, cursor=first.cursor)
    thread = threading.Thread(target=second.run, kwargs={"backoff": (0.3,)})
    thread.start()
    try:
        assert wait(lambda: mirrored_ids(nova) == LATER[:5])
        time.sleep(0.3)
        # A new file in the folder, as journal-remote starts one when it rotates.
        make_journal(journal.parent / "system@0001.journal", later[5])
        assert wait(lambda: mirrored_ids(nova) == LATER)
    finally:
        second.stop()
        thread.join(5)
    text = nova.read_text()
    assert all(text.count(rid) == 1 for rid in LATER)
    assert text.count("Caught error: id") == 1  # the backlog was not written again
    lf = LogFile(nova, "controller", "nova", nova.name, format_name=MIRROR_FORMAT)
    open_files([lf])
    assert [r.request_id for r in records(lf)][-6:] == LATER


@needs_journal
def test_lines_that_are_not_json_are_counted_not_fatal(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "j" / "system.journal", EXPORTS / "compute.export")

    def noisy(script: str) -> list[str]:  # a login banner and a stray line around the output
        return ["sh", "-c", f"echo 'Welcome to compute1'; ( {script} ); echo '[1, 2]'; echo '{{\"x\": '"]

    mirror = JournalMirror(JournalSelector(files=(str(journal),)), tmp_path / "m", argv_for=noisy)
    assert mirror.sync(100)
    assert mirror.units == ("libvirtd.service", "nova-compute.service", "ovs-vswitchd.service")
    assert (mirror.written, mirror.skipped) == (4, 3)
    json.loads(json.dumps(mirror.cursor))


@needs_journal
def test_unreadable_journal_is_a_state_with_journalctls_words(tmp_path: Path) -> None:
    mirror = JournalMirror(JournalSelector(directory=str(tmp_path / "nowhere")), tmp_path / "m")
    assert mirror.sync(10) is False
    assert mirror.state == "unreachable" and "nowhere" in mirror.reason


@needs_journal
@pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")
def test_a_nodes_journal_over_ssh_with_the_same_code(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "node" / "journal" / "system.journal", EXPORTS / "controller.export")
    later = export_entries(EXPORTS / "controller-later.export")
    sshd = Sshd(tmp_path / "sshd")
    sshd.start()
    node = RemoteNode("controller", "root@127.0.0.1", "/", sshd.client_options)
    control = Path(tempfile.mkdtemp(prefix="ostui-ssh-"))  # a socket path must stay short
    ssh = Ssh(node, control)
    selector = JournalSelector(directory=str(journal.parent))
    root = tmp_path / "cache" / node.name
    nova = root / "var/log/nova/nova-api.log"
    mirror = JournalMirror(selector, root, argv_for=ssh.argv)
    thread = threading.Thread(target=mirror.run, kwargs={"backlog_entries": 100, "backoff": (0.3,)})
    try:
        thread.start()
        assert wait(lambda: mirror.state == "live" and nova.exists()), mirror.reason
        time.sleep(0.3)
        make_journal(journal, later[0])
        assert wait(lambda: mirrored_ids(nova) == LATER[:1])
        sshd.stop()  # the node goes away mid-follow
        assert wait(lambda: mirror.state == "unreachable"), mirror.state
        make_journal(journal, later[1], later[2])  # written while we cannot see it
        sshd.start()
        assert wait(lambda: mirrored_ids(nova) == LATER[:3], timeout=15), mirror.reason
    finally:
        mirror.stop()
        thread.join(5)
        subprocess.run(
            ["ssh", "-o", f"ControlPath={control}/%C", "-O", "exit", node.target],
            capture_output=True,
            check=False,
        )
        sshd.stop()
        shutil.rmtree(control, ignore_errors=True)
    text = nova.read_text()
    assert all(text.count(rid) == 1 for rid in LATER[:3]) and text.count("Caught error: id") == 1
    files = engine_files(root)
    assert search_request(files, SEED_REQUEST).status == 500
