"""The audit log export reads plain stored columns: its times and JSON cells must read exactly as the events'."""
import json
from datetime import UTC, datetime

from portal.audit.models import AuditEvent
from portal.audit.services import LogFilters, export_rows, record_event
from portal.clock import london


def test_export_cells_match_each_stored_event(db, council, frozen_clock):
    cambs = council.authority.id
    frozen_clock.move_to(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # the night the clocks go forward
    changes = [
        ({"zeta": "£16.20", "alpha": [1, "é"], "mid": {"b": None, "a": True}}, {"status": "=suspended"}),
        (None, None),
        ({}, {"n": -5}),
    ]
    for before, after in changes:
        record_event(council.commissioner, "rate.set", council.commissioner, authority_id=cambs,
                     before=before, after=after)
        frozen_clock.advance(hours=1, microseconds=250)
    record_event(None, "round.opened", council.commissioner, authority_id=cambs)
    db.session.commit()

    header, *rows = list(export_rows(cambs, LogFilters()))
    events = {e.id: e for e in db.session.query(AuditEvent).filter_by(authority_id=cambs)}
    assert len(rows) == len(events) == 4
    for row in rows:
        event = events[row[0]]
        assert row[1] == event.occurred_at.isoformat()
        assert row[2] == london(event.occurred_at).strftime("%d/%m/%Y %H:%M:%S")
        for cell, value in ((row[8], event.before), (row[9], event.after)):
            assert cell == ("" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True))
        assert (row[10], row[11]) == (event.prev_hash, event.chain_hash)
    first = rows[-1]  # oldest last
    assert first[2] == "29/03/2026 00:30:00" and rows[-2][2] == "29/03/2026 02:30:00"  # GMT, then BST
    assert first[8] == '{"alpha": [1, "é"], "mid": {"a": true, "b": null}, "zeta": "£16.20"}'
    assert rows[0][3] == "The portal" and rows[0][8] == rows[0][9] == ""
