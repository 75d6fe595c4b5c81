"""Snapshot tests of the main views (pytest-textual-snapshot); the same scenes make the README's pictures."""

from __future__ import annotations

import pytest

from ostui.tui.scenes import SCENES, Scene


@pytest.mark.parametrize("name", sorted(n for n, s in SCENES.items() if s.snapshot))
def test_main_views(snap_compare, name: str) -> None:
    scene: Scene = SCENES[name]
    assert snap_compare(scene.app(), run_before=scene.play, terminal_size=scene.size)
