"""The audit log as a hash chain: each event carries sha256(previous hash + canonical JSON of its fields).

Changing any stored field of an event, deleting an event, or inserting one by hand breaks the chain at
that event, and `flask verify-audit` reports where.

Concurrency: every writer first takes the lock on the single AuditChainHead row (an UPDATE of the row,
which on PostgreSQL holds a row lock until the transaction ends and on SQLite takes the database's write
lock), and only then reads the previous hash. Two requests writing events at once therefore queue: the
second reads the head after the first has committed, and the chain never forks. Because the lock is held
from before the insert until commit, events also join the chain in id order, so verification walks the
events by id. A transaction that rolls back takes its events and its head update with it.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from portal.extensions import db

from .cells import event_cells
from .models import AuditChainHead, AuditEvent

#: the "previous hash" of the first event
GENESIS_HASH = "0" * 64
HEAD_ID = 1


def canonical_fields(*, id, occurred_at, actor_id, action, object_type, object_id, authority_id, before,
                     after) -> str:
    """The event's fields as canonical JSON: sorted keys, no spaces, UTC time to the microsecond."""
    if occurred_at.tzinfo is not None:
        occurred_at = occurred_at.astimezone(UTC).replace(tzinfo=None)
    fields = {
        "id": id,
        "occurred_at": occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "authority_id": authority_id,
        "before": before,
        "after": after,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    return link_hash(prev_hash, canonical_fields(
        id=event.id, occurred_at=event.occurred_at, actor_id=event.actor_id, action=event.action,
        object_type=event.object_type, object_id=event.object_id, authority_id=event.authority_id,
        before=event.before, after=event.after))


def _lock_head() -> AuditChainHead:
    """Take the chain head's lock (creating the head on an empty database) and return it, fresh."""
    session = db.session
    locked = session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
        .values(event_count=AuditChainHead.event_count).execution_options(synchronize_session=False)
    ).rowcount
    if not locked:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(AuditChainHead).values(id=HEAD_ID, last_hash=GENESIS_HASH, event_count=0)
                        .on_conflict_do_nothing())
        session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                        .values(event_count=AuditChainHead.event_count)
                        .execution_options(synchronize_session=False))
    # populate_existing: read the committed head now that it is locked, not a copy from earlier
    return session.scalars(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).execution_options(populate_existing=True)
    ).one()


def append(event: AuditEvent) -> AuditEvent:
    """Add event to the session as the chain's newest link (under the head's lock) and flush."""
    head = _lock_head()
    event.prev_hash = head.last_hash
    db.session.add(event)
    db.session.flush()  # the id is part of what is hashed
    event.chain_hash = event_hash(event, head.last_hash)
    event.csv_start, event.csv_end = event_cells(event)
    head.last_hash = event.chain_hash
    head.last_event_id = event.id
    head.event_count += 1
    db.session.flush()
    return event


@dataclass
class Verification:
    """What verify_chain found: how many events it checked, and the first broken one if any."""

    checked: int
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_chain(batch_size: int = 1000) -> Verification:
    """Walk the events in id order and recompute every link; stop at the first that does not match."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = None
    stmt = (select(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.action,
                   AuditEvent.object_type, AuditEvent.object_id, AuditEvent.authority_id, AuditEvent.before,
                   AuditEvent.after, AuditEvent.prev_hash, AuditEvent.chain_hash, AuditEvent.csv_start,
                   AuditEvent.csv_end)
            .order_by(AuditEvent.id).execution_options(yield_per=batch_size))
    for row in db.session.execute(stmt):
        if row.prev_hash != prev_hash:
            return Verification(checked, row.id, (
                f"Event {row.id} does not follow the event before it"
                + (f" (event {last_id})" if last_id else " (it should be the first event)")
                + ": an event before it was deleted or changed, or this one was inserted by hand."))
        expected = link_hash(prev_hash, canonical_fields(
            id=row.id, occurred_at=row.occurred_at, actor_id=row.actor_id, action=row.action,
            object_type=row.object_type, object_id=row.object_id, authority_id=row.authority_id,
            before=row.before, after=row.after))
        if row.chain_hash != expected:
            return Verification(checked, row.id,
                                f"Event {row.id} was changed after it was recorded: its fields no longer match its hash.")
        if (row.csv_start, row.csv_end) != event_cells(row):
            return Verification(checked, row.id,
                                f"Event {row.id} was changed after it was recorded: its cells in the CSV download "
                                "no longer match its fields.")
        prev_hash, last_id = row.chain_hash, row.id
        checked += 1
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is None:
        if checked:
            return Verification(checked, None, "The chain head is missing, so the newest events cannot be checked.")
        return Verification(0)
    if head.last_hash != prev_hash or head.event_count != checked:
        return Verification(checked, head.last_event_id, (
            f"The newest event should be event {head.last_event_id} of {head.event_count} events, but the log "
            f"ends at event {last_id} after {checked} events: the newest events were deleted."))
    return Verification(checked)
