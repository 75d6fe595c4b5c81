"""Following files through real logrotate runs: dateext, olddir, copytruncate with the copy
in another folder, delaycompress, generations missed between two looks, and a path swapped
for a FIFO. Every record is shown once, and what could not be read is said."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.live.follow import FileChange, Follower

from .waiting import eventually


def line(n: int) -> bytes:
    return b"2016-06-10 21:%02d:%02d.%03d 7533 INFO nova.x [-] message %d\n" % (
        n // 60000 % 60,
        n // 1000 % 60,
        n % 1000,
        n,
    )


def append(path: Path, numbers: range) -> None:
    """What a service does after logrotate: write to whatever file is at its path now."""
    with path.open("ab") as f:
        f.write(b"".join(line(n) for n in numbers))


def messages(files: list[LogFile]) -> list[str]:
    """Every record's message over all files, in number order (duplicates kept)."""
    out = []
    for lf in files:
        assert lf.index is not None
        out += [parse_record(lf.index, i).message for i in range(len(lf.index))]
    return sorted((m for m in out if m.startswith("message ")), key=lambda m: int(m.split()[-1]))


def expected(n: int) -> list[str]:
    return [f"message {i}" for i in range(n)]


def logrotate(log: Path, *options: str) -> None:
    """One forced run of the real logrotate over `log` with these options."""
    conf = log.parent.parent / f"{log.name}.conf"
    body = "\n".join(("missingok", "rotate 5", *options))
    conf.write_text(f"{log} {{\n{body}\n}}\n")
    state = log.parent.parent / "logrotate.state"
    run = ["logrotate", "-f", "-s", str(state), str(conf)]  # .ci/run installs logrotate
    subprocess.run(run, check=True, capture_output=True, timeout=30)


def classify(path: Path) -> LogFile | None:
    """The app's rule for a new file in a followed folder: a .log is a log."""
    return LogFile(path, "node", "nova", path.name) if path.name.endswith(".log") else None


@pytest.fixture
def log(tmp_path: Path) -> Path:
    folder = tmp_path / "nova"
    folder.mkdir()
    path = folder / "nova-api.log"
    append(path, range(0, 3))
    return path


def follow(log: Path, catch: bool = True) -> Follower:
    lf = LogFile(log, "node", "nova", log.name)
    open_files([lf])
    fol = Follower([lf], folders=[log.parent], new_file=classify, rescan_every=0, catch=catch)
    return fol


def settle(fol: Follower) -> list[FileChange]:
    """Poll now, then once long after (every renamed file drained and final)."""
    return fol.poll() + fol.poll(now=10**9)


def test_dateext_rename_is_the_old_generation_not_a_new_log(log: Path) -> None:
    fol = follow(log)
    append(log, range(3, 5))
    logrotate(log, "dateext", "extension .log", "create")
    rotated = [p for p in log.parent.iterdir() if p != log]
    assert [p.name for p in rotated] and rotated[0].name.startswith("nova-api-")
    append(log, range(5, 7))
    changes = settle(fol)
    assert messages(fol.files) == expected(7)  # each once: the dated name is not a new log
    assert ("rotated", f"nova-api.log → {rotated[0].name}") in [(c.kind, c.note) for c in changes]
    assert "a new log file" not in [c.note for c in changes]
    fol.close()


def test_olddir_rename_keeps_the_records_and_says_where_they_went(log: Path) -> None:
    (log.parent / "old").mkdir()
    fol = follow(log)
    append(log, range(3, 5))
    logrotate(log, "olddir old", "create")
    append(log, range(5, 7))
    settle(fol)
    assert messages(fol.files) == expected(7)
    assert {str(f.path.relative_to(log.parent)) for f in fol.files} == {"nova-api.log", "old/nova-api.log.1"}
    fol.close()


@pytest.mark.parametrize("olddir", ["old", "../nova-archive"])
def test_copytruncate_with_the_copy_in_another_folder_keeps_the_text(log: Path, olddir: str) -> None:
    (log.parent / olddir).mkdir()
    fol = follow(log)
    append(log, range(3, 5))  # not yet read when logrotate copies
    logrotate(log, f"olddir {olddir}", "copytruncate")
    append(log, range(5, 6))
    changes = settle(fol)
    assert messages(fol.files) == expected(6)  # the old rows keep their text, read from the copy
    old = next(f for f in fol.files if f.path.name == "nova-api.log.1")
    assert old.path.parent.resolve() == (log.parent / olddir).resolve()
    assert not [c for c in changes if c.kind == "gap"]
    fol.close()


def test_delaycompress_across_three_rotations(log: Path) -> None:
    fol = follow(log)
    total = 3
    for _ in range(3):
        append(log, range(total, total + 2))
        total += 2
        logrotate(log, "compress", "delaycompress", "create")
        append(log, range(total, total + 1))
        total += 1
        fol.poll()
    settle(fol)
    names = sorted(p.name for p in log.parent.iterdir())
    assert names == ["nova-api.log", "nova-api.log.1", "nova-api.log.2.gz", "nova-api.log.3.gz"]
    # The compressed generations are the ones read while plain: not read again.
    assert messages(fol.files) == expected(total)
    fol.close()


def test_generations_rotated_between_two_looks_are_found_on_disk(log: Path) -> None:
    fol = follow(log, catch=False)
    total = 3
    for _ in range(3):  # three rotations, no poll in between
        append(log, range(total, total + 2))
        total += 2
        logrotate(log, "create")
    append(log, range(total, total + 1))
    total += 1
    changes = settle(fol)
    assert messages(fol.files) == expected(total)
    assert not [c for c in changes if c.kind == "gap"]
    fol.close()


