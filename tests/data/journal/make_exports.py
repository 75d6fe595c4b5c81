"""Writes the journal export files next to this script (`python make_exports.py`).

Each `.export` is the systemd journal export format (`KEY=value` lines, a blank line
between entries, values with a newline or raw bytes as `KEY\\n<le64 size><bytes>\\n`),
which `systemd-journal-remote --output=X.journal FILE` turns into a real journal file.
The messages are real lines (see SOURCES.md); the fields are those oslo.log's journal
handler and systemd add. `test_journal.py` checks the files match this script.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).parent
SEED_LOG = HERE.parent / "seed" / "nova-api.log"
CST = timezone(timedelta(hours=8))  # the seed case's controller

SEED_REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
SEED_USER = "03384abb3c864c6bb55b09d33371beb4"
SEED_PROJECT = "276eb659fd4b44859849c773dcfdf138"
IMAGE_URL = f"http://controller:8774/v2/{SEED_PROJECT}/images/c9509d39-78b3-4509-94b5-8498e8e6acea"


def micros(when: datetime) -> str:
    return str(int(when.timestamp()) * 1_000_000 + when.microsecond)


def field(key: str, value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    if isinstance(value, bytes) or b"\n" in raw:
        return key.encode() + b"\n" + struct.pack("<Q", len(raw)) + raw + b"\n"
    return key.encode() + b"=" + raw + b"\n"


def export(entries: list[dict[str, str | bytes]]) -> bytes:
    return b"".join(b"".join(field(k, v) for k, v in e.items()) + b"\n" for e in entries)


class Host:
    """One machine's entries: its boot, machine id and monotonic clock."""

    def __init__(self, name: str, boot: str, machine: str, boot_time: datetime) -> None:
        self.name, self.boot, self.machine, self.boot_time = name, boot, machine, boot_time

    def entry(self, when: datetime, unit: str, **fields: str | bytes) -> dict[str, str | bytes]:
        return {
            "__REALTIME_TIMESTAMP": micros(when),
            "__MONOTONIC_TIMESTAMP": str(int((when - self.boot_time).total_seconds() * 1_000_000)),
            "_BOOT_ID": self.boot,
            "_MACHINE_ID": self.machine,
            "_HOSTNAME": self.name,
            "_SYSTEMD_UNIT": unit,
            **fields,
        }

    def oslo(
        self,
        when: datetime,
        unit: str,
        ident: str,
        pid: int,
        level: str,
        logger: str,
        message: str | bytes,
        request: dict[str, str] | None = None,
        **extra: str | bytes,
    ) -> dict[str, str | bytes]:
        """An entry of oslo.log's journal handler (handlers.OSJournalHandler)."""
        priority = {"DEBUG": "7", "INFO": "6", "WARNING": "4", "ERROR": "3", "CRITICAL": "2"}[level]
        return self.entry(
            when,
            unit,
            _TRANSPORT="journal",
            _PID=str(pid),
            _UID="162",
            _COMM=ident,
            SYSLOG_IDENTIFIER=ident,
            SYSLOG_FACILITY="1",
            PRIORITY=priority,
            LOGGER_NAME=logger,
            LOGGER_LEVEL=level,
            THREAD_NAME="GreenThread-2",
            PROCESS_NAME="MainProcess",
            **(request or {}),
            **extra,
            MESSAGE=message,
        )


def seed_traceback() -> str:
    """The seed's traceback without oslo's `<stamp> <pid> TRACE <logger> ` prefixes."""
    prefix = "2016-06-10 21:49:30.191 7533 TRACE nova.api.openstack "
    lines = [line[len(prefix) :] for line in SEED_LOG.read_text().splitlines() if line.startswith(prefix)]
    return "\n".join(lines).rstrip() + "\n"


