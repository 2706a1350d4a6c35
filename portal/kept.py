"""Page parts each worker keeps between requests while nothing they show can have changed.

A part is kept in a Store (a dict in app.extensions, one for each kind of part, keyed by page) with a Stamp: the
council's newest audit event (its number and hash, COUNCIL_HEAD), the London day, the script root (the part's
links start with it) and whatever else the page reads on every view (a provider's name: a provider renaming
itself records no event of the council). Each page that keeps a part says why everything else it shows is
changed only by services that record an audit event for the council in the same transaction. Events only join
the log, each with a higher number than any before it, so a part kept with the council's newest event is
current while that is still the newest. The event is read before the part is made: a part made after a later
change is kept under an older event, never the reverse. What changes without anyone acting is in the stamp too:
the day (working days left, overdue clocks), and a moment (valid_until: the next time one of its rounds opens or
closes) ends the part's life; a clock put back before the part was made makes it again.

forget() empties every store: each test's data is new, and the benchmark measures what a page costs made afresh,
as on its first view after any change in the council.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from sqlalchemy import bindparam, select

from portal.audit.models import AuditEvent
from portal.clock import london, now
from portal.extensions import db

#: a council's newest audit event (its number and hash), from the council's index on audit_events
#: (ix_audit_events_authority_newest; built once, parameters bound at each run)
COUNCIL_HEAD = (select(AuditEvent.id, AuditEvent.chain_hash).where(AuditEvent.authority_id == bindparam("authority_id"))
                .order_by(AuditEvent.id.desc()).limit(1))


def council_head(authority_id: int) -> tuple | None:
    """The council's newest event as (number, hash), None before its first: a plain row read on the session's
    connection (no ORM objects to make)."""
    newest = db.session.connection().execute(COUNCIL_HEAD, {"authority_id": authority_id}).first()
    return tuple(newest) if newest else None


@dataclass(slots=True)
class Stamp:
    """What a page part is made at, read before it is made: the values it is kept with, and the moment."""

    values: tuple
    moment: datetime


def stamp(authority_id: int | None, *read_every_time) -> Stamp:
    """The stamp now: the council's newest event (not read for None: the work list looks through the events since
    its kept page's own), the London day, the script root and the values the page reads on every view."""
    moment = now()
    head = None if authority_id is None else council_head(authority_id)
    return Stamp((head, london(moment).date(), request.script_root, *read_every_time), moment)


@dataclass(slots=True)
class Entry:
    """A part as made at one stamp, current from counted_at until valid_until (None: no end)."""

    stamp: tuple
    counted_at: datetime
    valid_until: datetime | None
    content: object

    def current(self, at: Stamp) -> bool:
        """Whether the part is current at `at`: the same stamp, not before it was made, before its end."""
        return (self.stamp == at.values and self.counted_at <= at.moment
                and (self.valid_until is None or at.moment < self.valid_until))


_STORES: list["Store"] = []


class Store:
    """Where each worker keeps one kind of page part: app.extensions[name], {key: Entry}, of at most `most` entries
    (past it, it starts again)."""

    def __init__(self, name: str, most: int = 500):
        self.name, self.most = name, most
        _STORES.append(self)

    def get(self, key, at: Stamp):
        """The part kept for `key` if it is current at `at`; else None."""
        entry = current_app.extensions.get(self.name, {}).get(key)
        return entry.content if entry is not None and entry.current(at) else None

    def put(self, key, at: Stamp, content, valid_until: datetime | None = None):
        """Keep `content`, made at `at`, for `key` until valid_until (a moment already past: no end) and give it
        back."""
        entries = current_app.extensions.setdefault(self.name, {})
        if len(entries) >= self.most:
            entries.clear()
        entries[key] = Entry(at.values, at.moment,
                             valid_until if valid_until is not None and valid_until > at.moment else None, content)
        return content


def stores() -> tuple[str, ...]:
    """The app.extensions keys of every store of kept page parts."""
    return tuple(store.name for store in _STORES)


def forget(app) -> None:
    """Empty every store of kept page parts of this worker, the audit log's kept summaries and the public
    call-off lists kept rendered (portal.publication.cache) too."""
    from portal.audit.services import forget_summaries
    from portal.publication.cache import pages

    for name in stores():
        app.extensions.pop(name, None)
    forget_summaries()
    pages.clear()
