"""End to end: the installed `ostui` in a real tmux pane, driven by keys, read off the screen."""

from __future__ import annotations

import os
import shutil
import signal
import time
from functools import partial
from pathlib import Path

import pytest

from .conftest import REAL, SEED
from .terminal_safety import hostile_tree
from .tmux_driver import TmuxPane, ostui_command
from .waiting import eventually

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")


def test_seed_case_from_error_filter_to_traceback_and_500() -> None:
    pane = TmuxPane([*ostui_command(), str(SEED / "nova-api.log")])
    try:
        pane.wait_for(r"3 of 3 records")
        pane.keys("L", "L", "L")  # ERROR and above
        screen = pane.wait_for(r"1 of 3 records · ERROR\+")
        assert "ERROR e359221b ⚑ glanceclient-attributeerror-id" in screen  # flagged as a known fault
        pane.keys("Enter")  # open it in the detail pane
        screen = pane.wait_for(r"AttributeError: id")
        pane.keys("t")
        screen = pane.wait_for(r"apiclient/base.py:494 in __getattr__")
        pane.keys("s")
        screen = pane.wait_for(r"500 Internal Server Error")
        assert "req-e359221b" in screen
    finally:
        pane.close()


def test_demo_starts_and_quits() -> None:
    pane = TmuxPane([*ostui_command(), "--demo"], size="80x24")
    try:
        pane.wait_for(r"records")
        assert pane.command() != "sleep"
        pane.keys("q")
        eventually(lambda: pane.command() == "sleep", 5, "ostui still runs after q")
    finally:
        pane.close()


def test_the_browser_loads_no_openssl() -> None:
    """OpenSSL's library is 4-5 MiB resident, for TLS and hashes ostui never uses."""
    pane = TmuxPane([*ostui_command(), str(SEED / "nova-api.log")])
    try:
        pane.wait_for(r"3 of 3 records")
        maps = Path(f"/proc/{pane.program_pid()}/maps").read_text()
        assert "libcrypto" not in maps and "libssl" not in maps
    finally:
        pane.close()


def test_live_tail_shows_the_error_as_it_is_written(tmp_path: Path) -> None:
    log = tmp_path / "controller" / "var" / "log" / "nova" / "nova-api.log"
    log.parent.mkdir(parents=True)
    log.write_text("2016-06-10 21:49:29.000 7533 INFO nova.api.openstack [-] waiting for the user\n")
    pane = TmuxPane([*ostui_command(), "--root", str(tmp_path), "--follow"])
    try:
        pane.wait_for(r"1 of 1 records")
        pane.keys("m")  # reproduction starts now
        pane.wait_for(r"mark 'try 1'")  # (records read before the mark are not new)
        with log.open("ab") as out:
            out.write((SEED / "nova-api.log").read_bytes())
        screen = pane.wait_for(r"Caught error: id")
        pane.wait_for(r"press !")
        pane.keys("!")
        # the cursor's own (access) record already shows the 500 and the fault: wait for the
        # error's own heading in the detail, then for its fault
        pane.wait_for(r"21:49:30\.191  controller/nova  ERROR")
        screen = pane.wait_for(r"Known fault: .*glanceclient")
        assert "AttributeError: id" in screen and "500 Internal Server Error" in screen
    finally:
        pane.close()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # ESRCH: it ended while being read
        return True
    return state == "Z"  # ended, not yet reaped by the (killed) shell


def test_a_dropped_terminal_ends_ostui(tmp_path: Path) -> None:
    """The ssh session drops while the operator follows a reproduction: ostui must end, not
    spin on the dead terminal (it did: 100% CPU, in about one run of two)."""
    pids = []
    for run in range(2):
        log = tmp_path / str(run) / "controller" / "var" / "log" / "nova" / "nova-api.log"
        log.parent.mkdir(parents=True)
        log.write_text("2016-06-10 21:49:29.000 7533 INFO nova.api.openstack [-] waiting for the user\n")
        pane = TmuxPane([*ostui_command(), "--root", str(tmp_path / str(run)), "--follow"])
        try:
            pane.wait_for(r"of \d+ records")
            pids.append(pane.program_pid())
            pane.keys("m")  # reproduction starts: new errors are announced
            pane.wait_for(r"mark 'try 1'")  # (records read before the mark are not new)
            with log.open("ab") as out:
                out.write((SEED / "nova-api.log").read_bytes())
            pane.wait_for(r"press !")
            pane.keys("!")
        finally:
            pane.close()
    for pid in pids:
        eventually(partial(_gone, pid), 15, f"ostui (pid {pid}) still runs after its terminal closed")


def test_sigterm_ends_ostui_and_gives_the_terminal_back() -> None:
    pane = TmuxPane([*ostui_command(), str(SEED / "nova-api.log")], size="80x24")
    try:
        pane.wait_for(r"3 of 3 records")
        os.kill(pane.program_pid(), signal.SIGTERM)
        eventually(lambda: pane.command() == "sleep", 10, "ostui still runs after SIGTERM")
        assert "records" not in pane.screen()  # the alternate screen is gone
    finally:
        pane.close()


