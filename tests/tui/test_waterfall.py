"""The request's waterfall in the Story tab: spans, marks, keys."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.stream.requests import search_request
from ostui.core.timekeys import key_to_us
from ostui.tui.widgets.story_view import RequestStoryView
from ostui.tui.widgets.waterfall import WaterfallView, span_columns

from .helpers import DATA, app_for, settle, stream_of

SEED = DATA / "seed"
OSP6 = DATA / "real" / "osp6-live-migration"
SEED_REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
MIGRATE = "req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"


async def test_seed_story_tab_draws_the_api_span_with_its_500_and_traceback() -> None:
    app = app_for(SEED / "nova-api.log")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("g", "enter", "s")
        await settle(pilot)
        view = app.query_one("#detail-waterfall", WaterfallView)
        assert view.display and view.waterfall is not None
        lines = [row.content.plain for row in view.rows]
        assert lines[0].startswith("1 span over 0.002s")
        span_line = lines[1]
        assert span_line.startswith("nova-api@local")
        # status, the access line's duration, one error, its traceback of 23 frames
        assert span_line.endswith(" 500 0.044s ✖1 tb 23f")
        assert "✖" in span_line.split()[1]  # the error marked on the bar itself


class _Host(App[None]):
    def __init__(self, story: object) -> None:
        super().__init__()
        self.story = story
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield WaterfallView(id="w")
        yield RequestStoryView(id="s")

    def on_mount(self) -> None:
        self.query_one(WaterfallView).story = self.story  # type: ignore[assignment]
        self.query_one(WaterfallView).focus()

    def on_waterfall_view_span_selected(self, message: WaterfallView.SpanSelected) -> None:
        self.chosen.append(f"{message.span.producer}@{message.span.node}")


def _migration_story():  # type: ignore[no-untyped-def]
    files = []
    for node in ("hp-ms-01-c29", "hp-ms-01-c30"):
        for log in sorted((OSP6 / node / "var/log/nova").glob("nova-*.log")):
            files.append(LogFile(log, node, "nova", log.name))
    return search_request(open_files(files, build=False), MIGRATE, hops=0)


async def test_migration_spans_nest_under_the_api_and_keys_move_between_them() -> None:
    story = _migration_story()
    app = _Host(story)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(WaterfallView)
        labels = [row.content.plain.split()[0] for row in view.rows[1:]]
        assert labels[0] == "nova-api@hp-ms-01-c29"
        assert "nova-compute@hp-ms-01-c30" in labels
        children = [row.content.plain for row in view.rows[2:]]
        assert all(line.startswith("  ") for line in children)  # indented under the API span
        assert any("┄" in line for line in children)  # the wait from the API's start is drawn
        await pilot.press("down", "enter")
        assert app.chosen == [labels[1]]


def test_bars_sit_on_one_time_axis() -> None:
    story = _migration_story()
    view = WaterfallView()
    view.waterfall = None
    from ostui.core.stream.spans import build_waterfall

    waterfall = build_waterfall(story)
    start = key_to_us(waterfall.first)
    total = key_to_us(waterfall.last) - start
    cols = [span_columns(s, start, total, 100) for s in waterfall.spans]
    assert cols[0] is not None and cols[0][0] == 0
    assert max(c[1] for c in cols if c is not None) == 99  # the last record ends the axis


INSTANCE = "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"


async def test_instance_story_screen_lists_requests_across_nodes_and_opens_one() -> None:
    from ostui.core.timekeys import NO_KEY
    from ostui.tui.commands import resource_commands
    from ostui.tui.screens.instance import InstanceScreen, RequestList

    app = app_for(root=OSP6)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        hits = resource_commands(app, f"go to instance {INSTANCE}")
        assert [text for text, _, _ in hits] == [f"Go to instance: {INSTANCE}"]
        app.show_resource(INSTANCE)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen) and screen.ready and screen.story is not None
        assert screen.story.nodes == ["hp-ms-01-c29", "hp-ms-01-c30"]
        firsts = [r.first for r in screen.story.requests if r.first != NO_KEY]
        assert firsts == sorted(firsts)
        lifecycle = screen.query_one(WaterfallView).waterfall
        assert lifecycle is not None and {s.node for s in lifecycle.spans} == {"hp-ms-01-c29", "hp-ms-01-c30"}
        requests = screen.query_one(RequestList)
        assert "tied by" in requests.rows[0].content.plain
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, InstanceScreen)
        bridge = screen.story.requests[0].bridges[0].entry
        lf, rec = stream_of(app).view.record(stream_of(app).cursor)  # type: ignore[union-attr]
        assert (lf.path, rec.offset) == (bridge.file.path, bridge.record.offset)


async def test_long_lived_context_story_is_cut_around_the_record_and_widens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rid = "req-99999999-8888-7777-6666-555555555555"
    log = tmp_path / "nova-compute.log"
    with log.open("w") as out:
        for m in range(40):
            out.write(
                f"2016-06-10 21:{m:02d}:00.000 7 DEBUG nova.compute.manager [{rid} - - - - -] periodic {m}\n"
            )
    app = app_for(log)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        stream_of(app).move_to(20)
        await pilot.press("enter")
        await settle(pilot)
        story = app.query_one("#detail-story", RequestStoryView)
        view = app.query_one("#detail-waterfall", WaterfallView)
        assert story.story is not None
        assert [e.record.message for e in story.story.entries] == [f"periodic {m}" for m in range(15, 26)]
        assert (
            "±5 min around the selected record, 29 records left out: w widens" in view.rows[0].content.plain
        )
        view.focus()
        await pilot.press("w")
        await settle(pilot)
        assert story.story is not None and len(story.story.entries) == 40  # ±30 min holds them all
        assert "its whole life" in view.rows[0].content.plain
