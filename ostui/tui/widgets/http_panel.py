"""What an HTTP status means to an OpenStack operator, and the first thing to check."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ...core.diagnosis.knowledge import explain_status


class HttpExplanation(Widget):
    """`500 Internal Server Error`, its OpenStack meaning and the first step.

    Data down: `status` (None hides the widget) and `lang` ("en" or "zh").
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "http-explanation--status-error",
        "http-explanation--status-warning",
        "http-explanation--status-ok",
        "http-explanation--family",
        "http-explanation--label",
    }

    DEFAULT_CSS = """
    HttpExplanation {
        height: auto;
        padding: 0 1;
        &.-empty { display: none; }
        &.-brief { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
        & > .http-explanation--status-error { color: $text-error; text-style: bold; }
        & > .http-explanation--status-warning { color: $text-warning; text-style: bold; }
        & > .http-explanation--status-ok { color: $text-success; text-style: bold; }
        & > .http-explanation--family { color: $foreground-muted; }
        & > .http-explanation--label { text-style: bold; }
    }
    """

    status: reactive[int | None] = reactive(None, layout=True)
    """The HTTP status to explain; None shows nothing."""

    lang: reactive[str] = reactive("en", layout=True)
    """Language of the explanation: "en" or "zh"."""

    brief: reactive[bool] = reactive(False, layout=True)
    """One line (status and meaning) instead of the whole explanation."""

    def __init__(
        self,
        status: int | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(HttpExplanation.status, status)  # set_reactive calls no watcher
        self.set_class(status is None, "-empty")

    def watch_status(self, status: int | None) -> None:
        self.set_class(status is None, "-empty")

    def watch_brief(self, brief: bool) -> None:
        self.set_class(brief, "-brief")

    def _status_class(self, code: int) -> str:
        if code >= 500:
            return "http-explanation--status-error"
        if code >= 400:
            return "http-explanation--status-warning"
        return "http-explanation--status-ok"

    def render(self) -> Content:
        code = self.status
        if code is None:
            return Content("")
        status_style = f".{self._status_class(code)}"
        label = ".http-explanation--label"
        family = ".http-explanation--family"
        explained = explain_status(code, self.lang)
        if explained is None:  # not an HTTP status at all (outside 100-599)
            return Content.styled(f"HTTP {code}", status_style)
        if self.brief:
            return Content.assemble(
                (f"{code} {explained.name}", status_style),
                ("  " + explained.meaning.split("\n", 1)[0], family),
            )
        parts: list[Content] = [
            Content.assemble(
                (f"{code} {explained.name}", status_style),
                (f"  {explained.family}" if explained.family else "", family),
            )
        ]
        if explained.meaning:
            parts.append(Content(explained.meaning))
        if explained.first_step:
            first = "第一步：" if explained.lang == "zh" else "First step: "
            parts.append(Content.assemble((first, label), explained.first_step))
        return Content("\n").join(parts)
