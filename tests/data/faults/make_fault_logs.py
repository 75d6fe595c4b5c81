#!/usr/bin/env python3
"""Writes the fault fixtures of tests/test_faults_*.py (ours; run it to rewrite them).

* `neutron-l3-agent-ip-link.log`: one neutron l3 agent failing `ip link delete` on gateway,
  HA and router ports of several routers, in the two shapes neutron logs a failed command:
  the oslo.concurrency traceback (ProcessExecutionError with Command/Exit code/Stderr lines)
  and neutron.agent.linux.utils' older form, the Command list and its outcome on unprefixed lines.
  Every failure has the same cause (the stderr RTNETLINK line); a second, different
  failure (a missing device, exit 1) must stay a group of its own.
* `neutron-l3-agent-lp1979089.log`: the ten lines of hotsos's test of LP#1979089
  (canonical/hotsos, hotsos/defs/tests/scenarios/openstack/neutron/bugs/lp1979089.yaml,
  Apache-2.0), in time order.

A test checks that this script reproduces the files byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ROUTERS = [
    ("57837a95-ed3b-4a1b-9393-1374a8c744c3", "qg-8c4ff5ed-0a"),
    ("9f276b0e-8581-4312-8780-ff4503c3df07", "qg-1d2e3f40-0e"),
    ("8f14f808-c23a-422b-a3a8-7fb747e89676", "ha-5b6c7d8e-1d"),
    ("3fcb7702-ae0b-46b4-807f-8ae94d656dd3", "qr-0a1b2c3d-4e"),
]
PID = 30127
PREFIX = "{stamp} {pid} ERROR neutron.agent.l3.router_info"
SITE = "/usr/lib/python3/dist-packages"
PEE = "oslo_concurrency.processutils.ProcessExecutionError"


def traceback_failure(stamp: str, router: str, device: str, stderr: str, code: int) -> list[str]:
    head = PREFIX.format(stamp=stamp, pid=PID)
    return [
        f"{head} [req-6c0b5d1e-4f2a-4d7b-9d6c-{router[-12:]} - - - - -] Failed to process router {router}: "
        "oslo_concurrency.processutils.ProcessExecutionError: Unexpected error while running command.",
        f"{head} Traceback (most recent call last):",
        f'{head}   File "{SITE}/neutron/agent/l3/router_info.py", line 1232, in process',
        f"{head}     self._process_external_gateway(ex_gw_port)",
        f'{head}   File "{SITE}/oslo_concurrency/processutils.py", line 438, in execute',
        f"{head}     raise ProcessExecutionError(exit_code=_returncode,",
        f"{head} {PEE}: Unexpected error while running command.",
        f"{head} Command: sudo neutron-rootwrap /etc/neutron/rootwrap.conf ip netns exec qrouter-{router} "
        f"ip link delete {device}",
        f"{head} Exit code: {code}",
        f"{head} Stdout: ''",
        f"{head} Stderr: '{stderr}\\n'",
    ]


def utils_failure(stamp: str, router: str, device: str, stderr: str, code: int) -> list[str]:
    # Older neutron (Mitaka to Pike) logged the command and its outcome as unprefixed lines.
    command = ["ip", "netns", "exec", f"qrouter-{router}", "ip", "link", "delete", device]
    return [
        f"{stamp} {PID} ERROR neutron.agent.linux.utils "
        f"[req-9d1c3e5a-7b9d-4f1a-8c3e-{router[-12:]} - - - - -] ",
        f"Command: {command!r}",
        f"Exit code: {code}",
        "Stdin: ",
        "Stdout: ",
        f"Stderr: {stderr}",
        "",
    ]


def ip_link_log() -> str:
    lines: list[str] = []
    minute = 0
    for shape in (traceback_failure, utils_failure):
        for router, device in ROUTERS:
            stamp = f"2024-05-14 10:{minute:02d}:01.{100 + minute:03d}"
            lines += shape(stamp, router, device, "RTNETLINK answers: Operation not supported", 2)
            minute += 1
    # A different failure of the same command: its own group.
    stamp = f"2024-05-14 10:{minute:02d}:01.500"
    missing = "qg-77aa88bb-9c"
    lines += traceback_failure(stamp, ROUTERS[0][0], missing, f'Cannot find device "{missing}"', 1)
    return "\n".join(lines) + "\n"


LP1979089_STAMPS = ["06:26:03", "06:26:13", "06:26:23", "06:26:33", "06:26:43", "06:26:53",
                    "06:27:13", "06:27:23", "06:27:33", "06:27:43"]  # fmt: skip


def lp1979089_log() -> str:
    line = (
        "2022-05-21 {t}.116 30127 ERROR neutron.agent.linux.utils [-] Exit code: 1; Stdin: ; Stdout: ; "
        'Stderr: Cannot open network namespace "qrouter-57837a95-ed3b-4a1b-9393-1374a8c744c3": '
        "No such file or directory"
    )
    return "".join(line.format(t=t) + "\n" for t in LP1979089_STAMPS)


FILES = {
    "neutron-l3-agent-ip-link.log": ip_link_log,
    "neutron-l3-agent-lp1979089.log": lp1979089_log,
}


def main() -> int:
    for name, make in FILES.items():
        (HERE / name).write_text(make(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
