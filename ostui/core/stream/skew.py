"""Clock skew between nodes, from the requests both nodes log.

A request id logged on two nodes was handled there at overlapping times: the caller
(nova-api, say) logs before and after it calls, the callee (nova-compute over RPC)
logs in between. So in true time the narrower of the two spans lies inside the
wider one. If node B's clock reads s ahead of reference A's, and A's span of the
request is [a0, a1], B's [b0, b1] (each on its own clock):

    B inside A:  a0 <= b0 - s  and  b1 - s <= a1   ->   b1 - a1 <= s <= b0 - a0
    A inside B:  b0 - s <= a0  and  a1 <= b1 - s   ->   b0 - a0 <= s <= b1 - a1

Only the assignment where the wider span is the caller's gives a non-empty range,
so each request allows s in [min(d0, d1), max(d0, d1)], d0 = b0 - a0, d1 = b1 - a1,
whose width is the difference of the two spans. The requests' ranges are
intersected; the estimate is the middle of the intersection. When they do not all
intersect (a cast that the callee handles after the caller has answered, an id
reused by a long-lived service context), the estimate is the middle of the range
the most requests agree on (Marzullo's rule, as NTP uses: outliers cannot drag it,
a median of midpoints would follow how long each request took), `agreeing` says
how many, and `consistent` is False.

Only the postings (`RequestIndex`) and the indexes' key arrays are read, never a
record; records without a stamp are ignored. Every node is compared with one
reference node (by default the one with the most request ids: the API node), not
with each other; a node sharing no request with the reference gets an entry with
requests=0 and no correction.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import rshift

from ..indexing.logset import LogFile
from ..timekeys import NO_KEY, key_to_us
from .requests import RequestIndex

_SHIFT = 40
_LOW = (1 << _SHIFT) - 1


@dataclass
class ClockSkew:
    """`node`'s clock reads `offset_us` ahead of `reference`'s (subtract it to correct).

    [low_us, high_us] is the range the evidence allows (see the module docstring for
    the inconsistent case); `requests` counts the shared requests used.
    """

    node: str
    reference: str
    offset_us: int
    low_us: int
    high_us: int
    requests: int
    consistent: bool
    agreeing: int = 0  # requests whose range holds the estimate


def combine(node: str, reference: str, ranges: Sequence[tuple[int, int]]) -> ClockSkew:
    """One node's skew from its per-request ranges [low, high] (µs)."""
    if not ranges:
        return ClockSkew(node, reference, 0, 0, 0, 0, True)
    # Sweep the ends in order (a start before an end at the same point: touching
    # ranges agree); the deepest stretch is where the most ranges overlap.
    edges = sorted([(lo, 0) for lo, _ in ranges] + [(hi, 1) for _, hi in ranges])
    depth = best = 0
    low = high = edges[0][0]
    for n, (at, kind) in enumerate(edges):
        if kind == 0:
            depth += 1
            if depth > best:
                best, low, high = depth, at, edges[n + 1][0]
        else:
            depth -= 1
    return ClockSkew(node, reference, (low + high) // 2, low, high, len(ranges), best == len(ranges), best)


def estimate_skew(
    files: Sequence[LogFile],
    requests: RequestIndex,
    reference: str | None = None,
    max_requests: int = 5000,
) -> list[ClockSkew]:
    """Each node's clock skew against `reference`, from the request ids both log.

    `files` are in the file numbering `requests` was built with. At most
    `max_requests` shared requests per node are used (the first met). One entry per
    node other than the reference, in node name order.
    """
    names = sorted({lf.node for lf in files})
    if not names:
        return []
    node_no = {name: n for n, name in enumerate(names)}
    # per file: its node number, or -1 when it has no time keys
    file_node = [node_no[lf.node] if lf.index is not None and lf.index.times else -1 for lf in files]
    file_keys = [lf.index.keys if lf.index is not None else array("q") for lf in files]
    counts = [0] * len(names)  # request ids per node
    shared = _shared(requests, file_node, counts)
    if reference is None:
        shared = iter(list(shared))  # the whole pass first: the counts pick the reference
        ref = max(range(len(names)), key=lambda n: (counts[n], -n))
        reference = names[ref]
    else:
        ref = node_no.get(reference, -1)

    # Each shared id's span per node, then its range against the reference.
    ranges: list[list[tuple[int, int]]] = [[] for _ in names]
    open_nodes = len(names) - (ref >= 0)  # nodes still short of max_requests
    for refs in shared:
        if open_nodes <= 0:
            break
        spans = _spans(refs, file_node, file_keys)
        a = spans.pop(ref, None)
        if a is None:
            continue
        a0, a1 = key_to_us(a[0]), key_to_us(a[1])
        for n, (b0, b1) in spans.items():
            if len(ranges[n]) < max_requests:
                d0, d1 = key_to_us(b0) - a0, key_to_us(b1) - a1
                ranges[n].append((d0, d1) if d0 <= d1 else (d1, d0))
                open_nodes -= len(ranges[n]) == max_requests
    return [combine(name, reference, ranges[n]) for n, name in enumerate(names) if n != ref]


def _shared(requests: RequestIndex, file_node: list[int], counts: list[int]) -> Iterator[array[int]]:
    """The postings of ids on two or more nodes; counts the ids of each node on the way."""
    nfiles = len(file_node)
    for refs in requests.postings.values():
        fnos = set(map(rshift, refs, repeat(_SHIFT)))
        if len(fnos) == 1:  # the common case: one file
            (f,) = fnos
            if f < nfiles and file_node[f] >= 0:
                counts[file_node[f]] += 1
            continue
        nodes = {file_node[f] for f in fnos if f < nfiles}
        nodes.discard(-1)
        for n in nodes:
            counts[n] += 1
        if len(nodes) > 1:
            yield refs


def _spans(refs: array[int], file_node: list[int], file_keys: list[array[int]]) -> dict[int, list[int]]:
    """node -> [first, last] key of the stamped records among `refs`."""
    spans: dict[int, list[int]] = {}
    nfiles = len(file_node)
    for r in refs:
        f = r >> _SHIFT
        n = file_node[f] if f < nfiles else -1
        if n < 0:
            continue
        keys = file_keys[f]
        i = r & _LOW
        k = keys[i] if i < len(keys) else NO_KEY
        if k == NO_KEY:
            continue
        span = spans.get(n)
        if span is None:
            spans[n] = [k, k]
        elif k < span[0]:
            span[0] = k
        elif k > span[1]:
            span[1] = k
    return spans


def corrections(skews: Sequence[ClockSkew]) -> dict[str, int]:
    """node -> µs to add to its keys to put them on the reference's clock."""
    out: dict[str, int] = {}
    for s in skews:
        out.setdefault(s.reference, 0)
        out[s.node] = -s.offset_us if s.requests else 0
    return out


def file_shifts(files: Sequence[LogFile], fixes: dict[str, int]) -> list[int]:
    """Per file, its node's correction: the `shifts` of a MergedStream over `files`."""
    return [fixes.get(lf.node, 0) for lf in files]


def _unit(us: int) -> tuple[float, str, int]:
    """Scale, unit and decimals to show durations of about `us` in."""
    us = abs(us)
    return (1e6, "s", 2) if us >= 995_000 else (1e3, "ms", 0) if us >= 1000 else (1.0, "µs", 0)


def _amount(us: int, unit: tuple[float, str, int]) -> str:
    scale, name, decimals = unit
    return f"{abs(us) / scale:.{decimals}f} {name}"


def describe(skew: ClockSkew) -> str:
    """`compute-0 is 2.31 s ahead of controller (±0.12 s, 14 requests)`."""
    if not skew.requests:
        return f"{skew.node}: no shared requests with {skew.reference}"
    spread = (skew.high_us - skew.low_us) // 2
    unit = _unit(max(abs(skew.offset_us), spread))
    if skew.offset_us > 0:
        how = f"is {_amount(skew.offset_us, unit)} ahead of"
    elif skew.offset_us < 0:
        how = f"is {_amount(skew.offset_us, unit)} behind"
    else:
        how = "is in step with"
    count = f"{skew.requests} request" + ("s" if skew.requests != 1 else "")
    agree = "" if skew.consistent else f", {skew.agreeing} agree"
    notes = f"±{_amount(spread, unit)}, {count}{agree}"
    return f"{skew.node} {how} {skew.reference} ({notes})"
