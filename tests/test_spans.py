"""A request's waterfall: spans per service, nested by the links, long-lived contexts cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.stream.requests import search_request
from ostui.core.stream.spans import LONG_SECONDS, build_waterfall, nested_order, window_around

from .conftest import REAL, SEED, SEED_REQUEST

OSP6 = REAL / "osp6-live-migration"
MIGRATE = "req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"  # the live migration of a18a5824 (c29 -> c30)


def test_seed_request_json_has_the_api_span_with_500_and_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["request", SEED_REQUEST, str(SEED / "nova-api.log"), "--json"]
    assert main([*args, "--client-debug", str(SEED / "nova-client-debug.txt")]) == 0
    spans = json.loads(capsys.readouterr().out)["spans"]
    api = next(s for s in spans if s["producer"] == "nova-api")
    assert (api["method"], api["status"], api["errors"], api["tracebacks"]) == ("GET", 500, 1, 1)
    assert api["traceback_frames"] == 23
    assert api["url"].endswith("/images/c9509d39-78b3-4509-94b5-8498e8e6acea")
    assert api["first"] == "2016-06-10 21:49:30.191000" and api["duration"] == 0.002
    client = next(s for s in spans if s["producer"] == "client")
    assert client["parent"] is None and api["parent"] == client["index"]  # the client called the API
    assert {"service", "node", "last", "warnings", "parent"} <= set(api)


def _osp6() -> list[LogFile]:
    files = []
    for node in ("hp-ms-01-c29", "hp-ms-01-c30"):
        for log in sorted((OSP6 / node / "var/log/nova").glob("nova-*.log")):
            files.append(LogFile(log, node, "nova", log.name))
    return open_files(files, build=False)


def test_migration_spans_cross_both_nodes_under_the_api() -> None:
    story = search_request(_osp6(), MIGRATE, hops=0)
    waterfall = build_waterfall(story)
    by_place = {(s.node, s.producer): s for s in waterfall.spans}
    api = by_place[("hp-ms-01-c29", "nova-api")]
    assert api.http is not None and api.http.status == 202 and api.parent is None
    assert ("hp-ms-01-c30", "nova-compute") in by_place  # the destination host's side
    for span in waterfall.spans:
        if span is not api:
            assert waterfall.spans[span.parent or 0] is api, span.producer
            assert span.depth == 1 and "same request id" in span.why_parent
    assert waterfall.spans[nested_order(waterfall)[0]] is api
    firsts = [s.first for s in waterfall.spans]
    assert firsts == sorted(firsts)


def _context_log(path: Path, minutes: int) -> None:
    rid = "req-99999999-8888-7777-6666-555555555555"
    with path.open("w") as out:
        for m in range(minutes):
            out.write(
                f"2016-06-10 21:{m:02d}:00.000 7 DEBUG nova.compute.manager [{rid} - - - - -] periodic {m}\n"
            )


def test_long_lived_context_is_flagged_and_cut_around_a_record(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    _context_log(log, 30)
    files = open_files([LogFile(log, "c30", "nova", "nova-compute.log")])
    story = search_request(files, "req-99999999-8888-7777-6666-555555555555")
    waterfall = build_waterfall(story)
    assert waterfall.long_lived == [story.request_id] and waterfall.spans[0].long_lived
    around = window_around(story, story.entries[15], seconds=120)
    assert [e.record.message for e in around.entries] == [f"periodic {m}" for m in range(13, 18)]
    short = tmp_path / "short" / "nova-compute.log"
    short.parent.mkdir()
    _context_log(short, LONG_SECONDS // 60 - 1)
    files = open_files([LogFile(short, "c30", "nova", "nova-compute.log")])
    assert build_waterfall(search_request(files, "req-99999999-8888-7777-6666-555555555555")).long_lived == []


def test_a_called_request_hangs_under_the_caller_with_the_reason(tmp_path: Path) -> None:
    caller, callee = "req-aaaaaaaa-0000-0000-0000-000000000001", "req-bbbbbbbb-0000-0000-0000-000000000002"
    api = tmp_path / "nova-api.log"
    api.write_text(
        f"2016-06-10 21:49:30.000 7 INFO nova.api [{caller} - - - - -] creating the port\n"
        f"2016-06-10 21:49:30.400 7 INFO nova.network [{caller} - - - - -] POST "
        f"http://neutron:9696/v2.0/ports.json used request id {callee}\n"
        f'2016-06-10 21:49:30.500 7 INFO nova.osapi_compute.wsgi.server [{caller} - - - - -] 10.0.0.1 "POST '
        f'/v2/p/servers HTTP/1.1" status: 202 len: 10 time: 0.5000000\n'
    )
    server = tmp_path / "server.log"
    server.write_text(
        f"2016-06-10 21:49:30.100 9 ERROR neutron.api [{callee} - - - - -] port quota exceeded\n"
    )
    files = open_files(
        [LogFile(api, "ctl", "nova", "nova-api.log"), LogFile(server, "ctl", "neutron", "server.log")]
    )
    waterfall = build_waterfall(search_request(files, caller))
    by_producer = {s.producer: s for s in waterfall.spans}
    assert by_producer["nova-api"].parent is None
    neutron = by_producer["server"]
    assert waterfall.spans[neutron.parent or 0] is by_producer["nova-api"]
    assert neutron.why_parent == f"nova-api used request id {callee}" and neutron.errors == 1
