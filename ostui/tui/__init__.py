"""The Textual browser. Imported only when the browser runs."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    # Find and preview the logs in a thread first, then import Textual while it works.
    from .startup import find_sources

    early = find_sources(args)
    from .app import run

    return run(args, early)
