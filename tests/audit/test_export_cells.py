"""The audit log download sends each event's cells stored when it was recorded: the file must be byte for byte
what csv.writer writes from the events' own fields, safe from formulas, with each person's present name;
cells changed by hand are found by verify-audit, and events without cells (older ones) are filled."""
import csv
import io
from datetime import UTC, datetime

from sqlalchemy import text, update

from portal.audit.cells import fill_missing
from portal.audit.chain import verify_chain
from portal.audit.models import AuditEvent
from portal.audit.services import LogFilters, export_lines, export_rows, record_event
from portal.auth.models import Role
from portal.demo import create_staff
from portal.documents.csv_download import _safe_row, csv_cell, csv_line


def written_by_csv_module(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_safe_row(row) for row in rows)
    return buffer.getvalue()


def test_a_cell_is_written_as_the_csv_module_writes_it():
    cells = ["plain", "", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "=SUM(A1)", "-5", "+1", "@x", "\tx",
             " lead", "tail ", "é £", "'quoted", 0, 7, -3, None, 2.5, '="x",y']
    assert csv_line(cells) == written_by_csv_module([cells])
    assert csv_cell("=1+1") == "'=1+1" and csv_cell('=a,"b"') == '"\'=a,""b"""'


def events_worth_checking(db, council, frozen_clock):
    cambs = council.authority.id
    odd = create_staff(council.authority, Role.commissioner, "odd@cambs.example", '=HYPERLINK("x"), "Jo"\nSmith')
    frozen_clock.move_to(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # the night the clocks go forward
    for actor, before, after in [
        (council.commissioner, {"zeta": "£16.20", "alpha": [1, "é"], "mid": {"b": None, "a": True}},
         {"status": "=suspended"}),
        (odd, None, None),
        (None, {}, {"n": -5}),
        (council.commissioner, {"note": 'a "quoted", line\nand more'}, -7),
    ]:
        record_event(actor, "rate.set", council.commissioner, authority_id=cambs, before=before, after=after)
        frozen_clock.advance(hours=1, microseconds=250)
    frozen_clock.move_to(datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC))  # a time with no microseconds, clocks go back
    record_event(None, "round.opened", council.commissioner, authority_id=cambs)
    record_event(council.other_commissioner, "peterborough.only", council.other_commissioner,
                 authority_id=council.other_commissioner.authority_id)
    db.session.commit()
    return cambs


def test_the_download_is_what_csv_writer_writes_from_the_events(db, council, frozen_clock):
    cambs = events_worth_checking(db, council, frozen_clock)
    text_ = "".join(export_lines(cambs, LogFilters()))
    assert text_ == written_by_csv_module(export_rows(cambs, LogFilters()))
    rows = list(csv.reader(io.StringIO(text_)))
    assert len(rows) == 1 + db.session.query(AuditEvent).filter_by(authority_id=cambs).count()
    assert "peterborough.only" not in text_
    assert any(row[3] == '\'=HYPERLINK("x"), "Jo"\nSmith' for row in rows)  # quoted, and not a formula
    assert any(row[9] == "'-7" for row in rows) and any(row[9] == '{"status": "=suspended"}' for row in rows)
    assert rows[1][1] == "2026-10-25T01:00:00+00:00" and rows[1][2] == "25/10/2026 01:00:00"
    # filtered the same way as the page
    filtered = "".join(export_lines(cambs, LogFilters(action="round.opened")))
    assert filtered == written_by_csv_module(export_rows(cambs, LogFilters(action="round.opened")))
    assert filtered.count("\r\n") == 2


def test_who_is_the_persons_present_name(db, council, frozen_clock):
    cambs = events_worth_checking(db, council, frozen_clock)
    council.commissioner.name = "Priya Shah-Jones"
    db.session.commit()
    text_ = "".join(export_lines(cambs, LogFilters()))
    assert "Priya Shah-Jones," in text_ and "Priya Shah," not in text_
    assert text_ == written_by_csv_module(export_rows(cambs, LogFilters()))


def test_cells_changed_by_hand_break_verification(db, council, frozen_clock):
    events_worth_checking(db, council, frozen_clock)
    assert verify_chain().ok
    target = db.session.query(AuditEvent).filter_by(action="round.opened").one().id
    db.session.execute(text("UPDATE audit_events SET csv_end = replace(csv_end, 'round.opened', 'round.closed') "
                            "WHERE id = :id"), {"id": target})
    db.session.commit()
    result = verify_chain()
    assert not result.ok and result.broken_event_id == target
    assert "its cells in the CSV download no longer match" in result.problem


def test_events_without_cells_are_downloaded_the_same_and_filled(db, council, frozen_clock):
    cambs = events_worth_checking(db, council, frozen_clock)
    expected = written_by_csv_module(export_rows(cambs, LogFilters()))
    db.session.execute(update(AuditEvent).values(csv_start=None, csv_end=None))
    db.session.commit()
    assert "".join(export_lines(cambs, LogFilters())) == expected  # formatted from the fields meanwhile
    count = db.session.query(AuditEvent).count()
    assert fill_missing(db.session.connection()) == count
    db.session.commit()
    assert db.session.query(AuditEvent).filter(AuditEvent.csv_start.is_(None)).count() == 0
    assert "".join(export_lines(cambs, LogFilters())) == expected
    assert verify_chain().ok
