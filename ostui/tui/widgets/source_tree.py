"""The tree pane: node -> component -> file, with error and warning counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.levels import Level
from ...core.live.remote import RemoteNode
from ...core.paths.layouts import pod_log_title
from ...core.stream.marks import Mark
from ...core.textsafe import visible
from .names import lead_kept_cut, middle_cut

TREE_SHARE = 0.28  # at most this share of the terminal's width, unless resized by keys
EDGES = 3  # the border and the scrollbar beside the labels
SHORTEST_NAME = 8  # a name is never cut shorter than this (the counts are cut instead)


@dataclass(eq=False)
class TreeEntry:
    """What a tree node stands for: the files under it."""

    kind: str  # "all", "node", "component", "file", "skipped" (a file not read, and why)
    label: str
    files: list[LogFile] = field(default_factory=list)


def file_title(lf: LogFile) -> str:
    """A file by its name, a pod's log as `pod/container`."""
    return pod_log_title(lf.path.parts) or lf.path.name


# id(file) -> what its counts are told from until it is indexed whole: a share of it (the
# file itself, indexed from its start so far, or its tail on the first screen) and the
# file's size over the bytes that share covers.
Projection = Mapping[int, tuple[LogFile, float]]


def projected(partial: Sequence[LogFile], tails: Sequence[LogFile] = ()) -> dict[int, tuple[LogFile, float]]:
    """The projection of files indexed from their start so far (`partial`), and of big
    files none of which is joined yet by their first screen's tail (`tails`, each naming
    its whole)."""
    shares = [(f, f) for f in partial] + [(p.whole, p) for p in tails if p.whole is not None]
    out: dict[int, tuple[LogFile, float]] = {}
    for whole, share in shares:
        if id(whole) in out or whole.index is None or share.index is None:
            continue
        if share is not whole and whole.index.scanned:
            continue  # joined since (in part, or whole): its own counts tell
        covered = share.index.scanned
        size = whole.index.source.size()
        if 0 < covered < size:
            out[id(whole)] = (share, size / covered)
    return out


def leaf_name(lf: LogFile, width: int = 10_000) -> str:
    """A producer read out of a file shows as the producer, then its file (cut first)."""
    if lf.producer:
        return lead_kept_cut(visible(lf.producer), visible(file_title(lf)), width)
    return middle_cut(visible(file_title(lf)), width)


WIDEN_STEP = 4  # columns the tree widens by at a time while its counts grow


def counts(
    files: Sequence[LogFile], since: Mark | None = None, scale: Projection | None = None
) -> tuple[int, int]:
    """(errors incl. critical, warnings) of the indexed files, or of their records after a
    mark; `scale`: a file's counts as projected (see `Projection`)."""
    err = warn = 0
    for f in files:
        if f.index is None:
            continue
        if since is None:  # the whole file's: those the memory window let go of too
            share, k = _share(f, scale)
            e, w = share.index.severe_counts() if share.index is not None else (0, 0)
            err, warn = err + round(e * k), warn + round(w * k)
        else:
            lv = f.index.levels[since.start_of(f) :]
            err += lv.count(Level.ERROR) + lv.count(Level.CRITICAL)
            warn += lv.count(Level.WARNING)
    return err, warn


def _share(f: LogFile, scale: Projection | None) -> tuple[LogFile, float]:
    """What `f`'s counts are told from, and their factor (itself, 1, unless `scale` says)."""
    return scale.get(id(f), (f, 1.0)) if scale else (f, 1.0)


def _known(f: LogFile, scale: Projection | None) -> int:
    """The known faults flagged in `f`, or as `scale` projects them. A tail is not flagged
    (the first screen does not wait for the fault packs): its errors may all be known."""
    share, k = _share(f, scale)
    if share is f:
        return round(len(f.faults) * k)
    return round(counts([share])[0] * k)


