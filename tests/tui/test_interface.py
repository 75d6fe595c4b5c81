"""The interface fits the operator (issue #16): global keys from every pane, a layout that
follows the terminal, names cut in the middle, a brief diagnosis, settings and problems."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Input

from ostui.core.levels import Level
from ostui.tui.app import OstuiApp
from ostui.tui.screens.faults import FaultsScreen
from ostui.tui.screens.help import HelpScreen, bindings_table
from ostui.tui.screens.problems import ProblemsScreen
from ostui.tui.screens.prompt import PromptScreen
from ostui.tui.screens.timeline import TimelineScreen
from ostui.tui.widgets.detail import DetailPane
from ostui.tui.widgets.http_panel import HttpExplanation
from ostui.tui.widgets.source_tree import SourceTree

from ..waiting import eventually_async
from .helpers import DATA, app_for, settle, stream_of, tree_labels

SEED = DATA / "seed" / "nova-api.log"
LONG_NAME = "neutron-ns-metadata-proxy-7c1e0b8a-7d73-4945-b7b4-663c52a49a6d.log"


def write_log(path: Path) -> Path:
    """Ten records, every third an ERROR with a request id."""
    lines = []
    for i in range(10):
        level = "ERROR" if i % 3 == 2 else "INFO"
        rid = f"req-0000000{i}-aaaa-bbbb-cccc-dddddddddddd"
        lines.append(
            f"2016-06-10 21:49:{10 + i:02d}.000 7533 {level} nova.api [{rid} - - - - -] message {i}\n"
        )
    path.write_text("".join(lines))
    return path


def focus_pane(app: OstuiApp, pane: str) -> None:
    if pane == "tree":
        app.query_one(SourceTree).focus()
    elif pane == "stream":
        stream_of(app).focus()
    else:
        app.query_one(DetailPane).focus()


def in_pane(app: OstuiApp, pane: str) -> bool:
    panes: dict[str, type[Widget]] = {
        "tree": SourceTree,
        "stream": type(stream_of(app)),
        "detail": DetailPane,
    }
    widget = panes[pane]
    focused = app.focused
    return focused is not None and (
        isinstance(focused, widget) or any(isinstance(a, widget) for a in focused.ancestors)
    )


async def press_and_close(pilot, key: str, screen: type) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await eventually_async(
        lambda: isinstance(pilot.app.screen, screen), 5, f"{key} did not open {screen.__name__}"
    )
    await pilot.press("escape")
    await eventually_async(
        lambda: not isinstance(pilot.app.screen, screen), 5, f"{screen.__name__} stayed open"
    )


@pytest.mark.parametrize("pane", ["tree", "stream", "detail"])
async def test_global_keys_work_whatever_pane_has_the_focus(tmp_path: Path, pane: str) -> None:
    Path(os.environ["OSTUI_REPORT_DIR"]).mkdir(parents=True, exist_ok=True)
    app = app_for(write_log(tmp_path / "nova-api.log"))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        assert stream.view is not None and len(stream.view) == 10
        focus_pane(app, pane)
        await pilot.pause()
        stream.move_to(0)
        await pilot.press("right_square_bracket")
        assert stream.cursor == 2, "] did not reach the first ERROR"
        await pilot.press("right_square_bracket", "left_square_bracket")
        assert stream.cursor == 2, "[ did not go back to the previous ERROR"
        stream.search = re.compile("message 7")
        await pilot.press("n")
        assert stream.cursor == 7, "n did not find the next match"
        stream.search = re.compile("message [01]")
        await pilot.press("N")
        assert stream.cursor == 1, "N did not find the previous match"
        await press_and_close(pilot, "slash", PromptScreen)
        await press_and_close(pilot, "ampersand", PromptScreen)
        await pilot.press("R")
        await settle(pilot)
        assert app.filters.request_id == "req-00000001-aaaa-bbbb-cccc-dddddddddddd"
        await pilot.press("R")
        await settle(pilot)
        assert app.filters.request_id is None
        await pilot.press("L")
        await settle(pilot)
        assert min(app.filters.levels) == Level.INFO
        await pilot.press("L", "L", "L")
        await settle(pilot)
        focus_pane(app, pane)
        await pilot.pause()
        await pilot.press("c")
        await eventually_async(
            lambda: any("Report written" in n.message for n in app._notifications), 10, "c wrote no report"
        )
        await press_and_close(pilot, "f", FaultsScreen)
        await pilot.press("m")
        assert len(app.marks) == 1, "m dropped no mark"
        await press_and_close(pilot, "i", TimelineScreen)
        await press_and_close(pilot, "question_mark", HelpScreen)
        await press_and_close(pilot, "P", ProblemsScreen)
        assert in_pane(app, pane), f"the focus left the {pane}"


async def test_a_text_input_keeps_the_letters_the_global_keys_use(tmp_path: Path) -> None:
    app = app_for(write_log(tmp_path / "nova-api.log"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        before = stream.cursor
        await pilot.press("slash")
        await eventually_async(lambda: isinstance(app.screen, PromptScreen), 5, "no search prompt")
        await pilot.press("right_square_bracket", "n", "c", "m", "L")
        assert app.screen.query_one(Input).value == "]ncmL"
        assert stream.cursor == before and not app.marks and app.filters.levels == app.filters.levels


async def test_help_shows_keys_as_typed() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await eventually_async(lambda: isinstance(app.screen, HelpScreen), 5, "no help")
        table = bindings_table(app.help_sections(), app.keys_of)
        keys = [str(cell).split() for cell in table.columns[0].cells]
        text = " ".join(str(cell) for column in table.columns for cell in column.cells)
        for typed in ("!", "[", "]", "?", "/", "&", "<", ">", ":"):
            assert [typed] in keys or any(typed in k for k in keys), f"{typed!r} is not shown as typed"
        assert "exclamation_mark" not in text and "square_bracket" not in text


async def test_detail_beside_the_stream_from_160_columns_below_it_under(tmp_path: Path) -> None:
    for size, beside in (((200, 50), True), ((160, 40), True), ((120, 40), False)):
        app = app_for(SEED)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            stream, detail = stream_of(app).region, app.query_one(DetailPane).region
            if beside:
                assert detail.x >= stream.right and detail.y == stream.y, (size, stream, detail)
                assert detail.height == stream.height
            else:
                assert detail.y >= stream.bottom and detail.x == stream.x, (size, stream, detail)


async def test_tree_names_are_cut_in_the_middle_and_whole_in_the_detail(tmp_path: Path) -> None:
    folder = tmp_path / "osp7_network_447326246805_93065" / "var" / "log" / "neutron"
    folder.mkdir(parents=True)
    write_log(folder / LONG_NAME)
    app = app_for(root=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        leaf = next(label for label in tree_labels(app) if label.endswith("a6d.log E3"))
        assert leaf.startswith("☑ neutron") and "…" in leaf, leaf
        assert tree.region.width <= 120 * 0.28 + 1, tree.region
        await pilot.press("enter")
        await settle(pilot)
        summary = str(app.query_one("#detail-summary").render())
        assert LONG_NAME not in summary  # brief: one line each
        await pilot.press("e")
        await settle(pilot)
        summary = str(app.query_one("#detail-summary").render())
        assert str(folder / LONG_NAME) in summary


async def test_tree_width_follows_the_keys(tmp_path: Path) -> None:
    app = app_for(SEED)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        before = tree.region.width
        await pilot.press("greater_than_sign", "greater_than_sign")
        await pilot.pause()
        assert tree.region.width == before + 8
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert tree.region.width == before + 4


@pytest.mark.parametrize("pane", ["tree", "stream", "detail"])
async def test_z_maximises_the_focused_pane_and_restores_it(pane: str) -> None:
    app = app_for(SEED)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        focus_pane(app, pane)
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        maximized = app.screen.maximized
        panes: dict[str, type[Widget]] = {
            "tree": SourceTree,
            "stream": type(stream_of(app)),
            "detail": DetailPane,
        }
        expected = panes[pane]
        assert isinstance(maximized, expected), maximized
        assert maximized.region.width == 160
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_the_diagnosis_is_a_line_each_until_expanded_so_the_stream_stays_at_80x24() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("L", "L", "L", "enter")
        await settle(pilot)
        http = app.query_one(HttpExplanation)
        fault = app.query_one("#detail-fault")
        assert http.status == 500 and http.region.height == 1
        await eventually_async(lambda: fault.region.height == 1, 5, "the fault panel is not one line")
        assert stream_of(app).region.height >= 4
        await pilot.press("e")
        await settle(pilot)
        assert http.region.height > 1 and fault.region.height > 1


async def test_faults_screen_shows_count_and_nodes_without_scrolling_at_80_columns() -> None:
    from textual.widgets import DataTable

    app = app_for(root=DATA / "real" / "osp6-live-migration")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await eventually_async(
            lambda: getattr(app.screen, "ready", False), 20, "the faults screen never filled"
        )
        table = app.screen.query_one(DataTable)
        columns = list(table.columns.values())
        labels = [str(c.label) for c in columns]
        shown = 0
        for column in columns[: labels.index("nodes") + 1]:
            shown += column.get_render_width(table)
        assert "count" in labels[: labels.index("nodes")], labels
        assert shown <= table.scrollable_content_region.width, (shown, table.size)
        assert table.row_count > 0 and table.scroll_offset.x == 0


async def palette_texts(pilot, typed: str, expected: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Open the palette, type `typed`, wait until a hit reads `expected`; the hits' texts."""
    from textual.command import CommandList, CommandPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await eventually_async(lambda: isinstance(app.screen, CommandPalette), 5, "no palette")
    await pilot.press(*[{" ": "space"}.get(c, c) for c in typed])
    hits: list[str] = []

    def found() -> bool:
        options = app.screen.query_one(CommandList)
        hits[:] = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        return any(expected in hit for hit in hits)

    await eventually_async(found, 5, f"the palette offers no {expected!r} for {typed!r}: {hits}")
    await pilot.press("escape")
    return hits


