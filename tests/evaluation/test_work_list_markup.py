"""The work list's rounds and rows, and the evaluation clock, written in Python (portal/evaluation/markup.py):
byte for byte what the Jinja template and macros wrote, for every kind of row, round and clock."""
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from portal.evaluation import markup
from portal.evaluation.models import ConflictDecision
from portal.evaluation.work_list import ListedApplication, ListedAssignment, ListedDeclaration
from portal.onboarding.models import ApplicationStatus

#: the work list template's loop over rounds before it was written in Python (with its clock macros)
OLD_TEMPLATE = """{% from "evaluation/_clock.html" import evaluation_clock, clock_cell %}
{% for round, assignments in rounds.items() %}
<h2 class="govuk-heading-m">{{ round.system.title }}: {{ round.name }}</h2>
{% if round.bids_sealed %}
  <p class="govuk-body">This round closes on {{ round.closes_at | datetime }}. You can read the applications after it closes.</p>
{% else %}
{% if not round.system.always_open %}{{ evaluation_clock(clock(round)) }}{% endif %}
{% set p = progress.get(round.id) %}
{% if p %}<p class="govuk-body">To do: <strong>{{ p.to_do }}</strong>. In progress: <strong>{{ p.in_progress }}</strong>. Done: <strong>{{ p.done }}</strong>.</p>{% endif %}
<table class="govuk-table">
  <caption class="govuk-table__caption govuk-visually-hidden">Applications to score in {{ round.name }}</caption>
  <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Provider</th><th scope="col" class="govuk-table__header">Conflict of interest</th><th scope="col" class="govuk-table__header">Status</th>{% if round.system.always_open %}<th scope="col" class="govuk-table__header">Due</th>{% endif %}<th scope="col" class="govuk-table__header">Your scores</th></tr></thead>
  <tbody class="govuk-table__body">
  {% for a in assignments %}{% set d = declared.get((round.id, a.application.organisation_id)) %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ a.application.legal_name }}</td>
      <td class="govuk-table__cell">{% if not a.is_current %}–{% elif not d %}<a class="govuk-link" href="{{ url_for('evaluation.conflicts', round_id=round.id) }}">Declare first</a>{% else %}{{ d.status_label }}{% endif %}</td>
      <td class="govuk-table__cell">{% if not a.is_current %}<strong class="govuk-tag govuk-tag--grey">Moved</strong> to another evaluator{% elif a.is_submitted %}<strong class="govuk-tag govuk-tag--green">Done</strong>{% elif a.started %}<strong class="govuk-tag govuk-tag--blue">In progress</strong>{% else %}<strong class="govuk-tag govuk-tag--grey">To do</strong>{% endif %}</td>
      {% if round.system.always_open %}<td class="govuk-table__cell">{{ clock_cell(clock(round, a.application)) }}</td>{% endif %}
      <td class="govuk-table__cell">
        {% if not a.is_current %}No longer yours
        {% elif a.is_submitted %}Submitted (<a class="govuk-link" href="{{ url_for('evaluation.score', assignment_id=a.id) }}">view<span class="govuk-visually-hidden"> your scores for {{ a.application.legal_name }}</span></a>)
        {% elif d and d.clears_scoring %}<a class="govuk-link" href="{{ url_for('evaluation.score', assignment_id=a.id) }}">{{ "Continue scoring" if a.started else "Start scoring" }}<span class="govuk-visually-hidden"> {{ a.application.legal_name }}</span></a>
        {% else %}Not yet{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
{% endif %}
{% else %}
<p class="govuk-body">You have no applications to evaluate.</p>
{% endfor %}
"""

OLD_CLOCK = """{% from "evaluation/_clock.html" import evaluation_clock %}{{ evaluation_clock(clock, *intro) }}"""

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def clock(due_on=date(2026, 3, 16), working_days=10, extension=None, finished=False, overdue=False, days_left=4):
    return SimpleNamespace(due_on=due_on, working_days=working_days, extension=extension, finished=finished,
                           overdue=overdue, days_left=days_left)


