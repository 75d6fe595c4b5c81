"""Long names cut in the middle, so both ends stay readable: `k8s…nova-scheduler`."""

from __future__ import annotations

from rich.cells import cell_len

ELLIPSIS = "…"


def middle_cut(name: str, width: int) -> str:
    """`name` in at most `width` terminal cells, its middle replaced by an ellipsis.

    The end keeps a little more than the start: log names differ most at the end
    (`…nova-scheduler.log`, `…0074/neutron`). Wide (CJK) characters count two cells."""
    if cell_len(name) <= width:
        return name
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    head_room = room * 2 // 5
    tail_room = room - head_room
    head = ""
    for char in name:
        if cell_len(head + char) > head_room:
            break
        head += char
    tail = ""
    for char in reversed(name[len(head) :]):
        if cell_len(char + tail) > tail_room:
            break
        tail = char + tail
    return head + ELLIPSIS + tail


def lead_kept_cut(lead: str, rest: str, width: int, joint: str = " · ") -> str:
    """`lead + joint + rest` in `width` cells, cutting `rest` first: a producer's name stays
    whole while its file's name is cut (`pebble · nova…scheduler`)."""
    whole = lead + joint + rest
    if cell_len(whole) <= width:
        return whole
    left = width - cell_len(lead + joint)
    if left < 4:  # too little of the file would show: the lead alone, cut if need be
        return middle_cut(lead, width)
    return lead + joint + middle_cut(rest, left)