class SourceTree(Tree[TreeEntry]):
    ALLOW_MAXIMIZE = True
    # What the app last said of the counts: (growing, partial, tails), see `refresh_counts`.
    _growth: tuple[bool, Sequence[LogFile], Sequence[LogFile]] = (False, (), ())
    DEFAULT_CSS = """
    SourceTree { background: $panel; width: 30; min-width: 16; }
    SourceTree > .source-tree--errors { color: $error; text-style: bold; }
    SourceTree > .source-tree--warnings { color: $warning; }
    SourceTree > .source-tree--off { color: $foreground-muted; text-style: strike; }
    SourceTree > .source-tree--broken { color: $error; text-style: italic; }
    SourceTree > .source-tree--fault { color: $accent; text-style: bold; }
    """
    COMPONENT_CLASSES = Tree.COMPONENT_CLASSES | {
        "source-tree--errors",
        "source-tree--warnings",
        "source-tree--off",
        "source-tree--broken",
        "source-tree--fault",
    }
    BINDINGS = [
        Binding("space", "toggle_files", "In/out", id="tree.toggle"),
        Binding("enter", "show_only", "Show only", id="tree.show_only"),
        Binding("a", "show_all", "All files", id="tree.all"),
        Binding("o", "toggle_node", "Expand", show=False, id="tree.expand"),
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
    ]

    class SelectionChanged(Message):
        """The set of files in the stream changed."""

        def __init__(self, files: list[LogFile]) -> None:
            super().__init__()
            self.files = files

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("logs", data=TreeEntry("all", "logs"), id=id)
        self.show_root = True
        self.guide_depth = 2
        self.active: set[int] = set()  # id() of files in the stream
        self.files: list[LogFile] = []
        self.mark: Mark | None = None  # when set, counts also say what is new since it
        self.remote: dict[str, RemoteNode] = {}  # nodes read over ssh, by name: their state shows
        self.skipped: list[tuple[str, str]] = []  # (path, why) of files found but not read
        self.columns = 40  # the widest the tree may be: labels longer are cut in the middle
        self.fixed_columns: int | None = None  # set by the keys < and >; None: fit the names
        self.width_set = 0  # the width last given to the layout
        self.dragging = False  # the right border is held with the mouse

    def load(
        self,
        files: Sequence[LogFile],
        keep: bool = False,
        skipped: Sequence[tuple[object, str]] | None = None,
    ) -> None:
        """Show `files`; with keep, files already known keep their in/out state. `skipped`
        (path, reason) are the files found but not read: they are listed, never hidden."""
        if skipped is not None:
            self.skipped = [(str(path), reason) for path, reason in skipped]
        known = {id(f) for f in self.files}
        self.files = list(files)
        if keep:
            self.active = {
                id(f) for f in files if f.error is None and (id(f) in self.active or id(f) not in known)
            }
        else:
            self.active = {id(f) for f in files if f.error is None}
        self.clear()
        root = self.root
        root.data = TreeEntry("all", _("all logs"), list(files))
        by_node: dict[str, dict[str, list[LogFile]]] = {}
        for f in files:
            by_node.setdefault(f.node, {}).setdefault(f.component, []).append(f)
        for node, comps in by_node.items():
            nfiles = [f for fs in comps.values() for f in fs]
            n = root.add(node, data=TreeEntry("node", node, nfiles), expand=True)
            for comp, cfiles in comps.items():
                c = n.add(comp, data=TreeEntry("component", comp, cfiles), expand=len(comps) < 6)
                for f in cfiles:
                    name = leaf_name(f)
                    c.add_leaf(name, data=TreeEntry("file", name, [f]))
        for name in self.remote:
            if name not in by_node:  # a node that is down shows, with its state
                root.add(name, data=TreeEntry("node", name, []), expand=False)
        if self.skipped:
            label = _("not read ({count})", count=len(self.skipped))
            gone = root.add(label, data=TreeEntry("skipped", label), expand=False)
            for path, reason in self.skipped:
                gone.add_leaf(f"{path}: {reason}", data=TreeEntry("skipped", f"{path}: {reason}"))
        root.expand()
        self.refresh_counts()

    def process_label(self, label: str | Text) -> Text:
        """Names come from the file system and the logs: never markup, always through the gate."""
        return Text(visible(label)) if isinstance(label, str) else label

    def fit_width(self, columns: int | None) -> None:
        """`columns` wide (resized by keys), or None: as wide as the names need, up to
        TREE_SHARE of the terminal."""
        self.fixed_columns = columns
        self._fit_names()
        self.refresh_counts()

    def _fit_names(self) -> None:
        """Names as long as the tree's width allows; the rest is cut in the middle."""
        columns = self.fixed_columns or int(self.app.size.width * TREE_SHARE)
        if columns != self.columns:
            self.columns = columns
            self.refresh_counts()

    def on_mount(self) -> None:
        self._fit_names()
        self.watch(self.screen, "maximized", self._maximized, init=False)

    def _maximized(self, widget: object) -> None:
        # The width is an inline style, which would beat the maximised layout: lift it meanwhile.
        self.styles.width = None if widget is self else self.width_set or None

    def on_resize(self) -> None:
        self._fit_names()  # the terminal changed: so did the share

    # -- the right border dragged with the mouse resizes the tree ----------------------------
    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.x >= self.outer_size.width - 1:  # on the border
            self.dragging = True
            self.capture_mouse()
            event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.dragging:
            widest = max(12, self.app.size.width - 30)  # the stream keeps 30 columns
            self.fit_width(max(12, min(event.screen_x + 1, widest)))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self.dragging:
            self.dragging = False
            self.release_mouse()
            event.stop()

    def on_tree_node_expanded(self) -> None:
        self.refresh_counts()  # more names shown: the width may grow

    def on_tree_node_collapsed(self) -> None:
        self.refresh_counts()

    def refresh_counts(
        self, growing: bool | None = None, partial: Sequence[LogFile] = (), tails: Sequence[LogFile] = ()
    ) -> None:
        """Labels with their counts, cut to the tree's width; the tree as wide as the widest
        shown label needs, up to that width (computed here: Textual's own measure of the
        labels lags behind their changes). `growing`: the counts grow (indexing), and the
        tree widens in steps and never narrows meanwhile: each new width lays out and draws
        the panes beside it again (up to a tenth of a second on a busy screen). `partial`:
        files indexed from their start so far, and `tails`, the first screen's tails of big
        files not joined yet: the tree is as wide at once as their counts will need once
        whole (see `projected`), not a step wider at each digit. `growing` None: as the
        last call that gave it said (the tree's own refreshes: a node expanded, a resize)."""
        if growing is None:
            growing, partial, tails = self._growth
        else:
            self._growth = (growing, list(partial), list(tails))
        widest = 0
        factors = projected(partial, tails) if growing else {}

        def walk(node: TreeNode[TreeEntry], depth: int) -> None:
            nonlocal widest
            if node.data is not None:
                # The cells left for the label: the guides and the expand icon come first.
                room = self.columns - EDGES - depth * self.guide_depth - (2 if node.allow_expand else 0)
                label = self._label(node.data)
                if label.cell_len > room:
                    name = cell_len(middle_cut(visible(node.data.label), 10_000))
                    label = self._label(node.data, max(SHORTEST_NAME, name - (label.cell_len - room)))
                node.set_label(label)
                cells = label.cell_len
                if factors and any(id(f) in factors for f in node.data.files):
                    cells = max(cells, min(room, self._label(node.data, scale=factors).cell_len))
                widest = max(widest, self.columns - room + cells)
            if node.is_expanded:
                for child in node.children:
                    walk(child, depth + 1)

        walk(self.root, 0)
        width = self.fixed_columns or min(self.columns, widest)
        if growing and not self.fixed_columns:
            width = min(self.columns, max(self.width_set, -(-width // WIDEN_STEP) * WIDEN_STEP))
        if width != self.width_set:
            self.width_set = width
            self.styles.width = width

    def _label(self, entry: TreeEntry, name_cells: int = 10_000, scale: Projection | None = None) -> Text:
        """The entry's name (cut in the middle to `name_cells`), marks and counts (a file's
        as `scale` projects them)."""
        text = Text()
        if entry.kind == "skipped":
            text.append(
                visible(entry.label), self.get_component_rich_style("source-tree--warnings", partial=True)
            )
            return text
        files = entry.files
        on = [f for f in files if id(f) in self.active]
        broken = [f for f in files if f.error]
        if entry.kind == "file":
            f = files[0]
            name = leaf_name(f, name_cells)
            if f.error:
                text.append(
                    name + " ✗",
                    self.get_component_rich_style("source-tree--broken", partial=True),
                )
                return text
            text.append(
                ("☑ " if on else "☐ ") + name,
                None if on else self.get_component_rich_style("source-tree--off", partial=True),
            )
            if f.problems:  # read, with parts that could not be (CRLF, bad bytes, a cut gzip...)
                text.append(
                    f" ⚠{len(f.problems)}",
                    self.get_component_rich_style("source-tree--warnings", partial=True),
                )
        else:
            text.append(middle_cut(visible(entry.label), name_cells))
            node = self.remote.get(entry.label) if entry.kind == "node" else None
            if node is not None:
                style = {"live": None, "slow": "source-tree--warnings"}.get(node.state, "source-tree--broken")
                state = node.state if node.state == "live" else f"{node.state}: {node.reason}"[:60]
                text.append(
                    visible(f" [{state}]"),
                    self.get_component_rich_style(style, partial=True) if style else None,
                )
            if len(on) != len(files) - len(broken):
                text.append(f" ({len(on)}/{len(files)})")
        err, warn = counts(files, scale=scale)
        if err:
            text.append(f" E{err}", self.get_component_rich_style("source-tree--errors", partial=True))
        if warn:
            text.append(f" W{warn}", self.get_component_rich_style("source-tree--warnings", partial=True))
        known = sum(_known(f, scale) for f in files)
        if known:
            text.append(f" ⚑{known}", self.get_component_rich_style("source-tree--fault", partial=True))
        if self.mark is not None:
            new_err, new_warn = counts(files, self.mark)
            if new_err or new_warn:
                text.append(
                    f" +{new_err}E/{new_warn}W new",
                    self.get_component_rich_style("source-tree--errors", partial=True),
                )
        return text

    def _cursor_files(self) -> list[LogFile]:
        node = self.cursor_node
        if node is None or node.data is None:
            return []
        return [f for f in node.data.files if f.error is None]

    def _changed(self) -> None:
        self.refresh_counts()
        self.post_message(self.SelectionChanged([f for f in self.files if id(f) in self.active]))

    def action_toggle_files(self) -> None:
        files = self._cursor_files()
        if not files:
            return
        if all(id(f) in self.active for f in files):
            self.active -= {id(f) for f in files}
        else:
            self.active |= {id(f) for f in files}
        self._changed()

    def action_show_only(self) -> None:
        files = self._cursor_files()
        if files:
            self.active = {id(f) for f in files}
            self._changed()

    def action_show_all(self) -> None:
        self.active = {id(f) for f in self.files if f.error is None}
        self._changed()

    def show_node(self, name: str) -> bool:
        """Show only the files of node `name` (the palette's "go to node")."""
        files = [f for f in self.files if f.node == name and f.error is None]
        if not files:
            return False
        self.active = {id(f) for f in files}
        self._changed()
        return True
