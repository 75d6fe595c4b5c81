"""Read the HTTP calls out of a python-*client / openstackclient `--debug` transcript.

keystoneauth1 (and keystoneclient before it) log each call as
  REQ: curl -g -i [--insecure] -X GET https://host:8774/v2.1/servers -H "Name: value" ...
  RESP: [200] Name: value Name: value ...          (old keystoneclient: a dict repr)
  RESP BODY: {...}
  GET call to compute for https://host:8774/v2.1/servers used request id req-...
and a failure as `<message> (HTTP 500) (Request-ID: req-...)`. Lines may carry a
client prefix (`DEBUG (session:195) `) or a whole oslo.log prefix when the client
ran inside a service; every marker is found by substring, so both work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Quoted strings first, so a header value with spaces stays one token.
_TOKEN_RE = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|(\S+)')
# curl options whose next token is their value, never the URL or method.
_VALUE_OPTIONS = frozenset(
    {
        "-H",
        "--header",
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--cacert",
        "--cert",
        "--key",
        "-E",
        "-u",
        "--user",
        "-o",
        "--output",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-b",
        "--cookie",
        "--resolve",
        "--capath",
    }
)

_RESP_RE = re.compile(r"RESP:\s*(?:\[(?P<st1>\d{3})\]|(?P<st2>\d{3})(?!\d))?", re.ASCII)
# neutronclient's oldest form puts the status inside the dict: RESP:{'status': '200', ...}
_RESP_DICT_STATUS_RE = re.compile(r"""['"]status['"]:\s*['"]?(?P<status>\d{3})\b""", re.ASCII)
# `Name: value` on one line, a dict repr ('name': 'value') or a tuple list ('name', 'value').
_HEADER_RID = r"""(?i)\bx-{}-request-id['"]?\s*[:,]\s*['"]?(?P<rid>[\w.:-]+)"""
# keystoneauth prefers x-openstack-request-id, then nova's x-compute-request-id.
_HEADER_RID_RES = (
    re.compile(_HEADER_RID.format("openstack"), re.ASCII),
    re.compile(_HEADER_RID.format("compute"), re.ASCII),
)
# keystoneauth: "GET call to compute for URL used request id ..." or, with no
# service name, "GET call to URL used request id ...".
_USED_RE = re.compile(
    r"(?:(?P<method>[A-Z]+) call to (?:(?P<service>\S+) for )?(?P<url>\S+) )?"
    r"used request id (?P<rid>[\w.:-]+)",
    re.ASCII,
)
_ERROR_RE = re.compile(r"\(HTTP (?P<status>\d{3})\)(?:\s*\(Request-ID: (?P<rid>[^)\s]+)\))?", re.ASCII)
_ERROR_RID_RE = re.compile(r"\(HTTP \d{3}\) \(Request-ID:", re.ASCII)
# urllib3's connectionpool line: `"GET /v3 HTTP/1.1" 200 249`.
_POOL_RE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/\d(?:\.\d)?" (?P<status>\d{3})(?!\d)', re.ASCII
)
# The oslo debug suffix on a line of its own (" _http_log_response /path/session.py:182").
_SUFFIX_LINE_RE = re.compile(r"^\s+\w+ \S+:\d+\s*$", re.ASCII)

# What stands before an error message: an oslo prefix, a client logger prefix
# ("DEBUG (shell:914) ", "ERROR (ClientException): "), osc's "clean_up Cmd: ",
# then an exception name ("keystoneauth1.exceptions.http.InternalServerError: ").
_ERROR_PREFIX_RE = re.compile(
    r"^(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?\S*\s+(?:\d+\s+)?[A-Z]+\s+\S+\s+(?:\[[^\]]*\]\s*)?)?"
    r"(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+\([^)]*\):?\s+)?"
    r"(?:clean_up \w+:\s+)?"
    r"(?:(?:[A-Za-z_]\w*\.)+[A-Z]\w*:\s+|[A-Za-z_]\w*(?:Exception|Error|Failure):\s+)?",
    re.ASCII,
)