def controller() -> list[dict[str, str | bytes]]:
    """The seed case's controller (RDO unit names); oslo logs through the journal."""
    h = Host(
        "controller",
        "6b1c2f0e9a7d4c3e8f5a1b2c3d4e5f60",
        "a1f3c5e7b9d24f6e8a0c2e4f6a8b0d12",
        datetime(2016, 6, 10, 8, 2, 11, tzinfo=CST),
    )
    seed_ctx = {"REQUEST_ID": SEED_REQUEST, "USER_ID": SEED_USER, "PROJECT_ID": SEED_PROJECT}

    def at(second: int, micro: int = 0, minute: int = 49) -> datetime:
        return datetime(2016, 6, 10, 21, minute, second, micro, tzinfo=CST)

    return [
        h.entry(
            at(12, 0, 48),
            "httpd.service",
            _TRANSPORT="stdout",
            _PID="1209",
            _COMM="httpd",
            SYSLOG_IDENTIFIER="httpd",
            PRIORITY="6",
            MESSAGE="AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
            "using 192.168.199.80. Set the 'ServerName' directive globally to suppress this message",
        ),
        # systemd's own message about a unit: PID 1's entry, UNIT= names the service.
        h.entry(
            at(0, 412000),
            "init.scope",
            _TRANSPORT="journal",
            _PID="1",
            _COMM="systemd",
            SYSLOG_IDENTIFIER="systemd",
            PRIORITY="6",
            UNIT="openstack-nova-api.service",
            MESSAGE="Started OpenStack Nova API Server.",
        ),
        h.entry(
            at(10, 87000),
            "sshd.service",
            _TRANSPORT="syslog",
            _PID="30211",
            _COMM="sshd",
            SYSLOG_IDENTIFIER="sshd",
            PRIORITY="6",
            MESSAGE="Accepted publickey for root from 192.168.199.80 port 52712 ssh2",
        ),
        # The seed's ERROR: a bare message (logging_context_format_string = %(message)s),
        # the context in the handler's fields, the traceback in EXCEPTION_INFO.
        h.oslo(
            at(30, 191000),
            "openstack-nova-api.service",
            "nova-api",
            7533,
            "ERROR",
            "nova.api.openstack",
            "Caught error: id",
            seed_ctx,
            CODE_FILE="/usr/lib/python2.7/site-packages/nova/api/openstack/__init__.py",
            CODE_LINE="138",
            CODE_FUNC="__call__",
            EXCEPTION_INFO=seed_traceback(),
            EXCEPTION_TEXT=seed_traceback(),
        ),
        # The default format strings: the message is oslo's whole line, stamp and pid too.
        h.oslo(
            at(30, 192000),
            "openstack-nova-api.service",
            "nova-api",
            7533,
            "INFO",
            "nova.api.openstack",
            f"2016-06-10 21:49:30.192 7533 INFO nova.api.openstack [{SEED_REQUEST} {SEED_USER} "
            f"{SEED_PROJECT} - - -] {IMAGE_URL} returned with HTTP 500",
            seed_ctx,
        ),
        h.oslo(
            at(30, 193000),
            "openstack-nova-api.service",
            "nova-api",
            7533,
            "INFO",
            "nova.osapi_compute.wsgi.server",
            f'192.168.199.80 "GET /v2/{SEED_PROJECT}/images/c9509d39-78b3-4509-94b5-8498e8e6acea '
            'HTTP/1.1" status: 500 len: 359 time: 0.0436440',
            seed_ctx,
        ),
        # Raw bytes: invalid UTF-8, a NUL and a CR, as a misbehaving writer leaves them.
        h.entry(
            at(31, 2000),
            "neutron-server.service",
            _TRANSPORT="stdout",
            _PID="3101",
            _COMM="neutron-server",
            SYSLOG_IDENTIFIER="neutron-server",
            PRIORITY="4",
            MESSAGE=b"WARNING: network 'caf\xe9-net' description is not UTF-8\x00\r",
        ),
        h.entry(
            at(33, 520000),
            "mariadb.service",
            _TRANSPORT="stdout",
            _PID="2231",
            _COMM="mysqld",
            SYSLOG_IDENTIFIER="mysqld",
            PRIORITY="4",
            MESSAGE="2016-06-10 21:49:33 140213349054208 [Warning] Aborted connection 27 to db: 'nova' "
            "user: 'nova' host: 'controller' (Got an error reading communication packets)",
        ),
    ]


def controller_later() -> list[dict[str, str | bytes]]:
    """What the controller logs after the backlog was read: follow and resume tests."""
    h = Host(
        "controller",
        "6b1c2f0e9a7d4c3e8f5a1b2c3d4e5f60",
        "a1f3c5e7b9d24f6e8a0c2e4f6a8b0d12",
        datetime(2016, 6, 10, 8, 2, 11, tzinfo=CST),
    )
    out = []
    for n in range(6):
        when = datetime(2016, 6, 10, 21, 50, 2 + n, 5000, tzinfo=CST)
        request = f"req-7c1d42aa-3e0f-4b8e-9d61-0a5b8c2e4f{n:02d}"
        out.append(
            h.oslo(
                when,
                "openstack-nova-api.service",
                "nova-api",
                7533,
                "INFO",
                "nova.osapi_compute.wsgi.server",
                f'192.168.199.80 "GET /v2/{SEED_PROJECT}/servers/detail HTTP/1.1" status: 200 len: 1893 '
                f"time: 0.21{n}",
                {"REQUEST_ID": request, "USER_ID": SEED_USER, "PROJECT_ID": SEED_PROJECT},
            )
        )
    return out


