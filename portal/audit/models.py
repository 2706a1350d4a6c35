"""The append-only audit log."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.core import UTCDateTime
from portal.extensions import db


class AuditEvent(db.Model):
    """Who did what to which object, when, with the values before and after."""

    __tablename__ = "audit_events"

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
