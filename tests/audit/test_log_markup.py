"""The audit log page's body written in Python (portal/audit/markup.py, portal/pagination.py pagination_markup):
byte for byte the page that audit/log.html and the pagination macro wrote in Jinja, for the whole log, its
first, middle and last pages, filtered views (with dates in the links), a filter with an error, no match and an
empty log."""
import re

import pytest
from flask import render_template_string

from portal.audit import routes
from portal.audit.services import record_event

#: audit/log.html before its body was written in Python
OLD_TEMPLATE = """{% extends "layout.html" %}
{% from "publication/_pagination.html" import pagination %}
{% if page.pages > 1 %}{% set title = "Audit log (page " ~ page.page ~ " of " ~ page.pages ~ ")" %}{% endif %}

{% block main_content %}
<span class="govuk-caption-l">{{ current_user.authority.name }}</span>
<h1 class="govuk-heading-xl">Audit log</h1>
<p class="govuk-body">Who did what to your council's purchasing systems, rounds, applications and call-off lists, newest first. The log cannot be changed.</p>

<form method="get" action="{{ url_for('audit.log') }}" novalidate class="portal-filter">
  <h2 class="govuk-heading-m">Filter the log</h2>
  {{ filter_fields }}
  {% if filters.any %}
    <p class="govuk-body"><a class="govuk-link" href="{{ url_for('audit.log') }}">Clear the filters</a></p>
  {% endif %}
</form>
<p class="govuk-body">
  <a class="govuk-link" href="{{ url_for('audit.export', **filter_args) }}" download>Download {{ "these events" if filters.any else "the whole log" }} as a spreadsheet (CSV)</a>.
  Each row has the event's hash and the hash of the event before it, so the log can be checked outside the portal.
</p>

{% if page.total %}
  <p class="govuk-body">
    {% if page.pages > 1 %}Showing {{ page.first }} to {{ page.last }} of {{ page.total }} events{% else %}{{ page.total }} event{{ "s" if page.total != 1 }}{% endif %}.
  </p>
  {{ govukTable({
    "caption": "Audit events",
    "captionClasses": "govuk-visually-hidden",
    "classes": "govuk-table--small-text-until-tablet",
    "head": [
      {"text": "Time"},
      {"text": "Who"},
      {"text": "Action"},
      {"text": "Object"},
      {"text": "Before and after"}
    ],
    "rows": rows
  }) }}
  {{ pagination(page, "audit.log", filter_args, label="Pages of the audit log") }}
{% elif filters.any %}
  <p class="govuk-body">No events match these filters.</p>
{% else %}
  <p class="govuk-body">Nothing has been recorded for your council yet.</p>
{% endif %}
{% endblock %}
"""


def old_render(context):
    return render_template_string(OLD_TEMPLATE, title="Audit log", **context)


def both(client, monkeypatch, query):
    """The page as written now, and as the old template wrote it from the same request's findings."""
    client.get("/audit/")  # shows (and so ends) any message left by signing in
    new = client.get("/audit/", query_string=query)
    with monkeypatch.context() as patched:
        patched.setattr(routes, "_render", old_render)
        old = client.get("/audit/", query_string=query)
    assert new.status_code == old.status_code == 200
    # each response has its own script nonce: the rest is compared byte for byte
    return tuple(re.sub(r'nonce="[^"]+"', 'nonce=""', response.get_data(as_text=True)) for response in (new, old))


QUERIES = [
    {},
    {"page": 2},
    {"page": 4},
    {"page": 7},
    {"page": 12},
    {"action": "rate.set"},
    {"action": "rate.set", "page": 3},
    {"action": "rate.set", "date_from": ["2", "6", "2026"], "date_to": ["30", "6", "2026"], "page": 2},
    {"actor": "0"},
    {"object_type": "User", "object_id": "999999"},
    {"action": "rate.set", "date_from": ["31", "2", "2026"]},
    {"date_from": ["5", "6", "2026"], "date_to": ["1", "6", "2026"]},
    {"action": "not-in-the-log <b>"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_page_is_what_the_template_wrote(app, db, client, login, council, frozen_clock, monkeypatch, query):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    cambs = council.authority.id
    for n in range(34):  # 12 pages of 3: first, middle pages with an ellipsis either side, the last
        frozen_clock.advance(hours=5)
        actor = (council.commissioner, council.evaluator1, None)[n % 3]
        record_event(actor, "rate.set" if n % 2 else "round.opened", council.commissioner, authority_id=cambs,
                     before={"rate": n} if n % 4 else None, after={"rate": f"<{n + 1}>"})
    db.session.commit()
    login(council.commissioner)
    new, old = both(client, monkeypatch, query)
    assert new == old
    assert "govuk-table" in new or "No events match" in new
    if "page" in query:
        assert 'aria-current="page">' + str(query["page"]) in new
    if query == {"page": 7}:
        assert new.count("govuk-pagination__item--ellipsis") == 2


@pytest.mark.parametrize("events", [0, 1, 2])
def test_a_short_or_empty_log_is_what_the_template_wrote(db, client, login, council, frozen_clock, monkeypatch,
                                                         events):
    for _ in range(events):
        frozen_clock.advance(minutes=1)
        record_event(council.commissioner, "rate.set", council.commissioner, authority_id=council.authority.id)
    db.session.commit()
    login(council.commissioner)
    new, old = both(client, monkeypatch, {})
    assert new == old
    if not events:
        assert "Nothing has been recorded for your council yet." in new


@pytest.mark.parametrize("filters, index", [
    ({}, "ix_audit_events_authority_time"),
    ({"action": "rate.set"}, "ix_audit_events_authority_action_time"),
    ({"object_type": "User"}, "ix_audit_events_authority_type_time"),
    ({"object_type": "User", "object_id": 3}, "ix_audit_events_authority_object_time"),
    ({"actor_id": 0}, "ix_audit_events_authority_actor_time"),
    ({"actor_id": 5}, "ix_audit_events_authority_actor_time"),
])
def test_each_filter_reads_its_page_and_count_from_an_index(db, council, filters, index):
    """A page of the log, whatever its depth, and each filter's count are read from an index alone (the whole
    log's 140,000 events in the benchmark are neither read nor sorted)."""
    from portal.audit import services

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    log_filters = services.LogFilters(**filters)
    params = {"authority_id": council.authority.id, "limit": 50, "offset": 5000}
    # the page from the index in its order; the count from any of the council's indexes that covers the filter
    for statement, expected in ((services.log_page_rows(council.authority.id, log_filters), index + " "),
                                (services.log_count(council.authority.id, log_filters), "ix_audit_events_authority_")):
        compiled = statement.compile(db.engine)
        values = {**compiled.params, **params}
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(values[name] for name in compiled.positiontup)).all()
        audit_reads = [row[-1] for row in plan if "audit_events" in row[-1]]
        assert any(f"COVERING INDEX {expected}" in read for read in audit_reads), plan
        assert not any(read.startswith("SCAN audit_events") for read in audit_reads), plan
