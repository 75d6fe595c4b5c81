"""Pilot tests: every binding of the app, the stream and the tree does what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding

from ostui.core.levels import Level
from ostui.session import startup
from ostui.tui.app import OstuiApp
from ostui.tui.screens.help import HelpScreen
from ostui.tui.screens.prompt import PromptScreen
from ostui.tui.widgets.log_stream import LogStream
from ostui.tui.widgets.source_tree import SourceTree

from ..waiting import eventually_async
from .helpers import DATA, app_for, current, settle, stream_of, watch_calls

SEED = DATA / "seed" / "nova-api.log"
OSP6 = DATA / "real" / "osp6-live-migration"


async def test_opens_on_the_newest_record_and_moves() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        assert stream.view is not None and len(stream.view) == 3
        assert stream.cursor == 2 and stream.follow
        await pilot.press("k")
        assert stream.cursor == 1 and not stream.follow
        await pilot.press("up", "g")
        assert stream.cursor == 0
        await pilot.press("j", "down")
        assert stream.cursor == 2
        await pilot.press("home")
        assert stream.cursor == 0
        await pilot.press("G")
        assert stream.cursor == 2 and stream.follow


async def test_level_cycle_and_toggles() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        total = len(stream_of(app).view or [])
        await pilot.press("L")
        await settle(pilot)
        assert min(app.filters.levels) == Level.INFO
        await pilot.press("L", "L")
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and 0 < len(view) < total
        assert all(view.level(i) >= Level.ERROR for i in range(len(view)))
        await pilot.press("L")
        await settle(pilot)
        assert len(stream_of(app).view or []) == total
        await pilot.press("D")  # hide DEBUG
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and all(view.level(i) != Level.DEBUG for i in range(len(view)))
        await pilot.press("D", "E")  # DEBUG back, ERROR and CRITICAL away
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and all(view.level(i) < Level.ERROR for i in range(len(view)))
        await pilot.press("x")
        await settle(pilot)
        assert len(stream_of(app).view or []) == total


async def test_next_and_previous_error() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g", "right_square_bracket")
        level, _ = current(app)
        assert level in ("ERROR", "CRITICAL")
        first = stream_of(app).cursor
        await pilot.press("right_square_bracket")
        assert stream_of(app).cursor > first
        await pilot.press("left_square_bracket")
        assert stream_of(app).cursor == first


async def test_search_highlights_and_moves_between_matches() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g", "slash")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"Connection timed out", "enter")
        await pilot.pause()
        stream = stream_of(app)
        assert stream.search is not None
        first = stream.cursor
        assert "connection timed out" in stream.view.record(first)[1].text.lower()  # type: ignore[union-attr]
        await pilot.press("n")
        assert stream.cursor > first
        await pilot.press("N")
        assert stream.cursor == first


async def test_grep_filter_and_request_filter() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ampersand")
        await pilot.press(*"status: 500", "enter")
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and len(view) == 1
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("g", "R")
        await settle(pilot)
        assert app.filters.request_id == "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
        assert len(stream_of(app).view or []) == 3
        await pilot.press("R")
        await settle(pilot)
        assert app.filters.request_id is None


async def test_fold_expands_the_traceback_inline() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        await pilot.press("g")
        assert stream.virtual_size.height == 3
        await pilot.press("space")
        assert stream.virtual_size.height == 3 + 49  # the 49 TRACE lines under the ERROR record
        await pilot.press("space")
        assert stream.virtual_size.height == 3


async def test_jump_to_time() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await pilot.press(*"2015-10-29 10:51:12", "enter")
        await pilot.pause()
        stream = stream_of(app)
        assert stream.view is not None
        ts = stream.view.record(stream.cursor)[1].timestamp
        assert ts is not None and ts.strftime("%Y-%m-%d %H:%M") == "2015-10-29 10:51"


async def test_tree_space_toggles_files_and_enter_shows_only() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        tree.focus()
        total = len(stream_of(app).view or [])
        # cursor on the root: go to the first node, then toggle it out of the stream
        await pilot.press("down")
        node = tree.cursor_node
        assert node is not None and node.data is not None and node.data.kind == "node"
        await pilot.press("space")
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and len(view) < total
        assert {f.node for f in view.files} == {"hp-ms-01-c30"}
        await pilot.press("space", "enter")
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and {f.node for f in view.files} == {"hp-ms-01-c29"}
        await pilot.press("a")
        await settle(pilot)
        assert len(stream_of(app).view or []) == total


async def test_help_lists_every_binding() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {b.id for _, bindings in app.screen.sections for b in bindings if isinstance(b, Binding)}
        every = {
            b.id
            for owner in (OstuiApp, LogStream, SourceTree)
            for b in owner.BINDINGS
            if isinstance(b, Binding) and b.id
        }
        assert len(every) > 30 and every <= ids, sorted(every - ids)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_tab_cycles_panes() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        order = []
        for _ in range(4):
            focused = app.focused
            assert focused is not None
            pane = next(
                p
                for p in ("tree", "stream", "detail")
                if focused.id == p or any(a.id == p for a in focused.ancestors)
            )
            order.append(pane)
            await pilot.press("tab")
        assert order == ["stream", "detail", "tree", "stream"]
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "stream"  # back from detail


async def test_command_line_filters_apply_at_start() -> None:
    app = app_for(root=OSP6, level="ERROR", grep="AMQP")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and len(view) > 0
        for i in range(len(view)):
            _, rec = view.record(i)
            assert rec.level >= Level.ERROR and "amqp" in rec.text.lower()


async def test_nothing_found_says_where_it_looked(tmp_path: Path) -> None:
    app = app_for(root=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(40):
            await pilot.pause(0.05)
            if "no OpenStack logs found" in app.status_text:
                break
        assert str(tmp_path) in app.status_text and "--root" in app.status_text


async def test_narrow_terminal_hides_tree_until_asked() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        assert not tree.display or tree.size.width == 0
        await pilot.press("b")
        await pilot.pause()
        assert tree.display and tree.size.width > 0


async def test_known_faults_screen_and_jump_to_newest() -> None:
    from ostui.tui.screens.faults import FaultsScreen

    app = app_for(SEED)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g", "f")
        assert isinstance(app.screen, FaultsScreen)
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.groups:
                break
        keys = [g.key for g in app.screen.groups]
        assert keys[0] == "glanceclient-attributeerror-id"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FaultsScreen)
        assert current(app) == ("ERROR", "Caught error: id")


async def test_zoom_maximizes_the_focused_pane() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("z")
        assert app.screen.maximized is stream_of(app)
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_client_transcript_is_a_node_and_leads_to_the_server_request() -> None:
    app = app_for(SEED, client_debug=[DATA / "seed" / "nova-client-debug.txt"])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert {f.node for f in app.files} == {"local", "client"}
        view = stream_of(app).view
        assert view is not None
        row = next(
            i
            for i in range(len(view))
            if view.record(i)[0].node == "client" and view.record(i)[1].level == Level.ERROR
        )
        stream_of(app).move_to(row)
        await settle(pilot)
        detail = app.query_one("#detail")
        for _ in range(100):
            await pilot.pause(0.05)
            story = getattr(detail, "story", None)
            if story is not None and story.entries:
                break
        assert story is not None
        assert any(
            e.record.traceback is not None and e.record.traceback.exc_message == "id" for e in story.entries
        )


async def test_follow_toggle_and_pausing_by_scrolling_up() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        assert stream.follow
        await pilot.press("pageup")
        assert not stream.follow and "paused" in app.status_text
        await pilot.press("F")
        assert stream.follow and stream.cursor == len(stream.view or []) - 1
        await pilot.press("F")
        assert not stream.follow
        await pilot.press("pagedown", "end")
        assert stream.follow


async def test_horizontal_scroll_and_wrap() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        await pilot.press("l", "l")
        assert stream.scroll_offset.x == 16
        await pilot.press("h")
        assert stream.scroll_offset.x == 8
        await pilot.press("w")
        assert stream.wrap
        await pilot.press("w")
        assert not stream.wrap


async def test_tree_keys_expand_and_move() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        tree.focus()
        await pilot.press("j")
        node = tree.cursor_node
        assert node is not None and node.is_expanded
        await pilot.press("o")
        assert not node.is_expanded
        await pilot.press("o", "k")
        assert tree.cursor_node is tree.root


async def test_request_since_until_options() -> None:
    app = app_for(SEED, request="e359221b-6be3-4ac2-bb55-5310f5bb0bb2", since="2016-06-10 21:49:30.192")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and len(view) == 2
        assert app.filters.request_id == "e359221b-6be3-4ac2-bb55-5310f5bb0bb2"


async def test_palette_offers_the_domain_commands() -> None:
    from ostui.tui.commands import OstuiCommands

    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        provider = OstuiCommands(app.screen)
        texts = [t for t, _, _ in provider._commands("req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2")]
        assert "Nodes: show only hp-ms-01-c29" in texts
        assert "Filter level: ERROR and above" in texts
        assert "Go to request: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2" in texts
        await eventually_async(lambda: app.request_index is not None, message="the request ids indexed")
        known = next(iter(app.request_index.postings))  # type: ignore[union-attr]
        completions = [t for t, _, _ in provider._commands(known[4:10])]
        assert f"Go to request: {known}" in completions
        action = dict((t, a) for t, a, _ in provider._commands(""))["Filter level: ERROR and above"]
        action()
        await settle(pilot)
        assert min(app.filters.levels) == Level.ERROR


async def test_request_ids_are_read_once_the_whole_stream_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request index reads every file again (in `re`, holding the GIL): started with the
    view of the whole stream, it held back the frame that says `N of N`."""
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)  # the first screen shows the tails only
    app = app_for(root=OSP6, follow=False)
    shown_then: list[int | None] = []

    def note() -> None:
        view = stream_of(app).view
        shown_then.append(None if view is None else len(view))

    watch_calls(app, "build_request_index", note)
    async with app.run_test(size=(140, 40)):
        await eventually_async(lambda: app.request_index is not None, message="the request ids indexed")
        assert shown_then == [sum(len(f.index) for f in app.files if f.index is not None)]


