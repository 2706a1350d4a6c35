"""The audit log page's parts written in Python or counted from the chain: the before/after values read as the
template's macro wrote them, and the whole log's count is count(*) whatever has happened since the last one."""
import re

import pytest
from sqlalchemy import delete, func, select

from portal.audit import routes, services
from portal.audit.models import AuditEvent
from portal.audit.services import record_event

#: the macros the log's template used for before/after values, before they were written in Python
MACROS = """
{% macro values(data) %}
{% if data is mapping %}
  <ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">
  {% for key, value in data | dictsort %}
    <li><span class="govuk-!-font-weight-bold">{{ key }}</span>: {{ value_text(value) }}</li>
  {% endfor %}
  </ul>
{% elif data is not none %}
  <span class="govuk-body-s">{{ value_text(data) }}</span>
{% endif %}
{% endmacro %}
{% macro value_text(value) -%}
{% if value is none %}none{% elif value is string %}{{ value | truncate(160, true, "…") }}{% else %}{{ (value | tojson | string) | truncate(160, true, "…") }}{% endif %}
{%- endmacro %}
{{ values(data) }}"""


def squeezed(html) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize("data", [
    {"status": "active", "Zeta": 1, "alpha": None, "beta": True, "rate": "16.20"},
    {"note": "<b>bold</b> & 'quoted' \"text\"", "list": [1, "<two>", {"x": "&"}]},
    {"long": "x" * 165, "longer": "y" * 166, "exact": "z" * 160, "json": {"k": "v" * 200}},
    {"é": "£16.20", "B": "b", "a": "a"},
    [1, 2, "three"],
    "just text <escaped>",
    "w" * 300,
    42,
    False,
    {},
])
def test_values_read_as_the_macro_wrote_them(app, data):
    with app.test_request_context():
        macro = app.jinja_env.from_string(MACROS).render(data=data)
        assert squeezed(routes._values(data)) == squeezed(macro)


def count_in_sql(authority_id) -> int:
    return services.db.session.scalar(select(func.count()).where(AuditEvent.authority_id == authority_id))


def test_the_whole_logs_count_follows_the_log(db, council, frozen_clock):
    cambs, pboro = council.authority.id, council.other_commissioner.authority_id

    def record(authority_id, n=1):
        for _ in range(n):
            frozen_clock.advance(minutes=1)
            record_event(council.commissioner, "test.step", council.commissioner, authority_id=authority_id)
        db.session.commit()

    record(cambs, 3)
    record(pboro, 2)
    services._summaries.clear()
    assert services.log_summary(cambs).count == count_in_sql(cambs)  # counted afresh
    assert services.log_summary(pboro).count == count_in_sql(pboro)
    record(cambs, 4)
    record(pboro, 1)
    assert services.log_summary(cambs).count == count_in_sql(cambs)  # the last count and the events since
    assert services.log_summary(pboro).count == count_in_sql(pboro)
    assert services.log_summary(cambs).count == count_in_sql(cambs)  # nothing new
    # a log emptied by hand (as the tests' clean-up does) is counted afresh, not from the last count
    db.session.execute(delete(AuditEvent))
    db.session.commit()
    assert services.log_summary(cambs).count == 0
    record(cambs, 2)
    assert services.log_summary(cambs).count == count_in_sql(cambs) == 2


def test_the_filters_choices_follow_the_log(db, council, frozen_clock):
    cambs = council.authority.id

    def record(action, obj):
        frozen_clock.advance(minutes=1)
        record_event(council.commissioner, action, obj, authority_id=cambs)
        db.session.commit()

    record("rate.set", council.commissioner)
    first = services.log_summary(cambs)
    assert "rate.set" in first.actions and "User" in first.object_types
    assert services.log_summary(cambs) is first  # nothing recorded since: read once
    record("lot.added", council.commissioner.authority)
    second = services.log_summary(cambs)
    assert second.actions == tuple(sorted(set(first.actions) | {"lot.added"}))
    assert second.object_types == tuple(sorted(set(first.object_types) | {"Authority"}))
    assert second.count == first.count + 1