def devstack() -> list[dict[str, str | bytes]]:
    """A devstack gate node: devstack@ units, oslo's devstack format, eventlet's stderr."""
    h = Host(
        "ubuntu-xenial-rax-dfw-9013276",
        "0d9e4b1f7c2a46d8b3e5f7091a2c4e6f",
        "5e0c7a9b1d3f4e6a8c0e2a4c6e8a0c2e",
        datetime(2017, 5, 26, 19, 58, 3, tzinfo=UTC),
    )

    def at(minute: int, second: int, micro: int) -> datetime:
        return datetime(2017, 5, 26, 20, minute, second, micro, tzinfo=UTC)

    cv = "devstack@c-vol.service"
    delete = {"REQUEST_ID": "req-34715675-437c-4668-8f27-ee0f5f10cabb"}
    delete_names = {**delete, "PROJECT_NAME": "tempest-VolumesDeleteCascade-157659443"}
    term = {
        "REQUEST_ID": "req-7f545400-cf49-47ac-a901-133d9bc6a909",
        "PROJECT_NAME": "tempest-VolumesBackupsAdminTest-1249474671",
    }

    def stderr(when: datetime, text: str) -> dict[str, str | bytes]:
        # eventlet prints its traceback to stderr: one entry per line, no oslo fields.
        return h.entry(
            when,
            cv,
            _TRANSPORT="stdout",
            _PID="27348",
            _COMM="cinder-volume",
            SYSLOG_IDENTIFIER="cinder-volume",
            PRIORITY="6",
            MESSAGE=text,
        )

    def sudo(when: datetime, text: str) -> dict[str, str | bytes]:
        # sudo runs inside the service's cgroup, so its lines carry the service's unit.
        return h.entry(
            when,
            cv,
            _TRANSPORT="syslog",
            _PID="552",
            _COMM="sudo",
            SYSLOG_IDENTIFIER="sudo",
            PRIORITY="5",
            MESSAGE=text,
        )

    hub = "/usr/local/lib/python2.7/dist-packages/eventlet"
    return [
        h.entry(
            at(20, 42, 377230),
            "init.scope",
            _TRANSPORT="journal",
            _PID="1",
            _COMM="systemd",
            SYSLOG_IDENTIFIER="systemd",
            PRIORITY="6",
            UNIT="devstack@c-api.service",
            MESSAGE="Started Devstack devstack@c-api.service.",
        ),
        h.oslo(
            at(20, 43, 570064),
            "devstack@c-api.service",
            "cinder-api",
            8526,
            "WARNING",
            "oslo_reports.guru_meditation_report",
            "WARNING oslo_reports.guru_meditation_report [-] Guru meditation now registers SIGUSR1 and "
            "SIGUSR2 by default for backward compatibility. SIGUSR1 will no longer be registered in a "
            "future release, so please use SIGUSR2 to generate reports.",
        ),
        h.oslo(
            at(44, 32, 276580),
            cv,
            "cinder-volume",
            27348,
            "INFO",
            "cinder.volume.manager",
            "INFO cinder.volume.manager [req-34715675-437c-4668-8f27-ee0f5f10cabb "
            "tempest-VolumesDeleteCascade-157659443 None] Delete snapshot completed successfully.",
            delete_names,
        ),
        stderr(at(44, 32, 283596), "Traceback (most recent call last):"),
        stderr(at(44, 32, 283764), f'  File "{hub}/hubs/hub.py", line 457, in fire_timers'),
        stderr(at(44, 32, 283899), "    timer()"),
        stderr(at(44, 32, 284031), f'  File "{hub}/hubs/timer.py", line 58, in __call__'),
        stderr(at(44, 32, 284161), "    cb(*args, **kw)"),
        stderr(at(44, 32, 284293), f'  File "{hub}/semaphore.py", line 147, in _do_acquire'),
        stderr(at(44, 32, 284429), "    waiter.switch()"),
        stderr(at(44, 32, 284561), "error: cannot switch to a different thread"),
        # devstack colours its journal lines (logging_context_format_string with codes):
        # the journal keeps the ESC bytes, so journalctl hands the message over as bytes.
        h.oslo(
            at(44, 39, 756846),
            cv,
            "cinder-volume",
            27348,
            "INFO",
            "cinder.volume.manager",
            b"\x1b[00;36mINFO cinder.volume.manager [\x1b[01;36mreq-7f545400-cf49-47ac-a901-133d9bc6a909 "
            b"\x1b[00;36mtempest-VolumesBackupsAdminTest-1249474671 None\x1b[00;36m] \x1b[01;35m\x1b[00;36m"
            b"Terminate volume connection completed successfully.\x1b[00m",
            term,
        ),
        h.oslo(
            at(44, 39, 837651),
            cv,
            "cinder-volume",
            27348,
            "DEBUG",
            "oslo_concurrency.processutils",
            "DEBUG oslo_concurrency.processutils [req-7f545400-cf49-47ac-a901-133d9bc6a909 "
            "tempest-VolumesBackupsAdminTest-1249474671 None] Running cmd (subprocess): sudo cinder-rootwrap "
            "/etc/cinder/rootwrap.conf tgt-admin --show {{(pid=27788) execute "
            "/usr/local/lib/python2.7/dist-packages/oslo_concurrency/processutils.py:355}}",
            term,
        ),
        sudo(
            at(44, 39, 848686),
            "   stack : TTY=unknown ; PWD=/ ; USER=root ; COMMAND=/usr/local/bin/cinder-rootwrap "
            "/etc/cinder/rootwrap.conf tgt-admin --show",
        ),
        sudo(at(44, 39, 849078), "pam_unix(sudo:session): session opened for user root by (uid=0)"),
        sudo(at(44, 40, 91434), "pam_unix(sudo:session): session closed for user root"),
        # oslo's exception lines inside one message, with devstack's logging_exception_prefix.
        h.oslo(
            at(44, 41, 120775),
            cv,
            "cinder-volume",
            27348,
            "ERROR",
            "cinder.volume.manager",
            "ERROR cinder.volume.manager [req-34715675-437c-4668-8f27-ee0f5f10cabb "
            "tempest-VolumesDeleteCascade-157659443 None] Delete snapshot failed.\n"
            "ERROR cinder.volume.manager Traceback (most recent call last):\n"
            f'ERROR cinder.volume.manager   File "{hub}/hubs/hub.py", line 457, in fire_timers\n'
            "ERROR cinder.volume.manager     timer()\n"
            "ERROR cinder.volume.manager error: cannot switch to a different thread\n"
            "ERROR cinder.volume.manager ",
            delete,
        ),
    ]


