"""The seed case: the failing request, its 500 and its 23-frame traceback."""

from __future__ import annotations

import json

from ostui.cli import main
from ostui.core.logset import LogFile, open_files
from ostui.core.requests import search_request

from .conftest import SEED, SEED_REQUEST


def _seed_files(indexed: bool) -> list[LogFile]:
    lf = LogFile(SEED / "nova-api.log", "controller", "nova", "nova-api.log")
    return open_files([lf], build=indexed)


def test_seed_story_unindexed_and_indexed_agree() -> None:
    for indexed in (False, True):
        story = search_request(_seed_files(indexed), SEED_REQUEST)
        assert len(story.entries) == 3
        assert story.status == 500
        first = story.entries[0].record
        assert first.level.name == "ERROR"
        assert first.message == "Caught error: id"
        tb = first.traceback
        assert tb is not None
        assert len(tb.frames) == 23
        assert (tb.exc_type, tb.exc_message) == ("AttributeError", "id")
        assert tb.frames[-1].path.endswith("glanceclient/openstack/common/apiclient/base.py")
        access = story.entries[2].record.http
        assert access is not None
        assert (access.method, access.status, access.length, access.duration) == ("GET", 500, 359, 0.043644)
        assert [round(e.since_first or 0, 3) for e in story.entries] == [0.0, 0.001, 0.002]


def test_request_json_command(capsys) -> None:
    assert main(["request", SEED_REQUEST, str(SEED / "nova-api.log"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == 500
    assert doc["count"] == 3
    tb = doc["records"][0]["traceback"]
    assert tb["exc_type"] == "AttributeError" and len(tb["frames"]) == 23


def test_request_accepts_bare_uuid_and_reports_absence(capsys) -> None:
    assert main(["request", SEED_REQUEST[4:], str(SEED / "nova-api.log"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 3
    assert main(["request", "req-00000000-0000-0000-0000-000000000000", str(SEED / "nova-api.log")]) == 1


def test_request_plain_output_shows_traceback(capsys) -> None:
    main(["request", SEED_REQUEST, str(SEED / "nova-api.log")])
    out = capsys.readouterr().out
    assert "AttributeError: id" in out and "HTTP status: 500" in out