def test_the_page_shows_the_whole_logs_count(db, client, login, council, frozen_clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for _ in range(4):
        frozen_clock.advance(minutes=1)
        record_event(council.commissioner, "test.step", council.commissioner, authority_id=council.authority.id)
    db.session.commit()
    login(council.commissioner)
    total = count_in_sql(council.authority.id)
    assert f"Showing 1 to 2 of {total} events" in client.get("/audit/").get_data(as_text=True)
    record_event(council.commissioner, "test.step", council.commissioner, authority_id=council.authority.id)
    db.session.commit()
    assert f"Showing 1 to 2 of {total + 1} events" in client.get("/audit/").get_data(as_text=True)
    filtered = client.get("/audit/", query_string={"action": "test.step"}).get_data(as_text=True)
    assert "Showing 1 to 2 of 5 events" in filtered


def test_other_councils_events_leave_the_summary_as_it_was_read(db, council, frozen_clock):
    cambs, pboro = council.authority.id, council.other_commissioner.authority_id
    record_event(council.commissioner, "rate.set", council.commissioner, authority_id=cambs)
    db.session.commit()
    first = services.log_summary(cambs)
    frozen_clock.advance(minutes=1)
    record_event(council.other_commissioner, "peterborough.only", council.other_commissioner, authority_id=pboro)
    db.session.commit()
    assert services.log_summary(cambs) is first  # another council's event: nothing read again
    assert "peterborough.only" in services.log_summary(pboro).actions
    frozen_clock.advance(minutes=1)
    record_event(None, "round.opened", council.commissioner, authority_id=cambs)
    db.session.commit()
    again = services.log_summary(cambs)
    assert again.count == first.count + 1 == count_in_sql(cambs) and "round.opened" in again.actions


def test_the_kept_rows_are_the_table_the_macro_wrote_and_follow_a_change_of_name(app, db, client, login, council,
                                                                                  frozen_clock):
    from portal.govuk_markup import govuk_table

    cambs = council.authority.id
    for actor, action, before, after in [
        (council.commissioner, "rate.set", {"ceiling": "16.22"}, {"ceiling": "<b>19.65</b>", "Zones": [1, 2]}),
        (None, "round.opened", None, None),
        (council.evaluator1, "score.recorded", None, {"score": 4, "note": "x" * 200}),
        (council.commissioner, "round.paused", "just text", None),
    ]:
        frozen_clock.advance(hours=7, minutes=13)
        record_event(actor, action, council.commissioner, authority_id=cambs, before=before, after=after)
    db.session.commit()
    login(council.commissioner)
    pages = [client.get("/audit/").get_data(as_text=True) for _ in range(2)]  # written, then kept
    assert pages[0].count('<tr class="govuk-table__row">') == 5

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.authority_id == cambs)
                                .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())).all()
    macro = app.jinja_env.get_template("govuk_frontend_jinja/components/table/macro.html").module.govukTable
    with app.test_request_context():
        rows = [routes._row((e.occurred_at, e.actor.name if e.actor else None, e.action, e.object_type, e.object_id,
                             e.before, e.after)) for e in events]
        params = {"caption": "Audit events", "captionClasses": "govuk-visually-hidden",
                  "classes": "govuk-table--small-text-until-tablet",
                  "head": [{"text": "Time"}, {"text": "Who"}, {"text": "Action"}, {"text": "Object"},
                           {"text": "Before and after"}], "rows": rows}
        written, by_the_macro = govuk_table(params), macro(params)
    tables = [page[page.index('<table'):page.index('</table>') + len('</table>\n')] for page in pages]
    assert tables[0] == tables[1] == written  # byte for byte: the table govukTable wrote from the cells
    assert squeezed(written) == squeezed(by_the_macro)  # and GOV.UK's own macro
    assert "Tom Evans" in tables[1]

    council.evaluator1.name = "Thomas Evans"  # a person's name is the one thing of a row that can change
    db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert "Thomas Evans" in page and "Tom Evans" not in page
