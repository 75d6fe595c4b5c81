"""Shared helpers for the Pilot tests (the scenes module waits the same way)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from textual.pilot import Pilot

from ostui.tui import scenes
from ostui.tui.app import OstuiApp
from ostui.tui.startup import make_args
from ostui.tui.widgets.log_stream import LogStream

DATA = Path(__file__).resolve().parent.parent / "data"

__all__ = ["DATA", "app_for", "current", "settle", "stream_of", "tree_labels", "watch_calls"]


class _Settle(Protocol):
    def __call__(self, pilot: Pilot[Any], timeout: float = ...) -> Coroutine[Any, Any, None]: ...


# The scenes module's own settle, unchanged; only its type is widened: it takes a
# Pilot[object] and Pilot is invariant, so a Pilot[int] (OstuiApp is an App[int]) would not do.
settle: _Settle = scenes.settle


def app_for(*paths: Path, root: Path | None = None, demo: bool = False, **options: object) -> OstuiApp:
    return OstuiApp(make_args(*paths, root=root, demo=demo, **options))


def stream_of(app: OstuiApp) -> LogStream:
    return app.query_one(LogStream)


def current(app: OstuiApp) -> tuple[str, str]:
    """(level name, message) of the record under the stream cursor."""
    stream = stream_of(app)
    assert stream.view is not None
    _, rec = stream.view.record(stream.cursor)
    return rec.level.name, rec.message


def tree_labels(app: OstuiApp) -> list[str]:
    """The plain text of every node of the app's source tree, depth first from the root."""
    from ostui.tui.widgets.source_tree import SourceTree

    out: list[str] = []
    todo = [app.query_one(SourceTree).root]
    while todo:
        node = todo.pop()
        out.append(str(node.label))
        todo.extend(reversed(node.children))
    return out


def watch_calls(obj: object, name: str, note: Callable[..., object]) -> None:
    """Calls to `obj`'s method `name` go on as before, each first told to `note` with the
    same arguments (what a key drew, built or showed)."""
    method = getattr(obj, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        note(*args, **kwargs)
        return method(*args, **kwargs)

    setattr(obj, name, watched)