async def test_request_ids_are_read_without_the_whole_stream_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """If no view of the whole stream comes (a filter changed while it was made, and the one
    for it is not done), the request ids are read all the same."""
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)
    app = app_for(SEED, follow=False)
    rebuild = app.rebuild_view

    def rebuild_while_indexing(focus: object = None) -> None:
        if not app.indexed:
            rebuild()

    app.rebuild_view = rebuild_while_indexing  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)):
        await eventually_async(lambda: app.indexed, message="indexed")
        await eventually_async(
            lambda: app.request_index is not None, timeout=3, message="the request ids indexed"
        )


async def test_light_theme() -> None:
    app = app_for(SEED, theme="light")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"


async def test_pasting_a_transcript_adds_the_client_node() -> None:
    from textual import events

    transcript = (DATA / "seed" / "nova-client-debug.txt").read_text()
    app = app_for(SEED)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.post_message(events.Paste(transcript))
        await pilot.pause(0.2)
        await settle(pilot)
        client = [f for f in app.files if f.node == "client"]
        assert len(client) == 1 and client[0].path.name == "pasted-transcript-1.txt"
        view = stream_of(app).view
        assert view is not None and len(view) == 3 + 16
        app.post_message(events.Paste("just some words"))
        await pilot.pause(0.2)
        assert len([f for f in app.files if f.node == "client"]) == 1