async def test_the_palette_offers_the_verbs_and_completes_ids() -> None:
    app = app_for(root=DATA / "real" / "osp6-live-migration")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await eventually_async(lambda: app.request_index is not None, 10, "no request index")
        for typed, expected in (
            ("request", "Request…"),
            ("instance", "Instance…"),
            ("time", "Time…"),
            ("faults", "Faults"),
            ("timeline", "Timeline"),
            ("marks", "Marks"),
            ("nodes", "Nodes: show only hp-ms-01-c29"),
            ("theme", "Theme: light"),
            ("language", "Language: Chinese"),
            ("request 4b3cdd21", "Go to request: req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"),
        ):
            await palette_texts(pilot, typed, expected)


async def test_the_request_verb_asks_for_an_id_and_completes_a_prefix() -> None:
    from ostui.tui.commands import OstuiCommands

    app = app_for(root=DATA / "real" / "osp6-live-migration")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await eventually_async(lambda: app.request_index is not None, 10, "no request index")
        verbs = {text: action for text, action, _ in OstuiCommands(app.screen)._commands("")}
        verbs["Request…"]()
        await eventually_async(lambda: isinstance(app.screen, PromptScreen), 5, "no prompt for the id")
        await pilot.press(*"4b3cdd21", "enter")
        await settle(pilot)
        assert app.filters.request_id == "req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"


