"""What one run of ostui is asked to open and show, as typed fields.

The command line fills them from its arguments; tests and scenes fill them in code.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.config import Config
    from ..core.parsing.formats import LogFormat


@dataclass
class Options:
    # Where the logs are
    paths: list[Path] = field(default_factory=list)
    root: Path | None = None
    demo: bool = False
    fmt: str | None = None  # a format forced instead of sniffed
    # Other nodes over ssh; None: none named, so the default inventory applies when it exists
    nodes: list[str] | None = None
    inventory: Path | None = None
    backlog: str = "2M"  # bytes per remote file fetched at first
    discover_nodes: bool = False
    stores: list[str] = field(default_factory=list)
    journal: bool = True
    journal_backlog: int = 5000
    client_debug: list[Path] = field(default_factory=list)
    # The browser's: it follows the nodes on after start-up instead of waiting for every backlog
    browser: bool = False
    level: str | None = None
    grep: str | None = None
    request: str | None = None
    since: str | None = None
    until: str | None = None
    lang: str | None = None
    follow: bool | None = None  # None: on for live logs, off for archives
    # Records held in memory while following; the oldest beyond go back to disk (0: no bound).
    max_records: int = 5_000_000
    theme: str | None = None  # None: the settings file's, else dark

    @classmethod
    def from_arguments(cls, args: argparse.Namespace, browser: bool, config: Config | None = None) -> Options:
        """The options a parsed command line carries (each command parses a subset); what
        it leaves unsaid comes from the settings file (`config`), then the defaults."""
        given = vars(args)
        settings = (
            {"backlog": config.backlog, "theme": config.theme, "lang": config.language} if config else {}
        )
        chosen = {f.name: given.get(f.name) for f in fields(cls)}
        chosen |= {k: v for k, v in settings.items() if chosen.get(k) is None}
        return cls(browser=browser, **{k: v for k, v in chosen.items() if v is not None})

    def forced_format(self) -> LogFormat | None:
        if not self.fmt:
            return None
        from ..core.parsing.formats import get_format

        return get_format(self.fmt)

    @property
    def archive(self) -> bool:
        """Collected logs (--root, --demo): not followed unless asked."""
        return self.root is not None or self.demo