async def test_seed_end_to_end_from_the_client_500_to_the_fix() -> None:
    """Transcript -> request -> traceback -> known fault with the nova-api restart, by keys."""
    from ostui.tui.widgets.fault_panel import FaultPanel

    app = app_for(SEED, client_debug=[DATA / "seed" / "nova-client-debug.txt"])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None
        row = next(
            i
            for i in range(len(view))
            if view.record(i)[0].node == "client" and view.record(i)[1].level == Level.ERROR
        )
        stream_of(app).move_to(row)
        await settle(pilot)
        await pilot.press("enter")  # the one key
        for _ in range(100):
            await pilot.pause(0.05)
            if current(app) == ("ERROR", "Caught error: id"):
                break
        await settle(pilot)
        lf, rec = stream_of(app).view.record(stream_of(app).cursor)  # type: ignore[union-attr]
        assert lf.node == "local" and rec.traceback is not None and rec.traceback.exc_message == "id"
        panel = app.query_one(FaultPanel)
        for _ in range(100):
            await pilot.pause(0.05)
            if panel.matches:
                break
        fault = panel.matches[0].fault
        assert fault.id == "glanceclient-attributeerror-id"
        assert any("nova-api" in step and "restart" in step.lower() for step in fault.fix)


async def test_filters_apply_to_the_first_screen_while_indexing(tmp_path: Path) -> None:
    from ostui.core.levels import Level as Lv

    big = tmp_path / "nova-api.log"
    seed = (DATA / "seed" / "nova-api.log").read_bytes()
    with big.open("wb") as f:
        for _ in range(2000):  # ~13 MB: big enough for a tail preview first
            f.write(seed)
    app = app_for(big)
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if stream_of(app).view is not None:
                break
        assert not app.indexed or app.preview_files
        await pilot.press("L", "L", "L")
        for _ in range(200):
            await pilot.pause(0.02)
            view = stream_of(app).view
            error_plus = app.filters.levels == frozenset(lv for lv in Lv if lv >= Lv.ERROR)
            if (
                view is not None
                and error_plus
                and len(view)
                and all(view.level(i) >= Lv.ERROR for i in range(len(view)))
            ):
                break
        view = stream_of(app).view
        assert view is not None and len(view) > 0
        assert all(view.level(i) >= Lv.ERROR for i in range(len(view)))
        await settle(pilot)
        assert app.indexed and len(stream_of(app).view or []) == 2000


