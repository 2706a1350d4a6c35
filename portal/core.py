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


def whole_number(raw) -> int | None:
    """Text from a form or cookie as a whole number a database integer column holds, or None.

    Only the digits 0-9 count: "²" and "٣" are digits to str.isdigit() but int() refuses the first, and more
    than nine digits would overflow PostgreSQL's integer."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


def enum_column(cls, length: int = 30) -> Enum:
    """An enum stored as its value in a short string column, checked by SQLAlchemy (no native types)."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Attempt:
    """What `carry_out` did: true when the change is committed; `value` is what the service returned."""

    def __init__(self, ok: bool, value=None, error: DomainError | None = None):
        self.ok, self.value, self.error = ok, value, error

    def __bool__(self) -> bool:
        return self.ok


def _field_for(message: str, field) -> str | None:
    if callable(field):
        return field(message)
    if isinstance(field, dict):  # the first field whose keyword appears in the message
        lowered = message.lower()
        return next((name for keyword, name in field.items() if keyword in lowered), None)
    return field


def carry_out(action, *, form=None, field=None, done=None) -> Attempt:
    """Make a request's one change: run `action` (a call into a service), then commit and flash `done`
    (a sentence, or a function of the service's result giving one) as success.

    When the service refuses with a DomainError, roll back and show its sentence where the page shows it:
    on `form` against `field` (a field name; a function of the message giving one; or a dict of keyword to
    field name, the first keyword found in the message wins; no field puts it in the error summary's
    general list), or, with no form, flashed as an error above the next page.
    The route redirects when the outcome is true and shows the page again when it is not."""
    from flask import flash

    from portal.extensions import db

    try:
        value = action()
    except DomainError as error:
        db.session.rollback()
        message = str(error)
        if form is None:
            flash(message, "error")
        else:
            form.add_error(message, _field_for(message, field))
        return Attempt(False, error=error)
    db.session.commit()
    if done is not None:
        flash(done(value) if callable(done) else done, "success")
    return Attempt(True, value)
