"""Command palette: go to request…, go to node…, filter level…"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..core.levels import Level

if TYPE_CHECKING:
    from .app import OstuiApp


class OstuiCommands(Provider):
    def _app(self) -> OstuiApp:
        return cast("OstuiApp", self.app)

    def _commands(self, query: str) -> list[tuple[str, object, str]]:
        app = self._app()
        out: list[tuple[str, object, str]] = []
        from .startup import at_least

        for level in (Level.CRITICAL, Level.ERROR, Level.WARNING, Level.INFO, Level.DEBUG):
            out.append(
                (
                    f"Filter level: {level.name} and above",
                    partial(app.set_levels, at_least(level)),
                    "show records of this level and worse",
                )
            )
        out.append(("Filter level: all", partial(app.set_levels, at_least(None)), "show every level"))
        for node in sorted({f.node for f in app.files}):
            out.append((f"Go to node: {node}", partial(app.go_to_node, node), "show only this node's files"))
        q = query.strip().lower()
        if q.startswith("req-") or (len(q) >= 8 and all(c in "0123456789abcdef-" for c in q)):
            rid = q if q.startswith("req-") else "req-" + q
            out.append((f"Go to request: {rid}", partial(app.go_to_request, rid), "filter the stream to it"))
        return out

    async def discover(self) -> Hits:
        for text, action, help_text in self._commands(""):
            yield DiscoveryHit(text, action, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action, help_text in self._commands(query):
            score = matcher.match(text)
            if score > 0 or text.startswith("Go to request"):
                yield Hit(max(score, 0.5), matcher.highlight(text), action, help=help_text)  # type: ignore[arg-type]
