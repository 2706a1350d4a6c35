"""Writing the audit log: every service that changes something calls record_event."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
import enum
import json
from functools import lru_cache

from sqlalchemy import (Integer, Select, String, Text, bindparam, case, cast, func, literal, select, type_coerce,
                        union_all)
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


def log_rows(authority_id: int, filters: LogFilters) -> Select:
    """log_events as plain rows for the log page: the event's hash, who (None: the portal), time, action, kind of
    record, record number, before and after; no AuditEvent or User objects to build for a page of fifty.

    The time and the before and after values are read as stored, without their column types' conversions (see
    stored_time and stored_json): the page converts only the events whose rows it has not kept."""
    from portal.auth.models import User

    events = log_events(authority_id, filters)
    return (select(AuditEvent.chain_hash, User.name, type_coerce(AuditEvent.occurred_at, String),
                   AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, cast(AuditEvent.before, Text),
                   cast(AuditEvent.after, Text))
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(events.whereclause)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))


def log_page_rows(authority_id, filters: LogFilters) -> Select:
    """A page of log_rows: the `limit` events after the first `offset` (bound at each run).

    The page's events are chosen by their numbers first, in the index that orders the council's log
    (ix_audit_events_authority_time holds the council, the time and the number): a deep page skips its offset
    in the index alone, and only the page's own events are read and joined to who acted. (Reading whole rows
    to skip them took about 45 ms for page 1,000 of the benchmark's log.)"""
    from portal.auth.models import User

    chosen = (select(AuditEvent.id).where(log_events(authority_id, filters).whereclause)
              .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
              .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
              .subquery("chosen"))
    return (select(AuditEvent.chain_hash, User.name, type_coerce(AuditEvent.occurred_at, String),
                   AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, cast(AuditEvent.before, Text),
                   cast(AuditEvent.after, Text))
            .select_from(chosen).join(AuditEvent, AuditEvent.id == chosen.c.id)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))


def log_count(authority_id: int, filters: LogFilters) -> Select:
    """How many of the council's events match filters."""
    return select(func.count()).where(log_events(authority_id, filters).whereclause)


def stored_time(stored) -> datetime:
    """An event's time read without its column type (SQLite gives the stored text, PostgreSQL a naive
    datetime, both UTC), as the column type gives it: aware, in UTC."""
    return (datetime.fromisoformat(stored) if type(stored) is str else stored).replace(tzinfo=UTC)


def stored_json(stored: str | None):
    """A before or after value read as its JSON text, as the column type gives it (None for none)."""
    return None if stored is None else _JSON_READ.decode(stored)


@dataclass(frozen=True, eq=False)
class LogSummary:
    """What the log page shows of a council's whole log: how many events, the different actions and kinds of
    record (its filter's choices), each in order, and the council's staff ("Who": (id, name) by name). Equal only
    to itself: the page keeps what it writes from the choices under the summary they came from."""

    count: int
    actions: tuple[str, ...]
    object_types: tuple[str, ...]
    staff: tuple[tuple[int, str], ...] = ()


#: per worker, each council's summary as last read: {authority_id: (the council's newest event then, its hash,
#: its staff as _staff_text then, summary)}
_summaries: dict[int, tuple[int, str, str | None, LogSummary]] = {}



def forget_summaries() -> None:
    """Forget every council's kept summary (portal.kept.forget)."""
    _summaries.clear()


#: how the summary's statement writes the council's staff: "id<US>name" for each, joined by <RS>, in any order
_UNIT, _RECORD = "\x1f", "\x1e"


@lru_cache(maxsize=1)
def _summary_statement():
    """log_summary's one statement, built once (its values bound at each run: building it and working out its
    cache key each request cost more than SQLite took to answer it)."""
    from portal.auth.models import User

    in_log = AuditEvent.authority_id == bindparam("authority_id")
    still_there = (select(AuditEvent.chain_hash).where(AuditEvent.id == bindparam("last_id")).scalar_subquery()
                   == bindparam("last_hash", type_=String))
    since = select(func.count()).where(in_log, AuditEvent.id > bindparam("last_id")).scalar_subquery()
    everything = select(func.count()).where(in_log).scalar_subquery()
    # the council's newest event, from its index (ix_audit_events_authority_newest)
    newest = select(AuditEvent.id, AuditEvent.chain_hash).where(in_log).order_by(AuditEvent.id.desc()).limit(1)
    # every member of the council's staff, id and name, as one text: staff are added and changed without an
    # audit event (the create-staff command), so the kept list is compared with this on every view
    staff = (select(func.aggregate_strings(cast(User.id, String) + _UNIT + User.name, _RECORD))
             .where(User.authority_id == bindparam("authority_id")).scalar_subquery())
    return select(
        case((still_there, True), else_=False),
        case((still_there, bindparam("known_count", type_=Integer) + since), else_=everything),
        newest.with_only_columns(AuditEvent.id).scalar_subquery(),
        newest.with_only_columns(AuditEvent.chain_hash).scalar_subquery(),
        staff,
    )


