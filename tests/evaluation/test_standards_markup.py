"""The scoring and moderation pages' minimum standards written in Python (portal/evaluation/markup.py): byte for
byte what the templates' loops wrote, for automatic checks, evidence, documents, results, typed values, errors
and a crossing save."""
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.commissioning.models import StandardKind
from portal.evaluation import markup
from portal.evaluation.forms import PASS_FAIL, _text
from portal.forms import BaseForm
from portal.govuk_markup import GovRadioInput
from portal.onboarding.models import CQCRating
from wtforms import RadioField

#: score.html's standards loop before it was written in Python
OLD_SCORING = """{% set standards = assignment.standards() | selectattr("lot_id", "equalto", lot.id) | list %}
  {% if standards %}<h3 class="govuk-heading-m">Minimum standards</h3>{% endif %}
  {% for standard in standards %}{% set r = application.response_for(standard) %}
    <h4 class="govuk-heading-s">{{ standard.title }}</h4>
    <p class="govuk-body-s">{{ standard.description }}</p>
    {% if standard.kind.is_automatic %}
      <p class="govuk-body">Checked automatically: <strong>{{ automatic_standard_result(application, standard) | pass_fail }}</strong>
      {% if standard.kind.value == "cqc_rating" %}(CQC rating at submission: {{ r.cqc_rating_at_submission.label if r and r.cqc_rating_at_submission else "none" }}){% endif %}</p>
    {% else %}
      <div class="portal-answer">{{ (r.text if r and r.text else ("See the documents below" if application.documents_for(standard) else "No evidence given")) | multiline }}</div>
      {% include "evaluation/_standard_documents.html" %}
      {% if assignment.is_submitted %}{% set a = assignment.assessment_for(standard) %}<p class="govuk-body">Your result: <strong>{{ a.passed | pass_fail }}</strong>. {{ a.reason }}</p>
      {% else %}
        {{ radios_field(form["standard_" ~ standard.id], "govuk-radios--inline", "govuk-fieldset__legend--s") }}
        {{ textarea_field(form["reason_" ~ standard.id], 3) }}
      {% endif %}
    {% endif %}
  {% endfor %}
"""

#: moderate.html's standards loop before it was written in Python
OLD_MODERATION = """  <h3 class="govuk-heading-m">Minimum standards</h3>
  {% for standard in lot.standards %}{% set r = application.response_for(standard) %}
    <h4 class="govuk-heading-s">{{ standard.title }}</h4>
    {% if standard.kind.is_automatic %}
      <p class="govuk-body">Checked automatically: <strong>{{ automatic_standard_result(application, standard) | pass_fail }}</strong></p>
    {% else %}
      <div class="portal-answer">{{ (r.text if r else "No evidence given") | multiline }}</div>
      <ul class="govuk-list">
      {% for a in application.current_assignments if not a.as_panel %}{% set sa = a.assessment_for(standard) %}
        <li>{{ a.evaluator.name }}: <strong>{{ sa.passed | pass_fail if sa else "Not assessed" }}</strong>{% if sa %}. {{ sa.reason }}{% endif %}</li>
      {% endfor %}
      </ul>
      {% if ready and can_edit %}
        <input type="hidden" name="version_standard_{{ standard.id }}" value="{{ versions['version_standard_' ~ standard.id] }}">
        {% set theirs = conflicts.get("standard_" ~ standard.id) %}
        {% if theirs %}<div class="govuk-inset-text portal-conflict">Saved by {{ theirs.moderator }} at {{ theirs.moderated_at | datetime }}: <strong>{{ theirs.passed | pass_fail }}</strong>. {{ theirs.rationale }}<br>Your answer is kept below. Save again to replace theirs with yours, or change yours first.</div>{% endif %}
        {{ radios_field(form["standard_" ~ standard.id], "govuk-radios--inline", "govuk-fieldset__legend--s") }}
        {{ textarea_field(form["rationale_standard_" ~ standard.id], 2) }}
      {% endif %}
    {% endif %}
  {% endfor %}
"""

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def standard(id_, kind, title, lot_id=1):
    return SimpleNamespace(id=id_, kind=kind, title=title, lot_id=lot_id, needs_expiry_date=id_ % 2 == 0,
                           description=f"What <{title}> & \"why\" asks for.\n\nA second paragraph.",
                           takes_documents=kind in (StandardKind.document, StandardKind.evidence))


STANDARDS = [standard(1, StandardKind.declaration, "Mandatory exclusion grounds"),
             standard(2, StandardKind.cqc_rating, "CQC rating"), standard(3, StandardKind.cqc_rating, "CQC again"),
             standard(4, StandardKind.evidence, "Previous experience"),
             standard(5, StandardKind.evidence, "Safeguarding <policy>"),
             standard(6, StandardKind.document, "Insurance & indemnity"),
             standard(7, StandardKind.evidence, "Not answered"),
             standard(8, StandardKind.evidence, "Other lot", lot_id=2)]


class Application(SimpleNamespace):
    def response_for(self, standard_):
        return next((r for r in self.standard_responses if r.standard_id == standard_.id), None)

    def documents_for(self, standard_):
        return [d for d in self.documents if d.standard_id == standard_.id]


