"""Evaluation services: assigning evaluators, conflicts of interest, scoring and moderation."""
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning.models import RoundStatus, StandardKind
from portal.core import DomainError, NotAllowed
from portal.demo import complete_application
from portal.evaluation import services as evaluation
from portal.evaluation.models import (
    Assignment,
    ConflictDeclaration,
    ModeratedScore,
    ModeratedStandard,
    Score,
    StandardAssessment,
)
from portal.onboarding import services as onboarding
from portal.onboarding.models import ApplicationStatus

JUSTIFICATION = "Clear, specific and evidenced answer."


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def submitted_application(round_, provider, lots):
    application = complete_application(round_, provider, lots=lots)
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    return application


def assignment_of(application, evaluator) -> Assignment:
    return next(a for a in application.assignments if a.evaluator_id == evaluator.id)


def declare_none(round_, evaluator, *applications):
    evaluation.declare_conflicts(round_, evaluator, {a.organisation_id: (False, "") for a in applications})


def score_all(assignment, score=4):
    for question in assignment.questions():
        evaluation.record_score(assignment, question, assignment.evaluator, score=score, justification=JUSTIFICATION)
    for standard in assignment.standards():
        if not standard.kind.is_automatic:
            evaluation.record_standard_assessment(assignment, standard, assignment.evaluator, passed=True,
                                                  reason="Evidence of five years of ISFs.")


@pytest.fixture()
def closed_round(db, system, make_round, make_provider, frozen_clock):
    """Round 1, just closed, with one application for Lot 1 (Bloomsbury Home Care LTD)."""
    round_ = make_round()
    provider = make_provider("Bloomsbury Home Care LTD")
    application = submitted_application(round_, provider, [system.lots[0]])
    frozen_clock.advance(days=15)
    db.session.commit()
    return round_, application


@pytest.fixture()
def in_evaluation(db, council, closed_round):
    """The closed round with both officers and the panel member assigned, each declaring no interest."""
    round_, application = closed_round
    evaluators = [council.evaluator1, council.evaluator2, council.panel]
    evaluation.assign_evaluators(round_, council.commissioner, evaluators)
    for evaluator in evaluators:
        declare_none(round_, evaluator, application)
    db.session.commit()
    return round_, application


# ---- assigning


def test_assign_evaluators_starts_evaluation_and_assigns_every_application(db, council, closed_round, frozen_clock):
    round_, application = closed_round
    created = evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.panel])
    db.session.commit()
    assert round_.status is RoundStatus.in_evaluation
    assert application.status is ApplicationStatus.in_evaluation
    assert {(a.evaluator_id, a.as_panel) for a in created} == {(council.evaluator1.id, False), (council.panel.id, True)}
    assert all(a.assigned_by_id == council.commissioner.id for a in created)
    # assigning again adds only the new evaluator
    again = evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2])
    assert [a.evaluator_id for a in again] == [council.evaluator2.id]
    assert count(db, Assignment) == 3


def test_assign_evaluators_before_the_round_closes_is_refused(db, council, system, make_round, make_provider):
    round_ = make_round()
    provider = make_provider()
    application = submitted_application(round_, provider, [system.lots[0]])
    before = events(db)
    with pytest.raises(DomainError, match="^Round 1 is open. Evaluators can be assigned once it has closed and "
                                          "until decisions are confirmed.$"):
        evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    assert count(db, Assignment) == 0
    assert application.status is ApplicationStatus.submitted
    assert round_.evaluation_started_at is None
    assert events(db) == before


@pytest.mark.parametrize("who, message", [
    ("other_evaluator", "^Ann Ward is not an evaluator or panel member of this council.$"),
    ("commissioner", "^Priya Shah is not an evaluator or panel member of this council.$"),
    (None, "^Select at least one evaluator.$"),
])
def test_assign_evaluators_refuses_people_who_are_not_this_councils_evaluators(db, council, closed_round, who,
                                                                               message):
    round_, application = closed_round
    evaluators = [council.evaluator1, getattr(council, who)] if who else []
    before = events(db)
    with pytest.raises(DomainError, match=message):
        evaluation.assign_evaluators(round_, council.commissioner, evaluators)
    assert count(db, Assignment) == 0
    # nothing moved: the round is still closed and the application still submitted
    assert round_.status is RoundStatus.closed and round_.evaluation_started_at is None
    assert application.status is ApplicationStatus.submitted
    assert events(db) == before


