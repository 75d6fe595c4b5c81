"""What one run of ostui opened: the sources the options select, the resources they hold
(remote mirrors, journal readers, their temporary folders), and the loops over them.

Below the CLI and the browser, above `ostui.core`; never imports Textual.
"""

from .options import Options
from .session import Session, SessionClosed
from .sources import NodesError, NodesIncomplete, demo_root, nothing_found

__all__ = [
    "NodesError",
    "NodesIncomplete",
    "Options",
    "Session",
    "SessionClosed",
    "demo_root",
    "nothing_found",
]
