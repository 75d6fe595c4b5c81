"""The browser's keys: one list of bindings that work whatever pane has the focus, the
actions they reach in the panes, and the operator's settings applied to them.

A key bound here is found wherever the focus is on the main screen, because the app is
the last link of every binding chain; a text input keeps its letters (it handles them
before any binding). Each binding has an id, so `~/.config/ostui/config.toml` may remap
it (`[keymap] "app.next_error" = "."`); the help screen shows the ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.keys import format_key

from ..core.config import Config, load_config
from ..core.i18n import _, set_language

if TYPE_CHECKING:
    from textual.app import App

    from .widgets.detail import DetailPane

TREE_WIDTH_STEP = 4  # columns per press of < or >

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark,f1", "help", "Help", id="app.help"),
    Binding("tab", "next_pane", "Next pane", show=False, priority=True, id="app.next_pane"),
    Binding("shift+tab", "previous_pane", "Prev pane", show=False, priority=True, id="app.prev_pane"),
    Binding("right_square_bracket", "in_stream('next_error')", "Next error", id="app.next_error"),
    Binding("left_square_bracket", "in_stream('prev_error')", "Prev error", show=False, id="app.prev_error"),
    Binding("slash", "search", "Search", id="app.search"),
    Binding("n", "in_stream('next_match')", "Next match", show=False, id="app.next_match"),
    Binding("N", "in_stream('prev_match')", "Prev match", show=False, id="app.prev_match"),
    Binding("ampersand", "grep", "Filter text", id="app.grep"),
    Binding("L", "cycle_level", "Level+", id="app.cycle_level"),
    Binding("E", "toggle_level('ERROR')", "ERROR", show=False, id="app.level_error"),
    Binding("W", "toggle_level('WARNING')", "WARNING", show=False, id="app.level_warning"),
    Binding("I", "toggle_level('INFO')", "INFO", show=False, id="app.level_info"),
    Binding("D", "toggle_level('DEBUG')", "DEBUG", show=False, id="app.level_debug"),
    Binding("T", "toggle_level('TRACE')", "TRACE/AUDIT", show=False, id="app.level_trace"),
    Binding("U", "toggle_level('UNKNOWN')", "UNKNOWN", show=False, id="app.level_unknown"),
    Binding("R", "filter_request", "Request only", id="app.filter_request"),
    Binding("colon", "jump_time", "Go to time", show=False, id="app.jump_time"),
    Binding("F", "toggle_follow", "Stick to the end", show=False, id="app.follow"),
    Binding("x", "clear_filters", "Clear filters", show=False, id="app.clear"),
    Binding("b", "toggle_tree", "Tree", show=False, id="app.toggle_tree"),
    Binding("less_than_sign", "tree_width(-1)", "Narrower tree", show=False, id="app.tree_narrower"),
    Binding("greater_than_sign", "tree_width(1)", "Wider tree", show=False, id="app.tree_wider"),
    Binding("z", "zoom", "Maximise pane", show=False, id="app.zoom"),
    Binding("f", "known_faults", "Faults", id="app.known_faults"),
    Binding("c", "copy_report", "Copy report", id="app.copy_report"),
    Binding("e", "expand_diagnosis", "Expand diagnosis", show=False, id="app.expand_diagnosis"),
    Binding("P", "problems", "Problems", show=False, id="app.problems"),
    Binding("m", "drop_mark", "Mark", id="app.mark"),
    Binding("M", "marks", "Marks", show=False, id="app.marks"),
    Binding("A", "after_mark", "After mark", show=False, id="app.after_mark"),
    Binding("exclamation_mark", "open_alert", "Open new error", show=False, id="app.open_alert"),
    Binding("O", "fetch_older", "Older logs", show=False, id="app.fetch_older"),
    Binding("C", "clock_skew", "Clock skew", show=False, id="app.clock_skew"),
    Binding("i", "timeline", "Timeline", show=False, id="app.timeline"),
]


def key_label(keys: str) -> str:
    """Keys as the operator types them: `]`, `!`, `?`, `ctrl+p`, `space`."""
    shown = []
    for key in keys.split(","):
        key = key.strip()
        char = format_key(key) if "+" not in key else key
        shown.append(char if len(char) == 1 and char.isprintable() and not char.isspace() else key)
    return " ".join(shown)


class KeyActions:
    """The app's side of the global keys and settings (mixed into the app)."""

    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS
    config: Config

    def load_settings(self) -> Config:
        """Read the settings file once; the language is set at once (widgets read it)."""
        self.config = load_config()
        return self.config

    def apply_settings(self) -> None:
        """Keys and pane sizes from the settings (called when the app is mounted)."""
        app = self._as_app()
        config = self.config
        if config.keymap:
            app.set_keymap(config.keymap)
        if config.tree_width:
            from .widgets.source_tree import SourceTree

            app.query_one(SourceTree).fit_width(config.tree_width)
        if config.detail != "auto":
            app.screen.add_class(f"-detail-{config.detail}")
        for problem in config.problems:
            app.notify(_("settings: {problem}", problem=problem), severity="warning", timeout=10)

    def keys_of(self, binding: Binding) -> str:
        """The keys a binding answers to, after the operator's keymap."""
        keymap = getattr(self, "config", None)
        if keymap is not None and binding.id and binding.id in keymap.keymap:
            return keymap.keymap[binding.id]
        return binding.key

    def _as_app(self) -> App[int]:
        from textual.app import App

        assert isinstance(self, App)
        return self

    def _detail_pane(self) -> DetailPane | None:
        from .widgets.detail import DetailPane

        panes = self._as_app().screen_stack[0].query(DetailPane)
        return panes.first() if panes else None

    def action_in_stream(self, name: str) -> None:
        """A stream action (next error, next match...) from whatever pane has the focus."""
        from .widgets.log_stream import LogStream

        stream = self._as_app().screen_stack[0].query_one(LogStream)
        getattr(stream, f"action_{name}")()

    def action_copy_report(self) -> None:
        detail = self._detail_pane()
        if detail is None:
            self._as_app().notify(_("The detail pane is not ready yet."), timeout=3)
            return
        detail.action_copy_report()

    def action_expand_diagnosis(self) -> None:
        detail = self._detail_pane()
        if detail is not None:
            detail.action_toggle_header()

    def action_tree_width(self, step: int) -> None:
        from .widgets.source_tree import SourceTree

        tree = self._as_app().query_one(SourceTree)
        current = tree.fixed_columns or tree.outer_size.width
        widest = max(12, self._as_app().size.width - 30)  # the stream keeps 30 columns
        tree.fit_width(max(12, min(current + step * TREE_WIDTH_STEP, widest)))

    def action_problems(self) -> None:
        from .screens.problems import ProblemsScreen

        self._as_app().push_screen(ProblemsScreen.of_app(self._as_app()))

    def switch_language(self, lang: str) -> None:
        """The interface in `lang` from now on: the footer, status and panes redraw."""
        app = self._as_app()
        chosen = set_language(lang)
        setattr(app, "lang", chosen)  # noqa: B010 - the app's attribute, read by its panes
        detail = self._detail_pane()
        if detail is not None:
            detail.lang = chosen
        app.refresh_bindings()
        app.screen_stack[0].refresh(recompose=False, layout=True)
        for widget in app.screen_stack[0].query("*"):
            widget.refresh()
        update = getattr(app, "update_status", None)
        if update is not None:
            update()
        app.notify(_("Language: English"), timeout=3)
