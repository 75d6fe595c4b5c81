"""The browser shows what the follower could not read: a marker record in the stream, at
the place of the gap, and the file's problem in the status bar."""

from __future__ import annotations

import os
from pathlib import Path

from ostui.core.levels import Level
from ostui.tui.app import OstuiApp

from .tui.helpers import app_for, settle, stream_of
from .waiting import eventually_async


def line(n: int) -> bytes:
    return b"2016-06-10 21:49:%02d.%03d 7533 INFO nova.api [-] message %d\n" % (n // 1000 % 60, n % 1000, n)


def write(path: Path, numbers: range) -> None:
    with path.open("ab") as f:
        f.write(b"".join(line(n) for n in numbers))


def shown(app: OstuiApp) -> list[tuple[str, str]]:
    view = stream_of(app).view
    if view is None:
        return []
    return [(rec.level.name, rec.message) for rec in (view.record(i)[1] for i in range(len(view)))]


async def test_truncation_without_a_copy_is_a_gap_in_the_stream_and_the_status_bar(tmp_path: Path) -> None:
    folder = tmp_path / "nova"
    folder.mkdir()
    log = folder / "nova-api.log"
    write(log, range(0, 5))
    app = app_for(log)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await eventually_async(lambda: len(shown(app)) == 5, 10, "the first five records")
        # Truncated with no copy anywhere (copytruncate whose copy was removed at once).
        os.truncate(log, 0)
        write(log, range(10, 12))

        def gap_and_new() -> list[tuple[str, str]]:
            rows = shown(app)
            return rows if any("gap in nova-api.log" in m for _, m in rows) and len(rows) >= 8 else []

        rows = await eventually_async(gap_and_new, 10, "a gap marker and the two new records in the stream")
        (marker,) = [(lv, m) for lv, m in rows if "gap in nova-api.log" in m]
        assert marker[0] == Level.WARNING.name
        assert "5 records" in marker[1] and "can no longer be shown" in marker[1]
        # Placed after the records read before the truncation, before the new ones.
        assert rows.index(marker) == 5 and rows[-1][1] == "message 11"
        # The status bar counts the file with a problem (its wording is the app's).
        await eventually_async(lambda: "1 file(s)" in app.status_text, 10, f"status: {app.status_text!r}")
        assert any("can no longer be shown" in p for f in app.files for p in f.problems)
