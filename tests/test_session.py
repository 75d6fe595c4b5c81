"""The session's lifetime rules: what it opened is released at close, what start-up opens
after a close is released at once, and a wait for slow sources ends with the close."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from ostui.core.live.remote import RemoteNode, start_mirrors
from ostui.session import NodesError, Options, Session, SessionClosed

from .conftest import SEED


def test_close_removes_the_temporary_folders_and_refuses_new_ones() -> None:
    with Session.open(Options()) as session:
        folder = session.temporary_folder("ostui-test-")
        (folder / "copy.log").write_text("x\n")
    assert not folder.exists()
    with pytest.raises(SessionClosed):
        session.temporary_folder("ostui-test-")
    assert session.folders == [folder]  # nothing was made after the close
    session.close()  # twice is harmless


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh client")
def test_mirrors_started_after_the_close_are_stopped_at_once(tmp_path: Path) -> None:
    session = Session(Options())
    session.close()
    nobody = RemoteNode("gone", "root@127.0.0.1", "/", ("-p", "1", "-o", "ConnectTimeout=1"))
    (mirror,) = start_mirrors([nobody], tmp_path / "cache", wait=0.0)
    with pytest.raises(SessionClosed):
        session.own_mirrors([mirror])
    assert not mirror.control.exists()  # stopped: its ControlMaster folder is gone
    assert session.mirrors == []


def test_a_wait_for_slow_sources_ends_when_the_session_closes() -> None:
    session = Session(Options())
    threading.Timer(0.2, session.close).start()
    started = time.monotonic()
    with pytest.raises(SessionClosed):
        session.wait_until(lambda: False, timeout=30.0)
    assert time.monotonic() - started < 2.0


def test_a_bad_inventory_stops_a_headless_selection_but_not_the_browsers(tmp_path: Path) -> None:
    inventory = tmp_path / "nodes.toml"
    inventory.write_text("[nodes.c1]\nport = 22\n")
    for browser in (False, True):
        options = Options(paths=[SEED / "nova-api.log"], inventory=inventory, journal=False, browser=browser)
        with Session.open(options) as session:
            if not browser:
                with pytest.raises(NodesError, match=r"nodes\.toml:2"):
                    session.select()
                continue
            files = session.select()
            assert [f.path.name for f in files] == ["nova-api.log"] and session.files == files
            assert session.problems and "nodes.toml:2" in session.problems[0]


def test_indexing_stops_mid_file_when_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser quitting while a file is indexed in its own thread (one too small for
    the index processes, or compressed): the indexing returns at the next block, and the
    files after it are left alone."""
    from ostui.core.indexing.logset import LogFile
    from ostui.session import loops

    monkeypatch.setattr(loops, "INDEX_BLOCK", 4 << 10)
    log = tmp_path / "nova-api.log"
    log.write_bytes((SEED / "nova-api.log").read_bytes() * 40)
    later = SEED / "nova-api.log"
    files = [LogFile(log, "node", "nova", log.name), LogFile(later, "node", "nova", later.name)]
    steps: list[int] = []
    with Session.open(Options(paths=[log])) as session:
        session.use_files(files)

        def quitting() -> bool:
            return len(steps) >= 3

        loops.index_files(session, files, lambda done, *_: steps.append(done), lambda f: None, quitting)
    first, second = files
    assert first.index is not None and 0 < first.index.scanned < log.stat().st_size
    assert second.index is None  # never opened


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh client")
def test_close_lets_a_mirror_starting_an_ssh_kill_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mirror's thread may be starting an ssh as the session closes; the ssh it starts is
    killed by the thread itself, so close waits for it: a process ending meanwhile would
    leave that ssh running on its own."""
    from ostui.core.live.remote import Ssh

    starting = threading.Event()
    started: list[object] = []
    real_popen = Ssh.popen

    def slow_popen(self: Ssh, script: str, stdin: bool = False) -> object:
        starting.set()
        time.sleep(0.5)  # a fork and exec on a busy host
        out = real_popen(self, script, stdin)
        started.append(out[0])
        return out

    monkeypatch.setattr(Ssh, "popen", slow_popen)
    session = Session(Options())
    nobody = RemoteNode("gone", "root@127.0.0.1", "/", ("-p", "1", "-o", "ConnectTimeout=1"))
    (mirror,) = start_mirrors([nobody], tmp_path / "cache", wait=0.0)
    session.own_mirrors([mirror])
    assert starting.wait(10)
    session.close()
    assert mirror.thread is not None and not mirror.thread.is_alive()
    assert started and all(proc.poll() is not None for proc in started)  # type: ignore[attr-defined]


def test_faults_of_shapes_made_in_the_index_processes_are_one_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part's error records are shaped in its process, but its last record, which may
    go on in the next part, and the shapes matched here: the same faults as one thread
    flags. Here the seed's traceback, cut across parts almost everywhere, its fault told
    by the lines at its end."""
    from ostui.core.diagnosis.faultscan import flag_faults
    from ostui.core.indexing import parallel
    from ostui.core.indexing.index import FileIndex
    from ostui.core.indexing.logset import LogFile
    from ostui.session import loops

    monkeypatch.setattr(parallel, "BROWSER_PART", 16 << 10)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    record = (SEED / "nova-api.log").read_bytes()  # one ERROR record of 52 lines, 6.6 kB
    log = tmp_path / "nova-api.log"
    with log.open("wb") as out:
        for n in range(60):
            out.write(b"2016-06-10 21:49:29.%03d 7533 INFO nova.wsgi.server [-] GET %d\n" % (n, n))
            out.write(record)
    from_parts: list[int] = []
    flag_joined = loops._flag_joined

    def counted(session: Session, lf: LogFile, first: int, shaped: object) -> None:
        from_parts.append(sum(map(len, shaped.values())) if isinstance(shaped, dict) else -1)
        flag_joined(session, lf, first, shaped)

    monkeypatch.setattr(loops, "_flag_joined", counted)
    lf = LogFile(log, "node", "nova", log.name)
    with Session.open(Options(paths=[log])) as session:
        session.use_files([lf])
        loops.index_files(session, [lf], lambda *_: None, lambda f: None)
        whole = LogFile(log, "n", "c", log.name, index=FileIndex(parallel.FileSource(log)))
        assert whole.index is not None
        whole.index.update(final=True)
        flag_faults(whole, session.matcher())
    assert len(from_parts) > 10 and min(from_parts) >= 0  # every part shaped in its process
    assert sum(from_parts) > 30
    assert len(whole.faults) == 60 and set(whole.faults.values()) == {"glanceclient-attributeerror-id"}
    assert lf.faults == whole.faults and lf.faults_checked == len(whole.index)
