"""The footer is made again only when the keys it shows change."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from ostui.tui.widgets.footer import OstuiFooter
from ostui.tui.widgets.log_stream import LogStream
from ostui.tui.widgets.source_tree import SourceTree

from ..conftest import SEED
from .helpers import app_for, settle


async def test_the_footer_is_made_again_only_when_its_keys_change(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    compose = OstuiFooter.compose

    def counted(self: OstuiFooter):  # type: ignore[no-untyped-def]
        made.append(1)
        return compose(self)

    monkeypatch.setattr(OstuiFooter, "compose", counted)
    app = app_for(SEED / "nova-api.log", follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.set_focus(app.query_one(LogStream))
        await pilot.pause()
        before = len(made)
        # Textual tells the footer at every change of focus that the keys may have changed.
        for _ in range(3):
            app.screen.bindings_updated_signal.publish(app.screen)
            await pilot.pause()
        assert len(made) == before
        app.set_focus(app.query_one(SourceTree))  # the tree's own keys join the footer
        await pilot.pause()
        await pilot.pause()
        assert len(made) == before + 1
        actions = {key.action for key in app.query(FooterKey)}
        assert "toggle_files" in actions, actions
