"""An audit event's cells in the CSV export, written when the event is recorded.

The export of a whole log (140,000 events in the benchmark's national DPS) then sends stored text instead of
formatting twelve cells per event on every download. Only "Who" and "Who (email)" are looked up at download
time, so a person's present name is shown, as before. The cells are exactly what csv.writer wrote from the
event's fields (quoted only when needed, safe from spreadsheet formulas); verify_chain checks that they still
match the event, so changing them by hand is found like changing any other field.
"""
import json
from datetime import UTC, datetime

from portal.clock import LONDON
from portal.documents.csv_download import csv_cell

#: the JSON of "before" and "after" as the export prints it (sorted keys, readable characters)
JSON_TEXT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def json_text(value) -> str:
    """A before/after value as the export prints it ("" for none)."""
    return "" if value is None else JSON_TEXT.encode(value)


def export_cells(*, id: int, occurred_at: datetime, action: str, object_type: str, object_id: int | None,
                 before, after, prev_hash: str | None, chain_hash: str | None) -> tuple[str, str]:
    """The event's export line without its two "Who" cells: (cells before them with a trailing comma,
    cells after them with the line break). before and after are the stored JSON values."""
    at = occurred_at.astimezone(UTC) if occurred_at.tzinfo else occurred_at.replace(tzinfo=UTC)
    start = ",".join(map(csv_cell, (id, at.isoformat(), at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M:%S"))))
    end = ",".join(map(csv_cell, (action, object_type, "" if object_id is None else object_id, json_text(before),
                                  json_text(after), prev_hash or "", chain_hash or "")))
    return start + ",", end + "\r\n"


def who_cells(name: str | None, email: str | None) -> str:
    """The "Who" and "Who (email)" cells for an actor (none: the portal itself), with a trailing comma."""
    return csv_cell(name or "The portal") + "," + csv_cell(email or "") + ","


def event_cells(event) -> tuple[str, str]:
    """export_cells of an AuditEvent (or a row with the same attributes)."""
    return export_cells(id=event.id, occurred_at=event.occurred_at, action=event.action,
                        object_type=event.object_type, object_id=event.object_id, before=event.before,
                        after=event.after, prev_hash=event.prev_hash, chain_hash=event.chain_hash)


def fill_missing(connection, batch_size: int = 2000) -> int:
    """Write the cells of every event recorded without them (the events already there when the cells were
    added: migration h9b_audit_export_cells), in batches; returns how many were filled.

    Works on a plain connection with the table's own columns, so the migration can run it.
    """
    import sqlalchemy as sa

    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("occurred_at", sa.DateTime),
                      sa.column("action", sa.String), sa.column("object_type", sa.String),
                      sa.column("object_id", sa.Integer), sa.column("before", sa.JSON), sa.column("after", sa.JSON),
                      sa.column("prev_hash", sa.String), sa.column("chain_hash", sa.String),
                      sa.column("csv_start", sa.Text), sa.column("csv_end", sa.Text))
    fill = (sa.update(events).where(events.c.id == sa.bindparam("event_id"))
            .values(csv_start=sa.bindparam("start"), csv_end=sa.bindparam("end")))
    last, filled = 0, 0
    while True:
        rows = connection.execute(
            sa.select(events.c.id, events.c.occurred_at, events.c.action, events.c.object_type, events.c.object_id,
                      events.c.before, events.c.after, events.c.prev_hash, events.c.chain_hash)
            .where(events.c.id > last, events.c.csv_start.is_(None)).order_by(events.c.id).limit(batch_size)).all()
        if not rows:
            return filled
        values = []
        for row in rows:
            start, end = export_cells(**row._asdict())  # a time read this way is naive UTC
            values.append({"event_id": row.id, "start": start, "end": end})
        connection.execute(fill, values)
        last, filled = rows[-1].id, filled + len(rows)
