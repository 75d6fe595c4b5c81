"""Traceback parsing: the seed nova-api case, py3 chains, mangled logs, and fuzzing."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.model import Traceback, TracebackFrame, TracebackSection
from ostui.core.parsing.tracebacks import (
    CHAIN_SENTENCES,
    TRACEBACK_HEADER,
    find_tracebacks,
    innermost_openstack_frame,
    is_openstack_frame,
    parse_traceback,
)

DURING = "During handling of the above exception, another exception occurred:"
CAUSE = "The above exception was the direct cause of the following exception:"

SITE = "/usr/lib/python2.7/site-packages/"
# (path under site-packages, line, function, source) of the seed nova-api traceback.
SEED_FRAMES = [
    ("nova/api/openstack/__init__.py", 125, "__call__", "return req.get_response(self.application)"),
    ("webob/request.py", 1317, "send", "application, catch_exc_info=False)"),
    ("webob/request.py", 1281, "call_application", "app_iter = application(self.environ, start_response)"),
    ("webob/dec.py", 144, "__call__", "return resp(environ, start_response)"),
    (
        "keystonemiddleware/auth_token/__init__.py",
        634,
        "__call__",
        "return self._call_app(env, start_response)",
    ),
    (
        "keystonemiddleware/auth_token/__init__.py",
        554,
        "_call_app",
        "return self._app(env, _fake_start_response)",
    ),
    ("webob/dec.py", 144, "__call__", "return resp(environ, start_response)"),
    ("webob/dec.py", 144, "__call__", "return resp(environ, start_response)"),
    ("routes/middleware.py", 131, "__call__", "response = self.app(environ, start_response)"),
    ("webob/dec.py", 144, "__call__", "return resp(environ, start_response)"),
    ("webob/dec.py", 130, "__call__", "resp = self.call_func(req, *args, **self.kwargs)"),
    ("webob/dec.py", 195, "call_func", "return self.func(req, *args, **kwargs)"),
    ("nova/api/openstack/wsgi.py", 756, "__call__", "content_type, body, accept)"),
    (
        "nova/api/openstack/wsgi.py",
        821,
        "_process_stack",
        "action_result = self.dispatch(meth, request, action_args)",
    ),
    ("nova/api/openstack/wsgi.py", 911, "dispatch", "return method(req=request, **action_args)"),
    ("nova/api/openstack/compute/images.py", 83, "show", "image = self._image_api.get(context, id)"),
    ("nova/image/api.py", 93, "get", "show_deleted=show_deleted)"),
    ("nova/image/glance.py", 309, "show", "include_locations=include_locations)"),
    ("nova/image/glance.py", 483, "_translate_from_glance", "include_locations=include_locations)"),
    ("nova/image/glance.py", 545, "_extract_attributes", "queued = getattr(image, 'status') == 'queued'"),
    ("glanceclient/openstack/common/apiclient/base.py", 491, "__getattr__", "self.get()"),
    ("glanceclient/openstack/common/apiclient/base.py", 509, "get", "new = self.manager.get(self.id)"),
    ("glanceclient/openstack/common/apiclient/base.py", 494, "__getattr__", "raise AttributeError(k)"),
]


def seed_lines(frame_indent: str = "  ", source_indent: str = "    ") -> list[str]:
    lines = [TRACEBACK_HEADER]
    for path, lineno, func, source in SEED_FRAMES:
        lines.append(f'{frame_indent}File "{SITE}{path}", line {lineno}, in {func}')
        lines.append(f"{source_indent}{source}")
    lines += ["AttributeError: id", ""]
    return lines


def check_seed(tb: Traceback | None) -> None:
    assert tb is not None
    assert len(tb.sections) == 1
    assert tb.sections[0].chain is None
    assert len(tb.frames) == 23
    assert tb.exc_type == "AttributeError"
    assert tb.exc_message == "id"
    assert tb.frames[0] == TracebackFrame(
        SITE + "nova/api/openstack/__init__.py", 125, "__call__", "return req.get_response(self.application)"
    )
    glanceclient = SITE + "glanceclient/openstack/common/apiclient/base.py"
    last = TracebackFrame(glanceclient, 494, "__getattr__", "raise AttributeError(k)")
    assert tb.frames[-1] == last
    expected = [TracebackFrame(SITE + p, n, f, s) for p, n, f, s in SEED_FRAMES]
    assert tb.frames == expected
    assert innermost_openstack_frame(tb) == last


def test_seed_nova_api_traceback() -> None:
    check_seed(parse_traceback(seed_lines()))


def test_seed_with_carriage_returns_and_trailing_spaces() -> None:
    check_seed(parse_traceback([line + " \r" for line in seed_lines()]))


def test_seed_with_leading_junk_is_found_once() -> None:
    lines = ["Unexpected exception in API method", "something else", *seed_lines()]
    check_seed(parse_traceback(lines))
    [(start, end, tb)] = find_tracebacks(lines)
    assert (start, end) == (2, len(lines) - 1)  # the trailing blank line is not part of it
    check_seed(tb)


@pytest.mark.parametrize(
    ("frame_indent", "source_indent"),
    [(" ", "   "), ("", "  "), ("\t", "\t\t"), ("", "")],
    ids=["one-space-stripped", "frames-flush", "tabs", "all-indentation-stripped"],
)
def test_seed_with_mangled_indentation(frame_indent: str, source_indent: str) -> None:
    check_seed(parse_traceback(seed_lines(frame_indent, source_indent)))


PY3_CHAIN = f"""\
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/oslo_messaging/_drivers/amqpdriver.py", line 433, in get
    return self._queues[msg_id].get(block=True, timeout=timeout)
           ~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/eventlet/queue.py", line 322, in get
    return waiter.wait()
           ^^^^^^^^^^^^^
  File "<string>", line 1, in <module>