def test_another_council_cannot_assign_evaluators(db, council, closed_round):
    round_, _ = closed_round
    with pytest.raises(NotAllowed):
        evaluation.assign_evaluators(round_, council.other_commissioner, [council.other_evaluator])
    assert count(db, Assignment) == 0 and round_.status is RoundStatus.closed


def test_panel_members_score_only_the_panel_questions_and_no_standards(db, council, system, make_round,
                                                                       make_provider, frozen_clock):
    round_ = make_round()
    provider = make_provider()
    application = submitted_application(round_, provider, system.lots)  # both lots
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.panel])
    officer, panel = assignment_of(application, council.evaluator1), assignment_of(application, council.panel)
    assert panel.as_panel is True and officer.as_panel is False
    assert [q.label for q in panel.questions()] == ["1.1", "2.1"]  # the questions marked for both
    assert all(q.scorer.includes_panel for q in panel.questions())
    assert panel.standards() == []
    assert [q.label for q in officer.questions()] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3"]
    declare_none(round_, council.panel, application)
    officers_question = system.lots[0].questions[1]
    with pytest.raises(DomainError, match="^This question is not one you were asked to score.$"):
        evaluation.record_score(panel, officers_question, council.panel, score=3, justification=JUSTIFICATION)
    assert count(db, Score) == 0
    # the panel member can submit once the panel questions are scored
    score_all(panel, score=3)
    evaluation.submit_assignment(panel, council.panel)
    assert sorted(s.question.label for s in panel.scores) == ["1.1", "2.1"]


# ---- conflicts of interest


def test_declare_conflicts_stores_a_declaration_per_provider(db, council, closed_round):
    round_, application = closed_round
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    [declaration] = evaluation.declare_conflicts(round_, council.evaluator1, {application.organisation_id: (False, "")})
    assert declaration.has_interest is False and declaration.clears_scoring
    assert assignment_of(application, council.evaluator1).can_read(council.evaluator1)
    # the same answer again changes nothing; a different one is refused
    assert evaluation.declare_conflicts(round_, council.evaluator1, {application.organisation_id: (False, "")}) == []
    with pytest.raises(DomainError, match="You have already declared for this provider. Ask the commissioner"):
        evaluation.declare_conflicts(round_, council.evaluator1,
                                     {application.organisation_id: (True, "My sister works there.")})
    assert count(db, ConflictDeclaration) == 1 and declaration.has_interest is False


def test_an_interest_needs_details(db, council, closed_round):
    round_, application = closed_round
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    before = events(db)
    with pytest.raises(DomainError, match="^Give details of each interest you declare.$"):
        evaluation.declare_conflicts(round_, council.evaluator1, {application.organisation_id: (True, "   ")})
    assert count(db, ConflictDeclaration) == 0
    assert events(db) == before


def test_a_refused_declaration_stores_nothing_for_any_provider(db, council, system, make_round, make_provider,
                                                              frozen_clock):
    round_ = make_round()
    first = submitted_application(round_, make_provider(), [system.lots[0]])
    second = submitted_application(round_, make_provider(), [system.lots[0]])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    with pytest.raises(DomainError, match="^Answer the question for every provider listed.$"):
        evaluation.declare_conflicts(round_, council.evaluator1, {first.organisation_id: (False, "")})
    with pytest.raises(DomainError, match="^Give details of each interest you declare.$"):
        evaluation.declare_conflicts(round_, council.evaluator1, {first.organisation_id: (False, ""),
                                                                  second.organisation_id: (True, "")})
    assert count(db, ConflictDeclaration) == 0
    assert not db.session.new


def test_only_assigned_evaluators_declare(db, council, closed_round):
    round_, application = closed_round
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    with pytest.raises(NotAllowed, match="You are not assigned to any application in this round."):
        evaluation.declare_conflicts(round_, council.evaluator2, {application.organisation_id: (False, "")})
    with pytest.raises(NotAllowed):
        evaluation.declare_conflicts(round_, council.commissioner, {application.organisation_id: (False, "")})


