"""The audit log's hash chain: intact after real work, broken at the right event by a changed, inserted or
deleted row, and never forked by writers racing each other (PostgreSQL)."""
import threading

import pytest
from sqlalchemy import select, text

from portal.audit.chain import GENESIS_HASH, verify_chain
from portal.audit.models import AuditChainHead, AuditEvent
from portal.audit.services import record_event
from portal.extensions import db as _db


@pytest.fixture()
def five_events(db, council, frozen_clock):
    made = []
    for n in range(5):
        frozen_clock.advance(minutes=1)
        made.append(record_event(council.commissioner, f"test.step_{n}", council.commissioner,
                                 authority_id=council.authority.id, before={"n": n}, after={"n": n + 1, "note": "é"}))
    db.session.commit()
    return [e.id for e in made]


def test_each_event_links_to_the_one_before(db, five_events, council):
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    # the council fixture's own work (staff accounts) may come first; the chain starts at the genesis hash
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.chain_hash
    assert len({e.chain_hash for e in events}) == len(events)
    head = db.session.get(AuditChainHead, 1)
    assert head.last_event_id == five_events[-1] and head.event_count == len(events)
    result = verify_chain()
    assert result.ok and result.checked == len(events)


def test_verify_command_reports_an_intact_log(app, db, five_events):
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0
    assert "The audit log is intact" in result.output


def test_a_field_changed_with_raw_sql_breaks_the_chain_at_that_event(app, db, five_events):
    target = five_events[2]
    db.session.execute(text("UPDATE audit_events SET action = 'test.innocent' WHERE id = :id"), {"id": target})
    db.session.commit()
    result = verify_chain()
    assert not result.ok
    assert result.broken_event_id == target
    assert "was changed after it was recorded" in result.problem
    cli = app.test_cli_runner().invoke(args=["verify-audit"])
    assert cli.exit_code == 1
    assert f"Event {target} was changed" in cli.output


def test_a_changed_before_value_is_detected(db, five_events):
    target = five_events[1]
    db.session.execute(text("UPDATE audit_events SET before = :v WHERE id = :id"), {"v": '{"n": 99}', "id": target})
    db.session.commit()
    assert verify_chain().broken_event_id == target


def test_a_deleted_row_breaks_the_chain_at_the_next_event(db, five_events):
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": five_events[2]})
    db.session.commit()
    result = verify_chain()
    assert result.broken_event_id == five_events[3]
    assert "does not follow the event before it" in result.problem


def test_deleting_the_newest_events_is_detected_by_the_head(db, five_events):
    db.session.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": five_events[3]})
    db.session.commit()
    result = verify_chain()
    assert not result.ok
    assert result.broken_event_id == five_events[4]
    assert "the newest events were deleted" in result.problem


def test_rewriting_a_hash_to_match_is_caught_by_the_next_link(db, five_events):
    """Someone who changes a row and recomputes its own hash (and its cells in the download) still breaks the next
    event's link."""
    from portal.audit.cells import event_cells
    from portal.audit.chain import event_hash

    target = db.session.get(AuditEvent, five_events[1])
    db.session.execute(text("UPDATE audit_events SET action = 'test.innocent' WHERE id = :id"), {"id": target.id})
    db.session.commit()
    db.session.expire_all()
    target = db.session.get(AuditEvent, five_events[1])
    db.session.execute(text("UPDATE audit_events SET chain_hash = :h WHERE id = :id"),
                       {"h": event_hash(target, target.prev_hash), "id": target.id})
    db.session.commit()
    db.session.expire_all()
    target = db.session.get(AuditEvent, five_events[1])
    start, end = event_cells(target)
    db.session.execute(text("UPDATE audit_events SET csv_start = :s, csv_end = :e WHERE id = :id"),
                       {"s": start, "e": end, "id": target.id})
    db.session.commit()
    assert verify_chain().broken_event_id == five_events[2]


def test_a_rolled_back_event_leaves_the_chain_intact(db, five_events, council):
    record_event(council.commissioner, "test.rolled_back", council.commissioner, authority_id=council.authority.id)
    db.session.rollback()
    record_event(council.commissioner, "test.kept", council.commissioner, authority_id=council.authority.id)
    db.session.commit()
    assert verify_chain().ok


@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_concurrent_writers_do_not_fork_the_chain(app, db, council):
    """Eight threads, each with its own connection, write events at once; the chain stays one line."""
    authority_id, actor_id = council.authority.id, council.commissioner.id
    db.session.commit()
    barrier = threading.Barrier(8)
    errors = []

    def writer(n):
        with app.app_context():
            from portal.auth.models import User
            try:
                actor = _db.session.get(User, actor_id)
                barrier.wait(timeout=10)
                for i in range(5):
                    record_event(actor, f"test.thread_{n}_{i}", actor, authority_id=authority_id)
                    _db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("test.thread_%"))).all()
    assert len(events) == 40
    result = verify_chain()
    assert result.ok, result.problem
    prev_hashes = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(prev_hashes) == len(set(prev_hashes))  # no two events claim the same predecessor