async def test_the_stream_cuts_node_names_in_the_middle(tmp_path: Path) -> None:
    folder = tmp_path / "osp7_network_447326246805_93065_0074" / "var" / "log" / "neutron"
    folder.mkdir(parents=True)
    write_log(folder / "server.log")
    app = app_for(root=tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        stream = stream_of(app)
        assert stream.view is not None
        source = stream._source(stream.view.record(0)[0])
        assert source.startswith("osp7_") and source.rstrip().endswith("0074/neutron"), source
        assert "…" in source and len(source) == stream.source_width + 1


async def test_the_status_bar_names_the_cut_name_whole(tmp_path: Path) -> None:
    folder = tmp_path / "osp7_network_447326246805_93065" / "var" / "log" / "neutron"
    folder.mkdir(parents=True)
    write_log(folder / LONG_NAME)
    app = app_for(root=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.status_text.endswith(str(folder / LONG_NAME)), app.status_text  # the record's file
        tree = app.query_one(SourceTree)
        tree.focus()
        await pilot.press("down")
        await eventually_async(
            lambda: app.status_text.endswith("osp7_network_447326246805_93065"),
            5,
            "the tree's node is not named",
        )


async def test_p_lists_every_problem_the_status_bar_counts(tmp_path: Path) -> None:
    nova = tmp_path / "n1" / "var" / "log" / "nova"
    nova.mkdir(parents=True)
    write_log(nova / "nova-api.log")
    os.mkfifo(nova / "nova-conductor.log")  # found, never opened: it would block
    (nova / "nova-crlf.log").write_bytes(b"2016-06-10 21:49:31.191 7533 INFO nova.x [-] b\r\n")
    app = app_for(root=tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "partly read: tree ⚠" in app.status_text and "P lists them" in app.status_text
        await pilot.press("P")
        await eventually_async(lambda: isinstance(app.screen, ProblemsScreen), 5, "P opened nothing")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        marks = {(mark, Path(where).name) for mark, where, _why in screen.rows}
        assert ("⚠", "nova-crlf.log") in marks and ("not read", "nova-conductor.log") in marks, screen.rows


async def test_dragging_the_tree_border_resizes_it() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(SourceTree)
        edge = tree.outer_size.width - 1
        await pilot.mouse_down(tree, offset=(edge, 5))
        await pilot.hover(tree, offset=(edge + 20, 5))
        await pilot.mouse_up(tree, offset=(edge + 20, 5))
        await pilot.pause()
        assert tree.outer_size.width == edge + 21, tree.outer_size
        assert not tree.dragging


def test_a_producers_leaf_keeps_the_producer_whole_and_cuts_its_file() -> None:
    from ostui.tui.widgets.names import lead_kept_cut

    assert lead_kept_cut("pebble", "nova-0/nova-scheduler", 40) == "pebble · nova-0/nova-scheduler"
    cut = lead_kept_cut("pebble", "nova-0/nova-scheduler", 20)
    assert cut.startswith("pebble · ") and cut.endswith("duler") and "…" in cut and len(cut) == 20
    assert lead_kept_cut("wsgi-cinder-api", "cinder-0/cinder-api", 12) == "wsgi…der-api"


def test_every_level_fits_the_streams_column_whole() -> None:
    """WARNING was drawn 'WARNI' and UNKNOWN 'UNKNO': each level has a label of its own."""
    from ostui.core.levels import LEVEL_SHORT, Level

    assert set(LEVEL_SHORT) == set(Level)
    assert all(0 < len(label) <= 5 for label in LEVEL_SHORT.values())
    assert len(set(LEVEL_SHORT.values())) == len(Level)


def test_indexing_words_say_the_share_indexed_and_what_is_left() -> None:
    from ostui.tui.widgets.status_words import indexing_words

    words = indexing_words("ERROR+", 600_000_000, 1_000_000_000, 3, 10, 2.0)
    assert words == "ERROR+ · 60% indexed · 3/10 files · 300 MB/s · about 1 s left"
    assert indexing_words("no filter", 0, 10, 0, 1, 0.1) == "no filter · 0% indexed · 0/1 files"


async def test_a_filter_chosen_while_indexing_says_how_much_it_covers() -> None:
    from ostui.tui.messages import IndexProgress

    app = app_for(SEED)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("L", "L", "L")
        await settle(pilot)
        app.post_message(IndexProgress(61, 100, 1, 2))
        await settle(pilot)
        assert app.status_text.startswith("ERROR+ · 61% indexed · 1/2 files")
