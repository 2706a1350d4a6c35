"""Writing the audit log: every service that changes something calls record_event."""
from datetime import date, datetime
from decimal import Decimal
import enum

from portal.extensions import db

from .models import AuditEvent


def _plain(value):
    """A JSON-safe copy of a value (dates, decimals and enums as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_event(actor, action: str, obj, *, authority_id=None, before=None, after=None) -> AuditEvent:
    """Append an audit event for obj; flushes so the object has its id."""
    if getattr(obj, "id", None) is None:
        db.session.flush()
    actor_id = getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        authority_id=authority_id,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(event)
    db.session.flush()
    return event
