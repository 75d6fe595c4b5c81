"""One fix to Textual (pinned in pyproject): a strip divided whole no longer holds itself.

`Strip.divide` caches its result on the strip; divided at its own length (every line the
compositor draws without another widget across it) the result is `[strip]`, so each
such line became a reference cycle, freed only by a full collection of the garbage
collector: 10,000-25,000 objects every second and a half while following a busy log.
Not cached, the list and the strip are freed as soon as the line is no longer drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

_divide = Strip.divide


def _divide_without_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]
    return _divide(self, cuts)


def install() -> None:
    """Patch `Strip.divide` (idempotent)."""
    Strip.divide = _divide_without_cycle  # type: ignore[method-assign]
