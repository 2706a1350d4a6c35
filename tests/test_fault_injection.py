"""Fault injection: a database error in the middle of a change rolls the whole request back."""
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.audit.models import AuditEvent
from portal.demo import complete_application
from portal.evaluation import services as evaluation
from portal.evaluation.models import ModeratedScore
from portal.onboarding import services as onboarding
from portal.onboarding.models import Application, ApplicationStatus


def _failing_after(module, monkeypatch, action, nth=1):
    """Make module's record_event raise a database error at its nth call for action (after the change is made)."""
    real = module.record_event
    calls = {"n": 0}

    def record_event(actor, name, obj, **kwargs):
        if name == action:
            calls["n"] += 1
            if calls["n"] >= nth:
                raise OperationalError("INSERT INTO audit_events", {}, Exception("could not write: disk full"))
        return real(actor, name, obj, **kwargs)

    monkeypatch.setattr(module, "record_event", record_event)


def _post(client, url, data):
    g.pop("_login_user", None)
    try:
        return client.post(url, data=data)
    finally:
        g.pop("_login_user", None)


@pytest.fixture()
def server_errors(app, monkeypatch):
    """Errors become the 500 page, as in production, instead of reaching the test."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_failed_submission_leaves_the_draft_as_it_was(client, login, db, system, make_round, make_provider,
                                                      monkeypatch, server_errors):
    round_ = make_round()
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    db.session.commit()
    application_id = application.id
    login(provider)
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    _failing_after(onboarding, monkeypatch, "application.submitted")
    response = _post(client, f"/provider/applications/{application_id}/check", {"declaration": "y"})
    assert response.status_code == 500
    assert "Nothing you had already saved has been lost" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Application, application_id)
    assert stored.status is ApplicationStatus.draft and stored.submitted_at is None
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before
    # the provider can submit once the fault has gone
    monkeypatch.undo()
    response = _post(client, f"/provider/applications/{application_id}/check", {"declaration": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application_id).status is ApplicationStatus.submitted


def test_failed_moderation_save_stores_none_of_the_agreed_scores(app, client, login, db, council, system, make_round,
                                                                  make_provider, frozen_clock, monkeypatch,
                                                                  server_errors):
    round_ = make_round(closes_in=timedelta(days=2))
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    frozen_clock.advance(days=3)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    evaluator = council.evaluator1
    evaluation.declare_conflicts(round_, evaluator, {application.organisation_id: (False, "")})
    assignment = application.assignments[0]
    for question in assignment.questions():
        evaluation.record_score(assignment, question, evaluator, score=4, justification="Clear and evidenced answer.")
    for standard in assignment.standards():
        if not standard.kind.is_automatic:
            evaluation.record_standard_assessment(assignment, standard, evaluator, passed=True,
                                                  reason="Evidence shows relevant experience.")
    evaluation.submit_assignment(assignment, evaluator)
    db.session.commit()
    questions = system.lots[0].questions
    login(council.commissioner)
    form = {}
    for question in questions:
        form[f"score_{question.id}"] = "3"
        form[f"rationale_{question.id}"] = "Agreed at the moderation meeting."
    # the third agreed score fails to write: the first two must not stay either
    _failing_after(evaluation, monkeypatch, "score.moderated", nth=3)
    response = _post(client, f"/evaluation/applications/{application.id}/moderation", form)
    assert response.status_code == 500
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ModeratedScore.id))) == 0
