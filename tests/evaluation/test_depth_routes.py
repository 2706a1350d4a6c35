"""Evaluation pages in depth: assigning, moving work, interests and the register, the deadline
clock, the panel member's view, panel questions, consistency, and refusals through the pages."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.commissioning.models import Scorer
from portal.evaluation import services as evaluation
from portal.evaluation.models import Assignment, ConflictDeclaration, ConflictDecision, EvaluationExtension, Score

from .test_services import JUSTIFICATION, assignment_of, declare_none, score_all, submitted_application


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def closed(db, system, make_round, make_provider, frozen_clock):
    """Round 1 just closed with two applications for Lot 1."""
    round_ = make_round()
    first = submitted_application(round_, make_provider("Bloomsbury Home Care LTD"), [system.lots[0]])
    second = submitted_application(round_, make_provider("Fenland Support CIC"), [system.lots[0]])
    frozen_clock.advance(days=15)
    db.session.commit()
    return round_, first, second


# ---- assigning through the pages


def test_spreading_through_the_page_gives_each_application_one_evaluator(client, login, db, council, closed):
    round_, first, second = closed
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}/assign"))
    assert "How do you want to share the work? As a team" in page and "Spread evenly" in page
    assert "Which applications? Every application in the round" in page
    # spreading needs a number: refused with a message, nothing stored
    r = client.post(f"/commissioning/rounds/{round_.id}/assign", data={
        "how": "spread", "evaluators": [str(council.evaluator1.id), str(council.evaluator2.id)]})
    assert r.status_code == 200 and "Enter how many evaluators each application gets" in text(r)
    assert count(db, Assignment) == 0
    r = client.post(f"/commissioning/rounds/{round_.id}/assign", data={
        "how": "spread", "per_application": "1",
        "evaluators": [str(council.evaluator1.id), str(council.evaluator2.id)]})
    assert r.status_code == 302
    pairs = {(a.application_id, a.evaluator_id) for a in db.session.scalars(select(Assignment))}
    assert len(pairs) == 2 and {e for _, e in pairs} == {council.evaluator1.id, council.evaluator2.id}


def test_moving_work_keeps_the_scores_with_their_author(client, login, db, council, closed):
    round_, first, _ = closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_none(round_, council.evaluator1, first, closed[2])
    old = assignment_of(first, council.evaluator1)
    evaluation.record_score(old, old.questions()[0], council.evaluator1, score=1, justification=JUSTIFICATION)
    db.session.commit()
    login(council.commissioner)
    page = text(client.get(f"/evaluation/applications/{first.id}/evaluators"))
    assert "Tom Evans" in page and "In progress (1 scored)" in page
    page = text(client.get(f"/evaluation/assignments/{old.id}/reassign"))
    assert "The 1 score Tom Evans saved stay stored under their name but no longer count" in page
    r = client.post(f"/evaluation/assignments/{old.id}/reassign", data={"to_evaluator": str(council.evaluator2.id),
                                                                        "reason": ""})
    assert "Enter why the work is moving" in text(r) and old.is_current
    r = client.post(f"/evaluation/assignments/{old.id}/reassign", data={"to_evaluator": str(council.evaluator2.id),
                                                                        "reason": "Tom Evans is off sick."})
    assert r.status_code == 302
    page = text(client.get(f"/evaluation/applications/{first.id}/evaluators"))
    assert "Moved to Grace Okafor" in page and "Tom Evans is off sick." in page
    assert "1 saved score kept under their name, not counted." in page
    [score] = db.session.scalars(select(Score)).all()
    assert score.assignment.evaluator_id == council.evaluator1.id and score.score == 1
    # Tom sees it as moved and can no longer open it
    login(council.evaluator1)
    assert "Moved to another evaluator" in text(client.get("/evaluation/"))
    assert client.get(f"/evaluation/assignments/{old.id}").status_code == 403


# ---- conflicts of interest and the register


def test_an_interest_blocks_until_decided_and_the_register_records_it(client, login, db, council, closed):
    round_, first, _ = closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    login(council.evaluator1)
    client.post(f"/evaluation/rounds/{round_.id}/conflicts", data={
        f"interest_{first.organisation_id}": "yes",
        f"details_{first.organisation_id}": "=HYPERLINK(\"x\") my sister manages it",
        f"interest_{closed[2].organisation_id}": "no"})
    assignment = assignment_of(first, council.evaluator1)
    assert "Interest declared: waiting for a decision" in text(client.get("/evaluation/"))
    assert client.get(f"/evaluation/assignments/{assignment.id}").status_code == 403
    # other people cannot see the register
    assert client.get(f"/evaluation/rounds/{round_.id}/conflicts-register").status_code == 403
    login(council.other_commissioner)
    assert client.get(f"/evaluation/rounds/{round_.id}/conflicts-register").status_code == 404
    login(council.commissioner)
    page = text(client.get(f"/evaluation/rounds/{round_.id}/conflicts-register"))
    assert "Bloomsbury Home Care LTD Tom Evans" in page and "Waiting for a decision" in page
    declaration = db.session.scalar(select(ConflictDeclaration).filter_by(has_interest=True))
    r = client.post(f"/evaluation/declarations/{declaration.id}/decide", data={"decision": "allowed", "mitigation": ""})
    assert "Describe the mitigation" in text(r) and declaration.decision is None
    r = client.post(f"/evaluation/declarations/{declaration.id}/decide", data={
        "decision": "allowed", "mitigation": "Grace Okafor second-checks every score."})
    assert r.status_code == 302 and declaration.decision is ConflictDecision.allowed
    page = text(client.get(f"/evaluation/rounds/{round_.id}/conflicts-register"))
    assert "Allowed with mitigation : Grace Okafor second-checks every score. Priya Shah" in page
    response = client.get(f"/evaluation/rounds/{round_.id}/conflicts-register.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Provider", "Evaluator", "Declared at", "Interest"]
    interest = next(r for r in rows if r[0] == "Bloomsbury Home Care LTD")
    assert interest[3:8] == ["Yes", "'=HYPERLINK(\"x\") my sister manages it", "Allowed with mitigation",
                             "Grace Okafor second-checks every score.", "Priya Shah"]
    none_row = next(r for r in rows if r[0] == "Fenland Support CIC")
    assert none_row[3] == "No" and none_row[5] == "Not needed"
    login(council.evaluator1)
    assert client.get(f"/evaluation/assignments/{assignment.id}").status_code == 200


# ---- the deadline clock


def test_the_clock_shows_on_every_evaluation_page_and_overdue_in_words(client, login, db, council, closed,
                                                                        frozen_clock):
    round_, first, _ = closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_none(round_, council.evaluator1, first, closed[2])
    db.session.commit()
    assignment = assignment_of(first, council.evaluator1)
    pages = {council.evaluator1: ["/evaluation/", f"/evaluation/assignments/{assignment.id}"],
             council.commissioner: [f"/commissioning/rounds/{round_.id}",
                                    f"/evaluation/applications/{first.id}/moderation",
                                    f"/evaluation/rounds/{round_.id}/consistency"]}
    for who, urls in pages.items():
        login(who)
        for url in urls:
            page = text(client.get(url))
            assert "Evaluation due by" in page and "working days left" in page and "Overdue" not in page, url
    frozen_clock.advance(days=20)
    for who, urls in pages.items():
        login(who)
        for url in urls:
            assert re.search(r"Overdue by \d+ working days", text(client.get(url))), url
    # the commissioner extends to 15 working days with a justification
    r = client.post(f"/evaluation/rounds/{round_.id}/extend-deadline", data={"justification": ""})
    assert "Enter the justification" in text(r) and count(db, EvaluationExtension) == 0
    r = client.post(f"/evaluation/rounds/{round_.id}/extend-deadline",
                    data={"justification": "Panel meets weekly; 40 applications."})
    assert r.status_code == 302
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "15 working days, extended: Panel meets weekly; 40 applications." in page
    assert "Extend the evaluation deadline" not in page


# ---- the service-user panel member's view


@pytest.fixture()
def panel_work(db, council, system, closed):
    round_, first, _ = closed
    q11, q12 = system.lots[0].questions[:2]
    q12.scorer = Scorer.panel  # two panel questions: 1.1 (both) and 1.2
    evaluation.assign_evaluators(round_, council.commissioner, [council.panel])
    declare_none(round_, council.panel, first, closed[2])
    db.session.commit()
    return first, assignment_of(first, council.panel)


def test_panel_member_scores_one_answer_a_page_with_pictures_and_words(client, login, db, council, panel_work):
    application, assignment = panel_work
    login(council.panel)
    response = client.get(f"/evaluation/assignments/{assignment.id}")
    # a redirect to the answer's own address, so that the page's form posts back to the panel's view
    assert response.location.endswith(f"/evaluation/assignments/{assignment.id}/answers/1")
    response = client.get(response.location)
    page = text(response)
    assert "Answer 1 of 2" in page and "Bloomsbury Home Care LTD" in page
    html = response.get_data(as_text=True)
    for words in ("Very poor", "Poor", "OK", "Good", "Excellent"):
        assert f'<span class="portal-face__words">{words}</span>' in html
    assert html.count('aria-hidden="true" focusable="false"') == 5  # faces are pictures; the words carry meaning
    assert re.findall(r'name="score" type="radio" value="(\d+)"', html) == ["1", "2", "3", "4", "5"]
    # no commercial or personal data beyond the provider's name
    for secret in ("19.65", "16.22", "1 Bridge Street", "PE1 1HF", "@provider", application.organisation.companies_house_number,
                   application.organisation.cqc_provider_id, "Five years delivering personalised support plans"):
        assert secret not in html, secret
    # the evidence an officer reads is on the officer's page, never on the panel's
    officer = evaluation.assign_evaluators(application.round, council.commissioner, [council.evaluator1])[0]
    declare_none(application.round, council.evaluator1, *[a.application for a in
                                                          db.session.scalars(select(Assignment).filter_by(
                                                              evaluator_id=council.evaluator1.id))])
    db.session.commit()
    login(council.evaluator1)
    assert "Five years delivering personalised support plans" in text(client.get(f"/evaluation/assignments/{officer.id}"))
    login(council.panel)
    # a reason is needed, but a short one is enough
    r = client.post(f"/evaluation/assignments/{assignment.id}/answers/1", data={"score": "4", "reason": "ok"})
    assert "Write a few words about why you chose that (at least 5 letters)" in text(r)
    assert count(db, Score) == 0
    r = client.post(f"/evaluation/assignments/{assignment.id}/answers/1", data={"score": "4", "reason": "Kind."})
    assert r.location.endswith(f"/evaluation/assignments/{assignment.id}/answers/2")
    assert "Answer 2 of 2" in text(client.get(r.location))
    r = client.post(f"/evaluation/assignments/{assignment.id}/answers/2", data={"score": "5", "reason": "Clear plan."})
    assert r.location.endswith(f"/evaluation/assignments/{assignment.id}/check")
    page = text(client.get(r.location))
    assert "Good Kind." in page and "Excellent Clear plan." in page
    r = client.post(f"/evaluation/assignments/{assignment.id}/check", data={"submit": "y"})
    assert r.status_code == 302 and assignment.is_submitted
    assert sorted(s.score for s in assignment.scores) == [4, 5]
    # after sending, nothing changes
    client.post(f"/evaluation/assignments/{assignment.id}/answers/1", data={"score": "1", "reason": "Changed mind."})
    assert sorted(s.score for s in assignment.scores) == [4, 5]


def test_larger_text_is_remembered_for_the_panel_member(client, login, db, council, panel_work):
    _, assignment = panel_work
    login(council.panel)
    page = client.get(f"/evaluation/assignments/{assignment.id}/answers/1").get_data(as_text=True)
    assert "portal-larger-text" not in page.split("<body")[0] and "Make the text larger" in page
    r = client.post("/evaluation/larger-text", data={"next": f"/evaluation/assignments/{assignment.id}/answers/1"})
    assert r.location.endswith(f"/evaluation/assignments/{assignment.id}/answers/1")
    assert council.panel.larger_text is True
    page = client.get("/evaluation/").get_data(as_text=True)
    assert 'class="govuk-template portal-larger-text"' in page and "Use normal size text" in page
    # only a path on this site is followed
    assert client.post("/evaluation/larger-text", data={"next": "https://example.com/"}).location.endswith("/evaluation/")


def test_the_panel_view_is_the_panel_members_only(client, login, db, council, closed, panel_work):
    _, assignment = panel_work
    login(council.evaluator1)
    assert client.get(f"/evaluation/assignments/{assignment.id}/answers/1").status_code == 403  # role
    login(council.panel)
    assert client.get(f"/evaluation/assignments/{assignment.id}/answers/3").status_code == 404


def test_commissioner_marks_panel_questions_until_they_are_scored(client, login, db, council, system, closed):
    round_, _, _ = closed
    q12 = system.lots[0].questions[1]
    login(council.commissioner)
    page = text(client.get(f"/evaluation/rounds/{round_.id}/panel-questions"))
    assert "Question 1.2" in page
    data = {f"scorer_{q.id}": q.scorer.value for lot in system.lots for q in lot.questions}
    data[f"scorer_{q12.id}"] = "both"
    assert client.post(f"/evaluation/rounds/{round_.id}/panel-questions", data=data).status_code == 302
    assert q12.scorer is Scorer.both


# ---- consistency


def test_consistency_page_lists_each_evaluator(client, login, db, council, closed):
    round_, first, second = closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2])
    for evaluator, score in ((council.evaluator1, 2), (council.evaluator2, 4)):
        declare_none(round_, evaluator, first, second)
        a = assignment_of(first, evaluator)
        score_all(a, score=score)
        evaluation.submit_assignment(a, evaluator)
    for question in system_questions(first):
        evaluation.moderate_question(first, question, council.commissioner, score=3, rationale="Agreed.")
    db.session.commit()
    login(council.commissioner)
    page = text(client.get(f"/evaluation/rounds/{round_.id}/consistency"))
    assert re.search(r"Grace Okafor \d+ 4\.00 \d+ \+1\.00 More lenient than the agreed scores", page)
    assert re.search(r"Tom Evans \d+ 2\.00 \d+ -1\.00 Harsher than the agreed scores", page)


def system_questions(application):
    return [q for lot in application.chosen_lots() for q in lot.questions]


# ---- refusals through the scoring page


def test_scoring_page_refusals_store_nothing(client, login, db, council, closed):
    round_, first, second = closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_none(round_, council.evaluator1, first, second)
    db.session.commit()
    assignment = assignment_of(first, council.evaluator1)
    question = assignment.questions()[0]
    login(council.evaluator1)
    url = f"/evaluation/assignments/{assignment.id}"
    r = client.post(url, data={f"score_{question.id}": "9", f"justification_{question.id}": JUSTIFICATION})
    assert r.status_code == 200 and count(db, Score) == 0
    r = client.post(url, data={f"score_{question.id}": "3", f"justification_{question.id}": "short"})
    assert "Write a justification of at least 10 characters" in text(r) and count(db, Score) == 0
    r = client.post(url, data={f"score_{question.id}": "3", f"justification_{question.id}": "  "})
    assert count(db, Score) == 0
    # someone else's assignment does not exist for them
    login(council.evaluator2)
    assert client.get(url).status_code == 404
    assert client.post(url, data={f"score_{question.id}": "3",
                                  f"justification_{question.id}": JUSTIFICATION}).status_code == 404
    assert count(db, Score) == 0


def test_always_open_round_page_shows_each_applications_clock_and_extends_one(client, login, db, council, system,
                                                                                closed):
    round_, first, second = closed
    system.always_open = True
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "each application has its own deadline" in page
    assert page.count("Overdue") == 2  # submitted 15 days ago: both past 10 working days
    r = client.post(f"/evaluation/rounds/{round_.id}/extend-deadline?application={first.id}",
                    data={"justification": "Site visit to the provider needed."})
    assert r.status_code == 302
    [extension] = db.session.scalars(select(EvaluationExtension)).all()
    assert extension.application_id == first.id
    # a round-wide extension is refused in an always-open system, with the reason
    r = client.post(f"/evaluation/rounds/{round_.id}/extend-deadline", data={"justification": "Busy."})
    assert "each application has its own deadline" in text(r) and count(db, EvaluationExtension) == 1