async def test_a_view_for_an_older_filter_is_not_shown() -> None:
    """L L L: a view whose worker finished before the next key cancelled it arrives after
    the filter changed; shown, its rows (WARNING+) passed for the new filter's (ERROR+) in
    the status bar until the right view came (bench_tui caught 76,818 for 19,503)."""
    from ostui.core.stream.view import Filters, StreamView
    from ostui.tui.messages import ViewReady

    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("L", "L", "L")
        await settle(pilot)
        errors = stream_of(app).view
        assert errors is not None and min(errors.filters.levels) == Level.ERROR
        warnings = Filters(levels=frozenset(lv for lv in Level if lv >= Level.WARNING))
        stale = StreamView(list(app.stream_files), warnings)
        assert len(stale) > len(errors)
        app.post_message(ViewReady(stale))
        await pilot.pause(0.2)
        assert stream_of(app).view is errors
        status = app.status_text
        assert f"{len(errors):,} of" in status and "ERROR+" in status, status


async def test_the_stream_scrolls_sideways_by_eight_columns() -> None:
    """Right and left move the stream's lines, every one of them, eight columns (the
    scroll is looked up once per redraw, for all its lines)."""
    app = app_for(root=OSP6)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        stream.focus()
        await pilot.press("home")
        await settle(pilot)
        height = stream.scrollable_content_region.height
        before = [line.text for line in stream.render_lines(stream.region.reset_offset)[:height]]
        await pilot.press("right", "right")
        await settle(pilot)
        assert stream.scroll_offset.x == 16
        after = [line.text for line in stream.render_lines(stream.region.reset_offset)[:height]]
        assert [a[: len(b) - 16] for a, b in zip(after, before, strict=True)] == [b[16:] for b in before]
        await pilot.press("left", "left")
        await settle(pilot)
        assert [line.text for line in stream.render_lines(stream.region.reset_offset)[:height]] == before


async def test_level_keys_typed_together_build_one_view() -> None:
    """L L L arriving at once is one change: one view, for ERROR+ (each view begun held
    the GIL the keys after it waited for)."""
    from textual import events

    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        built: list[object] = []
        watch_calls(app, "build_view", lambda files, filters, *rest: built.append(filters))
        for _ in range(3):  # as the driver posts keys read in one go
            app.post_message(events.Key("L", "L"))
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None and min(view.filters.levels) == Level.ERROR
        assert built == [view.filters]


async def test_a_new_filter_does_not_repaint_the_whole_screen() -> None:
    """A level key redraws the stream and the status bar, not the whole screen (the filter
    was a reactive, which repainted the screen at each key: a frame of 20 ms on a wide
    terminal, which also held the view's own frame back by Textual's update period)."""
    from textual._compositor import LayoutUpdate  # (textual is pinned)

    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        updates: list[str] = []
        watch_calls(app, "_display", lambda screen, update: updates.append(type(update).__name__))
        await pilot.press("L")
        await settle(pilot)
        assert "INFO+" in app.status_text
        assert updates and LayoutUpdate.__name__ not in updates, updates


