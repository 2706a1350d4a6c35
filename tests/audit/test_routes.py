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