def test_generations_deleted_between_two_looks_are_reported_as_a_gap(log: Path) -> None:
    fol = follow(log, catch=False)
    append(log, range(3, 5))
    fol.poll()
    # Two generations made and rotated away (rotate 0: deleted) before the next look.
    for first in (5, 7):
        logrotate(log, "create", "rotate 0")
        append(log, range(first, first + 2))
    logrotate(log, "create", "rotate 0")
    append(log, range(9, 10))
    changes = settle(fol)
    gaps = [c for c in changes if c.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].note.startswith("2 generation(s) of nova-api.log")
    assert gaps[0].missed_bytes is None  # deleted: their size is unknown, and said so
    # The old generation was drained through its descriptor; the live one is read.
    assert messages(fol.files) == [*expected(5), "message 9"]
    marker = gaps[0].file
    assert marker.index is not None and "gap in nova-api.log" in parse_record(marker.index, 0).message
    assert marker.index.keys[0] > 0  # placed in the stream where the gap is
    live = [f for f in fol.files if f.path == log][-1]  # the one at the path now
    assert any("generation(s)" in p for p in live.problems)  # said in the tree and status bar
    fol.close()


def test_catcher_reads_generations_deleted_before_the_next_look(log: Path) -> None:
    fol = follow(log, catch=True)
    total = 3
    for _ in range(3):
        logrotate(log, "create", "rotate 0")  # the previous generation is deleted at once
        eventually(lambda: fol.pending() >= 1, 10, "the catcher never opened the new file")
        append(log, range(total, total + 2))
        total += 2
    changes = settle(fol)
    assert messages(fol.files) == expected(total)
    assert not [c for c in changes if c.kind == "gap"]
    fol.close()


def test_a_fifo_at_a_followed_path_never_blocks_and_is_reported(tmp_path: Path, log: Path) -> None:
    other = log.parent / "nova-conductor.log"
    append(other, range(100, 101))
    files = [LogFile(p, "node", "nova", p.name) for p in (log, other)]
    open_files(files)
    fol = Follower(files)
    os.unlink(log)
    os.mkfifo(log)
    append(other, range(101, 103))
    changes = poll_within(fol, 10)
    problems = [c.note for c in changes if c.kind == "problem"]
    assert problems == ["nova-api.log is now a FIFO, not a regular file: not read"]
    assert messages(fol.files) == [*expected(3), "message 100", "message 101", "message 102"]
    assert poll_within(fol, 10) == []  # said once
    # A regular file back at the path is followed again.
    os.unlink(log)
    append(log, range(3, 4))
    assert [c.kind for c in poll_within(fol, 10)] == ["new"]
    assert "message 3" in messages(fol.files)
    fol.close()


def poll_within(fol: Follower, seconds: float) -> list[FileChange]:
    """fol.poll() in a thread of its own: a poll that blocks fails the test, not hangs it."""
    result: list[list[FileChange]] = []
    poller = threading.Thread(target=lambda: result.append(fol.poll()), daemon=True)
    poller.start()
    poller.join(seconds)
    if poller.is_alive():
        pytest.fail(f"poll() blocked for {seconds} s on a FIFO at a followed path")
    return result[0]


def test_copytruncate_then_rename_between_two_looks(log: Path) -> None:
    fol = follow(log, catch=False)
    append(log, range(3, 5))
    fol.poll()
    append(log, range(5, 7))  # unread when copied
    logrotate(log, "copytruncate")
    append(log, range(7, 9))  # after the truncation, in the same file
    logrotate(log, "create")  # ...which is then renamed to .1 (the copy goes to .2)
    append(log, range(9, 10))
    changes = settle(fol)
    assert messages(fol.files) == expected(10)  # neither lost past the truncation nor doubled
    assert not [c for c in changes if c.kind == "gap"]
    fol.close()


def test_copies_deleted_between_two_looks_are_reported_as_gaps(log: Path) -> None:
    fol = follow(log, catch=False)
    fol.poll()
    append(log, range(3, 5))
    # Three copytruncates keeping one copy: the copies of 0-4 and 5-6 are deleted by the
    # next run, the one of 7-8 stays, before the follower looks again.
    for first in (5, 7, 9):
        logrotate(log, "copytruncate", "rotate 1")
        append(log, range(first, first + 2))
    changes = settle(fol)
    gaps = sorted(c.note for c in changes if c.kind == "gap")
    assert len(gaps) == 2
    assert gaps[0].startswith("1 generation(s) of nova-api.log")  # 5-6: never seen
    assert "the text of 3 records" in gaps[1] and "can no longer be shown" in gaps[1]  # 0-2, read before
    assert messages(fol.files) == [f"message {n}" for n in (7, 8, 9, 10)]
    fol.close()


def test_a_followed_file_swapped_for_a_symlink_is_not_read_through(tmp_path: Path, log: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(line(999) * 3)  # outside the logs; it must never reach the stream
    fol = follow(log)
    os.unlink(log)
    os.symlink(secret, log)
    changes = settle(fol)
    problems = [c.note for c in changes if c.kind == "problem"]
    assert problems == ["nova-api.log is now a symbolic link, not a regular file: not read"]
    assert messages(fol.files) == expected(3)
    fol.close()
