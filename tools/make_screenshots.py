#!/usr/bin/env python3
"""Regenerate the SVG screenshots in screenshots/ from the scenes the snapshot tests use.

python tools/make_screenshots.py [NAME ...]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ostui.tui.scenes import REPO, SCENES, Scene

OUT = REPO / "screenshots"


async def shoot(scene: Scene) -> Path:
    app = scene.app()
    async with app.run_test(size=scene.size) as pilot:
        await scene.play(pilot)
        svg = app.export_screenshot(title=f"ostui · {scene.name}")
    path = OUT / f"{scene.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def main(names: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    for name in names or list(SCENES):
        print(asyncio.run(shoot(SCENES[name])).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
