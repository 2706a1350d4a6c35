"""Column types shared by every area's models."""
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored naive in UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class DomainError(Exception):
    """A move the rules do not allow; its message is a sentence a person can act on."""


class NotAllowed(DomainError):
    """The actor may not do this to this object (a route answers 403)."""


def enum_column(cls, length: int = 30) -> Enum:
    """An enum stored as its value in a short string column, checked by SQLAlchemy (no native types)."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)
