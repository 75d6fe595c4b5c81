"""The footer: the keys of the focused pane and the global ones, in the interface's language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ...core.i18n import _, language


class OstuiFooter(Footer):
    """Textual's footer with each key's description through the message catalogue, made
    again only when the keys it shows change (Textual's makes itself again whenever the
    bindings may have, at each change of focus: a layout of the whole screen, 15-25 ms)."""

    _shown: tuple[object, ...] | None = None  # the keys last made, as `_keys_shown` gives them

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = _keys_shown(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if self._shown is not None and screen is self.screen and _keys_shown(screen) == self._shown:
            return
        super().bindings_changed(screen)


def _keys_shown(screen: Screen) -> tuple[object, ...]:
    """What the footer shows of the screen's bindings: each key, its action and words, and
    whether it is enabled, in order, and the language they are said in."""
    return (
        language(),
        *(
            (b.key, b.action, b.description, b.tooltip, b.group, enabled, tooltip)
            for _node, b, enabled, tooltip in screen.active_bindings.values()
            if b.show
        ),
    )
