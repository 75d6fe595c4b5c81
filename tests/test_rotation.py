"""Rotated-file recognition and ordering (ostui.core.paths.rotation)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostui.core.paths.rotation import (
    RANK_DATED,
    RANK_NUMBERED,
    RANK_SET_ASIDE,
    LogGroup,
    base_name,
    group_rotated,
    rotation_key,
    split_compression,
)

D = Path("/logs/nova")


def names(group: LogGroup) -> list[str]:
    return [path.name for path in group.members]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nova-api.log.1", ("nova-api.log", RANK_NUMBERED, -1)),
        ("nova-api.log.2.gz", ("nova-api.log", RANK_NUMBERED, -2)),
        ("nova-api.log.10.gz", ("nova-api.log", RANK_NUMBERED, -10)),
        ("messages-20151124", ("messages", RANK_DATED, 20151124000000)),
        ("nova-api.log-20151124.gz", ("nova-api.log", RANK_DATED, 20151124000000)),
        ("nova-api.log.20151124.gz", ("nova-api.log", RANK_DATED, 20151124000000)),
        ("nova-api.log-2015112412", ("nova-api.log", RANK_DATED, 20151124120000)),
        ("nova-api.log.2015-11-24_12-30-05", ("nova-api.log", RANK_DATED, 20151124123005)),
        ("nova-api.log-20151124-1448323200.gz", ("nova-api.log", RANK_DATED, 20151124000000)),
        ("nova-api-20151124.log", ("nova-api.log", RANK_DATED, 20151124000000)),
        ("screen-n-api.2013-09-27-181531.log", ("screen-n-api.log", RANK_DATED, 20130927181531)),
        ("nova-api.log.old", ("nova-api.log", RANK_SET_ASIDE, 0)),
        ("screen-n-api.txt.gz", ("screen-n-api.txt", RANK_SET_ASIDE, 1)),
        ("syslog.3.bz2", ("syslog", RANK_NUMBERED, -3)),
    ],
)
def test_rotation_key_recognizes_schemes(name: str, expected: tuple[str, int, int]) -> None:
    assert rotation_key(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "nova-api.log",
        "syslog",
        "instance-00000001.log",  # digits that are not a date
        "10.0.0.1",  # a name made of an address, not member 1 of "10.0.0"
        "nova-api.log.123456",  # too many digits for a number, not a date
        "nova-api.log-20151399",  # month 13
        "neutron-ns-metadata-proxy-456182dc-f573-4945-b7b4-663c52a49a6d.log",
        "rabbit@juju-04f1e3-1-lxd-5.log",
        "devstack@c-api.service.log.txt",
        ".gz",
    ],
)
def test_live_names_are_not_rotations(name: str) -> None:
    assert rotation_key(name) is None
    assert base_name(name) == name


def test_split_compression() -> None:
    assert split_compression("x.log.2.gz") == ("x.log.2", ".gz")
    assert split_compression("x.log.XZ") == ("x.log", ".XZ")
    assert split_compression("x.log") == ("x.log", "")


def test_numbered_higher_is_older_live_last() -> None:
    paths = [D / n for n in ("nova-api.log", "nova-api.log.1", "nova-api.log.10.gz", "nova-api.log.2.gz")]
    (group,) = group_rotated(paths)
    assert group.name == "nova-api.log"
    assert names(group) == ["nova-api.log.10.gz", "nova-api.log.2.gz", "nova-api.log.1", "nova-api.log"]
    assert group.live == D / "nova-api.log"
    assert group.newest == D / "nova-api.log"


def test_dated_older_date_is_older() -> None:
    paths = [
        D / "messages",
        D / "messages-20151201.gz",
        D / "messages.20151124.gz",
        D / "messages-2015112412",
        D / "messages-20151124",
    ]
    (group,) = group_rotated(paths)
    assert names(group) == [
        "messages-20151124",
        "messages.20151124.gz",
        "messages-2015112412",
        "messages-20151201.gz",
        "messages",
    ]


def test_group_without_live_file_keeps_base_name() -> None:
    groups = group_rotated([D / "neutron-metadata-agent.log.1", D / "neutron-metadata-agent.log.2.gz"])
    assert [(g.name, names(g)) for g in groups] == [
        ("neutron-metadata-agent.log", ["neutron-metadata-agent.log.2.gz", "neutron-metadata-agent.log.1"])
    ]
    assert groups[0].live is None


def test_lone_gz_and_old_are_members_before_live() -> None:
    (gz_only,) = group_rotated([D / "screen-n-api.txt.gz"])
    assert (gz_only.name, names(gz_only), gz_only.live) == ("screen-n-api.txt", ["screen-n-api.txt.gz"], None)
    (group,) = group_rotated([D / "x.log", D / "x.log.old", D / "x.log.1"])
    assert names(group) == ["x.log.1", "x.log.old", "x.log"]


def test_unrelated_files_never_join() -> None:
    paths = [
        D / "nova-api.log",
        D / "nova-api-metadata.log",
        D / "nova-api-metadata.log.1.gz",
        D / "nova-api.log.1",
        Path("/other/nova-api.log"),  # same name, other folder: another log
    ]
    groups = group_rotated(paths)
    assert [(str(g.members[0].parent), g.name, names(g)) for g in groups] == [
        ("/logs/nova", "nova-api-metadata.log", ["nova-api-metadata.log.1.gz", "nova-api-metadata.log"]),
        ("/logs/nova", "nova-api.log", ["nova-api.log.1", "nova-api.log"]),
        ("/other", "nova-api.log", ["nova-api.log"]),
    ]


def test_duplicates_dropped() -> None:
    (group,) = group_rotated([D / "a.log", D / "a.log", D / "a.log.1"])
    assert names(group) == ["a.log.1", "a.log"]


def test_devstack_dated_screen_logs_group_under_link_name() -> None:
    paths = [D / "screen-n-api.2013-09-28-101010.log", D / "screen-n-api.2013-09-27-181531.log"]
    (group,) = group_rotated(paths)
    assert group.name == "screen-n-api.log"
    assert names(group) == ["screen-n-api.2013-09-27-181531.log", "screen-n-api.2013-09-28-101010.log"]


@given(
    numbers=st.sets(st.integers(min_value=1, max_value=9999), max_size=8),
    with_live=st.booleans(),
    gz=st.booleans(),
    seed=st.integers(),
)
def test_numbered_order_is_independent_of_input_order(
    numbers: set[int], with_live: bool, gz: bool, seed: int
) -> None:
    suffix = ".gz" if gz else ""
    expected = [f"svc.log.{n}{suffix}" for n in sorted(numbers, reverse=True)]
    if with_live:
        expected.append("svc.log")
    if not expected:
        return
    shuffled = [D / name for name in expected]
    random.Random(seed).shuffle(shuffled)
    groups = group_rotated(shuffled)
    assert [(g.name, names(g)) for g in groups] == [("svc.log", expected)]