async def test_moving_the_cursor_redraws_its_two_rows() -> None:
    """Down redraws the row the cursor leaves and the one it reaches, not the pane (the
    cursor was a reactive that repainted the whole stream at each move)."""
    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        stream.focus()
        await pilot.press("home")
        await settle(pilot)
        drawn: list[int] = []
        watch_calls(stream, "render_line", drawn.append)
        await pilot.press("down")
        await settle(pilot)
        assert stream.cursor == 1
        assert sorted(drawn) == [0, 1]


async def test_a_slow_filter_says_filtering_until_its_view_comes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A view built in less than FILTERING_SAID_AFTER replaces the status at once; one that
    takes longer is said to be under way meanwhile."""
    import threading

    from ostui.tui import app as app_module

    release = threading.Event()

    class SlowView(app_module.StreamView):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            release.wait(10)
            super().__init__(*args, **kwargs)

    app = app_for(root=OSP6)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app_module, "StreamView", SlowView)
        await pilot.press("L")
        await pilot.pause(app_module.FILTERING_SAID_AFTER * 4)
        assert app.status_text.startswith("filtering · INFO+"), app.status_text
        release.set()
        await settle(pilot)
        assert "of" in app.status_text and "filtering" not in app.status_text, app.status_text


async def test_a_record_with_an_empty_head_reads_as_its_first_body_line() -> None:
    """neutron logs a failed command as `ERROR ... [req-...] ` and the command, its exit
    code and output on the lines after: the stream's row and the detail pane say
    `Command: ...`, with the three lines left to unfold, not an empty message."""
    from ostui.tui.widgets.detail import DetailPane, record_summary

    log = OSP6 / "hp-ms-01-c29/var/log/neutron/openvswitch-agent.log"
    app = app_for(log)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        view = stream.view
        assert view is not None
        (row,) = [r for r in range(len(view)) if view.record(r)[1].level == Level.ERROR]
        text = "".join(s.text for s in stream._row_segments(row, 0))
        assert "Command: ['ps', '--ppid', '5644', '-o', 'pid=']  ▸ +3 lines" in text, text
        stream.cursor = row
        await settle(pilot)
        selection = app.query_one(DetailPane).selection
        assert selection is not None and selection.record.level == Level.ERROR
        summary = record_summary(selection, brief=True).plain
        assert summary.splitlines()[-1] == "Command: ['ps', '--ppid', '5644', '-o', 'pid=']", summary


async def test_a_new_size_of_the_stream_moves_its_scrollbar_without_a_layout() -> None:
    """A view of another size moves the stream's scrollbar; the stream asks for a layout
    of the whole screen only when the scrollbar shows or hides (a layout was 20-30 ms, one
    of them in the frame that says N of N)."""
    from dataclasses import replace

    from ostui.core.stream.view import Filters, StreamView

    app = app_for(root=OSP6, follow=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        laid_out: list[int] = []
        watch_calls(stream, "refresh", lambda *a, layout=False, **k: laid_out.append(layout))
        files = list(app.stream_files)

        def show(filters: Filters) -> int:
            laid_out.clear()
            stream.set_view(StreamView(files, filters))
            if stream.show_vertical_scrollbar:
                assert stream.vertical_scrollbar.window_virtual_size == stream.virtual_size.height
            return stream.virtual_size.height

        assert stream.show_vertical_scrollbar  # 14,746 records
        assert 40 < show(replace(Filters(), levels=frozenset({Level.WARNING, Level.ERROR}))) < 14_746
        assert stream.show_vertical_scrollbar and not any(laid_out)  # the scrollbar moved
        assert show(replace(Filters(), text="e359221b-6be3-4ac2-bb55-5310f5bb0bb2")) < 40
        assert not stream.show_vertical_scrollbar and any(laid_out)  # it went: a layout
        assert show(Filters()) == 14_746
        assert stream.show_vertical_scrollbar and any(laid_out)
        await settle(pilot)