def test_hostile_logs_leave_the_title_and_clipboard_alone(tmp_path: Path) -> None:
    """OSC 0/2 and OSC 52 in logs and file names: tmux would obey them (the control pane
    shows it does); ostui's pane keeps its title and tmux gets no paste buffer."""
    attack = r"sleep 0.3; printf '\033]2;PWNED\033\\\033]52;c;aGk=\007'"
    control = TmuxPane(["sh", "-c", attack], size="80x24")
    try:
        control.option("-g", "set-clipboard", "on")
        eventually(lambda: control.title() == "PWNED", 5, "tmux did not take the title from OSC 2")
        eventually(control.buffers, 5, "tmux did not take a paste buffer from OSC 52")
    finally:
        control.close()
    pane = TmuxPane([*ostui_command(), "--root", str(hostile_tree(tmp_path))], size="200x50")
    try:
        pane.option("-g", "set-clipboard", "on")
        title = pane.title()
        pane.wait_for(r"of \d+ records")
        # the 500 whose message, frame path and exception carry attacks (the syslog's lines,
        # of the node's year, come before it): the only record a text filter keeps, opened
        pane.keys("&")
        pane.wait_for(r"Show only records matching")
        pane.keys("Caught error: id", "Enter")
        pane.wait_for(r"1 of \d+ records")
        pane.keys("g", "Enter")
        screen = pane.wait_for(r"AttributeError")
        assert "␛]52;c;" in screen  # the attack is shown as text
        pane.keys("t")
        pane.wait_for(r"Traceback|frames")
        pane.keys("f")
        pane.wait_for(r"Known faults")
        pane.keys("Escape", "G")
        time.sleep(0.5)
        assert pane.title() == title and "PWNED" not in pane.title()
        assert pane.buffers() == []
    finally:
        pane.close()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for k in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            continue
        found += kids
        todo += kids
    return found


def _all_gone(files: set[Path]) -> bool:
    return not any(f.exists() for f in files)


def _shared_files(pid: int) -> set[Path]:
    """The files of /dev/shm that process `pid` has mapped (multiprocessing's semaphores).
    Its maps name them by the temporary name glibc made them under, deleted since: they are
    told by their inodes."""
    inodes = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[5].startswith("/dev/shm/"):
            inodes.add(os.stat(f"/proc/{pid}/map_files/{fields[0]}").st_ino)
    return {f for f in Path("/dev/shm").iterdir() if f.stat().st_ino in inodes}


def _big_log(tmp_path: Path) -> Path:
    """A 512 MiB real log: indexed in parts, for longer than a quit may take."""
    block = (
        REAL / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log" / "nova" / "nova-api.log"
    ).read_bytes()
    log = tmp_path / "nova-api.log"
    with log.open("wb") as out:
        chunk = block * ((8 << 20) // len(block))
        for _ in range(64):
            out.write(chunk)
    return log


@pytest.mark.parametrize("how", ["q", "hangup", "job hangup"])
def test_quitting_while_a_big_log_is_indexed_in_parts(tmp_path: Path, how: str) -> None:
    """q, or the terminal closed (the ssh session dropped), while the index processes work
    through a 512 MiB log: ostui is gone at once, and so are its index processes and the
    semaphores their pool made (a hangup left them in /dev/shm). It once
    waited for the whole index, seconds (Python's exit joined the indexing thread, which
    waited for the parts); on a hangup, Textual's exit wrote to the dead terminal and, in
    about one hangup of three, waited for the watchdog (5 s, the indexing going on)."""
    log = _big_log(tmp_path)
    for _ in range(3 if how == "hangup" else 1):
        pane = TmuxPane([*ostui_command(), str(log)])
        try:
            pane.wait_for(r"% indexed")
            pid = pane.program_pid()
            helpers = _descendants(pid)
            assert helpers, "no index processes under ostui"
            semaphores = _shared_files(pid)
            assert semaphores, "the pool's semaphores are not files in /dev/shm"
            if how == "q":
                pane.keys("q")
            elif how == "hangup":
                pane.close()  # the tmux server goes: the pane's terminal hangs up
            else:  # as a login shell tells its jobs when the ssh session drops: all of ostui's group
                os.killpg(os.getpgid(pid), signal.SIGHUP)
            # Within 2 s on two loaded cores (the tests run in parallel); the whole index
            # of this log takes longer than that.
            eventually(partial(_gone, pid), 2.0, f"ostui still runs 2 s after {how}")
            for helper in helpers:
                eventually(partial(_gone, helper), 2.0, f"index process {helper} outlived ostui")
            # ... and its semaphores, which a hangup left behind (five files each time).
            eventually(partial(_all_gone, semaphores), 2.0, f"semaphores left in /dev/shm after {how}")
        finally:
            pane.close()
