"""The audit log: each council's commissioners read their own council's events, and nobody else may."""
import re
from html import unescape
import pytest

from portal.audit.services import record_event


def main_html(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<main'):html.index('</main>')]


def table_rows(html) -> list[str]:
    if "<tbody" not in html:
        return []
    body = html[html.index('<tbody'):html.index('</tbody>')]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


@pytest.fixture()
def events(db, council, frozen_clock):
    """Events of both councils, a day apart, newest last."""
    cambs = council.authority.id
    pboro = council.other_commissioner.authority_id
    made = []
    for actor, action, authority_id, before, after in [
        (council.commissioner, "round.scheduled", cambs, None, {"opens_at": "2026-06-02T11:00:00"}),
        (council.other_commissioner, "peterborough.secret", pboro, None, {"note": "Peterborough only"}),
        (council.commissioner, "rate.set", cambs, {"ceiling": "16.22"}, {"ceiling": "<b>19.65</b>"}),
        (None, "round.opened", cambs, None, None),
    ]:
        frozen_clock.advance(days=1)
        made.append(record_event(actor, action, council.commissioner, authority_id=authority_id,
                                 before=before, after=after))
    db.session.commit()
    return made


def test_commissioner_sees_own_councils_events_newest_first(client, login, council, events):
    login(council.commissioner)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = main_html(response)
    rows = table_rows(html)
    assert "Peterborough only" not in html and "peterborough.secret" not in html
    # newest first: the portal's own event, then the rate change, then the round scheduled
    assert [row.split(" ")[0:3] for row in rows][:3] == [["5", "June", "2026"], ["4", "June", "2026"],
                                                        ["2", "June", "2026"]]
    assert rows[0].startswith("5 June 2026 at midday The portal round.opened User")
    assert "No values recorded" in rows[0]
    assert rows[1].startswith("4 June 2026 at midday Priya Shah rate.set User")
    assert "Before: ceiling : 16.22 After: ceiling : <b>19.65</b>" in rows[1]
    # the values are escaped, not rendered as HTML
    assert "&lt;b&gt;19.65&lt;/b&gt;" in html and "<b>19.65</b>" not in html
    assert f"User {council.commissioner.id}" in rows[1]
    assert len(rows) == 3


def test_other_councils_commissioner_sees_only_theirs(client, login, council, events):
    login(council.other_commissioner)
    html = main_html(client.get("/audit/"))
    assert "peterborough.secret" in html and "Peterborough only" in html
    assert "rate.set" not in html and "round.opened" not in html


def test_filter_by_action(client, login, council, events):
    login(council.commissioner)
    html = main_html(client.get("/audit/", query_string={"action": "rate.set"}))
    rows = table_rows(html)
    assert len(rows) == 1 and "rate.set" in rows[0]
    assert '<option value="rate.set" selected>' in html
    # the select offers this council's actions only
    assert '<option value="round.opened">' in html
    assert "peterborough.secret" not in html
    # another council's action, or one that does not exist, is ignored
    assert len(table_rows(main_html(client.get("/audit/", query_string={"action": "peterborough.secret"})))) > 1


def test_paginates_keeping_the_filter(app, client, login, council, events, frozen_clock, monkeypatch, db):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(3):
        frozen_clock.advance(minutes=1)
        record_event(council.commissioner, "rate.set", council.commissioner, authority_id=council.authority.id,
                     after={"n": n})
    db.session.commit()
    login(council.commissioner)
    first = main_html(client.get("/audit/", query_string={"action": "rate.set"}))
    assert len(table_rows(first)) == 2
    assert "Showing 1 to 2 of 4 events" in first
    assert 'href="/audit/?page=2&amp;action=rate.set"' in first
    second = main_html(client.get("/audit/", query_string={"action": "rate.set", "page": 2}))
    assert len(table_rows(second)) == 2
    assert client.get("/audit/", query_string={"action": "rate.set", "page": 3}).status_code == 404


@pytest.mark.parametrize("who", ["evaluator1", "panel", "other_evaluator"])
def test_council_staff_who_are_not_commissioners_are_refused(client, login, council, events, who):
    login(getattr(council, who))
    assert client.get("/audit/").status_code == 403


def test_provider_is_refused(client, login, make_provider, events):
    login(make_provider())
    assert client.get("/audit/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, events):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# ---- filters by who, record and dates; the CSV export


def test_filter_by_actor_record_and_dates(client, login, council, events):
    login(council.commissioner)
    by_portal = table_rows(main_html(client.get("/audit/", query_string={"actor": "0"})))
    assert len(by_portal) == 1 and "The portal round.opened" in by_portal[0]
    by_priya = table_rows(main_html(client.get("/audit/", query_string={"actor": str(council.commissioner.id)})))
    assert [r.split(" Priya Shah ")[1].split(" ")[0] for r in by_priya] == ["rate.set", "round.scheduled"]
    # events happened on 2, 4 and 5 June (London days)
    june_3_to_4 = table_rows(main_html(client.get("/audit/", query_string={
        "date_from": ["3", "6", "2026"], "date_to": ["4", "6", "2026"]})))
    assert len(june_3_to_4) == 1 and "rate.set" in june_3_to_4[0]
    from_5th = table_rows(main_html(client.get("/audit/", query_string={"date_from": ["5", "6", "2026"]})))
    assert len(from_5th) == 1 and "round.opened" in from_5th[0]
    by_record = table_rows(main_html(client.get("/audit/", query_string={
        "object_type": "User", "object_id": str(council.commissioner.id)})))
    assert len(by_record) == 3
    assert table_rows(main_html(client.get("/audit/", query_string={"object_type": "User", "object_id": "999999"}))) == []


def test_a_bad_date_shows_an_error_and_keeps_the_other_filters(client, login, council, events):
    login(council.commissioner)
    response = client.get("/audit/", query_string={"action": "rate.set", "date_from": ["31", "2", "2026"]})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: Audit log" in html
    assert "There is a problem" in html
    rows = table_rows(main_html(response))
    assert len(rows) == 1 and "rate.set" in rows[0]
    backwards = client.get("/audit/", query_string={"date_from": ["5", "6", "2026"], "date_to": ["1", "6", "2026"]})
    assert "The &#39;to&#39; date must be the same as or after the &#39;from&#39; date" in backwards.get_data(as_text=True) \
        or "The 'to' date must be the same as or after the 'from' date" in unescape(backwards.get_data(as_text=True))


def test_export_streams_the_filtered_log_with_hashes(client, login, council, events):
    import csv
    import io

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    login(council.commissioner)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment; filename=audit-log-")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Event number", "Time (UTC)", "Time (UK)", "Who"]
    body = rows[1:]
    assert [r[5] for r in body] == ["round.opened", "rate.set", "round.scheduled"]  # newest first, own council only
    rate = body[1]
    stored = db.session.get(AuditEvent, int(rate[0]))
    assert rate[1] == stored.occurred_at.isoformat()
    assert rate[2] == "04/06/2026 12:00:00"
    assert rate[3:8] == ["Priya Shah", council.commissioner.email, "rate.set", "User", str(council.commissioner.id)]
    assert rate[8] == '{"ceiling": "16.22"}' and rate[9] == '{"ceiling": "<b>19.65</b>"}'
    assert rate[10] == stored.prev_hash and rate[11] == stored.chain_hash and len(rate[11]) == 64
    assert body[0][3] == "The portal" and body[0][8] == ""
    filtered = list(csv.reader(io.StringIO(
        client.get("/audit/export.csv", query_string={"action": "rate.set"}).get_data(as_text=True).lstrip("\ufeff"))))
    assert len(filtered) == 2 and filtered[1][5] == "rate.set"


@pytest.mark.parametrize("who", ["evaluator1", "other_evaluator"])
def test_export_is_for_commissioners_only(client, login, council, events, who):
    login(getattr(council, who))
    assert client.get("/audit/export.csv").status_code == 403
    client.post("/sign-out")
    assert client.get("/audit/export.csv").status_code == 302


def test_log_page_runs_a_fixed_number_of_queries(app, client, login, council, events, db, frozen_clock):
    from sqlalchemy import event as sa_event

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/audit/").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    from portal.audit import services

    def counts():
        # a worker that has not read the log since it changed reads the filter's choices again; one that has
        # reuses them (services.log_summary): both are counted, each the same whatever the log's length
        services._summaries.clear()
        cold = count_queries()
        db.session.commit()  # each count starts from an expired session, as a fresh request does
        return cold, count_queries()

    login(council.commissioner)
    db.session.commit()  # both counts start from an expired session, as a fresh request does
    few = counts()
    for n in range(30):
        record_event(council.evaluator1 if n % 2 else council.commissioner, "rate.set", council.commissioner,
                     authority_id=council.authority.id, after={"n": n})
    db.session.commit()
    assert counts() == few
    assert few[1] == few[0] - 1


def test_filter_choices_are_the_councils_actions_and_kinds_once_each_in_order(client, login, council, events, db):
    for action in ("rate.set", "lot.added", "rate.set"):  # repeats are offered once
        record_event(council.commissioner, action, council.commissioner.authority, authority_id=council.authority.id)
    db.session.commit()
    login(council.commissioner)
    html = main_html(client.get("/audit/"))

    def options(name):
        select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
        return re.findall(r'<option value="([^"]*)"', select_html)

    assert options("action") == ["", "lot.added", "rate.set", "round.opened", "round.scheduled"]
    assert options("object_type") == ["", "Authority", "User"]
