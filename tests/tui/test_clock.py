"""Clock skew in the browser: `C` shows each node's clock against the reference node,
`c` corrects the merged stream by it (and undoes)."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import DataTable

from ..waiting import eventually_async
from .helpers import DATA, app_for, stream_of


async def test_clock_skew_screen_estimates_and_corrects_the_stream(tmp_path: Path) -> None:
    """The compute node's clock 7.5 s ahead (its stamps rewritten in a copy of the real
    OSP6 logs): `C` shows the estimate, `c` corrects the stream's order and times."""
    from ..test_skew import _STAMP, _later

    osp6 = DATA / "real/osp6-live-migration"
    root = tmp_path / "osp6"
    shutil.copytree(osp6, root)
    for path in (root / "hp-ms-01-c30").rglob("*.log"):
        path.write_bytes(_STAMP.sub(_later, path.read_bytes()))
    app = app_for(root=root)
    async with app.run_test(size=(160, 40)) as pilot:
        await eventually_async(lambda: app.request_index is not None, 20, "the request index was never built")
        await pilot.press("C")
        await eventually_async(
            lambda: type(app.screen).__name__ == "ClockScreen", 20, "C did not open the clock screen"
        )
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][:2] == ["hp-ms-01-c29", "reference"]
        assert rows[1][0] == "hp-ms-01-c30" and rows[1][1].startswith("is 7.5")
        assert "ahead of hp-ms-01-c29" in rows[1][1]
        first = stream_of(app).view
        assert first is not None
        await pilot.press("c")
        await eventually_async(
            lambda: app.clock and stream_of(app).view is not first, 20, "c did not correct the stream"
        )
        assert -7_600_000 < app.clock["hp-ms-01-c30"] < -7_400_000
        view = stream_of(app).view
        assert view is not None and view.clock == app.clock
        # Shown stamps are on the corrected clock: a compute record shows 7.5 s earlier.
        pos = next(i for i in range(len(view)) if view.record(i)[0].node == "hp-ms-01-c30")
        lf, rec = view.record(pos)
        assert rec.timestamp is not None
        shown = stream_of(app)._shown_time(lf, rec.timestamp)
        assert shown is not None and 7.4 < (rec.timestamp - shown).total_seconds() < 7.6
        await pilot.press("C")
        await eventually_async(
            lambda: type(app.screen).__name__ == "ClockScreen", 20, "C did not open the clock screen"
        )
        await pilot.press("c")  # undo
        await eventually_async(lambda: not app.clock, 20, "c again did not undo the correction")
