"""The known fault a record matches: why, the cause and the numbered fix."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import get_current_worker

from ...core.diagnosis.knowledge import FaultMatch, FaultMatcher, error_signature
from ...core.i18n import _
from ...core.levels import Level
from ...core.model import Record
from ..report import default_matcher

# The panel's own words, in the language of the fault texts it shows.
PANEL_LABELS = {
    "en": {
        "known": "Known fault: ",
        "repeat": "Repetition rule: ",
        "cause": "Cause: ",
        "fix": "Fix:",
        "bugs": "Bugs: ",
        "links": "Links:",
    },
    "zh": {
        "known": "已知故障：",
        "repeat": "重复规则：",
        "cause": "原因：",
        "fix": "处理步骤：",
        "bugs": "缺陷：",
        "links": "链接：",
    },
}
EXCERPT_WIDTH = 160  # characters of a matched line shown around the match
MAX_EXCERPTS = 3


def worth_diagnosing(rec: Record) -> bool:
    """Records for which "no known fault" is news: warnings and up, tracebacks, HTTP errors."""
    status = rec.http.status if rec.http is not None else None
    return rec.level >= Level.WARNING or rec.traceback is not None or (status is not None and status >= 400)


Ranges = list[tuple[int, int]]


def excerpts(text: str, spans: Ranges, width: int = EXCERPT_WIDTH) -> list[tuple[str, Ranges]]:
    """The lines of `text` holding the first matches, cut to `width` around them, with the
    matched ranges relative to each excerpt."""
    out: list[tuple[str, Ranges]] = []
    by_line: dict[int, Ranges] = {}
    for start, end in spans:
        if not (0 <= start < end <= len(text)):
            continue  # spans of a cut or changed text
        line_start = text.rfind("\n", 0, start) + 1
        by_line.setdefault(line_start, []).append((start, end))
    for line_start, ranges in list(by_line.items())[:MAX_EXCERPTS]:
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        first = ranges[0][0]
        # Keep the first match in view: start the excerpt a little before it.
        cut = max(line_start, min(first - width // 4, line_end - width))
        line = text[cut : min(line_end, cut + width)]
        local = [(max(0, a - cut), min(len(line), b - cut)) for a, b in ranges if a - cut < len(line)]
        prefix = "…" if cut > line_start else ""
        suffix = "…" if cut + width < line_end else ""
        shifted = [(a + len(prefix), b + len(prefix)) for a, b in local if b > a]
        out.append((prefix + line.strip("\r") + suffix, shifted))
    return out


class FaultPanel(Widget):
    """The best known fault for `record`, or its error signature when none matches.

    Data down: `record` (None hides the panel); `matcher` may be set to use another
    pack (tests); by default the shipped and user packs are loaded once.
    Matching runs in a worker: a record of megabytes must not stall the UI.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fault-panel--title",
        "fault-panel--label",
        "fault-panel--match",
        "fault-panel--muted",
        "fault-panel--link",
    }

    DEFAULT_CSS = """
    FaultPanel {
        height: auto;
        padding: 0 1;
        border-left: outer $warning;
        &.-empty { display: none; }
        &.-brief { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
        &.-unknown { border-left: outer $panel; }
        & > .fault-panel--title { color: $text-warning; text-style: bold; }
        & > .fault-panel--label { text-style: bold; }
        & > .fault-panel--match { background: $warning 30%; text-style: bold underline; }
        & > .fault-panel--muted { color: $foreground-muted; }
        & > .fault-panel--link { color: $text-primary; text-style: underline; }
    }
    """

    record: reactive[Record | None] = reactive(None, always_update=True, layout=True)
    """The record to diagnose; None hides the panel."""
    lang: reactive[str] = reactive("en", layout=True)
    """The language of the fault's title, cause and steps ("en" or "zh")."""
    brief: reactive[bool] = reactive(False, layout=True)
    """One line: the fault's title (or the signature) and how to see the rest."""

    class Matched(Message):
        """A worker matched `record` against the fault packs."""

        def __init__(self, record: Record, matches: list[FaultMatch], signature: str) -> None:
            super().__init__()
            self.record = record
            self.matches = matches
            self.signature = signature

    def __init__(
        self,
        *,
        matcher: FaultMatcher | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.matcher = matcher
        self._matches: list[FaultMatch] | None = None  # None: not matched yet
        self._signature = ""

    @property
    def matches(self) -> list[FaultMatch]:
        """The faults matched for the current record, best first (empty until matched)."""
        return list(self._matches or [])

    def watch_brief(self, brief: bool) -> None:
        self.set_class(brief, "-brief")

    def watch_record(self, record: Record | None) -> None:
        self._matches = None
        self._signature = ""
        self.set_class(record is None, "-empty")
        self.remove_class("-unknown")
        if record is not None:
            self._match(record, self.matcher)

    @work(
        thread=True,
        exclusive=True,
        group="fault-match",
        exit_on_error=False,
        description="match a record to known faults",
    )
    def _match(self, record: Record, matcher: FaultMatcher | None) -> None:
        try:
            found = (matcher if matcher is not None else default_matcher()).match(record)
            signature = "" if found else error_signature(record)
        except Exception as exc:  # a broken pack must not leave the panel waiting forever
            found, signature = [], f"(fault matching failed: {exc})"
        if not get_current_worker().is_cancelled:
            self.post_message(self.Matched(record, found, signature))

    @on(Matched)
    def _matched(self, message: Matched) -> None:
        message.stop()
        if message.record is not self.record:
            return  # a newer record is already being matched
        self._matches = message.matches
        self._signature = message.signature
        unknown = not message.matches
        self.set_class(unknown, "-unknown")
        self.set_class(unknown and not worth_diagnosing(message.record), "-empty")
        self.refresh(layout=True)

    def render(self) -> Content:
        rec = self.record
        muted = ".fault-panel--muted"
        if rec is None:
            return Content("")
        if self._matches is None:
            return Content.styled(_("Looking for a known fault…"), muted)
        if not self._matches:
            return Content.assemble((_("No known fault matches; signature: "), muted), self._signature)
        best = self._matches[0]
        fault = best.fault
        title_text, cause, steps = fault.text(self.lang)
        words = PANEL_LABELS.get(self.lang, PANEL_LABELS["en"])
        label = ".fault-panel--label"
        title = ".fault-panel--title"
        parts = [Content.assemble((words["known"], label), (title_text, title), (f"  [{fault.id}]", muted))]
        if self.brief:
            more = _("  (e: cause and fix)") if cause or steps else ""
            return parts[0] + Content.styled(more, muted)
        if best.why:
            parts.append(Content.assemble((_("Why: "), label), best.why))
        match_style = ".fault-panel--match"
        for line, ranges in excerpts(rec.text, best.spans):
            content = Content("  " + line)
            for start, end in ranges:
                content = content.stylize(match_style, start + 2, end + 2)
            parts.append(content)
        if fault.repeat is not None:
            parts.append(Content.assemble((words["repeat"], label), fault.repeat.describe(self.lang)))
        if cause:
            parts.append(Content.assemble((words["cause"], label), cause))
        if steps:
            parts.append(Content.styled(words["fix"], label))
            parts.extend(Content(f"  {n}. {step}") for n, step in enumerate(steps, 1))
        if fault.bugs:
            parts.append(Content.assemble((words["bugs"], label), ", ".join(fault.bugs)))
        if fault.links:
            link_style = ".fault-panel--link"
            parts.append(Content.styled(words["links"], label))
            parts.extend(Content.assemble("  ", (link, link_style)) for link in fault.links)
        others = [m.fault.title for m in self._matches[1:4]]
        if others:
            parts.append(Content.styled(_("Also matches: ") + "; ".join(others), muted))
        return Content("\n").join(parts)
