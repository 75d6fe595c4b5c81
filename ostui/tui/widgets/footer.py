"""The footer: the keys of the focused pane and the global ones, in the interface's language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ...core.i18n import _


class OstuiFooter(Footer):
    """Textual's footer with each key's description through the message catalogue."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget
