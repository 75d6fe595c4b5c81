"""parse_client_debug: the calls of client --debug transcripts, old and new."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.parsing.client_debug import ClientCall, looks_like_client_debug, parse_client_debug

SEED = Path(__file__).parent / "data" / "seed" / "nova-client-debug.txt"

SEED_500_URL = (
    "http://controller:8774/v2/276eb659fd4b44859849c773dcfdf138/images/c9509d39-78b3-4509-94b5-8498e8e6acea"
)
SEED_ERROR = "The server has either erred or is incapable of performing the requested operation."


def test_seed_transcript() -> None:
    text = SEED.read_text()
    lines = text.split("\n")
    calls = parse_client_debug(text)
    # The auth POST shows only as a urllib3 line, with no REQ: it is no call here.
    assert [(c.method, c.url, c.status, c.request_id) for c in calls] == [
        ("GET", "http://controller:5000/v3", 200, "req-9abd7d61-323e-4d76-a778-bcb8f3b381a1"),
        (
            "GET",
            "http://controller:8774/v2/276eb659fd4b44859849c773dcfdf138/images",
            200,
            "req-9b2129f1-f24e-453a-88f3-f05580894e07",
        ),
        ("GET", SEED_500_URL, 500, "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"),
    ]
    assert [c.index for c in calls] == [0, 1, 2]
    assert [c.error for c in calls] == [None, None, SEED_ERROR]
    for call in calls:
        assert "REQ: curl" in lines[call.line]
        assert call.line <= call.end_line
    # The first call ends with its RESP BODY, before the auth request's lines.
    assert lines[calls[0].end_line].startswith("RESP BODY:")
    assert calls[0].end_line < calls[1].line
    # The failing call runs to the final ERROR line that repeats its request id.
    assert lines[calls[2].end_line].startswith("ERROR (ClientException)")
    assert looks_like_client_debug(text)


MODERN = """\
REQ: curl -g -i -X GET https://keystone.example.com:5000/v3 -H "Accept: application/json" -H "User-Agent: openstacksdk/0.46.0 keystoneauth1/4.0.0 python-requests/2.22.0 CPython/3.8.10"
Starting new HTTPS connection (1): keystone.example.com:5000
https://keystone.example.com:5000 "GET /v3 HTTP/1.1" 200 262
RESP: [200] Connection: Keep-Alive Content-Length: 262 Content-Type: application/json Date: Tue, 14 May 2024 10:00:00 GMT Keep-Alive: timeout=5, max=100 Server: Apache Vary: X-Auth-Token x-openstack-request-id: req-11111111-2222-4333-8444-555555555555
RESP BODY: {"version": {"id": "v3.14", "status": "stable", "links": [{"rel": "self", "href": "https://keystone.example.com:5000/v3/"}]}}
GET call to identity for https://keystone.example.com:5000/v3 used request id req-11111111-2222-4333-8444-555555555555
Making authentication request to https://keystone.example.com:5000/v3/auth/tokens
https://keystone.example.com:5000 "POST /v3/auth/tokens HTTP/1.1" 201 9553
{"token": {"methods": ["password"], "expires_at": "2024-05-14T11:00:00.000000Z"}}
REQ: curl -g -i --cacert "/etc/ssl/certs/ca.pem" -X GET "https://nova.example.com:8774/v2.1/servers/detail?name=vm1" -H "Accept: application/json" -H "OpenStack-API-Version: compute 2.79" -H "User-Agent: python-novaclient" -H "X-Auth-Token: {SHA256}0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
https://nova.example.com:8774 "GET /v2.1/servers/detail?name=vm1 HTTP/1.1" 200 1234
RESP: [200] Connection: keep-alive Content-Length: 1234 Content-Type: application/json OpenStack-API-Version: compute 2.79 Vary: OpenStack-API-Version, X-OpenStack-Nova-API-Version X-OpenStack-Nova-API-Version: 2.79 x-compute-request-id: req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee x-openstack-request-id: req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
RESP BODY: {"servers": [{"id": "0b8a3f0c-1111-4222-8333-944445555666", "name": "vm1", "status": "ACTIVE"}]}
GET call to compute for https://nova.example.com:8774/v2.1/servers/detail?name=vm1 used request id req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
REQ: curl -g -i --cacert "/etc/ssl/certs/ca.pem" -X POST https://nova.example.com:8774/v2.1/servers/0b8a3f0c-1111-4222-8333-944445555666/action -H "Accept: application/json" -H "Content-Type: application/json" -H "User-Agent: python-novaclient" -H "X-Auth-Token: {SHA256}0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0" -d '{"os-migrateLive": {"host": null, "block_migration": "auto"}}'
https://nova.example.com:8774 "POST /v2.1/servers/0b8a3f0c-1111-4222-8333-944445555666/action HTTP/1.1" 409 151
RESP: [409] Connection: keep-alive Content-Length: 151 Content-Type: application/json; charset=UTF-8 x-compute-request-id: req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff x-openstack-request-id: req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff
RESP BODY: {"conflictingRequest": {"code": 409, "message": "Cannot 'os-migrateLive' instance 0b8a3f0c-1111-4222-8333-944445555666 while it is in task_state migrating"}}
POST call to compute for https://nova.example.com:8774/v2.1/servers/0b8a3f0c-1111-4222-8333-944445555666/action used request id req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff
Cannot 'os-migrateLive' instance 0b8a3f0c-1111-4222-8333-944445555666 while it is in task_state migrating (HTTP 409) (Request-ID: req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff)
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/novaclient/shell.py", line 1008, in main
    OpenStackComputeShell().main(argv)
