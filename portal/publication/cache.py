"""The public call-off list page, kept rendered between changes.

The page is public, the same for everyone, and read far more often than its data changes. Its list (and the
system's details above it) is kept in each worker's memory, keyed by a version of the data: a random token in
the one row of call_off_list_versions, replaced in the same transaction as any insert, update or delete of a
table the page shows (systems, councils, lots, zones, memberships and their zones and changes, providers).
The token is replaced by a listener on every SQL statement, not by the services, so no change can forget it:
whatever writes those tables (a service, a bulk update, the data generator) changes the token, and the next
request renders the page afresh. The key also holds today's date (a suspension ends by the date alone) and the
request's own filters. A random token rather than a counter: a rolled-back change leaves the old token, and a
new change never repeats a token already used for other data.

Not cached: the follow button of a signed-in provider (it depends on the user and holds a form token), and
anything when the version row is missing (an emptied database): then every request renders afresh.
"""
import secrets
from collections import OrderedDict
from threading import Lock

from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import UpdateBase

from portal.extensions import db

from .models import CallOffListVersion

#: the tables whose rows the call-off list page shows
WATCHED = frozenset({
    "purchasing_systems", "authorities", "participating_authorities", "lots", "zones", "memberships",
    "membership_zones", "membership_changes", "organisations",
})
VERSION_ID = 1
_version_table = CallOffListVersion.__table__
_listening = False
#: set on a database connection once the version's table is known to be there
_READY = "call_off_list_version_ready"
_PAUSED = "call_off_list_version_paused"


def new_token() -> str:
    return secrets.token_hex(16)


def _after_execute(conn, clauseelement, multiparams, params, execution_options, result):
    if not isinstance(clauseelement, UpdateBase) or conn.get_execution_options().get(_PAUSED):
        return
    table = getattr(clauseelement, "table", None)
    if getattr(table, "name", None) not in WATCHED:
        return
    if not conn.info.get(_READY):
        # a migration may write these tables before the version's table is made (an empty database upgraded)
        if not inspect(conn).has_table(_version_table.name):
            return
        conn.info[_READY] = True
    bump(conn)


def bump(conn) -> None:
    """Replace the version token on this connection (in its transaction); make the row if it is missing."""
    token = new_token()
    changed = conn.execute(update(_version_table).where(_version_table.c.id == VERSION_ID).values(token=token))
    if not changed.rowcount:
        # the row is missing only in an emptied database; two writers may both find it missing
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(_version_table).values(id=VERSION_ID, token=token)
                     .on_conflict_do_update(index_elements=["id"], set_={"token": token}))


def pause(conn) -> None:
    """Writes on this connection leave the version as it is, until its transaction ends: for a restore, which
    puts back the archive's rows and the version they had, together. (An execution option of the Connection:
    the session makes a new one for its next transaction.)"""
    conn.execution_options(**{_PAUSED: True})


def listen() -> None:
    global _listening
    if not _listening:
        event.listen(Engine, "after_execute", _after_execute)
        _listening = True


def current_token() -> str | None:
    """The data's version as this request's transaction sees it; read before the data it keys."""
    return db.session.scalar(select(_version_table.c.token).where(_version_table.c.id == VERSION_ID))


class RenderedPages:
    """A bounded map of rendered pages, least recently used out first; shared by a worker's threads."""

    def __init__(self, size: int = 256):
        self.size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key, page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


pages = RenderedPages()
listen()
