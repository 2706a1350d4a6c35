"""The version of what the public call-off list pages show (see publication/cache.py)."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class CallOffListVersion(db.Model):
    """One row: a random token replaced in the same transaction as any change to what a call-off list page shows,
    so a page kept rendered under one token is never served for other data."""

    __tablename__ = "call_off_list_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
