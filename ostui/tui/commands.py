"""Command palette: go to request…, go to node…, filter level…"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..core.levels import Level

if TYPE_CHECKING:
    from .app import OstuiApp


def resource_commands(app: OstuiApp, query: str) -> list[tuple[str, object, str]]:
    """ "Go to instance…": a UUID typed in the palette, or the one under the stream's cursor."""
    from ..core.instances import normalize_uuid, resource_in
    from .widgets.log_stream import LogStream

    typed = normalize_uuid(query.strip().lower().removeprefix("go to instance").strip(" :…"))
    uuid = typed
    streams = app.screen_stack[0].query(LogStream) if app.screen_stack else None
    if uuid is None and streams:  # the browser's stream, whatever screen is on top
        stream = streams.first()
        if stream.view is not None and len(stream.view):
            uuid = resource_in(stream.view.record(stream.cursor)[1])
    if uuid is None:
        return []
    help_text = "every request that touched it, across services and nodes"
    return [(f"Go to instance: {uuid}", partial(app.show_resource, uuid), help_text)]


class OstuiCommands(Provider):
    def _app(self) -> OstuiApp:
        return cast("OstuiApp", self.app)

    def _commands(self, query: str) -> list[tuple[str, object, str]]:
        app = self._app()
        out: list[tuple[str, object, str]] = []
        from ..session.startup import at_least

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
        out.append(("Timeline", app.action_timeline, "records per level over time; a range filters"))
        out.extend(resource_commands(app, query))
        q = query.strip().lower().removeprefix("go to request").strip(" :")
        looks_like_id = q.startswith(("req-", "tx")) or (
            len(q) >= 4 and all(c in "0123456789abcdef-" for c in q)
        )
        if looks_like_id:
            known = app.request_index.ids_with_prefix(q) if app.request_index is not None else []
            for rid in known or [q if q.startswith(("req-", "tx")) else "req-" + q]:
                refs = len(app.request_index.records_of(rid)) if app.request_index is not None else 0
                help_text = f"{refs} records mention it" if refs else "filter the stream to it"
                out.append((f"Go to request: {rid}", partial(app.go_to_request, rid), help_text))
        return out

    async def discover(self) -> Hits:
        for text, action, help_text in self._commands(""):
            yield DiscoveryHit(text, action, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action, help_text in self._commands(query):
            score = matcher.match(text)
            if score > 0 or text.startswith(("Go to request", "Go to instance")):
                yield Hit(max(score, 0.5), matcher.highlight(text), action, help=help_text)  # type: ignore[arg-type]