def test_a_declared_interest_blocks_scoring(db, council, closed_round):
    round_, application = closed_round
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    evaluation.declare_conflicts(round_, council.evaluator1,
                                 {application.organisation_id: (True, "I was a director until 2024.")})
    assignment = assignment_of(application, council.evaluator1)
    assert assignment.conflict().details == "I was a director until 2024."
    assert not assignment.can_read(council.evaluator1) and not assignment.can_score(council.evaluator1)
    with pytest.raises(DomainError, match="^You declared an interest in this provider. A commissioner must decide "
                                          "before you can score.$"):
        evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=4,
                                justification=JUSTIFICATION)
    assert count(db, Score) == 0


def test_scoring_needs_a_declaration_first(db, council, closed_round):
    round_, application = closed_round
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    assignment = assignment_of(application, council.evaluator1)
    with pytest.raises(DomainError, match="^Declare whether you have a conflict of interest before scoring.$"):
        evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=4,
                                justification=JUSTIFICATION)
    assert count(db, Score) == 0


# ---- scoring


def test_record_score_stores_the_score_and_its_reason(db, council, in_evaluation):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    question = assignment.questions()[0]
    evaluation.record_score(assignment, question, council.evaluator1, score=3, justification="  Satisfactory plan.  ")
    score = evaluation.record_score(assignment, question, council.evaluator1, score=4,
                                    justification="Good: a specific example.")
    db.session.commit()
    stored = db.session.get(Score, score.id)
    assert (stored.score, stored.justification) == (4, "Good: a specific example.")
    assert count(db, Score) == 1
    event = db.session.scalars(select(AuditEvent).filter_by(action="score.recorded")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.before == {"score": 3, "justification": "Satisfactory plan."}


@pytest.mark.parametrize("score", [6, -1, None])
def test_record_score_refuses_a_score_outside_the_scale(db, council, in_evaluation, score):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    before = events(db)
    with pytest.raises(DomainError, match="^Choose a score from 0 to 5.$"):
        evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=score,
                                justification=JUSTIFICATION)
    assert count(db, Score) == 0 and events(db) == before


@pytest.mark.parametrize("justification", ["", "Too short", "   Good.   ", None])
def test_record_score_needs_a_justification_of_ten_characters(db, council, in_evaluation, justification):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    with pytest.raises(DomainError, match="^Write a justification of at least 10 characters for question 1.1.$"):
        evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=4,
                                justification=justification)
    assert count(db, Score) == 0
    # exactly ten characters is enough
    evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=4,
                            justification="Ten chars.")
    assert count(db, Score) == 1


def test_nobody_scores_someone_elses_assignment(db, council, in_evaluation):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    for intruder in (council.evaluator2, council.commissioner):
        with pytest.raises(NotAllowed, match="This is not your assignment."):
            evaluation.record_score(assignment, assignment.questions()[0], intruder, score=5,
                                    justification=JUSTIFICATION)
    assert count(db, Score) == 0


def test_submit_assignment_lists_what_is_still_to_score(db, council, in_evaluation, frozen_clock):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=4,
                            justification=JUSTIFICATION)
    before = events(db)
    with pytest.raises(DomainError) as refused:
        evaluation.submit_assignment(assignment, council.evaluator1)
    assert str(refused.value) == "Before submitting, score question 1.2, 1.3, 1.4 and assess Previous experience."
    assert assignment.submitted_at is None and events(db) == before
    score_all(assignment)
    evaluation.submit_assignment(assignment, council.evaluator1)
    assert assignment.submitted_at == frozen_clock.now
    assert count(db, StandardAssessment) == 1  # the evidence standard only: the others are automatic


def test_scores_are_final_once_submitted(db, council, in_evaluation):
    _, application = in_evaluation
    assignment = assignment_of(application, council.evaluator1)
    score_all(assignment, score=4)
    evaluation.submit_assignment(assignment, council.evaluator1)
    before = events(db)
    question = assignment.questions()[0]
    with pytest.raises(DomainError, match="^You have already submitted your scores for this application; they "
                                          "cannot be changed.$"):
        evaluation.record_score(assignment, question, council.evaluator1, score=1, justification=JUSTIFICATION)
    with pytest.raises(DomainError, match="already submitted"):
        evaluation.submit_assignment(assignment, council.evaluator1)
    assert assignment.score_for(question).score == 4
    assert events(db) == before


