"""The known-fault matcher, loaded once per process: reading the packs costs start-up time."""

from __future__ import annotations

from functools import lru_cache

from ..core.diagnosis.knowledge import FaultMatcher, load_faults


@lru_cache(maxsize=1)
def default_matcher() -> FaultMatcher:
    """The matcher over the shipped and the user's fault packs."""
    return FaultMatcher(load_faults())
