"""Envelopes: what a runtime, collector or daemon writes around a service's own line.

One file may carry several producers (a pod log mixes pebble with the services it runs;
a syslog file mixes every daemon of a host), each line wrapped in an envelope that names
its producer and often stamps it. An `Envelope` says how to find it at a line start
(`pattern`, with a `tag` group when it names the producer) and how to match the lines of
one producer (`member`), with the envelope's stamp as group 1 where it carries one, so a
producer's format is its payload's format behind its envelope (see `producers.py`).

Sources of each shape: `reference/formats.md`, section 5, and the real samples in
`tests/data/mixed-producers/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..timekeys import iso_keys, iso_time_keys

# RFC 3339 as container runtimes and kubectl write it; the zone stays outside group 1 so
# the stamp's digits are all iso_keys needs.
RFC3339_DIGITS = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
RFC3339_ZONE = rb"(?:Z|[+-]\d\d:\d\d)"
RFC3339 = RFC3339_DIGITS + RFC3339_ZONE
OSLO_STAMP = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?"
BSD_STAMP = rb"[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?"
# Words rabbitmq and others put in brackets after a stamp: levels, never a producer.
_LEVEL_WORDS = rb"(?i:(?:debug|info|notice|warning|warn|error|critical|alert|emergency)\])"

TimeKeys = Callable[[Sequence[bytes], int], Iterable[int]]


def _no_tag(tag: bytes | None) -> bytes:
    return b""


@dataclass(frozen=True)
class Envelope:
    """One kind of envelope.

    pattern: the envelope at a line start; group `tag` names the producer when the
        envelope does (pebble's service, a syslog program, a merged file's alias).
    member: the envelope of one producer's lines (`tag` None for envelopes without one),
        no capturing group.
    stamped: the same with the envelope's stamp as group 1 (None when it carries no
        stamp: the payload's own stamp is then the record's time).
    time_keys: keys of the stamps `stamped` captures.
    always: split files in this envelope even with one producer (no bare format reads
        them); False where a bare format already reads a one-producer file (syslog).
    wanted: which tags become producers of their own; the others stay with the lines
        that have no envelope (a syslog file keeps kernel and cron; nova is split out).
    """

    name: str
    description: str
    pattern: bytes
    member: Callable[[bytes | None], bytes]
    stamped: Callable[[bytes | None], bytes] | None = None
    time_keys: TimeKeys = iso_time_keys
    always: bool = True
    wanted: Callable[[str], bool] = lambda tag: True
    samples: tuple[str, ...] = ()
    partial: bytes | None = None  # the envelope of a line the runtime split, continued by the next
    # A partial line and the next one, and the template that joins them into one line that
    # takes the next one's envelope (a chain of parts joins one part per pass).
    join: tuple[bytes, bytes] | None = None
    # What `pattern` needs before its tag, loosely: lines that cannot be in the envelope
    # are passed over with a cheaper match than the whole pattern (see more_tags).
    before_tag: bytes | None = None

    def joiner(self) -> re.Pattern[bytes] | None:
        return _compiled(self.join[0]) if self.join is not None else None

    @property
    def tags_producers(self) -> bool:
        """Whether this envelope names a producer on each line (pebble, syslog), or wraps
        one stream (CRI)."""
        return b"(?P<tag>" in self.pattern

    def compiled(self) -> re.Pattern[bytes]:
        return _compiled(self.pattern)


_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _compiled(pattern: bytes) -> re.Pattern[bytes]:
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern)
    return found


def _esc(tag: bytes | None) -> bytes:
    return re.escape(tag or b"")


def _stamp_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    """Keys of oslo-style or BSD stamps (os-log-merger writes either)."""
    from .formats.syslog import stamp_keys

    if stamps and stamps[0][:1].isdigit():
        return iso_keys(stamps)
    return stamp_keys(stamps, year)


def _openstack_program(tag: str) -> bool:
    from ..paths.naming import component_from_filename

    return component_from_filename(tag) is not None


PEBBLE = Envelope(
    name="pebble",
    description="kubectl logs --timestamps of a pebble-managed container: <stamp> [<service>] <line>",
    pattern=RFC3339 + rb" \[(?P<tag>[A-Za-z0-9][\w.@:-]{0,99})\] ",
    member=lambda tag: RFC3339 + rb" \[" + _esc(tag) + rb"\] ",
    stamped=lambda tag: b"(" + RFC3339_DIGITS + b")" + RFC3339_ZONE + rb" \[" + _esc(tag) + rb"\] ",
    samples=("2025-12-02T12:03:24.521Z [pebble] GET /v1/notices?timeout=30s 30.001042193s 200",),
    before_tag=rb"[0-9T:.Z+-]{10,40} \[",
)
KUBECTL_PREFIX = Envelope(
    name="kubectl-prefix",
    description="kubectl logs --prefix: [pod/<pod>/<container>] <line>",
    pattern=rb"\[(?P<tag>pod/[^\]\n/ ]{1,253}/[^\]\n/ ]{1,63})\] (?:" + RFC3339 + rb" )?",
    member=lambda tag: rb"\[" + _esc(tag) + rb"\] (?:" + RFC3339 + rb" )?",
    samples=("[pod/nova-0/nova-api] 2025-05-14 11:22:56.414 21 INFO nova.api [-] ready",),
)
CRI = Envelope(
    name="cri",
    description="CRI container log (containerd, CRI-O): <stamp> stdout|stderr F|P <line>",
    pattern=RFC3339 + rb" (?:stdout|stderr) [FP] ",
    member=lambda tag: RFC3339 + rb" (?:stdout|stderr) [FP] ",
    stamped=lambda tag: b"(" + RFC3339_DIGITS + b")" + RFC3339_ZONE + rb" (?:stdout|stderr) [FP] ",
    samples=("2023-12-18T06:13:36.831359143+00:00 stderr F I1218 06:13:36.831274  16 a.go:115] Building",),
    partial=RFC3339 + rb" (?:stdout|stderr) P ",
    join=(
        rb"(?m)^("
        + RFC3339
        + rb" (?:stdout|stderr) )P ([^\n]*)\n"
        + RFC3339
        + rb" (?:stdout|stderr) ([FP]) ",
        rb"\1\3 \2",
    ),
)
DOCKER_JSON = Envelope(
    name="docker-json",
    description='docker json-file: {"log":"<line>\\n","stream":"stdout","time":"<stamp>"}',
    pattern=rb'\{"log":"',
    member=lambda tag: rb'\{"log":"',
    samples=('{"log":"2024-01-01 10:00:00.000 7 INFO nova.api [-] ready\\n","stream":"stdout","time":"x"}',),
)
TIMESTAMPS = Envelope(
    name="timestamps",
    description="kubectl / oc logs --timestamps: <stamp> <line>",
    # Not before a pebble tag or a CRI stream: those envelopes are more specific.
    pattern=RFC3339 + rb" (?!\[[A-Za-z0-9][\w.@:-]{0,99}\] |(?:stdout|stderr) [FP] )",
    member=lambda tag: RFC3339 + rb" (?!\[[A-Za-z0-9][\w.@:-]{0,99}\] |(?:stdout|stderr) [FP] )",
    stamped=lambda tag: b"(" + RFC3339_DIGITS + b")" + RFC3339_ZONE + b" ",
    samples=("2021-08-03T09:26:39.816428847Z dataDir is present on ip-10-0-187-218.ec2.internal",),
)
_WSGI = (
    rb"\[[^\]\n]{10,40}\] \[wsgi:error\] \[pid \d+(?::tid \d+)?\] (?:\[(?:remote|client) [^\]\n]{1,64}\] )?"
)
APACHE_WSGI = Envelope(
    name="mod_wsgi",
    description="Apache error log lines of a WSGI service: [<stamp>] [wsgi:error] [pid N:tid T] <line>",
    pattern=_WSGI,
    member=lambda tag: _WSGI,
    samples=(
        "[Thu Mar 07 00:02:53.077283 2024] [wsgi:error] [pid 19692:tid 1402] [remote 127.0.0.1:35370] x",
    ),
)
SYSLOG = Envelope(
    name="syslog",
    description="syslog lines with the program as producer: <stamp> <host> <program>[pid]: <line>",
    pattern=(
        rb"(?:" + BSD_STAMP + rb"|" + RFC3339 + rb") [^ \n]+ (?P<tag>[A-Za-z][\w.@-]{0,63})(?:\[\d+\])?: "
    ),
    member=lambda tag: (
        rb"(?:" + BSD_STAMP + rb"|" + RFC3339 + rb") [^ \n]+ " + _esc(tag) + rb"(?:\[\d+\])?: "
    ),
    stamped=lambda tag: (
        rb"("
        + BSD_STAMP
        + rb"|"
        + RFC3339_DIGITS
        + rb")"
        + RFC3339_ZONE
        + rb"? [^ \n]+ "
        + _esc(tag)
        + rb"(?:\[\d+\])?: "
    ),
    time_keys=_stamp_keys,
    always=False,
    wanted=_openstack_program,
    samples=(
        "Feb 10 16:09:23 c4 neutron-keepalived-state-change[1773]: 2022-02-10 16:09:23.123 1 INFO x [-] u",
    ),
)
MERGER = Envelope(
    name="os-log-merger",
    description="os-log-merger output: <stamp> [<alias>] <rest of the line>",
    pattern=rb"(?:"
    + OSLO_STAMP
    + rb"|"
    + BSD_STAMP
    + rb") \[(?!"
    + _LEVEL_WORDS
    + rb")(?P<tag>[\w.-]{1,40})\] ",
    member=lambda tag: rb"(?:" + OSLO_STAMP + rb"|" + BSD_STAMP + rb") \[" + _esc(tag) + rb"\] ",
    stamped=lambda tag: rb"(" + OSLO_STAMP + rb"|" + BSD_STAMP + rb") \[" + _esc(tag) + rb"\] ",
    time_keys=_stamp_keys,
    samples=("2015-10-29 10:51:28.862000 [L3AGENT] 27650 INFO neutron.common.config [-] Logging enabled!",),
)

# Most specific first: the first envelope that wraps most lines of a sample is the file's.
ENVELOPES: tuple[Envelope, ...] = (
    CRI,
    PEBBLE,
    KUBECTL_PREFIX,
    DOCKER_JSON,
    TIMESTAMPS,
    APACHE_WSGI,
    MERGER,
    SYSLOG,
)
BY_NAME = {env.name: env for env in ENVELOPES}


def more_tags(
    env: Envelope, data: bytes, seen: Sequence[str], first: int = 0, end: int | None = None
) -> list[tuple[str, int]]:
    """Tags of data[first:end] not in `seen`, with the offset of their first line (`first`
    is a line start): one C search per new tag (a search skips every line of a tag
    already seen)."""
    if not env.tags_producers:
        return []
    found: list[tuple[str, int]] = []
    known = [re.escape(t.encode()) for t in seen]
    whole = env.compiled()
    end = len(data) if end is None else end
    pos = first
    while True:
        # A known tag, whole: not followed by a character a tag may hold.
        skip = rb"(?!(?:" + b"|".join(known) + rb")(?![\w.@:/-]))" if known else b""
        wrapped = env.pattern.replace(b"(?P<tag>", skip + b"(?P<tag>")
        # From a newline, not `(?m)^`: the engine then leaps from line to line at C speed
        # (a `^` is tried at every byte: six times slower); a line only `before_tag` finds
        # is then checked whole.
        # re's own bounded cache: these patterns name a file's tags, which are unbounded
        search = re.compile(b"\n" + (env.before_tag + skip if env.before_tag else wrapped))
        if pos == first and re.compile(wrapped).match(data, first, end):
            start = first
        else:
            m = search.search(data, max(pos - 1, first), end)
            if m is None:
                return found
            start = m.start() + 1
        line = whole.match(data, start, end)
        tag = line.group("tag").decode("utf-8", "replace") if line is not None else ""
        if line is None or tag in seen or any(tag == t for t, _ in found):
            # Not this envelope after all, or the lookahead let a known tag through (a
            # longer one starts with it): go on after this line.
            newline = data.find(b"\n", start, end)
            if newline < 0:
                return found
            pos = newline + 1
            continue
        found.append((tag, start))
        known.append(re.escape(line.group("tag")))
        pos = start


@dataclass(frozen=True)
class Sniffed:
    """What a sample says about a file's envelope: which, and the producers it names."""

    envelope: Envelope
    tags: tuple[str, ...]  # producers with a tag, in order of first line ('' for an untagged envelope)
    unwanted: tuple[str, ...]  # tags seen that stay in the file's own stream
    bare_lines: int  # sample lines in no wanted producer's envelope
    lines: int


def sniff_envelope(sample: bytes) -> Sniffed | None:
    """The envelope that wraps at least half the lines of `sample`, with its producers."""
    if not sample:
        return None
    cut = sample.rfind(b"\n")
    body = sample[: cut + 1] if 0 <= cut < len(sample) - 1 and cut > 0 else sample
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    buf = b"\n" + body
    for env in ENVELOPES:
        scanner = _compiled(b"\n" + env.pattern)
        hits = 0
        tags: dict[str, int] = {}
        has_tag = "tag" in scanner.groupindex
        for m in scanner.finditer(buf):
            hits += 1
            if has_tag:
                tag = m.group("tag").decode("utf-8", "replace")
                tags[tag] = tags.get(tag, 0) + 1
        if not hits or 2 * hits < lines:
            continue
        wanted = {t: n for t, n in tags.items() if env.wanted(t)} if has_tag else {"": hits}
        bare = lines - sum(wanted.values())
        producers = len(wanted) + (1 if bare else 0)
        if not wanted or (not env.always and producers < 2):
            return None
        return Sniffed(env, tuple(wanted), tuple(t for t in tags if t not in wanted), bare, lines)
    return None