# ---- moderation


def submit_scores(application, scores):
    """scores: {evaluator: score}; each evaluator scores every assigned question so and submits."""
    for evaluator, score in scores.items():
        assignment = assignment_of(application, evaluator)
        score_all(assignment, score=score)
        evaluation.submit_assignment(assignment, evaluator)


def test_moderation_waits_for_every_evaluator(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4})
    question = system.lots[0].questions[0]
    with pytest.raises(DomainError) as refused:
        evaluation.moderate_question(application, question, council.commissioner, score=4,
                                     rationale="Agreed at the meeting.")
    message = str(refused.value)
    assert message.startswith("Wait until every evaluator has submitted their scores. Still scoring: ")
    assert "Grace Okafor" in message and "Margaret Hill" in message and "Tom Evans" not in message
    assert count(db, ModeratedScore) == 0


def test_moderate_question_keeps_the_evaluators_own_scores(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 5, council.evaluator2: 2, council.panel: 3})
    question = system.lots[0].questions[0]
    moderated = evaluation.moderate_question(application, question, council.commissioner, score=4,
                                             rationale="  Strong plan; the example was specific.  ")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ModeratedScore, moderated.id)
    assert (stored.score, stored.rationale, stored.moderator_id) == (
        4, "Strong plan; the example was specific.", council.commissioner.id)
    own = {s.assignment.evaluator.name: (s.score, s.justification)
           for s in db.session.scalars(select(Score).filter_by(question_id=question.id))}
    assert own == {"Tom Evans": (5, JUSTIFICATION), "Grace Okafor": (2, JUSTIFICATION),
                   "Margaret Hill": (3, JUSTIFICATION)}


@pytest.mark.parametrize("score, rationale, message", [
    (4, "", "^Give the rationale for the agreed score of question 1.1.$"),
    (4, "   ", "^Give the rationale for the agreed score of question 1.1.$"),
    (6, "Agreed.", "^Choose an agreed score from 0 to 5 for question 1.1.$"),
    (None, "Agreed.", "^Choose an agreed score from 0 to 5 for question 1.1.$"),
])
def test_moderate_question_refuses_a_missing_rationale_or_a_bad_score(db, council, system, in_evaluation,
                                                                      score, rationale, message):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 4, council.panel: 4})
    before = events(db)
    with pytest.raises(DomainError, match=message):
        evaluation.moderate_question(application, system.lots[0].questions[0], council.commissioner, score=score,
                                     rationale=rationale)
    assert count(db, ModeratedScore) == 0 and events(db) == before


def test_moderate_question_refuses_a_stale_version(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 2, council.panel: 3})
    question = system.lots[0].questions[0]
    first = evaluation.moderate_question(application, question, council.commissioner, score=3,
                                         rationale="First view.")
    db.session.commit()
    assert first.version == 1
    evaluation.moderate_question(application, question, council.commissioner, score=4,
                                 rationale="Agreed after discussion.", expected_version=1)
    db.session.commit()
    assert first.version == 2
    before = events(db)
    with pytest.raises(evaluation.ModerationConflict,
                       match="^Priya Shah saved an agreed result for question 1.1 while you were working. Their "
                             "result is shown next to yours; check both, then save again.$") as refused:
        evaluation.moderate_question(application, question, council.commissioner, score=2,
                                     rationale="My older view.", expected_version=1)
    assert (refused.value.saved["score"], refused.value.saved["rationale"], refused.value.saved["version"]) == (
        4, "Agreed after discussion.", 2)
    assert (first.score, first.rationale, first.version) == (4, "Agreed after discussion.", 2)
    assert count(db, ModeratedScore) == 1 and events(db) == before
    # saving again from a form that carries the version now shown replaces it on purpose
    evaluation.moderate_question(application, question, council.commissioner, score=2,
                                 rationale="My older view.", expected_version=2)
    assert (first.score, first.version) == (2, 3)