def document(id_, standard_id, expires_on=None, expired=False, confidential=False):
    return SimpleNamespace(id=id_, standard_id=standard_id, original_filename=f"policy <{id_}>.pdf",
                           file_type=SimpleNamespace(label="PDF"), size_label="12 KB", expires_on=expires_on,
                           is_expired=lambda: expired, confidential=confidential,
                           confidential_reason="Names of staff & people supported")


def application():
    return Application(
        id=9,
        standard_responses=[
            SimpleNamespace(standard_id=1, confirmed=True, text="", cqc_rating_at_submission=None),
            SimpleNamespace(standard_id=2, confirmed=False, text="", cqc_rating_at_submission=CQCRating.good),
            SimpleNamespace(standard_id=4, confirmed=False, text="Five years <of> ISFs.\nSecond line.",
                            cqc_rating_at_submission=None),
            SimpleNamespace(standard_id=5, confirmed=False, text="", cqc_rating_at_submission=None)],
        documents=[document(11, 5, date(2027, 1, 1)), document(12, 5, date(2025, 1, 1), expired=True,
                                                                  confidential=True), document(13, 6)])


def form(formdata=None, errors=()):
    class Form(BaseForm):
        pass

    for s in STANDARDS:
        setattr(Form, f"standard_{s.id}", RadioField(f"Does the provider meet “{s.title}”?", widget=GovRadioInput(),
                                                      choices=PASS_FAIL, validators=[]))
        setattr(Form, f"reason_{s.id}", _text(f"Your reason for “{s.title}”"))
        setattr(Form, f"rationale_standard_{s.id}", _text(f"Why the agreed result for “{s.title}”"))
    made = Form(formdata=MultiDict(formdata or {}), meta={"csrf": False})
    for name in errors:
        made[name].errors = [f"Choose pass or fail for {name} <now>"]
    return made


def assessment(passed, reason="Evidence of five years & more."):
    return SimpleNamespace(passed=passed, reason=reason)


def assignment(app_, submitted):
    results = {4: assessment(True), 5: assessment(False, "No <policy>."), 6: assessment(None, ""), 7: assessment(True),
               8: assessment(False, "Other lot's reason")}
    return SimpleNamespace(application=app_, is_submitted=submitted, standards=lambda: STANDARDS,
                           assessment_for=lambda s: results.get(s.id))


def render(app, source, **context):
    return app.jinja_env.from_string(source).render(**context)


@pytest.mark.parametrize("submitted", [False, True])
@pytest.mark.parametrize("typed", [False, True])
def test_scoring_standards_are_the_templates_markup(app, submitted, typed):
    app_ = application()
    with app.test_request_context():
        shown = form({"standard_4": "fail", "reason_4": "Typed <reason> & more", "standard_5": "pass"} if typed
                     else None, errors=("standard_4", "reason_5") if typed else ())
        assigned = assignment(app_, submitted)
        for lot in (SimpleNamespace(id=1), SimpleNamespace(id=2), SimpleNamespace(id=3)):
            old = render(app, OLD_SCORING, assignment=assigned, application=app_, lot=lot, form=shown,
                         automatic_standard_result=markup.automatic_standard_result)
            new = str(markup.scoring_standards(assigned, lot, shown))
            assert new == old
        first = str(markup.scoring_standards(assigned, SimpleNamespace(id=1), shown))
    assert "policy &lt;11&gt;.pdf" in first and "Confidential" in first and "(CQC rating at submission: Good)" in first
    assert ("Your result: <strong>Fail</strong>. No &lt;policy&gt;." in first) == submitted
    assert ("Typed &lt;reason&gt; &amp; more" in first) == (typed and not submitted)


@pytest.mark.parametrize("editable", [False, True])
def test_moderation_standards_are_the_templates_markup(app, editable):
    app_ = application()
    evaluators = [SimpleNamespace(as_panel=False, evaluator=SimpleNamespace(name="Tom <Evans>"),
                                  assessment_for=assignment(app_, True).assessment_for),
                  SimpleNamespace(as_panel=True, evaluator=SimpleNamespace(name="Margaret Hill"),
                                  assessment_for=lambda s: assessment(True)),
                  SimpleNamespace(as_panel=False, evaluator=SimpleNamespace(name="Grace O'Kafor"),
                                  assessment_for=lambda s: None)]
    app_.current_assignments = evaluators
    lot = SimpleNamespace(id=1, standards=STANDARDS[:7])
    versions = {f"version_standard_{s.id}": s.id * 3 for s in STANDARDS}
    conflicts = {"standard_4": {"moderator": "Priya <Shah>", "moderated_at": WHEN, "passed": False,
                                "rationale": "Not enough & late", "version": 4}}
    with app.test_request_context():
        shown = form({"standard_4": "pass", "rationale_standard_4": "Typed <why>"}, errors=("standard_4",))
        old = render(app, OLD_MODERATION, application=app_, lot=lot, form=shown, ready=editable, can_edit=True,
                     versions=versions, conflicts=conflicts, automatic_standard_result=markup.automatic_standard_result)
        new = str(markup.moderation_standards(app_, lot, shown, editable, versions, conflicts))
    assert new == old
    assert "Tom &lt;Evans&gt;: <strong>Fail</strong>. No &lt;policy&gt;." in new and "Not assessed" in new
    assert "Margaret Hill" not in new
    assert ("Saved by Priya &lt;Shah&gt; at 2 March 2026 at 9:30am" in new) == editable
