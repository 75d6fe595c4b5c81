"""The Textual browser. Imported only when the browser runs."""
from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    from .app import run

    return run(args)
