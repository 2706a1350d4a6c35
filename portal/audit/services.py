"""Writing the audit log: every service that changes something calls record_event."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
import enum
import json
from functools import lru_cache

from sqlalchemy import Select, String, Text, cast, select, type_coerce
from sqlalchemy.orm import joinedload

from portal.clock import LONDON, from_london, now
from portal.extensions import db

from portal.documents.csv_download import csv_line

from . import chain
from .cells import event_cells, who_cells
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


#: the JSON of "before" and "after" as the export prints it (sorted keys, readable characters)
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_JSON_READ = json.JSONDecoder()


@lru_cache(maxsize=8192)
def _json_cell(stored: str) -> str:
    """A before/after value's stored JSON text as the export prints it ("" for none).

    Remembered by text: in a long log many events record the same change (the same status, the same rate).
    """
    value = _JSON_READ.decode(stored)
    return "" if value is None else _JSON_TEXT.encode(value)


def export_lines(authority_id: int, filters: LogFilters, batch_size: int = 2000) -> Iterator[str]:
    """The log as CSV text (header first), a batch of lines at a time, newest first; what export_rows would
    write with csv.writer, byte for byte.

    Each event's cells were written when it was recorded (AuditEvent.csv_start and csv_end; see cells.py), so
    a long log sends stored text: only "Who" is looked up, once for each person. One query however long
    the log; an event recorded without its cells (none should be) is formatted from its fields.
    """
    from portal.auth.models import User

    yield csv_line(EXPORT_HEADER)
    connection = db.session.connection()  # Core rows on the session's connection: nothing of the ORM is needed
    portal = who_cells(None, None)
    # every account's "Who" cells, read once: a few milliseconds for 10,000 accounts, where joining each event to
    # its person costs about 100 ms over 140,000 events
    who = {None: portal}
    who.update((user_id, who_cells(name, email))
               for user_id, name, email in connection.execute(select(User.id, User.name, User.email)))
    stmt = (
        select(AuditEvent.actor_id, AuditEvent.csv_start, AuditEvent.csv_end, AuditEvent.id)
        .where(log_events(authority_id, filters).whereclause)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .execution_options(yield_per=batch_size)
    )
    for rows in connection.execute(stmt).partitions():
        lines = []
        append = lines.append
        for actor_id, start, end, event_id in rows:
            if start is None:
                start, end = event_cells(db.session.get(AuditEvent, event_id))
            append(start)
            append(who.get(actor_id, portal))
            append(end)
        yield "".join(lines)


def export_rows(authority_id: int, filters: LogFilters, batch_size: int = 2000) -> Iterator[tuple]:
    """The log as CSV rows (header first), fetched in batches so any length streams: each cell from the event's
    own fields (export_lines sends the cells stored with each event; the tests compare the two).

    Plain columns, not AuditEvent objects, and read without their column types' conversions (the time and
    the JSON are read as stored and formatted here once): with 140,000 events the per-row conversions
    cost more than the CSV itself.
    """
    from portal.auth.models import User

    yield EXPORT_HEADER
    stmt = (
        select(AuditEvent.id, type_coerce(AuditEvent.occurred_at, String), User.name, User.email, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.object_id, cast(AuditEvent.before, Text),
               cast(AuditEvent.after, Text), AuditEvent.prev_hash, AuditEvent.chain_hash)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(log_events(authority_id, filters).whereclause)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .execution_options(yield_per=batch_size)
    )
    json_cell, from_text = _json_cell, datetime.fromisoformat
    # Core rows (the session's connection, so the same transaction): nothing of the ORM is needed here
    for (event_id, stored_at, name, email, action, object_type, object_id, before, after, prev_hash,
         chain_hash) in db.session.connection().execute(stmt):
        # read without its column type: SQLite gives the stored text, PostgreSQL a naive datetime (both UTC)
        occurred_at = (from_text(stored_at) if type(stored_at) is str else stored_at).replace(tzinfo=UTC)
        uk = occurred_at.astimezone(LONDON).isoformat()  # 2026-06-04T13:00:00+01:00, cheaper than strftime
        yield (
            event_id,
            occurred_at.isoformat(),
            f"{uk[8:10]}/{uk[5:7]}/{uk[:4]} {uk[11:19]}",
            name or "The portal",
            email or "",
            action,
            object_type,
            "" if object_id is None else object_id,
            "" if before is None else json_cell(before),
            "" if after is None else json_cell(after),
            prev_hash or "",
            chain_hash or "",
        )