_queue.Empty

{DURING}

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/neutron/agent/rpc.py", line 101, in report_state
    return method(context, 'report_state', **kwargs)
  File "/usr/lib/python3/dist-packages/neutron/agent/rpc.py", line 90, in _retry
    return _retry(*args)
  [Previous line repeated 996 more times]
  File "/usr/lib/python3/dist-packages/oslo_messaging/_drivers/amqpdriver.py", line 435, in get
    raise oslo_messaging.MessagingTimeout(
oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID 767a26a6
  while reporting state

of agent dhcp-1

{CAUSE}

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/neutron/agent/metadata/agent.py", line 299, in _report_state
    self.state_rpc.report_state(
  File "/usr/lib/python3/dist-packages/neutron/agent/metadata/agent.py", line 310, in _report_state
    raise StopIteration from exc
    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/eventlet/hubs/hub.py", line 298, in switch
StopIteration

"""


def test_py3_chained_traceback() -> None:
    lines = PY3_CHAIN.splitlines()
    tb = parse_traceback(lines)
    assert tb is not None
    first, second, third = tb.sections

    assert first.chain is None
    assert first.exc_type == "_queue.Empty"
    assert first.exc_message == ""
    assert [f.lineno for f in first.frames] == [433, 322, 1]
    # Caret lines are skipped, never taken as source.
    assert first.frames[0].source == "return self._queues[msg_id].get(block=True, timeout=timeout)"
    assert first.frames[1].source == "return waiter.wait()"
    assert first.frames[2] == TracebackFrame("<string>", 1, "<module>", None)

    assert second.chain == DURING
    assert [f.function for f in second.frames] == ["report_state", "_retry", "get"]
    assert second.frames[1].source == "return _retry(*args)"
    assert second.exc_type == "oslo_messaging.exceptions.MessagingTimeout"
    assert second.exc_message == (
        "Timed out waiting for a reply to message ID 767a26a6\n  while reporting state\n\nof agent dhcp-1"
    )

    assert third.chain == CAUSE
    assert third.exc_type == "StopIteration"
    assert third.exc_message == ""
    assert third.frames[1].source == "raise StopIteration from exc"
    assert third.frames[2] == TracebackFrame(
        "/usr/lib/python3/dist-packages/eventlet/hubs/hub.py", 298, "switch", None
    )
    assert tb.final is third
    assert innermost_openstack_frame(tb) == third.frames[1]

    [(start, end, found)] = find_tracebacks(lines)
    assert (start, end) == (0, len(lines) - 1)  # without the trailing blank line
    assert found == tb


def test_chain_sentence_without_header_ends_the_traceback() -> None:
    lines = [TRACEBACK_HEADER, '  File "a.py", line 1, in f', "    g()", "ValueError: x", "", DURING, ""]
    [(start, end, tb)] = find_tracebacks(lines)
    assert (start, end) == (0, 4)
    assert len(tb.sections) == 1
    assert tb.exc_message == "x"


def test_header_without_chain_sentence_starts_a_new_traceback() -> None:
    lines = [
        TRACEBACK_HEADER,
        '  File "a.py", line 1, in f',
        "KeyError: 'a'",
        TRACEBACK_HEADER,
        '  File "b.py", line 2, in g',
        "KeyError: 'b'",
    ]
    tb = parse_traceback(lines)
    assert tb is not None
    assert len(tb.sections) == 1
    assert tb.exc_message == "'a'"
    assert [(s, e) for s, e, _ in find_tracebacks(lines)] == [(0, 3), (3, 6)]


REMOTE_ERROR = (
    "RemoteError: Remote error: DBConnectionError (pymysql.err.OperationalError) (2013, 'Lost connection "
    "to MySQL server during query')\n[u'Traceback (most recent call last):\\n', u'  File \"/usr/lib/"
    "python2.7/site-packages/oslo_messaging/rpc/server.py\", line 160, in _process_incoming\\n', "
    "u'DBConnectionError: (pymysql.err.OperationalError) Lost connection\\n']."
)


def test_remote_error_keeps_the_remote_traceback_in_the_message() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python2.7/site-packages/nova/conductor/api.py", line 78, in object_action\n'
        "    objmethod=objmethod, args=args, kwargs=kwargs)\n"
        '  File "/usr/lib/python2.7/site-packages/oslo_messaging/rpc/client.py", line 413, in call\n'
        "    return self.prepare().call(ctxt, method, **kwargs)\n"
        f"{REMOTE_ERROR}\n"
    )
    tb = parse_traceback(text.splitlines())
    assert tb is not None
    assert len(tb.sections) == 1
    assert len(tb.frames) == 2
    assert tb.exc_type == "RemoteError"
    assert tb.exc_message == REMOTE_ERROR.removeprefix("RemoteError: ")
    assert "[u'Traceback (most recent call last):\\n'" in tb.exc_message


def test_py2_client_exception_and_dotted_types() -> None:
    message = (
        "The server has either erred or is incapable of performing the requested operation. (HTTP 500) "
        "(Request-ID: req-1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9)"
    )
    lines = [
        TRACEBACK_HEADER,
        '  File "/usr/lib/python2.7/site-packages/novaclient/client.py", line 456, in _cs_request',
        "    resp, body = self._time_request(url, method, **kwargs)",
        f"ClientException: {message}",
    ]
    tb = parse_traceback(lines)
    assert tb is not None
    assert (tb.exc_type, tb.exc_message) == ("ClientException", message)
    assert innermost_openstack_frame(tb) == tb.frames[0]


def test_exception_line_without_a_type() -> None:
    lines = [TRACEBACK_HEADER, '  File "x.py", line 3, in f', "    raise Weird()", "<Weird object at 0x7f>"]
    tb = parse_traceback(lines)
    assert tb is not None
    assert (tb.exc_type, tb.exc_message) == ("", "<Weird object at 0x7f>")


def test_odd_frames() -> None:
    lines = [
        TRACEBACK_HEADER,
        '  File "/srv/app.py", line None, in <lambda>',
        '  File "/srv/app.py", line -4, in f',
        '  File "/srv/app.py", line 99999999999999999999999999999, in g',
        '  File "<string>", line 1',
        "    foo(",
        "       ^",
        "SyntaxError: '(' was never closed",
    ]
    tb = parse_traceback(lines)
    assert tb is not None
    assert [(f.lineno, f.function, f.source) for f in tb.frames] == [
        (0, "<lambda>", None),
        (0, "f", None),
        (0, "g", None),
        (1, "", "foo("),
    ]
    assert tb.exc_type == "SyntaxError"


def test_truncated_traceback() -> None:
    lines = ["", TRACEBACK_HEADER, '  File "a.py", line 1, in f', "    g()", ""]
    [(start, end, tb)] = find_tracebacks(lines)
    assert (start, end) == (1, 4)
    assert (tb.exc_type, tb.exc_message, len(tb.frames)) == ("", "", 1)
    assert parse_traceback([TRACEBACK_HEADER]) == Traceback([TracebackSection()])


def test_no_header_gives_none() -> None:
    assert parse_traceback([]) is None
    assert parse_traceback(['  File "a.py", line 1, in f', "AttributeError: id"]) is None
    assert parse_traceback(["Traceback (most recent call last): trailing"]) is None
    assert find_tracebacks(["nothing", "here"]) == []


def test_find_tracebacks_with_junk_between() -> None:
    first = [
        TRACEBACK_HEADER,
        '  File "/usr/lib/python3/dist-packages/cinder/volume/manager.py", line 712, in create_volume',
        "    _run_flow()",
        "cinder.exception.VolumeBackendAPIException: Bad or unexpected response from the storage backend.",
    ]
    second = [
        TRACEBACK_HEADER,
        '  File "/usr/lib/python3/dist-packages/requests/adapters.py", line 516, in send',
        "    raise ConnectionError(e, request=request)",
        "requests.exceptions.ConnectionError: Connection refused",
        "",
    ]
    junk_before = ["2022-02-04 10:06:16 starting", '  File "half a frame', "^^^^"]
    junk_between = ["", "unrelated output", "  indented"]
    lines = junk_before + first + junk_between + second
    (s1, e1, tb1), (s2, e2, tb2) = find_tracebacks(lines)

    assert s1 == len(junk_before)
    # Text after an exception line continues its message until a header or a chain sentence.
    assert e1 == s1 + len(first) + len(junk_between)
    assert tb1.exc_type == "cinder.exception.VolumeBackendAPIException"
    assert tb1.exc_message == (
        "Bad or unexpected response from the storage backend.\n\nunrelated output\n  indented"
    )
    assert (s2, e2) == (e1, len(lines) - 1)
    assert tb2.exc_type == "requests.exceptions.ConnectionError"
    assert innermost_openstack_frame(tb2) is None
    assert parse_traceback(lines) == tb1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/usr/lib/python2.7/site-packages/nova/compute/manager.py", True),
        ("/usr/lib/python3/dist-packages/oslo_messaging/rpc/client.py", True),
        ("/usr/lib/python2.7/site-packages/oslo/config/cfg.py", True),
        ("/usr/lib/python3/dist-packages/keystoneauth1/session.py", True),
        ("/usr/lib/python3/dist-packages/openstack/proxy.py", True),
        ("/usr/lib/python3/dist-packages/os_brick/initiator/connector.py", True),
        ("/usr/lib/python3/dist-packages/heatclient/client.py", True),
        ("/usr/lib/python3/dist-packages/neutron_lib/exceptions.py", True),
        ("/usr/lib/python3/dist-packages/networking_ovn/common/utils.py", True),
        ("/usr/lib/python2.7/site-packages/nova-13.0.0-py2.7.egg/nova/utils.py", True),
        ("/opt/stack/nova/nova/compute/manager.py", True),
        ("nova/api/openstack/wsgi.py", True),
        ("/usr/lib/python2.7/site-packages/webob/dec.py", False),
        ("/usr/lib/python2.7/site-packages/eventlet/greenpool.py", False),
        ("/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", False),
        ("/usr/lib/python3/dist-packages/kombu/connection.py", False),
        ("/usr/lib/python3/dist-packages/ansible/modules/cloud/openstack/os_server.py", False),
        ("/openstack/venvs/nova-22.0.0/lib/python3.8/site-packages/routes/middleware.py", False),
        ("/openstack/venvs/nova-22.0.0/lib/python3.8/threading.py", False),
        ("/usr/lib/python3.8/json/decoder.py", False),
        ("<string>", False),
        ("", False),
    ],
)
def test_is_openstack_frame(path: str, expected: bool) -> None:
    assert is_openstack_frame(TracebackFrame(path, 1, "f")) is expected


def test_innermost_openstack_frame_is_in_the_final_section() -> None:
    nova = TracebackFrame("/opt/stack/nova/nova/a.py", 1, "f")
    lib = TracebackFrame("/usr/lib/python3/dist-packages/eventlet/b.py", 2, "g")
    tb = Traceback([TracebackSection([nova]), TracebackSection([lib], chain=DURING)])
    assert innermost_openstack_frame(tb) is None
    assert innermost_openstack_frame(Traceback([TracebackSection([nova, lib])])) is nova
    assert innermost_openstack_frame(Traceback()) is None


# --- property tests -------------------------------------------------------------------

FRAMEISH = st.builds(
    lambda indent, path, line, func: f'{indent}File "{path}", line {line}, in {func}',
    st.sampled_from(["", " ", "  ", "\t"]),
    st.text(max_size=30),
    st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=10)),
    st.text(max_size=20),
)
SPECIAL = st.sampled_from(
    [
        TRACEBACK_HEADER,
        *CHAIN_SENTENCES,
        "",
        "    ^^^^^",
        "  ~~~^^^",
        "  [Previous line repeated 996 more times]",
        "ValueError",
        "KeyError: 'x'",
        "\x00",
        "    return f(x)",
        f"  {TRACEBACK_HEADER}  \r",
        "  raise",
    ]
)
HUGE = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(['File "', '", line ', "x", "^", " ", "Traceback (most recent call last):"]),
    st.integers(0, 20000),
)
ANY_LINE = st.one_of(st.text(), FRAMEISH, SPECIAL, HUGE)


@settings(max_examples=300, deadline=None)
@given(st.lists(ANY_LINE, max_size=60))
def test_never_raises(lines: list[str]) -> None:
    found = find_tracebacks(lines)
    previous_end = 0
    for start, end, tb in found:
        assert previous_end <= start < end <= len(lines)
        assert lines[start].strip() == TRACEBACK_HEADER
        assert tb.sections
        for section in tb.sections:
            assert all(frame.lineno >= 0 for frame in section.frames)
        innermost_openstack_frame(tb)
        previous_end = end
    first = parse_traceback(lines)
    assert (first is None) == (not found)
    if found:
        assert first == found[0][2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), FRAMEISH, HUGE), max_size=40))
def test_no_header_means_none(lines: list[str]) -> None:
    lines = [line for line in lines if line.strip() != TRACEBACK_HEADER]
    assert parse_traceback(lines) is None
    assert find_tracebacks(lines) == []


# Round trip: render tracebacks the way Python prints them and parse them back.
SAFE_TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,()=+-*'/"
NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name)
)
FRAMES = st.lists(
    st.builds(
        TracebackFrame,
        path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/._-<>", min_size=1, max_size=40),
        lineno=st.integers(0, 10**6),
        function=st.one_of(NAME, st.just("<module>")),
        source=st.one_of(
            st.none(), st.text(alphabet=SAFE_TEXT, min_size=1, max_size=40).map(str.strip).filter(bool)
        ),
    ),
    max_size=6,
)


def join_message(parts: list[str]) -> str:
    """Message lines as the parser returns them: right-stripped, no blank lines around."""
    parts = [part.rstrip() for part in parts]
    while parts and not parts[0]:
        parts.pop(0)
    while parts and not parts[-1]:
        parts.pop()
    return "\n".join(parts)


MESSAGE = st.lists(st.text(alphabet=SAFE_TEXT, max_size=30), max_size=4).map(join_message)
SECTION = st.builds(
    TracebackSection,
    frames=FRAMES,
    exc_type=st.lists(NAME, min_size=1, max_size=3).map(".".join),
    exc_message=MESSAGE,
)


def render(tb: Traceback, frame_indent: str, source_indent: str, carets: bool) -> list[str]:
    lines: list[str] = []
    for section in tb.sections:
        if section.chain is not None:
            lines += ["", section.chain, ""]
        lines.append(TRACEBACK_HEADER)
        for frame in section.frames:
            lines.append(f'{frame_indent}File "{frame.path}", line {frame.lineno}, in {frame.function}')
            if frame.source is not None:
                lines.append(source_indent + frame.source)
                if carets:
                    lines.append(source_indent + "~~~^^^")
        first, *rest = section.exc_message.split("\n")
        lines.append(f"{section.exc_type}: {first}" if first else section.exc_type)
        lines += rest
    return lines


@settings(max_examples=300, deadline=None)
@given(
    st.lists(SECTION, min_size=1, max_size=3),
    st.lists(st.sampled_from(CHAIN_SENTENCES), min_size=2, max_size=2),
    st.sampled_from([("  ", "    "), (" ", "   "), ("  ", "  ")]),
    st.booleans(),
)
def test_round_trip(
    sections: list[TracebackSection], chains: list[str], indents: tuple[str, str], carets: bool
) -> None:
    for section, chain in zip(sections[1:], chains, strict=False):
        section.chain = chain
    tb = Traceback(sections)
    lines = ["junk before", *render(tb, *indents, carets), ""]
    assert find_tracebacks(lines) == [(1, len(lines) - 1, tb)]