@dataclass(slots=True)
class ClientCall:
    """One HTTP call of a client transcript.

    `line` and `end_line` are 0-based line numbers of the call's `REQ:` line (or
    of its error line when the transcript shows no `REQ:`) and of its last line.
    """

    index: int
    method: str | None
    url: str | None
    status: int | None
    request_id: str | None
    error: str | None
    line: int
    end_line: int
    service: str | None = None


def looks_like_client_debug(sample: str) -> bool:
    """True when `sample` reads like a client `--debug` transcript."""
    if "REQ: curl" not in sample:
        return False
    return "RESP:" in sample or _ERROR_RID_RE.search(sample) is not None


def _parse_req(args: str) -> tuple[str | None, str | None]:
    """Method and URL of a `curl ...` command line."""
    method: str | None = None
    url: str | None = None
    has_data = False
    skip_value = False
    expect_method = False
    for m in _TOKEN_RE.finditer(args):
        token = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
        if expect_method:
            method = token.upper() or None
            expect_method = False
            continue
        if skip_value:
            skip_value = False
            continue
        if token in ("-X", "--request"):
            expect_method = True
        elif token in _VALUE_OPTIONS:
            has_data = has_data or token.startswith(("-d", "--data"))
            skip_value = True
        elif url is None and token.startswith(("http://", "https://")):
            url = token
    if method is None and url is not None:
        # curl's own default: GET, or POST when a body is given.
        method = "POST" if has_data else "GET"
    return method, url


def _path_of(url: str) -> str:
    """`/v3?x=1` for `http://host:5000/v3?x=1`: what urllib3 logs as the target."""
    start = url.find("://")
    if start < 0:
        return url
    slash = url.find("/", start + 3)
    return url[slash:] if slash >= 0 else "/"


def _error_message(lines: list[str], index: int, before: str) -> str | None:
    text = _ERROR_PREFIX_RE.sub("", before, count=1).strip()
    # novaclient's "Unexpected API Error ... <class 'X'> (HTTP 500)" spans two lines.
    if text.startswith("<class '") and index > 0:
        prev = _ERROR_PREFIX_RE.sub("", lines[index - 1], count=1).strip()
        if prev and "REQ:" not in prev and "RESP" not in prev:
            text = f"{prev}\n{text}"
    return text or None


