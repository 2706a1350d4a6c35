"""The outbox: every email the portal sends, kept so it can be read back and resent."""
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.core import UTCDateTime
from portal.extensions import db


class OutboxEmail(db.Model):
    """One email to one address."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    to: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: what the email is about, e.g. "application.submitted", so tests and the outbox page can filter
    kind: Mapped[str] = mapped_column(String(80), index=True)
    #: set when SMTP accepted the message; empty while it waits (or when the backend is "outbox")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last SMTP error, kept so a failed delivery can be seen and retried
    last_error: Mapped[str | None] = mapped_column(Text)
