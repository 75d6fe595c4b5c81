"""`iso_keys` builds many keys at once through text operations; it must give exactly
what `iso_key`, one stamp at a time, gives, for every stamp shape and century."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.timekeys import NO_KEY, iso_key, iso_keys, key_from_datetime, parse_user_time

WHEN = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59))
SHAPES = [
    ("%Y-%m-%d %H:%M:%S", 0),
    ("%Y-%m-%d %H:%M:%S.", 3),  # oslo.log
    ("%Y-%m-%d %H:%M:%S,", 3),  # python logging
    ("%Y-%m-%dT%H:%M:%S.", 6),  # ISO with microseconds
    ("%Y-%m-%dT%H:%M:%S.", 9),  # nanoseconds (CRI): cut to microseconds
]


def stamp(when: datetime, shape: tuple[str, int]) -> bytes:
    head, digits = shape
    frac = f"{when.microsecond:06d}".ljust(digits, "7")[:digits]
    return (when.strftime(head) + frac).encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(WHEN, min_size=1, max_size=30), st.sampled_from(SHAPES), st.booleans())
def test_many_stamps_at_once_give_each_stamps_own_key(
    whens: list[datetime], shape: tuple[str, int], zulu: bool
) -> None:
    stamps = [stamp(w, shape) + (b"Z" if zulu else b"") for w in whens]
    assert list(iso_keys(stamps)) == [iso_key(s) for s in stamps]


def test_stamps_of_the_2000s_and_the_1990s_side_by_side() -> None:
    stamps = [b"2016-06-10 21:49:30.191", b"1999-12-31 23:59:59.999", b"2000-01-01 00:00:00.000"]
    keys = list(iso_keys(stamps))
    assert keys == [key_from_datetime(datetime(2016, 6, 10, 21, 49, 30, 191000)), *map(iso_key, stamps[1:])]
    assert keys[1] < keys[2] < keys[0]


def test_stamps_of_mixed_widths_take_the_slow_path_and_agree() -> None:
    stamps = [b"2016-06-10 21:49:30.191", b"2016-06-10 21:49:30.191234", b"2016-06-10 21:49:31"]
    assert list(iso_keys(stamps)) == [iso_key(s) for s in stamps]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WHEN, st.sampled_from(SHAPES)), min_size=1, max_size=30))
def test_stamps_of_shapes_mixed_in_one_block_agree(drawn: list[tuple[datetime, tuple[str, int]]]) -> None:
    # `T` beside a space, a comma beside a point, widths apart: each as iso_key reads it.
    stamps = [stamp(w, shape) for w, shape in drawn]
    assert list(iso_keys(stamps)) == [iso_key(s) for s in stamps]


@given(st.lists(WHEN, min_size=2, max_size=30), st.sampled_from(SHAPES), st.data())
def test_one_spoilt_character_among_stamps_of_one_shape(
    whens: list[datetime], shape: tuple[str, int], data: st.DataObject
) -> None:
    stamps = [stamp(w, shape) for w in whens]
    which = data.draw(st.integers(0, len(stamps) - 1))
    at = data.draw(st.integers(0, len(stamps[which]) - 1))
    spoilt = bytearray(stamps[which])
    spoilt[at] = data.draw(st.sampled_from(b"x/ 9T:.-"))
    stamps[which] = bytes(spoilt)
    assert list(iso_keys(stamps)) == [iso_key(s) for s in stamps]


def test_a_block_of_oslo_stamps_goes_the_column_way() -> None:
    stamps = [b"2016-06-10 21:49:30.%03d" % i for i in range(1000)]
    keys = iso_keys(stamps)
    assert not isinstance(keys, map)  # built whole, no int() per stamp
    assert list(keys) == [iso_key(s) for s in stamps]


def test_a_year_no_stamp_key_holds_still_orders_a_time_the_user_names() -> None:
    # `--until 9999-12-31`: after every record, not a key-less time before them all.
    assert iso_key(b"9999-12-31 00:00:00") == NO_KEY
    late = parse_user_time("9999-12-31")
    assert late is not None and late > key_from_datetime(datetime(2899, 12, 31, 23, 59, 59))