novaclient.exceptions.Conflict: Cannot 'os-migrateLive' instance 0b8a3f0c-1111-4222-8333-944445555666 while it is in task_state migrating (HTTP 409) (Request-ID: req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff)
ERROR (Conflict): Cannot 'os-migrateLive' instance 0b8a3f0c-1111-4222-8333-944445555666 while it is in task_state migrating (HTTP 409) (Request-ID: req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff)
"""  # noqa: E501 - transcript lines are as long as the clients write them


def test_modern_keystoneauth_transcript() -> None:
    calls = parse_client_debug(MODERN)
    lines = MODERN.split("\n")
    assert [(c.method, c.status, c.service) for c in calls] == [
        ("GET", 200, "identity"),
        ("GET", 200, "compute"),
        ("POST", 409, "compute"),
    ]
    assert calls[0].url == "https://keystone.example.com:5000/v3"
    # A URL with a query is quoted by keystoneauth; --cacert's value is no URL.
    assert calls[1].url == "https://nova.example.com:8774/v2.1/servers/detail?name=vm1"
    assert calls[2].url == (
        "https://nova.example.com:8774/v2.1/servers/0b8a3f0c-1111-4222-8333-944445555666/action"
    )
    assert [c.request_id for c in calls] == [
        "req-11111111-2222-4333-8444-555555555555",
        "req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
        "req-bbbbbbbb-cccc-4ddd-8eee-ffffffffffff",
    ]
    assert calls[0].error is None and calls[1].error is None
    assert calls[2].error == (
        "Cannot 'os-migrateLive' instance 0b8a3f0c-1111-4222-8333-944445555666 "
        "while it is in task_state migrating"
    )
    assert [c.line for c in calls] == [0, 9, 14]
    assert calls[0].end_line == 5  # the "used request id" line
    assert calls[1].end_line == 13
    assert lines[calls[2].end_line].startswith("ERROR (Conflict)")
    assert looks_like_client_debug(MODERN)


# Old keystoneclient and neutronclient calls inside a nova-api log (real lines, shortened):
# an oslo prefix on each record, dict-repr headers, a body and a debug suffix on lines of their own.
SERVER_LOG = """\
2015-10-29 10:51:11.206 4470 DEBUG keystoneclient.session [-] REQ: curl -i -X GET http://10.12.27.29:35357/v3/auth/tokens -H "X-Subject-Token: TOKEN_REDACTED" -H "User-Agent: python-keystoneclient" -H "Accept: application/json" -H "X-Auth-Token: TOKEN_REDACTED" _http_log_request /usr/lib/python2.7/site-packages/keystoneclient/session.py:155
2015-10-29 10:51:11.600 4470 DEBUG keystoneclient.session [-] RESP: [200] {'content-length': '7751', 'x-subject-token': '3dcf524a3d44496b8b3cd6b594c23f47', 'vary': 'X-Auth-Token', 'connection': 'keep-alive', 'date': 'Thu, 29 Oct 2015 14:51:11 GMT', 'content-type': 'application/json'}
RESP BODY: {"token": {"methods": ["password", "token"]}}
 _http_log_response /usr/lib/python2.7/site-packages/keystoneclient/session.py:182
