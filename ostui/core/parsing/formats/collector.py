"""Lines a log collector prefixed: any other format, behind the collector's own words.

- `kubectl`: `kubectl logs --timestamps` with the service in brackets,
  `2021-04-27T06:25:32.123456789Z [nova-api-7d9c] <inner line>`; `--prefix` puts the
  bracket first, `[pod/nova-api-7d9c/nova-api] 2021-04-27T06:25:32.123456789Z <inner line>`.
- `loghub`: the loghub corpus prefixes each line with its file's name and a time,
  `nova-compute.log.2017-05-14_21:27:09 2017-05-14 19:39:01.445 2931 INFO nova... `.

`wrap(fmt, name)` is `fmt` behind prefix `name`: the prefixes have no capturing group,
so the inner format's group numbers (stamp 1, levels last) hold in the wrapped header.
"""

from __future__ import annotations

import re

from .base import LogFormat, ParsedHead, strip_ansi

_K8S_STAMP = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
COLLECTOR_PREFIXES: dict[str, bytes] = {
    "kubectl": rb"(?:" + _K8S_STAMP + rb" \[[^\]\n]+\] |\[[^\]\n]+\] " + _K8S_STAMP + rb" )",
    "loghub": rb"[\w.-]+?\.log(?:\.\d+)*\.\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d ",
}
# The same prefixes, read for their parts when a record is shown.
_PREFIX_PARTS: dict[str, re.Pattern[str]] = {
    "kubectl": re.compile(
        r"(?:(?P<ts>\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)) \[(?P<src>[^\]\n]+)\] "
        r"|\[(?P<src2>[^\]\n]+)\] (?P<ts2>\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)) )"
    ),
    "loghub": re.compile(r"(?P<src>[\w.-]+?\.log(?:\.\d+)*)\.(?P<ts>\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d) "),
}
for _name, _prefix in COLLECTOR_PREFIXES.items():
    # A capturing group here would shift every group of the formats it wraps.
    assert re.compile(_prefix).groups == 0, _name


def split_prefix(prefix_name: str, line: str) -> tuple[dict[str, str], str]:
    """The collector's fields (`collector_source`, `collector_time`) and the inner line."""
    m = _PREFIX_PARTS[prefix_name].match(line)
    if m is None:
        return {}, line
    parts = m.groupdict()
    fields = {"collector_source": parts.get("src") or parts.get("src2") or ""}
    stamp = parts.get("ts") or parts.get("ts2")
    if stamp:
        fields["collector_time"] = stamp
    return fields, line[m.end() :]


def wrap(fmt: LogFormat, prefix_name: str) -> LogFormat:
    """`fmt` behind collector prefix `prefix_name`, named `<prefix_name>+<fmt.name>`."""
    prefix = COLLECTOR_PREFIXES[prefix_name]
    header = prefix + fmt.header
    if not fmt.continuation:
        # A format whose every line is a record must still match lines that lack the
        # prefix (its header ends in a catch-all). `(?!\Z)` keeps that catch-all from
        # matching after a block's last newline, where it would add an empty record
        # (and, in the next block, the same start again).
        header = rb"(?!\Z)(?:" + prefix + rb")?" + fmt.header

    def parse_head(line: str) -> ParsedHead:
        fields, inner = split_prefix(prefix_name, strip_ansi(line))
        head = fmt.parse_head(inner)
        head.fields.update(fields)
        return head

    def strip_body(line: str) -> str:
        return fmt.strip_body(split_prefix(prefix_name, strip_ansi(line))[1])

    return LogFormat(
        name=f"{prefix_name}+{fmt.name}",
        description=f"{fmt.description}, collected by {prefix_name}",
        header=header,
        levels=fmt.levels,
        continuation=fmt.continuation,
        time_keys=fmt.time_keys,
        parse_head=parse_head,
        strip_body=strip_body,
        sniff_weight=fmt.sniff_weight,
    )