class _Parser:
    """The running state of one transcript: the calls so far and which saw RESP."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.calls: list[ClientCall] = []
        self.resp_seen: list[bool] = []
        # Request id -> newest call holding it; a long server log has thousands.
        self.by_rid: dict[str, ClientCall] = {}

    def _set_rid(self, call: ClientCall, rid: str) -> None:
        call.request_id = rid
        self.by_rid[rid] = call

    def _touch(self, call: ClientCall, index: int) -> None:
        # Only the newest call grows, so calls' line ranges never interleave.
        if call is self.calls[-1] and index > call.end_line:
            call.end_line = index

    def req(self, index: int, args: str) -> None:
        method, url = _parse_req(args)
        self.calls.append(ClientCall(len(self.calls), method, url, None, None, None, index, index))
        self.resp_seen.append(False)

    def resp(self, index: int, line: str, at: int) -> None:
        # A RESP belongs to the newest call; a second one (or one with no call)
        # would be another process's, and guessing would mislabel a call.
        if not self.calls or self.resp_seen[-1]:
            return
        call = self.calls[-1]
        self.resp_seen[-1] = True
        m = _RESP_RE.match(line, at)
        status = None
        if m is not None:
            status = m.group("st1") or m.group("st2")
        if status is None:
            d = _RESP_DICT_STATUS_RE.search(line, at)
            status = d.group("status") if d is not None else None
        if status is not None:
            call.status = int(status)
        if call.request_id is None:
            for header_re in _HEADER_RID_RES:
                h = header_re.search(line, at)
                if h is not None:
                    self._set_rid(call, h.group("rid").rstrip(".:"))
                    break
        self._touch(call, index)

    def used(self, index: int, m: re.Match[str]) -> None:
        rid = m.group("rid").rstrip(".:")
        target = self.by_rid.get(rid)
        if target is None and m.group("url") is not None:
            # A retried call repeats method and URL; the newest one is meant.
            # The id line follows its call closely, so a short look back will do.
            method, url = m.group("method"), m.group("url")
            for call in reversed(self.calls[-50:]):
                if call.request_id is None and call.url == url and call.method == method:
                    target = call
                    break
        if target is None and self.calls:
            # A redirect changes the logged URL; the newest call still owns the id.
            last = self.calls[-1]
            if last.request_id is None and m.group("method") in (None, last.method):
                target = last
        if target is None:
            return
        if target.request_id is None:
            self._set_rid(target, rid)
        service = m.group("service")
        # cinderclient logs "call to None for" when it knows no service name.
        if target.service is None and service is not None and service != "None":
            target.service = service
        self._touch(target, index)

    def pool(self, index: int, m: re.Match[str]) -> None:
        if not self.calls:
            return
        call = self.calls[-1]
        # Only the current call's own request; an auth POST between calls has no REQ.
        if call.url is None or call.method != m.group("method") or _path_of(call.url) != m.group("target"):
            return
        if call.status is None:
            call.status = int(m.group("status"))
        self._touch(call, index)

    def error(self, index: int, line: str, m: re.Match[str]) -> None:
        status = int(m.group("status"))
        rid = m.group("rid")
        message = _error_message(self.lines, index, line[: m.start()])
        target = self.by_rid.get(rid) if rid is not None else None
        if target is None and self.calls:
            last = self.calls[-1]
            if (rid is None or last.request_id is None) and last.status in (None, status):
                target = last
        if target is None:
            if rid is None:
                # A bare "(HTTP 404)" with no call to hang it on is just text.
                return
            call = ClientCall(len(self.calls), None, None, status, None, message, index, index)
            self.calls.append(call)
            self.resp_seen.append(True)
            self._set_rid(call, rid)
            return
        if target.status is None:
            target.status = status
        if target.request_id is None and rid is not None:
            self._set_rid(target, rid)
        if target.error is None:
            target.error = message
        self._touch(target, index)

    def feed(self, index: int, line: str) -> None:
        at = line.find("REQ: curl")
        if at >= 0:
            self.req(index, line[at + len("REQ: curl") :])
            return
        if "RESP BODY:" in line:
            # The body belongs to the call whose RESP came just before; never scan
            # it for ids or errors, it is the server's text.
            if self.calls and self.resp_seen[-1]:
                self._touch(self.calls[-1], index)
            return
        if self.calls and self.calls[-1].end_line == index - 1 and _SUFFIX_LINE_RE.match(line):
            # Old clients wrote the oslo debug suffix on its own line after REQ/RESP.
            self._touch(self.calls[-1], index)
            return
        at = line.find("RESP:")
        if at >= 0:
            self.resp(index, line, at)
            return
        if "used request id" in line:
            u = _USED_RE.search(line)
            if u is not None:
                self.used(index, u)
            return
        if "(HTTP " in line:
            e = _ERROR_RE.search(line)
            if e is not None:
                self.error(index, line, e)
                return
        if "HTTP/" in line and self.calls:
            p = _POOL_RE.search(line)
            if p is not None:
                self.pool(index, p)


def parse_client_debug(text: str) -> list[ClientCall]:
    """Every HTTP call of a client `--debug` transcript, in order."""
    # Split on "\n" only: str.splitlines also breaks on \x0b, \x1c... and line
    # numbers must agree with the viewer's.
    lines = [_ANSI_RE.sub("", raw) if "\x1b" in raw else raw for raw in text.split("\n")]
    lines = [line.rstrip("\r") for line in lines]
    parser = _Parser(lines)
    for index, line in enumerate(lines):
        parser.feed(index, line)
    return parser.calls