2015-10-29 10:51:11.644 4470 DEBUG nova.api.openstack.wsgi [req-e4f91dbb-6b8f-4240-8a23-f424f1900e54 None] Calling method '<bound method FloatingIPController.index>' _process_stack /usr/lib/python2.7/site-packages/nova/api/openstack/wsgi.py:937
2015-10-29 10:51:11.649 4470 DEBUG neutronclient.client [req-e4f91dbb-6b8f-4240-8a23-f424f1900e54 ]
REQ: curl -i http://10.12.27.29:9696/v2.0/floatingips.json?tenant_id=e6ed98db2fbf4e8ea3642ca9b7e2ace1 -X GET -H "X-Auth-Token: 3dcf524a3d44496b8b3cd6b594c23f47" -H "User-Agent: python-neutronclient"
 http_log_req /usr/lib/python2.7/site-packages/neutronclient/common/utils.py:140
2015-10-29 10:51:12.203 4470 DEBUG neutronclient.client [req-e4f91dbb-6b8f-4240-8a23-f424f1900e54 ] RESP:200 {'date': 'Thu, 29 Oct 2015 14:51:12 GMT', 'connection': 'keep-alive', 'content-type': 'application/json; charset=UTF-8', 'content-length': '19', 'x-openstack-request-id': 'req-9d527390-6a7e-41cf-9244-e1e053f4befb'} {"floatingips": []}
 http_log_resp /usr/lib/python2.7/site-packages/neutronclient/common/utils.py:149
2015-10-29 10:51:12.207 4470 DEBUG neutronclient.client [req-e4f91dbb-6b8f-4240-8a23-f424f1900e54 ]
REQ: curl -i http://10.12.27.29:9696/v2.0/networks.json?router%3Aexternal=True -X GET -H "X-Auth-Token: 3dcf524a3d44496b8b3cd6b594c23f47" -H "User-Agent: python-neutronclient"
 http_log_req /usr/lib/python2.7/site-packages/neutronclient/common/utils.py:140
