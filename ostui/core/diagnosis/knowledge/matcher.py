"""Matching records against every fault of a pack, with one combined prefilter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...model import Record

if TYPE_CHECKING:
    pass
from .packs import Fault, FaultPack, load_faults

# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------

MATCH_LIMIT = 512 << 10  # characters of a record searched; huge dumps are cut for speed
_MAX_SPANS = 64  # per record: enough to highlight, bounded on pathological text
_GLOBAL_FLAGS_RE = re.compile(r"\(\?([aiLmsux]+)\)")


@dataclass(slots=True)
class FaultMatch:
    """A fault that matched a record: where (spans in rec.text) and why, in words."""

    fault: Fault
    spans: list[tuple[int, int]]
    why: str
    score: int = 0


def _short_name(exc_type: str) -> str:
    return exc_type.rsplit(".", 1)[-1].removesuffix("_Remote")


def _scoped(source: str) -> str:
    """`source` wrapped for use inside an alternation (leading global flags made local)."""
    flags = _GLOBAL_FLAGS_RE.match(source)
    if flags:
        local = flags.group(1).replace("u", "")  # str patterns are unicode anyway
        body = source[flags.end() :]
        return f"(?{local}:{body})" if local else f"(?:{body})"
    return f"(?:{source})"


_META = frozenset(".^$*+?{}[]()|\\")
_QUANTIFIERS = frozenset("*+?{")


def _top_level_bar(source: str) -> bool:
    """Whether `source` has a `|` outside groups and classes (its prefix is then no prefix)."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1  # a "]" right after "[" is a literal member
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def _literal_prefix(source: str) -> tuple[str, str]:
    """Split a regex into the literal text it must start with and the rest (as regex source).

    prefix + rest is always the original source cut at a token boundary, so the pair can
    sit in a literal trie without changing what the pattern matches.
    """
    if source.startswith("(?") or _top_level_bar(source):
        return "", source
    chars: list[tuple[str, int]] = []  # (literal character, where its token starts)
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            nxt = source[i + 1 : i + 2]
            if not nxt or nxt.isalnum():
                break  # \w, \d, \b, \1 ...: a class, anchor or reference
            chars.append((nxt, i))
            i += 2
            continue
        if ch in _META:
            if ch in _QUANTIFIERS and chars:
                chars.pop()  # the quantifier applies to the last literal: it belongs to the rest
            break
        chars.append((ch, i))
        i += 1
    if not chars:
        return "", source
    last = chars[-1][1]
    end = last + (2 if source[last] == "\\" else 1)
    return "".join(c for c, _ in chars), source[end:]


def _trie_pattern(items: Iterable[tuple[str, str]]) -> str:
    """One regex for many (literal prefix, regex rest) pairs, literals merged into a trie.

    Python's re tries alternatives one by one at every position; sharing prefixes cuts
    the work per position from one test per alternative to about one per distinct letter.
    """
    root: dict[str, Any] = {}
    loose: list[str] = []
    for prefix, rest in items:
        if not prefix:
            loose.append(_scoped(rest))
            continue
        node = root
        for ch in prefix:
            node = node.setdefault(ch, {})
        node.setdefault("", set()).add(rest)

    def emit(node: dict[str, Any]) -> str:
        tails: set[str] = node.get("", set())
        if "" in tails:
            return ""  # the literal alone already matches; longer continuations add nothing
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        alts.extend(f"(?:{tail})" for tail in sorted(tails))
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    parts = ([emit(root)] if root else []) + loose
    return "|".join(parts)


def _exception_pattern(name: str) -> str:
    # The name bare or dotted (oslo_messaging.exceptions.X), oslo.messaging's X_Remote too.
    return rf"(?<![\w.])(?:[A-Za-z_]\w*\.)*{re.escape(_short_name(name))}(?:_Remote)?\b"


def literal_prefixes(fault: Fault) -> list[str]:
    """The literal text each of `fault`'s regexes must start with ("" when one has none)."""
    return [_literal_prefix(r)[0] for r in fault.match.regex]


class _Compiled:
    """One fault's rule prepared for fast checks."""

    __slots__ = ("any", "exc_re", "exc_short", "fault", "order", "regex", "rule", "triggers", "unsafe")

    def __init__(self, fault: Fault, order: int) -> None:
        self.fault = fault
        self.rule = fault.match
        self.order = order
        self.any = fault.match.any
        self.regex = [re.compile(src) for src in fault.match.regex]
        exc = fault.match.exception
        self.exc_short = _short_name(exc) if exc else None
        self.exc_re = re.compile(_exception_pattern(exc)) if exc else None
        # Text one of which must occur for this fault to match: the prefilter's alternatives,
        # as (literal prefix, regex rest) pairs.
        self.triggers: list[tuple[str, str]]
        if self.any or self.regex:
            self.triggers = [(s, "") for s in self.any] + [_literal_prefix(r.pattern) for r in self.regex]
        elif fault.match.all:
            self.triggers = [(max(fault.match.all, key=len), "")]
        else:
            self.triggers = [("", _exception_pattern(exc or ""))]
        # Numbered groups would be renumbered inside the alternation; such faults skip it.
        self.unsafe = any(r.groups or r.groupindex for r in self.regex)

    def check(
        self, text: str, exc_types: Sequence[str], logger: str | None, source: str | None, status: int | None
    ) -> FaultMatch | None:
        rule = self.rule
        spans: list[tuple[int, int]] = []
        reasons: list[str] = []
        score = 0
        for needle in rule.all:
            pos = text.find(needle)
            if pos < 0:
                return None
            spans.append((pos, pos + len(needle)))
            score += min(len(needle), 80)
        if self.any or self.regex:
            hit = False
            for needle in self.any:
                pos = text.find(needle)
                if pos >= 0:
                    hit = True
                    spans.append((pos, pos + len(needle)))
                    score += min(len(needle), 80)
            for rx in self.regex:
                m = rx.search(text)
                if m is not None:
                    hit = True
                    spans.append(m.span())
                    score += min(m.end() - m.start(), 80)
            if not hit:
                return None
        for needle in rule.none:
            if needle in text:
                return None
        if self.exc_re is not None:
            if any(_short_name(t) == self.exc_short for t in exc_types):
                reasons.append(f"exception {self.exc_short}")
                m = self.exc_re.search(text)
                if m is not None:
                    spans.append(m.span())
            else:
                m = self.exc_re.search(text)
                if m is None:
                    return None
                spans.append(m.span())
                reasons.append(f"mentions {self.exc_short}")
            score += 20
        if rule.logger and logger:
            if not logger.startswith(rule.logger):
                return None
            reasons.append(f"logger {logger}")
            score += 10
        if rule.service and source:
            lowered = source.lower()
            if not any(s in lowered for s in rule.service):
                return None
            score += 10
        if rule.http_status is not None and status is not None:
            if status != rule.http_status:
                return None
            reasons.append(f"HTTP {status}")
            score += 10
        texts = [text[a:b] for a, b in spans[:4] if b > a]
        quoted = ", ".join(repr(t if len(t) <= 60 else t[:57] + "...") for t in texts)
        why = "; ".join(([f"text {quoted}"] if quoted else []) + reasons)
        return FaultMatch(self.fault, _merge_spans(spans), why, score)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out[:_MAX_SPANS]


def _exception_types(rec: Record) -> list[str]:
    types: list[str] = []
    tbs = [rec.traceback] if rec.traceback is not None else []
    more = rec.extra.get("more_tracebacks")
    if isinstance(more, list):
        tbs.extend(more)
    for tb in tbs:
        for section in getattr(tb, "sections", []):
            if section.exc_type:
                types.append(section.exc_type)
    return types


_BUCKET = 4  # letters of a trigger's start that pick its bucket


class FaultMatcher:
    """Matches records against a pack.

    A fault matches when every condition it gives holds:
    `all` substrings all occur; at least one `any` substring or `regex` occurs (when
    either is given); no `none` substring occurs; `exception` is the type of one of
    the record's tracebacks or is named in the text; `logger` prefixes the record's
    logger; `service` occurs in the record's file path; `http_status` equals the
    record's status. The last three are skipped when the record does not say.
    Substrings are case-sensitive, as log messages are.
    """

    def __init__(self, pack: FaultPack | Iterable[Fault]) -> None:
        faults = pack.faults if isinstance(pack, FaultPack) else list(pack)
        self.faults = faults
        # `faultscan.flag_faults`: (file, shape of an error) -> the fault flagged, or None;
        # kept over its calls (a big file's parts, a followed file's growth).
        self.shapes: dict[tuple[str, bytes], str | None] = {}
        self._rules = [_Compiled(f, n) for n, f in enumerate(faults)]
        self._always = [c for c in self._rules if c.unsafe]
        pattern = _trie_pattern(t for c in self._rules if not c.unsafe for t in c.triggers)
        self._prefilter: re.Pattern[str] | None = re.compile(pattern) if pattern else None
        # Where a trigger may start: every position, overlapping ones too (a lookahead).
        self._starts: re.Pattern[str] | None = re.compile(f"(?=(?:{pattern}))") if pattern else None
        # Which rules a trigger starting at a position belongs to: bucketed by its first
        # letters, so a record that passes the prefilter is checked against a handful of
        # rules, not all of them. Rules with a trigger that has no literal start are
        # always checked once the prefilter passes.
        self._buckets: dict[str, list[tuple[str, int]]] = {}
        self._loose: list[int] = []
        for n, c in enumerate(self._rules):
            if c.unsafe:
                continue
            for prefix, _rest in c.triggers:
                if prefix:
                    self._buckets.setdefault(prefix[:_BUCKET], []).append((prefix, n))
                elif n not in self._loose:
                    self._loose.append(n)

    def __len__(self) -> int:
        return len(self._rules)

    def _run(
        self, text: str, exc_types: Sequence[str], logger: str | None, source: str | None, status: int | None
    ) -> list[FaultMatch]:
        if len(text) > MATCH_LIMIT:
            text = text[:MATCH_LIMIT]
        candidates = self._always
        prefilter, starts = self._prefilter, self._starts
        if starts is not None and prefilter is not None and prefilter.search(text) is not None:
            chosen: set[int] = set(self._loose)
            buckets = self._buckets
            # A trigger repeated all over a traceback is looked up once, not once per place.
            heads = {
                text[p : p + k]
                for p in {m.start() for m in starts.finditer(text)}
                for k in range(1, _BUCKET + 1)
            }
            for head in heads:
                for prefix, n in buckets.get(head, ()):
                    if n not in chosen and prefix in text:
                        chosen.add(n)
            candidates = [*self._always, *(self._rules[n] for n in sorted(chosen))]
        if not candidates:
            return []
        found: list[tuple[int, int, int, FaultMatch]] = []
        for rule in candidates:
            hit = rule.check(text, exc_types, logger, source, status)
            if hit is not None:
                found.append((rule.fault.priority, -hit.score, rule.order, hit))
        found.sort(key=lambda item: item[:3])
        return [item[3] for item in found]

    def match(self, rec: Record) -> list[FaultMatch]:
        """Faults matching the record, best first (pack priority, then how much matched)."""
        status = rec.http.status if rec.http is not None else None
        return self._run(rec.text, _exception_types(rec), rec.logger, rec.source or None, status)

    def match_text(self, text: str, source: str | None = None) -> list[FaultMatch]:
        """Faults matching bare text (no logger or status to check; `source`: the file's path)."""
        return self._run(text, (), None, source, None)


@lru_cache(maxsize=1)
def default_matcher() -> FaultMatcher:
    """The matcher over the shipped and the user's fault packs, read once per process
    (reading them costs start-up time)."""
    return FaultMatcher(load_faults())