def _staff_in(text: str | None) -> set[tuple[int, str]] | None:
    """The (id, name) pairs written in the summary statement's staff text (None if a name holds a separator)."""
    if text is None:
        return set()
    pairs = set()
    for record in text.split(_RECORD):
        parts = record.split(_UNIT)
        if len(parts) != 2 or not parts[0].isdigit():
            return None
        pairs.add((int(parts[0]), parts[1]))
    return pairs


def log_summary(authority_id: int) -> LogSummary:
    """The council's LogSummary, reading only what was recorded since this worker last read it.

    The log only grows, and every event joins the hash chain in id order. So the council's events up to its
    newest event at the last reading are the same events now, as long as that event is still there with the
    same hash (if not: a log emptied or rewritten by hand, another database, everything is read afresh), and
    any event recorded for the council since has a higher number. One query counts the council's events since
    then (where count(*) reads all 140,000 entries of the council's index), reads its newest event and writes
    out its staff (ids and names, a few dozen index look-ups); when the newest event or the staff have moved, a
    second reads the actions, kinds of record and staff again, in order (each a few dozen index look-ups:
    _choices). Other councils' events leave the summary as it is.
    """
    last_id, last_hash, last_staff, known = _summaries.get(authority_id, (0, "", None, None))
    valid, count, newest_id, newest_hash, staff_text = db.session.connection().execute(_summary_statement(), {
        "authority_id": authority_id, "last_id": last_id, "last_hash": last_hash,
        "known_count": known.count if known else 0}).one()
    if (valid and known is not None and (newest_id, newest_hash) == (last_id, last_hash)
            and staff_text == last_staff):
        return known  # nothing recorded for the council since, and the same staff: the same choices
    actions, object_types, staff = _choices(authority_id)
    summary = LogSummary(count, actions, object_types, staff)
    # kept only if the staff read now are the ones the statement wrote out (none changed in between): the next
    # view that finds the same text then has the same staff, and so the same list in the same order
    if newest_id is not None and _staff_in(staff_text) == set(staff):
        # every event visible now is committed, so the council's events up to its newest read in the same statement
        _summaries[authority_id] = (newest_id, newest_hash, staff_text, summary)
    return summary


def _choices(authority_id: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, str], ...]]:
    """The log's filter choices, in one query: the different actions and kinds of record in the council's log (in
    order, SELECT DISTINCT's answer) and the council's staff, (id, name) by name.

    Actions and kinds of record are read with a recursive query that jumps from each value to the next one in
    the council's index on that column (ix_audit_events_authority_action_time, ..._type_time): a few dozen index
    look-ups, where DISTINCT reads every event of the council (140,000 in the benchmark's national DPS). "Who"
    offers the council's own staff: in a national DPS thousands of provider users act in the log, too many for
    a list (find a provider's events by the kind of record and its number instead).
    """
    from portal.auth.models import User

    in_log = AuditEvent.authority_id == authority_id
    parts = []
    for n, column in enumerate((AuditEvent.action, AuditEvent.object_type)):
        values = select(func.min(column).label("value")).where(in_log).cte(f"log_values_{n}", recursive=True)
        previous = values.alias(f"previous_{n}")
        values = values.union_all(
            select(select(func.min(column)).where(in_log, column > previous.c.value).scalar_subquery())
            .where(previous.c.value.is_not(None)))
        parts.append(select(literal(n).label("part"), values.c.value, literal(None, Integer).label("id"))
                     .where(values.c.value.is_not(None)))
    parts.append(select(literal(2), User.name, User.id).where(User.authority_id == authority_id))
    every = union_all(*parts).subquery()
    found = [[] for _ in range(3)]
    for part, value, user_id in db.session.execute(
            select(every.c.part, every.c.value, every.c.id).order_by(every.c.part, every.c.value, every.c.id)):
        found[part].append(value if user_id is None else (user_id, value))
    return tuple(found[0]), tuple(found[1]), tuple(found[2])


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
