"""The page parts each worker keeps (portal.kept): a part is given back only while it is current for the request's
stamp (the council's newest event, the London day, the script root and the values read on every view), from the
moment it was made until its end; a store keeps at most its bound; forget() empties every store."""
from datetime import timedelta

import pytest

from portal.audit.services import record_event
from portal.kept import Store, council_head, forget, stamp, stores

#: a store of these tests' own (registered like every other, so forget() empties it too)
PARTS = Store("test_kept_parts", most=3)


@pytest.fixture()
def kept(app, db, council, frozen_clock):
    """A request of the council's, and a function giving the part kept for a key at this moment (or None)."""
    with app.test_request_context("/"):
        yield lambda key="page", *values: PARTS.get(key, stamp(council.authority.id, *values))


def new_event(council, authority):
    record_event(council.commissioner, "system.updated", council.commissioner, authority_id=authority.id)


def test_a_part_is_kept_until_its_end_and_not_before_it_was_made(kept, council, frozen_clock):
    made = frozen_clock.now
    PARTS.put("page", stamp(council.authority.id), "the page", valid_until=made + timedelta(hours=2))
    assert kept() == "the page"
    frozen_clock.advance(minutes=119)
    assert kept() == "the page"
    frozen_clock.advance(minutes=1)  # the round closes: the part ends
    assert kept() is None
    # a clock put back before the part was made does not show it; back at its moment, it is shown again
    frozen_clock.move_to(made - timedelta(seconds=1))
    assert kept() is None
    frozen_clock.move_to(made)
    assert kept() == "the page"


def test_an_end_already_past_is_no_end(kept, council, frozen_clock):
    PARTS.put("page", stamp(council.authority.id), "the page", valid_until=frozen_clock.now)
    frozen_clock.advance(hours=6)
    assert kept() == "the page"


def test_a_new_day_a_council_event_or_another_value_read_each_time_makes_it_again(app, kept, council,
                                                                                   frozen_clock):
    PARTS.put("page", stamp(council.authority.id, "Cedar Care Ltd"), "the page")
    assert kept("page", "Cedar Care Ltd") == "the page"
    assert kept("page", "Alder Homecare CIC") is None  # the provider renamed
    assert kept("other page", "Cedar Care Ltd") is None
    # another council's event: still current
    other = council.other_commissioner.authority
    new_event(council, other)
    assert kept("page", "Cedar Care Ltd") == "the page"
    # the council's own event: made again
    before = council_head(council.authority.id)
    new_event(council, council.authority)
    assert council_head(council.authority.id) != before
    assert kept("page", "Cedar Care Ltd") is None
    PARTS.put("page", stamp(council.authority.id, "Cedar Care Ltd"), "the page again")
    assert kept("page", "Cedar Care Ltd") == "the page again"
    # the portal served under another path: its links differ
    with app.test_request_context("/", base_url="http://localhost/portal"):
        assert PARTS.get("page", stamp(council.authority.id, "Cedar Care Ltd")) is None
    # midnight in London: a new day
    frozen_clock.advance(hours=11, minutes=59)  # 23:59 on 1 June 2026 in London
    assert kept("page", "Cedar Care Ltd") == "the page again"
    frozen_clock.advance(minutes=1)
    assert kept("page", "Cedar Care Ltd") is None


def test_a_store_keeps_at_most_its_bound_and_forget_empties_it(app, kept, council):
    for key in ("first", "second", "third"):
        PARTS.put(key, stamp(council.authority.id), key)
    assert [kept(key) for key in ("first", "second", "third")] == ["first", "second", "third"]
    PARTS.put("fourth", stamp(council.authority.id), "fourth")  # past the bound: it starts again
    assert [kept(key) for key in ("first", "second", "third", "fourth")] == [None, None, None, "fourth"]
    assert "test_kept_parts" in stores() and "evaluation_work_lists" in stores()
    forget(app)
    assert kept("fourth") is None and not any(name in app.extensions for name in stores())