2015-10-29 10:51:13.291 4470 DEBUG neutronclient.client [req-e4f91dbb-6b8f-4240-8a23-f424f1900e54 ] throwing ConnectionFailed : ('Connection aborted.', BadStatusLine("''",)) _cs_request /usr/lib/python2.7/site-packages/neutronclient/client.py:132
"""  # noqa: E501 - real log lines, kept whole


def test_server_log_with_oslo_prefixes() -> None:
    calls = parse_client_debug(SERVER_LOG)
    assert [(c.method, c.url, c.status, c.request_id) for c in calls] == [
        ("GET", "http://10.12.27.29:35357/v3/auth/tokens", 200, None),
        (
            "GET",
            "http://10.12.27.29:9696/v2.0/floatingips.json?tenant_id=e6ed98db2fbf4e8ea3642ca9b7e2ace1",
            200,
            "req-9d527390-6a7e-41cf-9244-e1e053f4befb",
        ),
        # The connection failed: no RESP, so no status.
        ("GET", "http://10.12.27.29:9696/v2.0/networks.json?router%3Aexternal=True", None, None),
    ]
    assert [(c.line, c.end_line) for c in calls] == [(0, 3), (6, 9), (11, 12)]


def test_oldest_neutronclient_status_inside_the_dict() -> None:
    text = (
        "2013-09-27 18:22:39.900 2792 DEBUG neutronclient.client [-] \n"
        "REQ: curl -i http://127.0.0.1:9696/v2.0/floatingips.json?tenant_id=ec72 -X GET "
        '-H "X-Auth-Token: MIIT" -H "User-Agent: python-neutronclient"\n'
        "2013-09-27 18:22:39.966 2792 DEBUG neutronclient.client [-] "
        "RESP:{'date': 'Fri, 27 Sep 2013 18:22:39 GMT', 'status': '200', 'content-length': '19', "
        "'content-type': 'application/json; charset=UTF-8'} "
        '{"floatingips": []}\n'
    )
    (call,) = parse_client_debug(text)
    assert (call.method, call.url, call.status) == (
        "GET",
        "http://127.0.0.1:9696/v2.0/floatingips.json?tenant_id=ec72",
        200,
    )
    assert (call.line, call.end_line) == (1, 2)
    # A second RESP with no REQ of its own belongs to another process: ignored.
    stray = text.split("\n")[2].replace("'200'", "'503'")
    assert [c.status for c in parse_client_debug(text + stray)] == [200]


def test_keystoneclient_with_timestamps_and_dict_request_id() -> None:
    text = (
        "2016-06-10 21:49:30.100 7533 DEBUG keystoneclient.session [-] REQ: curl -g -i -X GET "
        'http://controller:9292/v2/images/abc -H "User-Agent: python-glanceclient"\n'
        "2016-06-10 21:49:30.191 7533 DEBUG keystoneclient.session [-] RESP: [404] {'Content-Type': "
        "'text/html; charset=UTF-8', 'X-Openstack-Request-Id': 'req-0f0f0f0f-1111-4222-8333-444444444444'}\n"
        "2016-06-10 21:49:30.192 7533 ERROR nova.image.glance "
        "[req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 a b - - -] Image abc could not be found. (HTTP 404) "
        "(Request-ID: req-0f0f0f0f-1111-4222-8333-444444444444)\n"
    )
    (call,) = parse_client_debug(text)
    assert (call.method, call.url, call.status) == ("GET", "http://controller:9292/v2/images/abc", 404)
    assert call.request_id == "req-0f0f0f0f-1111-4222-8333-444444444444"
    assert call.error == "Image abc could not be found."
    assert (call.line, call.end_line) == (0, 2)


def test_error_without_req_and_no_duplicates() -> None:
    rid = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
    only_errors = (
        f"ClientException: {SEED_ERROR} (HTTP 500) (Request-ID: {rid})\n"
        f"ERROR (ClientException): {SEED_ERROR} (HTTP 500) (Request-ID: {rid})\n"
    )
    calls = parse_client_debug(only_errors)
    assert calls == [ClientCall(0, None, None, 500, rid, SEED_ERROR, 0, 1)]

    # A bare "(HTTP 404)" with nothing to attach to is text, not a call.
    assert parse_client_debug("Not Found (HTTP 404)\n") == []


def test_used_request_id_without_service_and_x_compute_header() -> None:
    text = "\n".join(
        [
            "DEBUG (session:198) REQ: curl -g -i -X DELETE http://controller:8774/v2.1/servers/abc "
            '-H "X-Auth-Token: {SHA1}00"',
            'DEBUG (connectionpool:395) "DELETE /v2.1/servers/abc HTTP/1.1" 204 0',
            "DEBUG (session:230) RESP: [204] Content-Length: 0 X-Compute-Request-Id: "
            "req-12345678-1234-4234-8234-123456789abc Date: Fri, 10 Jun 2016 13:49:30 GMT",
            "DEBUG (session:231) DELETE call to http://controller:8774/v2.1/servers/abc used request id "
            "req-12345678-1234-4234-8234-123456789abc",
            "REQ: curl -g -i -X GET http://controller:8774/v2.1/flavors",
            "DEBUG (session:231) GET call to compute for http://controller:8774/v2.1/flavors/detail "
            "used request id req-99999999-1234-4234-8234-123456789abc",
        ]
    )
    first, second = parse_client_debug(text)
    assert (first.method, first.status, first.request_id, first.service) == (
        "DELETE",
        204,
        "req-12345678-1234-4234-8234-123456789abc",
        None,
    )
    assert (first.line, first.end_line) == (0, 3)
    # Redirected URL: the id still goes to the newest call of that method.
    assert (second.request_id, second.service, second.status) == (
        "req-99999999-1234-4234-8234-123456789abc",
        "compute",
        None,
    )


def test_novaclient_two_line_unexpected_error() -> None:
    rid = "req-abcdef01-2345-4678-89ab-cdef01234567"
    text = (
        "REQ: curl -g -i -X POST http://controller:8774/v2.1/servers -d '{\"server\": {}}'\n"
        "RESP: [500] Content-Length: 200\n"
        "ERROR (ClientException): Unexpected API Error. Please report this at "
        "http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n"
        f"<class 'oslo_db.exception.DBConnectionError'> (HTTP 500) (Request-ID: {rid})\n"
    )
    (call,) = parse_client_debug(text)
    assert (call.method, call.status, call.request_id) == ("POST", 500, rid)
    assert call.error is not None
    assert call.error.startswith("Unexpected API Error.")
    assert call.error.endswith("<class 'oslo_db.exception.DBConnectionError'>")


def test_curl_without_method_defaults_like_curl() -> None:
    (get,) = parse_client_debug("REQ: curl -i 'http://h:1/x'\n")
    assert (get.method, get.url) == ("GET", "http://h:1/x")
    (post,) = parse_client_debug("REQ: curl -i http://h:1/x -d '{}'\n")
    assert post.method == "POST"


def test_looks_like_client_debug() -> None:
    assert looks_like_client_debug("REQ: curl -g -i -X GET http://x\nRESP: [200]\n")
    assert looks_like_client_debug(
        "REQ: curl -g -i -X GET http://x\n"
        "boom (HTTP 500) (Request-ID: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)"
    )
    assert not looks_like_client_debug("REQ: curl -g -i -X GET http://x\n")
    assert not looks_like_client_debug("RESP: [200]\n(HTTP 500) (Request-ID: req-x)")
    assert not looks_like_client_debug("2016-06-10 21:49:30.191 7533 INFO nova.api [-] hello")


_LINES = [
    'REQ: curl -g -i -X GET http://h:5000/v3 -H "A: b"',
    "DEBUG (session:195) REQ: curl -i http://h:9696/v2.0/ports.json -X POST -d '{\"x\": 1}'",
    "REQ: curl",
    "REQ: curl -X",
    "REQ: curl -H",
    'REQ: curl "http://h/\\"',
    "RESP: [500] x-openstack-request-id: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2",
    "RESP: [200] {'x-compute-request-id': 'req-9b2129f1-f24e-453a-88f3-f05580894e07'}",
    "RESP:{'status': '201'}",
    "RESP:",
    "RESP BODY: (HTTP 500)",
    '"GET /v3 HTTP/1.1" 200 249',
    '"POST /v2.0/ports.json HTTP/1.1" 500 1',
    "GET call to compute for http://h:5000/v3 used request id req-9b2129f1-f24e-453a-88f3-f05580894e07",
    "used request id",
    "used request id req-x.",
    "boom (HTTP 500) (Request-ID: req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)",
    "ERROR (ClientException): boom (HTTP 404) (Request-ID: req-9b2129f1-f24e-453a-88f3-f05580894e07)",
    "<class 'x'> (HTTP 500)",
    " _http_log_response /x/session.py:182",
    "(HTTP 999)",
    "",
    "\r",
    "\x1b[31mREQ: curl -X GET http://h/\x1b[0m",
]


def _check_invariants(text: str, calls: list[ClientCall]) -> None:
    n_lines = len(text.split("\n"))
    previous_end = -1
    for i, call in enumerate(calls):
        assert call.index == i
        assert 0 <= call.line <= call.end_line < n_lines
        assert call.line > previous_end  # ranges are in order and never overlap
        previous_end = call.end_line
        assert call.status is None or 100 <= call.status <= 999


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_garbage_never_raises(text: str) -> None:
    calls = parse_client_debug(text)
    _check_invariants(text, calls)
    looks_like_client_debug(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LINES) | st.text(max_size=30), max_size=30).map("\n".join))
def test_transcript_shaped_garbage_never_raises(text: str) -> None:
    calls = parse_client_debug(text)
    _check_invariants(text, calls)
    assert isinstance(looks_like_client_debug(text), bool)
