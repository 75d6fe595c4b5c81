"""parse_access: every access-line shape ostui reads, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.model import HttpInfo
from ostui.core.parsing.http import (
    REQUEST_ID_RE,
    REQUEST_ID_RE_B,
    SWIFT_TXN_RE,
    SWIFT_TXN_RE_B,
    parse_access,
)

TXN = "txf0e2f8e5e2d14cbc8d4c2-005654e8b1"

POSITIVE: list[tuple[str, str, HttpInfo]] = [
    (
        "nova eventlet",
        '10.11.10.1 "GET /v2/276eb659fd4b44859849c773dcfdf138/images HTTP/1.1" status: 200 len: 1893 '
        "time: 0.2477829",
        HttpInfo(
            "GET",
            "/v2/276eb659fd4b44859849c773dcfdf138/images",
            200,
            1893,
            0.2477829,
            None,
            "10.11.10.1",
            "HTTP/1.1",
        ),
    ),
    (
        "oslo.service two spaces before len",
        '10.0.0.5 "GET /v2.0/ports.json HTTP/1.1" status: 200  len: 1893 time: 0.0436440',
        HttpInfo("GET", "/v2.0/ports.json", 200, 1893, 0.043644, None, "10.0.0.5", "HTTP/1.1"),
    ),
    (
        "eventlet on a unix socket (real neutron-l3-agent line)",
        '<local> "GET / HTTP/1.1" status: 200  len: 134 time: 0.0022435',
        HttpInfo("GET", "/", 200, 134, 0.0022435, None, "<local>", "HTTP/1.1"),
    ),
    (
        "nova uwsgi requestlog",
        '10.0.0.5 "GET /compute/v2.1/servers/detail" status: 200 len: 1893 microversion: 2.1 time: 0.123456',
        HttpInfo("GET", "/compute/v2.1/servers/detail", 200, 1893, 0.123456, "2.1", "10.0.0.5", None),
    ),
    (
        "placement requestlog, no time",
        '10.0.0.5 "GET /placement/resource_providers?in_tree=1" status: 200 len: 136 microversion: 1.0',
        HttpInfo("GET", "/placement/resource_providers?in_tree=1", 200, 136, None, "1.0", "10.0.0.5", None),
    ),
    (
        "eventlet default (real neutron.wsgi line)",
        '10.12.27.29 - - [29/Oct/2015 10:51:09] "GET //v2.0/fw/firewall_policies.json HTTP/1.1" 404 266 '
        "0.356933",
        HttpInfo(
            "GET", "//v2.0/fw/firewall_policies.json", 404, 266, 0.356933, None, "10.12.27.29", "HTTP/1.1"
        ),
    ),
    (
        "keystone_combined with (us)",
        '10.0.0.1 - - [10/Jun/2016:13:49:29 +0000] "GET /v3 HTTP/1.1" 200 249 "-" "python-keystoneclient" '
        "1234(us)",
        HttpInfo("GET", "/v3", 200, 249, 0.001234, None, "10.0.0.1", "HTTP/1.1"),
    ),
    (
        "keystone_combined without (us)",
        '10.0.0.1 - - [10/Jun/2016:13:49:29 +0000] "POST /v3/auth/tokens HTTP/1.1" 201 3247 "-" '
        '"keystoneauth1/3.4.0 python-requests/2.18.4 CPython/2.7.5" 53211',
        HttpInfo("POST", "/v3/auth/tokens", 201, 3247, 0.053211, None, "10.0.0.1", "HTTP/1.1"),
    ),
    (
        "kolla: X-Forwarded-For list, %D before referer, %b '-'",
        '192.168.1.20, 10.0.0.3 - - [14/May/2024:10:00:00 +0000] "DELETE /v3/users/abc HTTP/1.1" 204 - 8123 '
        '"-" "openstacksdk/3.0.0"',
        HttpInfo("DELETE", "/v3/users/abc", 204, None, 0.008123, None, "192.168.1.20, 10.0.0.3", "HTTP/1.1"),
    ),
    (
        "kolla with no X-Forwarded-For",
        '- - - [14/May/2024:10:00:00 +0000] "GET /v3 HTTP/1.1" 200 271 950 "-" "curl/8.0"',
        HttpInfo("GET", "/v3", 200, 271, 0.00095, None, None, "HTTP/1.1"),
    ),
    (
        "Apache common log format",
        '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
        HttpInfo("GET", "/apache_pb.gif", 200, 2326, None, None, "127.0.0.1", "HTTP/1.0"),
    ),
    (
        "Apache combined, no duration",
        '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /v2.0/networks?name=x HTTP/1.1" 200 - '
        '"http://example.com/" "Mozilla/5.0 (X11)"',
        HttpInfo("GET", "/v2.0/networks?name=x", 200, None, None, None, "10.0.0.1", "HTTP/1.1"),
    ),
    (
        "Apache request timeout",
        '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 408 -',
        HttpInfo(None, None, 408, None, None, None, "10.0.0.1", None),
    ),
    (
        "swift proxy-server",
        "proxy-server: 10.0.0.1 10.0.0.1 24/Nov/2015/08/00/01 GET /v1/AUTH_x/c/o HTTP/1.0 200 - "
        f"python-swiftclient - - 1024 - {TXN} - 0.0123 - - 1448352001.1 1448352001.2 0",
        HttpInfo("GET", "/v1/AUTH_x/c/o", 200, 1024, 0.0123, None, "10.0.0.1", "HTTP/1.0"),
    ),
    (
        "swift proxy-server, no client_ip, PUT with nothing sent",
        "- 10.0.0.9 24/Nov/2015/08/00/01 PUT /v1/AUTH_x/c/o%20x HTTP/1.1 201 - python-swiftclient "
        f"gAAAA... 2048 - d41d8cd98f00b204e9800998ecf8427e {TXN} - 0.5 - - 1.0 1.5 0",
        HttpInfo("PUT", "/v1/AUTH_x/c/o%20x", 201, None, 0.5, None, "10.0.0.9", "HTTP/1.1"),
    ),
    (
        "swift storage server",
        f'10.0.0.2 - - [24/Nov/2015:08:00:01 +0000] "GET /sdb1/123/AUTH_x/c/o" 200 1024 "-" "{TXN}" '
        '"proxy-server 1234" 0.0012 "-" 1234 0',
        HttpInfo("GET", "/sdb1/123/AUTH_x/c/o", 200, 1024, 0.0012, None, "10.0.0.2", None),
    ),
    (
        "swift storage server behind a syslog tag",
        f'object-server: 10.0.0.2 - - [24/Nov/2015:08:00:01 +0000] "HEAD /sdb1/123/AUTH_x/c/o" 404 - "-" '
        f'"{TXN}" "proxy-server 1234" 0.0003 "-" 1234 0',
        HttpInfo("HEAD", "/sdb1/123/AUTH_x/c/o", 404, None, 0.0003, None, "10.0.0.2", None),
    ),
    (
        "nova FaultWrapper",
        "http://controller:8774/v2/276eb659fd4b44859849c773dcfdf138/images/"
        "c9509d39-78b3-4509-94b5-8498e8e6acea returned with HTTP 500",
        HttpInfo(
            None,
            "http://controller:8774/v2/276eb659fd4b44859849c773dcfdf138/images/"
            "c9509d39-78b3-4509-94b5-8498e8e6acea",
            500,
        ),
    ),
    (
        "neutron wsgi with the oslo debug suffix",
        "http://127.0.0.1:9696/v2.0/extensions.json returned with HTTP 200 __call__ "
        "/opt/stack/new/neutron/neutron/wsgi.py:1169",
        HttpInfo(None, "http://127.0.0.1:9696/v2.0/extensions.json", 200),
    ),
    (
        "client urllib3 line",
        'DEBUG (connectionpool:393) "GET /v3 HTTP/1.1" 200 249',
        HttpInfo("GET", "/v3", 200, 249, None, None, None, "HTTP/1.1"),
    ),
    (
        "urllib3 in a service log, with the debug suffix",
        '"POST /v2.0/tokens HTTP/1.1" 200 11088 _make_request '
        "/usr/local/lib/python2.7/dist-packages/requests/packages/urllib3/connectionpool.py:414",
        HttpInfo("POST", "/v2.0/tokens", 200, 11088, None, None, None, "HTTP/1.1"),
    ),
    (
        "modern urllib3 names the server, not a client; chunked length is None",
        'http://controller:5000 "GET /v3 HTTP/1.1" 200 None',
        HttpInfo("GET", "/v3", 200, None, None, None, None, "HTTP/1.1"),
    ),
    (
        "websockify (real nova-novncproxy line)",
        '10.10.52.115: "GET /include/base.css HTTP/1.1" 200 -',
        HttpInfo("GET", "/include/base.css", 200, None, None, None, "10.10.52.115", "HTTP/1.1"),
    ),
    (
        "bracketed IPv6 client",
        '[fd00::5] "GET /v2.1 HTTP/1.1" status: 300 len: 400 time: 0.0010000',
        HttpInfo("GET", "/v2.1", 300, 400, 0.001, None, "[fd00::5]", "HTTP/1.1"),
    ),
]


@pytest.mark.parametrize(
    ("message", "expected"), [(m, e) for _, m, e in POSITIVE], ids=[n for n, _, _ in POSITIVE]
)
def test_shapes(message: str, expected: HttpInfo) -> None:
    assert parse_access(message) == expected


def test_whole_oslo_line_still_parses() -> None:
    # Callers pass the message, but a whole line must not confuse the client guess.
    line = (
        "2016-06-10 21:49:30.193 7533 INFO nova.osapi_compute.wsgi.server [req-e359221b-6be3-4ac2-bb55-"
        "5310f5bb0bb2 03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138 - - -] "
        "192.168.199.80 "
        '"GET /v2/276eb659fd4b44859849c773dcfdf138/images/c9509d39-78b3-4509-94b5-8498e8e6acea HTTP/1.1" '
        "status: 500 len: 359 time: 0.0436440"
    )
    info = parse_access(line)
    assert info is not None
    assert (info.method, info.status, info.length, info.client) == ("GET", 500, 359, "192.168.199.80")
    assert info.duration == pytest.approx(0.043644)

    urllib3 = (
        "2013-09-27 18:22:14.124 2820 DEBUG requests.packages.urllib3.connectionpool [-] "
        '"POST /v2.0/tokens HTTP/1.1" 200 11088 _make_request /x/connectionpool.py:414'
    )
    info = parse_access(urllib3)
    assert info is not None
    assert info.client is None  # neither the pid nor "[-]" is a client


NEGATIVE = [
    "",
    "Caught error: id",
    'Calling method "create" with 200 retries',
    'Action: "create" 200',
    'Got "foo bar" 200 5',
    "status: 200 len: 5",
    "Ignoring state change previous_port_status: ACTIVE current_port_status: BUILD port_id 2e6d0f35",
    # the option dump of the format itself (real nova/neutron DEBUG line)
    'wsgi_log_format                = %(client_ip)s "%(request_line)s" status: %(status_code)s len: '
    "%(body_length)s time: %(wall_seconds).7f log_opt_values "
    "/usr/lib/python2.7/site-packages/oslo/config/cfg.py:1996",
    "Returning 404 to user: The resource could not be found. __call__ "
    "/usr/lib/python2.7/site-packages/nova/wsgi.py:1",
    "HTTP exception thrown: Instance could not be found",
    "Unexpected API Error. (HTTP 500) (Request-ID: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)",
    '"GET /v3 HTTP/1.1" 999 249',
    '"GET /v3 HTTP/1.1" 200 many',
    '{"server": {"name": "vm1", "status": "ACTIVE"} } 200 12',
    "returned with HTTP 500",
    'a "-" 408 -',
    "Connection to neutron failed: ('Connection aborted.', BadStatusLine(\"''\",))",
]


@pytest.mark.parametrize("message", NEGATIVE)
def test_not_access(message: str) -> None:
    assert parse_access(message) is None


def test_id_patterns() -> None:
    rid = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
    text = f"[{rid} 0338 276e - - -] txn {TXN} and req-E359221B-6BE3-4AC2-BB55-5310F5BB0BB2"
    assert REQUEST_ID_RE.findall(text) == [rid]  # lowercase only
    assert SWIFT_TXN_RE.findall(text) == [TXN]
    assert REQUEST_ID_RE_B.findall(text.encode()) == [rid.encode()]
    assert SWIFT_TXN_RE_B.findall(text.encode()) == [TXN.encode()]
    assert REQUEST_ID_RE.search("req-1234") is None
    assert SWIFT_TXN_RE.search("tx123-456") is None


_FRAGMENTS = [
    '"',
    " ",
    '" ',
    "GET ",
    "/v3",
    " HTTP/1.1",
    "status: ",
    "200",
    "  len: ",
    "-",
    " time: ",
    "0.1",
    " microversion: ",
    "[",
    "]",
    "10/Jun/2016:13:49:29 +0000",
    "10.0.0.1",
    " - - ",
    "(us)",
    "returned with HTTP ",
    "http://h/x ",
    "24/Nov/2015/08/00/01",
    ", ",
    ":",
    "None",
    "\\",
    "\n",
    "é",
    "٣",
]


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_garbage_never_raises(text: str) -> None:
    result = parse_access(text)
    assert result is None or isinstance(result, HttpInfo)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join))
def test_near_misses_never_raise(text: str) -> None:
    result = parse_access(text)
    if result is not None:
        assert result.status is None or 100 <= result.status <= 599
        assert result.duration is None or result.duration >= 0
        assert result.length is None or result.length >= 0