def test_a_first_agreed_score_saved_by_someone_else_meanwhile_is_a_conflict(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 2, council.panel: 3})
    question = system.lots[0].questions[1]
    # both moderators loaded the page when nothing was agreed yet (version 0); the first saves
    evaluation.moderate_question(application, question, council.commissioner, score=3, rationale="Adequate.",
                                 expected_version=0)
    db.session.commit()
    with pytest.raises(evaluation.ModerationConflict):
        evaluation.moderate_question(application, question, council.commissioner, score=5, rationale="Excellent.",
                                     expected_version=0)
    # repeating exactly what is stored is not a conflict, and stores nothing new
    before = events(db)
    same = evaluation.moderate_question(application, question, council.commissioner, score=3,
                                        rationale="Adequate.", expected_version=0)
    assert (same.score, same.version) == (3, 1) and events(db) == before


def test_agreed_standard_results_are_versioned_too(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 4, council.panel: 4})
    evidence = system.lots[0].standards[2]
    saved = evaluation.moderate_standard(application, evidence, council.commissioner, passed=True,
                                         rationale="Five years of support plans.", expected_version=0)
    db.session.commit()
    assert saved.version == 1
    with pytest.raises(evaluation.ModerationConflict, match="saved an agreed result for “Previous experience”") as refused:
        evaluation.moderate_standard(application, evidence, council.commissioner, passed=False,
                                     rationale="Not enough evidence.", expected_version=0)
    assert refused.value.saved["passed"] is True
    assert (saved.passed, saved.version) == (True, 1)
    evaluation.moderate_standard(application, evidence, council.commissioner, passed=False,
                                 rationale="Not enough evidence.", expected_version=1)
    assert (saved.passed, saved.version) == (False, 2)


def test_moderate_question_refuses_a_question_the_application_does_not_answer(db, council, system, in_evaluation):
    _, application = in_evaluation  # Lot 1 only
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 4, council.panel: 4})
    with pytest.raises(DomainError, match="^This application does not answer that question.$"):
        evaluation.moderate_question(application, system.lots[1].questions[0], council.commissioner, score=4,
                                     rationale="Agreed.")
    with pytest.raises(NotAllowed):
        evaluation.moderate_question(application, system.lots[0].questions[0], council.other_commissioner,
                                     score=4, rationale="Agreed.")
    assert count(db, ModeratedScore) == 0


def test_moderate_standard_refuses_automatic_standards(db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 4, council.panel: 4})
    declaration, cqc, evidence = system.lots[0].standards
    assert (declaration.kind, cqc.kind, evidence.kind) == (
        StandardKind.declaration, StandardKind.cqc_rating, StandardKind.evidence)
    for automatic in (declaration, cqc):
        with pytest.raises(DomainError, match=f"^“{automatic.title}” is checked automatically and is not "
                                              "moderated.$"):
            evaluation.moderate_standard(application, automatic, council.commissioner, passed=False,
                                         rationale="We disagree.")
    with pytest.raises(DomainError, match="^Choose pass or fail for “Previous experience”.$"):
        evaluation.moderate_standard(application, evidence, council.commissioner, passed=None, rationale="Fine.")
    with pytest.raises(DomainError, match="^Give the rationale for “Previous experience”.$"):
        evaluation.moderate_standard(application, evidence, council.commissioner, passed=True, rationale=" ")
    assert count(db, ModeratedStandard) == 0
    moderated = evaluation.moderate_standard(application, evidence, council.commissioner, passed=False,
                                             rationale="No evidence of care planning.")
    assert (moderated.passed, moderated.rationale) == (False, "No evidence of care planning.")


def test_moderation_is_refused_once_decisions_are_confirmed(db, council, system, in_evaluation):
    from portal.commissioning import services as commissioning
    from portal.commissioning.models import Outcome
    from portal.demo import score_application

    round_, application = in_evaluation
    score_application(application, None, council.commissioner, score=4)
    commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed.")
    commissioning.confirm_decisions(round_, council.commissioner)
    with pytest.raises(DomainError, match="^Moderation happens while the round is in evaluation.$"):
        evaluation.moderate_question(application, system.lots[0].questions[0], council.commissioner, score=1,
                                     rationale="Second thoughts.")
    assert {m.score for m in db.session.scalars(select(ModeratedScore))} == {4}

