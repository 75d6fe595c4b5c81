"""A Sunbeam pod log in the browser: its producers are leaves of the tree with their own
counts, the level filter keeps the service's errors (not pebble's lines, nor each
traceback line), and unticking a producer takes its records out of the stream."""

from __future__ import annotations

from ostui.core.levels import Level
from ostui.tui.widgets.source_tree import SourceTree

from .helpers import DATA, app_for, settle, stream_of

POD_LOG = DATA / "producers" / "pebble.log"


async def test_a_pod_logs_producers_filter_and_count_apart() -> None:
    app = app_for(POD_LOG)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        by_producer = {lf.producer: lf for lf in app.files}
        assert set(by_producer) == {"nova-compute", "pebble"}
        nova = by_producer["nova-compute"].index
        pebble = by_producer["pebble"].index
        assert nova is not None and pebble is not None
        severe = sum(n for name, n in nova.level_counts().items() if Level[name] >= Level.ERROR)
        assert severe > 0 and not any(Level(x) >= Level.ERROR for x in pebble.levels)
        tree = app.query_one(SourceTree)
        labels, todo = [], [tree.root]
        while todo:
            node = todo.pop()
            labels.append(str(node.label))
            todo.extend(node.children)
        assert any(label.startswith("☑ nova-compute · ") and " E21 " in label for label in labels), labels
        assert any(label == "☑ pebble · pebble.log" for label in labels), labels  # no error of its own
        view = stream_of(app).view
        assert view is not None and len(view) == len(nova) + len(pebble)
        await pilot.press("L", "L", "L")  # ERROR and above
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and len(view) == severe  # one row per error record, tracebacks joined
        assert all(view.level(i) >= Level.ERROR for i in range(len(view)))
