"""A real sshd on 127.0.0.1 with throwaway keys, for the remote-node tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def sshd_binary() -> str | None:
    for candidate in ("/usr/sbin/sshd", shutil.which("sshd")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sshd:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        for name in ("hostkey", "userkey"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(workdir / name)], check=True
            )
        shutil.copy(workdir / "userkey.pub", workdir / "authorized_keys")
        (workdir / "authorized_keys").chmod(0o600)
        self.config = workdir / "sshd_config"
        self.config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {workdir}/hostkey\n"
            f"AuthorizedKeysFile {workdir}/authorized_keys\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n"
            f"PidFile {workdir}/sshd.pid\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def client_options(self) -> tuple[str, ...]:
        return (
            "-p",
            str(self.port),
            "-i",
            str(self.dir / "userkey"),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(exist_ok=True)
        binary = sshd_binary()
        assert binary is not None
        self.proc = subprocess.Popen([binary, "-D", "-e", "-f", str(self.config)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("sshd did not start")

    def stop(self) -> None:
        """The node goes away: the listener and every connection it accepted."""
        if self.proc is not None:
            # Each accepted connection is a child of the listener: end them first.
            subprocess.run(["pkill", "-9", "-P", str(self.proc.pid)], check=False, capture_output=True)
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def follow_loops(self) -> list[int]:
        """Pids of the follow loops this sshd started (sh running ostui's script): not
        another test's, running beside this one in another process."""
        assert self.proc is not None
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if (
                    entry.name.isdigit()
                    and (entry / "comm").read_text().strip() == "sh"
                    and b"read -r c n o k i" in (entry / "cmdline").read_bytes()
                    and self.proc.pid in _ancestors(int(entry.name))
                ):
                    pids.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile
        return pids


def _ancestors(pid: int) -> list[int]:
    out = []
    while pid > 1:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        out.append(pid)
    return out