CLOCKS = [
    None,
    clock(),
    clock(days_left=1),
    clock(days_left=0),
    clock(overdue=True, days_left=-1),
    clock(overdue=True, days_left=-3),
    clock(finished=True, days_left=-20),
    clock(working_days=15, extension=SimpleNamespace(justification='Illness & "leave" <of> staff')),
]


def row(id_, name, *, submitted=False, ended=False, started=False, declaration="none", organisation_id=None,
        application_submitted=WHEN):
    declared = {"none": None, "no": ListedDeclaration(False, None), "waiting": ListedDeclaration(True, None),
                "allowed": ListedDeclaration(True, ConflictDecision.allowed),
                "reassigned": ListedDeclaration(True, ConflictDecision.reassigned)}[declaration]
    return ListedAssignment(id_, WHEN if submitted else None, WHEN if ended else None, started,
                            ListedApplication(id_ + 1000, 7, organisation_id or id_ + 500, name,
                                              ApplicationStatus.submitted, application_submitted), declared)


class FakeRound(SimpleNamespace):
    __hash__ = object.__hash__


def make_round(id_, *, always_open=False, sealed=False, title="Home care <DPS> & support"):
    return FakeRound(id=id_, name=f"Round {id_}", system=SimpleNamespace(title=title, always_open=always_open),
                           bids_sealed=sealed, closes_at=WHEN)


def every_row(start):
    names = ["O'Brien & Sons <Care> Ltd", "Acorn Care CIC", 'The "Best" Care']
    rows, n = [], start
    for declaration in ("none", "no", "waiting", "allowed", "reassigned"):
        for state in ({}, {"started": True}, {"submitted": True, "started": True}, {"ended": True},
                      {"ended": True, "submitted": True}):
            rows.append(row(n, names[n % 3], declaration=declaration, **state))
            n += 1
    return rows


def render_old(app, rounds, progress, clocks):
    declared = {(r.id, a.application.organisation_id): a.declaration for r, rows in rounds.items() for a in rows
                if a.declaration is not None}
    return app.jinja_env.from_string(OLD_TEMPLATE).render(rounds=rounds, progress=progress, declared=declared,
                                                          clock=clocks)


@pytest.mark.parametrize("always_open", [False, True])
def test_rounds_and_rows_are_the_templates_markup(app, always_open):
    windowed = make_round(4, always_open=always_open)
    other = make_round(7, always_open=always_open, title="Second")
    sealed = make_round(1, sealed=True)
    rounds = {windowed: every_row(10), other: every_row(40)[:7], sealed: every_row(70)[:2]}
    progress = {4: {"total": 9, "done": 2, "in_progress": 3, "to_do": 4}}
    by_application = {}

    def clocks(round_, application=None):
        if application is None:
            return CLOCKS[round_.id % len(CLOCKS)]
        return by_application.setdefault(application.id, CLOCKS[application.id % len(CLOCKS)])

    with app.test_request_context():
        new = str(markup.work_list_rounds(rounds, progress, clocks))
        old = render_old(app, rounds, progress, clocks)
    assert new == old
    assert "Declare first" in new and "Allowed with mitigation" in new and "No longer yours" in new
    assert "This round closes on" in new and "Continue scoring" in new and "To do: <strong>4</strong>" in new
    assert "Overdue" in new
    assert ("extended: Illness &amp; &#34;leave&#34; &lt;of&gt; staff" in new) != always_open
    assert (">Due</th>" in new) == always_open


def test_no_rounds_is_the_templates_markup(app):
    with app.test_request_context():
        assert str(markup.work_list_rounds({}, {}, None)) == render_old(app, {}, {}, None)


@pytest.mark.parametrize("shown", CLOCKS)
@pytest.mark.parametrize("intro", [(), ("Please finish by",)])
def test_evaluation_clock_is_the_macros_markup(app, shown, intro):
    with app.test_request_context():
        old = app.jinja_env.from_string(OLD_CLOCK).render(clock=shown, intro=intro)
        assert str(markup.evaluation_clock(shown, *intro)) == old
