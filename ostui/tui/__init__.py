"""The Textual browser. Imported only when the browser runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import Session


def run_app(session: Session) -> int:
    """The browser over an opened session (its caller closes it)."""
    # Find and preview the logs in a thread first, then import Textual while it works.
    from ..session.startup import find_sources

    early = find_sources(session)
    from .app import run

    return run(session, early)