def compute() -> list[dict[str, str | bytes]]:
    """A compute node (OpenStack-Ansible unit names): nova, the agent, libvirt, Open vSwitch."""
    h = Host(
        "compute1",
        "9f8e7d6c5b4a49388271605f4e3d2c1b",
        "c0ffee00c0ffee00c0ffee00c0ffee00",
        datetime(2015, 10, 29, 9, 12, 40, tzinfo=CST),
    )

    def at(minute: int, second: int, micro: int) -> datetime:
        return datetime(2015, 10, 29, 10, minute, second, micro, tzinfo=CST)

    amqp = {"REQUEST_ID": "req-c50985b8-51f1-4a65-a1c0-57c5265bcb77"}
    return [
        h.oslo(
            at(51, 57, 631000),
            "nova-compute.service",
            "nova-compute",
            21476,
            "INFO",
            "oslo.messaging._drivers.impl_rabbit",
            "Connecting to AMQP server on 10.12.27.29:5672",
            amqp,
        ),
        h.oslo(
            at(51, 57, 711000),
            "nova-compute.service",
            "nova-compute",
            21476,
            "INFO",
            "oslo.messaging._drivers.impl_rabbit",
            "Connected to AMQP server on 10.12.27.29:5672",
            amqp,
        ),
        h.entry(
            at(52, 1, 5000),
            "libvirtd.service",
            _TRANSPORT="journal",
            _PID="1873",
            _COMM="libvirtd",
            SYSLOG_IDENTIFIER="libvirtd",
            PRIORITY="6",
            MESSAGE="libvirt version: 1.2.17, package: 13.el7_2.4 (CentOS BuildSystem <http://bugs.centos.org>)",
        ),
        h.entry(
            at(52, 4, 414000),
            "ovs-vswitchd.service",
            _TRANSPORT="syslog",
            _PID="1035",
            _COMM="ovs-vswitchd",
            SYSLOG_IDENTIFIER="ovs-vswitchd",
            PRIORITY="6",
            MESSAGE="ovs|00118|bridge|INFO|bridge br-int: added interface ha-550dc175-c0 on port 3",
        ),
    ]


EXPORTS = {
    "controller.export": controller,
    "controller-later.export": controller_later,
    "devstack.export": devstack,
    "compute.export": compute,
}


def main() -> None:
    for name, make in EXPORTS.items():
        (HERE / name).write_bytes(export(make()))


if __name__ == "__main__":
    main()
