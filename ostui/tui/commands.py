"""Command palette: verbs (request…, instance…, time…, faults, timeline, marks, nodes, theme,
language, problems), each id typed after a verb completed, and the level filters."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..core.i18n import _
from ..core.levels import Level

if TYPE_CHECKING:
    from .app import OstuiApp

Command = tuple[str, Callable[[], object], str]  # (text shown, what it does, help line)
REQUEST_VERBS = ("go to request", "request")  # words typed before an id
INSTANCE_VERBS = ("go to instance", "instance")


def typed_id(query: str, verbs: tuple[str, ...]) -> str:
    """What follows a verb in the palette: `request 4b3c` -> `4b3c`."""
    q = query.strip().lower()
    for verb in verbs:
        if q.startswith(verb):
            return q[len(verb) :].strip(" :…")
    return q


def resource_commands(app: OstuiApp, query: str) -> list[Command]:
    """ "Go to instance…": a UUID typed in the palette, or the one under the stream's cursor."""
    from ..core.stream.instances import normalize_uuid, resource_in
    from .widgets.log_stream import LogStream

    typed = normalize_uuid(typed_id(query, INSTANCE_VERBS))
    uuid = typed
    streams = app.screen_stack[0].query(LogStream) if app.screen_stack else None
    if uuid is None and streams:  # the browser's stream, whatever screen is on top
        stream = streams.first()
        if stream.view is not None and len(stream.view):
            uuid = resource_in(stream.view.record(stream.cursor)[1])
    if uuid is None:
        return []
    help_text = _("every request that touched it, across services and nodes")
    return [(_("Go to instance: {uuid}", uuid=uuid), partial(app.show_resource, uuid), help_text)]


def request_commands(app: OstuiApp, query: str) -> list[Command]:
    """ "Go to request: <id>" for each known id starting with what was typed."""
    q = typed_id(query, REQUEST_VERBS)
    looks_like_id = q.startswith(("req-", "tx")) or (len(q) >= 4 and all(c in "0123456789abcdef-" for c in q))
    if not looks_like_id:
        return []
    index = app.request_index
    known = index.ids_with_prefix(q) if index is not None else []
    out: list[Command] = []
    for rid in known or [q if q.startswith(("req-", "tx")) else "req-" + q]:
        refs = len(index.records_of(rid)) if index is not None else 0
        help_text = _("{count} records mention it", count=refs) if refs else _("filter the stream to it")
        out.append((_("Go to request: {id}", id=rid), partial(app.go_to_request, rid), help_text))
    return out


def verb(text: str) -> str:
    """A verb in the interface's language, with its English word when that differs, so
    that typing `faults` finds it in any language."""
    shown = _(text)
    return shown if shown == text else f"{shown} ({text.rstrip('…').lower()})"


def ask(app: OstuiApp, title: str, placeholder: str, then: Callable[[str], object]) -> Callable[[], None]:
    """A verb that asks for its argument (a request id, a UUID) in a prompt."""
    from .screens.prompt import PromptScreen

    def done(value: str | None) -> None:
        if value and value.strip():
            then(value.strip())

    def open_prompt() -> None:
        app.push_screen(PromptScreen(title, placeholder), done)

    return open_prompt


def go_to_request_prefix(app: OstuiApp, typed: str) -> None:
    """The request an id prefix names (the first known one), or the id as typed."""
    index = app.request_index
    known = index.ids_with_prefix(typed, limit=1) if index is not None else []
    app.go_to_request(known[0] if known else typed)


def verb_commands(app: OstuiApp) -> list[Command]:
    other_theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
    other_lang = "zh" if app.lang != "zh" else "en"
    out: list[Command] = [
        (
            verb("Request…"),
            ask(
                app,
                _("Go to request (an id or its first characters)"),
                "req-e359221b",
                partial(go_to_request_prefix, app),
            ),
            _("filter the stream to one request; typing an id here completes it"),
        ),
        (
            verb("Instance…"),
            ask(app, _("Go to instance, port, volume or image (UUID)"), "a18a5824-…", app.show_resource),
            _("every request that touched it, across services and nodes"),
        ),
        (verb("Time…"), app.action_jump_time, _("jump to a time")),
        (verb("Faults"), app.action_known_faults, _("every known fault found, and unknown errors grouped")),
        (verb("Timeline"), app.action_timeline, _("records per level over time; a range filters")),
        (verb("Marks"), app.action_marks, _("the reproduction marks and what came after each")),
        (verb("Problems"), app.action_problems, _("files read in part or not at all, and what stopped")),
        (
            _("Theme: light") if other_theme == "textual-light" else _("Theme: dark"),
            partial(setattr, app, "theme", other_theme),
            _("switch the colours"),
        ),
        (
            "Language: English" if other_lang == "en" else "语言：中文 (Language: Chinese)",
            partial(app.switch_language, other_lang),
            _("the whole interface in the other language"),
        ),
    ]
    for node in sorted({f.node for f in app.files}):
        out.append(
            (
                _("Nodes: show only {node}", node=node),
                partial(app.go_to_node, node),
                _("show only this node's files"),
            )
        )
    return out


class OstuiCommands(Provider):
    def _app(self) -> OstuiApp:
        return cast("OstuiApp", self.app)

    def _commands(self, query: str) -> list[Command]:
        app = self._app()
        from ..session.startup import at_least

        out = verb_commands(app)
        for level in (Level.CRITICAL, Level.ERROR, Level.WARNING, Level.INFO, Level.DEBUG):
            out.append(
                (
                    _("Filter level: {level} and above", level=level.name),
                    partial(app.set_levels, at_least(level)),
                    _("show records of this level and worse"),
                )
            )
        out.append((_("Filter level: all"), partial(app.set_levels, at_least(None)), _("show every level")))
        out.extend(resource_commands(app, query))
        out.extend(request_commands(app, query))
        return out

    async def discover(self) -> Hits:
        for text, action, help_text in self._commands(""):
            yield DiscoveryHit(text, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        # Completed ids match whatever the verb typed before them: they always show.
        completed = {text for text, _action, _help in resource_commands(self._app(), query)}
        completed |= {text for text, _action, _help in request_commands(self._app(), query)}
        for text, action, help_text in self._commands(query):
            score = matcher.match(text)
            if score > 0 or text in completed:
                yield Hit(max(score, 0.5), matcher.highlight(text), action, help=help_text)
