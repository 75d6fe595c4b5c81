"""An instance's story: every request that touched it, across nodes, with its bridges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.stream.instances import kind_of

from .conftest import REAL, SEED

OSP6 = REAL / "osp6-live-migration"
INSTANCE = "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"  # live-migrated from hp-ms-01-c29 to hp-ms-01-c30
MIGRATE = "req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"


def test_migrated_instance_story_spans_both_nodes_in_time_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instance", INSTANCE, "--root", str(OSP6), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kinds"][0] == "instance" and doc["names"] == ["instance-00000004"]
    assert doc["nodes"] == ["hp-ms-01-c29", "hp-ms-01-c30"]
    firsts = [r["first"] for r in doc["requests"] if r["first"]]
    assert firsts == sorted(firsts)
    migrate = next(r for r in doc["requests"] if r["request_id"] == MIGRATE)
    assert migrate["nodes"] == ["hp-ms-01-c29", "hp-ms-01-c30"] and migrate["status"] == 202
    assert {s["node"] for s in migrate["spans"]} == {"hp-ms-01-c29", "hp-ms-01-c30"}
    # Each request says which record tied it to the instance, and how.
    for r in doc["requests"]:
        assert r["bridges"], r["request_id"]
        for b in r["bridges"]:
            assert b["request_id"] == r["request_id"] and b["how"] and b["file"].startswith(str(OSP6))
    assert doc["without_request"]  # vnc proxy lines, for one, name it with no request id


def test_domain_name_brings_in_records_that_never_name_the_uuid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = tmp_path / "compute-1" / "var" / "log"
    (node / "nova").mkdir(parents=True)
    (node / "libvirt" / "qemu").mkdir(parents=True)
    rid = "req-11111111-2222-3333-4444-555555555555"
    (node / "nova" / "nova-compute.log").write_text(
        f"2016-06-10 21:49:30.000 7 INFO nova.virt.libvirt.driver [{rid} - - - - -] "
        f"[instance: {INSTANCE}] Creating domain instance-0000002a\n"
    )
    (node / "libvirt" / "qemu" / "instance-0000002a.log").write_text(
        "2016-06-10 21:49:31.000+0000: starting up libvirt version: 1.2.8, qemu version: 2.1.2\n"
        "2016-06-10 21:49:35.000+0000: shutting down instance-0000002a\n"
    )
    assert main(["instance", INSTANCE, "--root", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["names"] == ["instance-0000002a"]
    loose = doc["without_request"]
    assert [b["how"] for b in loose] == ["domain name instance-0000002a (named with the UUID elsewhere)"]
    assert "shutting down" in loose[0]["message"]
    assert [r["request_id"] for r in doc["requests"]] == [rid]


def test_plain_output_and_a_uuid_nothing_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instance", INSTANCE, "--root", str(OSP6)]) == 0
    out = capsys.readouterr().out
    assert "instance a18a5824" in out and MIGRATE in out and "tied by" in out
    assert main(["instance", "00000000-0000-0000-0000-000000000000", str(SEED / "nova-api.log")]) == 1
    assert main(["instance", "not-a-uuid", str(SEED / "nova-api.log")]) == 2


def test_kind_of_reads_the_words_before_the_uuid() -> None:
    u = INSTANCE
    assert kind_of(f"[instance: {u}]", 11) == "instance"
    text = f"PUT /v2.0/ports/{u}.json"
    assert kind_of(text, text.index(u)) == "port"
    text = f"Attaching volume {u}"
    assert kind_of(text, text.index(u)) == "volume"
    text = f"GET /v2/x/images/{u}"
    assert kind_of(text, text.index(u)) == "image"


def test_a_bare_uuid_given_to_request_names_the_resource_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["request", INSTANCE, "--root", str(OSP6)]) == 1
    err = capsys.readouterr().err
    assert "names a instance" not in err and f"ostui instance {INSTANCE}" in err
    assert "no request has id" in err and "54 request(s)" in err
