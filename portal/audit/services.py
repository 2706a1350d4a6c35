"""Writing the audit log: every service that changes something calls record_event."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
import enum
import json

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.clock import from_london, london, now
from portal.extensions import db

from . import chain
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
    """Append an audit event for obj as the newest link of the hash chain; flushes so the object has its id."""
    if getattr(obj, "id", None) is None:
        db.session.flush()
    actor_id = getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    event = AuditEvent(
        occurred_at=now(),
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        authority_id=authority_id,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    return chain.append(event)


# ---- reading the log (the page and the CSV export ask the same question)


@dataclass
class LogFilters:
    """The commissioner's choice of events; None means any."""

    action: str | None = None
    actor_id: int | None = None
    #: 0 chooses the events of the portal itself (no person)
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict:
        """The filters as query arguments (for links), dates as the three boxes of the date input."""
        args = {}
        for name in ("action", "actor_id", "object_type", "object_id"):
            value = getattr(self, name)
            if value is not None:
                args["actor" if name == "actor_id" else name] = value
        for name in ("date_from", "date_to"):
            day = getattr(self, name)
            if day is not None:
                args[name] = [str(day.day), str(day.month), str(day.year)]
        return args

    @property
    def any(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__dataclass_fields__)


def log_events(authority_id: int, filters: LogFilters) -> Select:
    """The council's events matching filters, newest first, each with its actor loaded (one query)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.authority_id == authority_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor_id == 0:
        stmt = stmt.where(AuditEvent.actor_id.is_(None))
    elif filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    # dates are London calendar days: from the midnight starting date_from to the midnight ending date_to
    if filters.date_from is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= from_london(datetime.combine(filters.date_from, time())))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEvent.occurred_at < from_london(datetime.combine(filters.date_to + timedelta(days=1), time())))
    return stmt


EXPORT_HEADER = ("Event number", "Time (UTC)", "Time (UK)", "Who", "Who (email)", "Action", "Kind of record",
                 "Record number", "Before (JSON)", "After (JSON)", "Previous hash", "Hash")


def export_rows(authority_id: int, filters: LogFilters, batch_size: int = 1000) -> Iterator[tuple]:
    """The log as CSV rows (header first), fetched in batches so any length streams."""
    from portal.auth.models import User

    yield EXPORT_HEADER
    # plain columns, not AuditEvent objects: building an object per event costs more than the CSV itself
    stmt = (
        select(AuditEvent.id, AuditEvent.occurred_at, User.name, User.email, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.object_id, AuditEvent.before, AuditEvent.after,
               AuditEvent.prev_hash, AuditEvent.chain_hash)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(log_events(authority_id, filters).whereclause)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .execution_options(yield_per=batch_size)
    )
    for (event_id, occurred_at, name, email, action, object_type, object_id, before, after, prev_hash,
         chain_hash) in db.session.execute(stmt):
        yield (
            event_id,
            occurred_at.isoformat(),
            london(occurred_at).strftime("%d/%m/%Y %H:%M:%S"),
            name or "The portal",
            email or "",
            action,
            object_type,
            "" if object_id is None else object_id,
            "" if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            "" if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
            prev_hash or "",
            chain_hash or "",
        )
