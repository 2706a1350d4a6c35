"""The append-only audit log."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.core import UTCDateTime
from portal.extensions import db


class AuditEvent(db.Model):
    """Who did what to which object, when, with the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        # a council's log newest first, and its filter choices, without reading every event
        Index("ix_audit_events_authority_time", "authority_id", "occurred_at", "id"),
        # a council's log filtered by action, kind of record (and its number) or who acted: each filter's events
        # newest first and counted from the index alone (the actions and kinds of record offered, too)
        Index("ix_audit_events_authority_action_time", "authority_id", "action", "occurred_at", "id"),
        Index("ix_audit_events_authority_type_time", "authority_id", "object_type", "occurred_at", "id"),
        Index("ix_audit_events_authority_object_time", "authority_id", "object_type", "object_id", "occurred_at",
              "id"),
        Index("ix_audit_events_authority_actor_time", "authority_id", "actor_id", "occurred_at", "id"),
        # a council's newest event (the commissioning dashboard's sections are kept while it is the same)
        Index("ix_audit_events_authority_newest", "authority_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    #: empty for the portal itself (e.g. a command run by an administrator)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    #: the authority whose records this event touches, so each council sees its own log
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User")
    #: the chain_hash of the event before this one (GENESIS_HASH for the first event)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    #: sha256 of prev_hash and this event's fields as canonical JSON; see portal.audit.chain
    chain_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the event's cells in the CSV export, written with the event (see services.export_cells) so a long export
    #: sends stored text: the cells before "Who" (number and times, ending with a comma) and after "Who (email)"
    #: (action to hash, ending with the line break). verify_chain checks they still match the event.
    csv_start: Mapped[str | None] = mapped_column(Text)
    csv_end: Mapped[str | None] = mapped_column(Text)


class AuditChainHead(db.Model):
    """The newest link of the audit chain: one row, locked by every writer of an event.

    Writers take this row's lock before reading the previous hash, so two requests writing events at
    once queue one behind the other and the chain never forks; deleting the newest event is also
    detected, because the head still names it.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))
    #: how many events the chain holds, so a deleted event shows even when the chain is otherwise whole
    event_count: Mapped[int] = mapped_column(default=0)
