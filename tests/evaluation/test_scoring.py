"""The scoring maths (portal/evaluation/scoring.py) on examples worked out by hand."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.demo import complete_application
from portal.evaluation import services as evaluation
from portal.evaluation.models import Score
from portal.evaluation.results import application_results
from portal.evaluation.scoring import QuestionRule, lot_result, question_points
from portal.onboarding import services as onboarding

D = Decimal


# The seeds' 95 / 5 split on a 0–5 scale: quality 35 / 30 / 30, social value 5; minimum score 2 on quality
ISF_RULES = [
    QuestionRule(1, "quality", D(35), 2),
    QuestionRule(2, "quality", D(30), 2),
    QuestionRule(3, "quality", D(30), 2),
    QuestionRule(4, "social_value", D(5), 0),
]
ALL_STANDARDS_PASSED = {101: True, 102: True, 103: True}


def isf(scores, standards=ALL_STANDARDS_PASSED, pass_mark=D(60)):
    return lot_result(ISF_RULES, scores, standards, scale_max=5, pass_mark=pass_mark)


# ---- question_points


@pytest.mark.parametrize("score, scale_max, weight, points", [
    (4, 5, D(35), D("28.00")),
    (3, 5, D(30), D("18.00")),
    (5, 5, D(30), D("30.00")),
    (2, 5, D(5), D("2.00")),
    (0, 5, D(35), D("0.00")),
    (7, 10, D(50), D("35.00")),
    (1, 3, D(10), D("3.33")),  # 3.333… rounds down
    (2, 3, D(10), D("6.67")),  # 6.666… rounds up
    (1, 8, D(5), D("0.63")),  # 0.625 rounds half up
    (3, 5, D("12.5"), D("7.50")),
])
def test_question_points(score, scale_max, weight, points):
    assert question_points(score, scale_max, weight) == points


@pytest.mark.parametrize("score, scale_max", [(6, 5), (-1, 5), (11, 10)])
def test_question_points_rejects_a_score_outside_the_scale(score, scale_max):
    with pytest.raises(ValueError, match=f"score {score} is outside the scale 0 to {scale_max}"):
        question_points(score, scale_max, D(10))


# ---- lot_result


def test_isf_example_95_5_on_a_0_to_5_scale():
    result = isf({1: 4, 2: 3, 3: 5, 4: 2})
    assert [q.points for q in result.questions] == [D("28.00"), D("18.00"), D("30.00"), D("2.00")]
    assert result.quality_points == D("76.00")  # 28 + 18 + 30
    assert result.social_value_points == D("2.00")
    assert result.total == D("78.00")
    assert result.complete is True
    assert result.standards_passed is True and result.minimum_scores_met is True and result.pass_mark_met is True
    assert result.passed is True


def test_a_system_weighted_80_20_on_a_0_to_10_scale():
    rules = [
        QuestionRule(1, "quality", D(50), 4),
        QuestionRule(2, "quality", D(30), 4),
        QuestionRule(3, "social_value", D(12), 0),
        QuestionRule(4, "social_value", D(8), 0),
    ]
    result = lot_result(rules, {1: 7, 2: 10, 3: 5, 4: 0}, {}, scale_max=10, pass_mark=D(65))
    # 7/10 × 50 = 35, 10/10 × 30 = 30; 5/10 × 12 = 6, 0/10 × 8 = 0
    assert result.quality_points == D("65.00")
    assert result.social_value_points == D("6.00")
    assert result.total == D("71.00")
    assert result.passed is True
    # the same answers against a higher pass mark fail on the total alone
    higher = lot_result(rules, {1: 7, 2: 10, 3: 5, 4: 0}, {}, scale_max=10, pass_mark=D("71.01"))
    assert higher.minimum_scores_met is True and higher.pass_mark_met is False
    assert higher.passed is False


def test_a_score_below_the_minimum_fails_the_lot_even_when_the_total_passes():
    result = isf({1: 5, 2: 5, 3: 1, 4: 5})  # 35 + 30 + 6 + 5 = 76
    assert result.total == D("76.00") and result.pass_mark_met is True
    assert [q.meets_minimum for q in result.questions] == [True, True, False, True]
    assert result.minimum_scores_met is False
    assert result.passed is False


def test_reaching_the_pass_mark_exactly_passes():
    result = isf({1: 3, 2: 3, 3: 3, 4: 3})  # 21 + 18 + 18 + 3 = 60
    assert result.total == D("60.00")
    assert result.passed is True


def test_a_total_just_below_the_pass_mark_fails():
    result = isf({1: 3, 2: 3, 3: 3, 4: 3}, pass_mark=D("60.01"))
    assert result.passed is False


def test_an_unjudged_standard_leaves_the_result_open():
    result = isf({1: 4, 2: 4, 3: 4, 4: 4}, standards={101: True, 102: True, 103: None})
    assert result.total == D("80.00")
    assert result.complete is False
    assert result.standards_passed is None
    assert result.passed is None


def test_an_unscored_question_leaves_the_result_open():
    result = isf({1: 4, 2: 4, 3: 4})
    assert result.questions[3].score is None and result.questions[3].points is None
    assert result.total == D("76.00")  # what is scored so far
    assert result.complete is False and result.passed is None


def test_a_failed_standard_fails_the_lot_even_before_everything_is_judged():
    result = isf({1: 5}, standards={101: True, 102: False, 103: None})
    assert result.complete is False
    assert result.standards_passed is False
    assert result.passed is False


def test_a_score_below_the_minimum_fails_the_lot_even_before_everything_is_scored():
    result = isf({1: 1}, standards={101: True, 102: True, 103: None})
    assert result.complete is False and result.passed is False


def test_a_lot_without_standards_is_judged_on_its_scores():
    result = isf({1: 4, 2: 4, 3: 4, 4: 4}, standards={})
    assert result.standards_passed is True and result.passed is True


# ---- application_results: the same maths on a real, moderated application


def test_application_results_use_the_moderated_score_not_the_evaluators(db, council, system, make_round,
                                                                        make_provider, frozen_clock):
    lot = system.lots[0]
    q1, q2, q3, q4 = lot.questions
    round_ = make_round()
    provider = make_provider()
    application = complete_application(round_, provider, lots=[lot])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    frozen_clock.advance(days=15)
    evaluators = [council.evaluator1, council.evaluator2, council.panel]
    evaluation.assign_evaluators(round_, council.commissioner, evaluators)
    own_scores = {council.evaluator1: 5, council.evaluator2: 3, council.panel: 4}  # they disagree
    for assignment in application.assignments:
        evaluator = assignment.evaluator
        evaluation.declare_conflicts(round_, evaluator, {application.organisation_id: (False, "")})
        for question in assignment.questions():
            evaluation.record_score(assignment, question, evaluator, score=own_scores[evaluator],
                                    justification="Scored against the published guidance.")
        for standard in assignment.standards():
            if not standard.kind.is_automatic:
                evaluation.record_standard_assessment(assignment, standard, evaluator, passed=True,
                                                      reason="Five years of personalised support plans.")
        evaluation.submit_assignment(assignment, evaluator)

    # before moderation nothing is agreed: no points, no outcome
    open_result = application_results(application)[lot.id]
    assert open_result.total == 0 and open_result.passed is None

    agreed = {q1: 4, q2: 3, q3: 4, q4: 2}
    for question, score in agreed.items():
        evaluation.moderate_question(application, question, council.commissioner, score=score,
                                     rationale="Agreed at the moderation meeting.")
    evidence = next(s for s in lot.standards if not s.kind.is_automatic)
    evaluation.moderate_standard(application, evidence, council.commissioner, passed=True,
                                 rationale="Evidence accepted by every evaluator.")
    db.session.commit()

    result = application_results(application)[lot.id]
    assert [(q.question_id, q.score) for q in result.questions] == [(q.id, s) for q, s in agreed.items()]
    # 4/5 × 35 = 28, 3/5 × 30 = 18, 4/5 × 30 = 24; 2/5 × 5 = 2
    assert [q.points for q in result.questions] == [D("28.00"), D("18.00"), D("24.00"), D("2.00")]
    assert result.quality_points == D("70.00")
    assert result.social_value_points == D("2.00")
    assert result.total == D("72.00")
    assert result.standards_passed is True and result.complete is True
    assert result.passed is True
    # the evaluators' own scores are kept as they gave them: 5 and 3 from the officers on every question
    stored = {(s.assignment.evaluator_id, s.question_id): s.score for s in db.session.scalars(select(Score))}
    assert stored[(council.evaluator1.id, q2.id)] == 5 and stored[(council.evaluator2.id, q2.id)] == 3
    assert stored[(council.panel.id, q1.id)] == 4 and (council.panel.id, q2.id) not in stored


def test_a_stored_80_20_system_on_a_0_to_10_scale_gives_the_same_results_through_the_database(
        db, council, make_provider, frozen_clock):
    """Peterborough-style weights (80 / 20) and a 0–10 scale, stored, scored, moderated and read back."""
    from datetime import date, timedelta

    from portal.commissioning import services as commissioning
    from portal.commissioning.models import Procedure, Section, StandardKind
    from portal.core import DomainError

    system = commissioning.create_system(
        council.commissioner, title="Home care dynamic market", reference="CCC-HC-DM-2026",
        procedure=Procedure.dynamic_market_pa2023, starts_on=date(2026, 1, 1), ends_on=date(2030, 12, 31),
        quality_weight=80, social_value_weight=20, pass_mark=D(65), scale_max=10)
    system.scale_descriptions = [str(n) for n in range(11)]
    lot = commissioning.add_lot(system, council.commissioner, title="Home care")
    commissioning.add_zone(system, council.commissioner, name="Peterborough", ceiling_rate=D("19.65"))
    commissioning.add_standard(lot, council.commissioner, kind=StandardKind.declaration,
                               title="Mandatory exclusion grounds")
    quality = commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=D(50), min_score=4,
                                         text="How will you plan support?")
    quality2 = commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=D(30),
                                          min_score=4, text="How do you keep people safe?")
    social = commissioning.add_question(lot, council.commissioner, section=Section.social_value, weight=D(20),
                                        text="What will you do for local employment?")
    round_ = commissioning.schedule_round(system, council.commissioner, opens_at=frozen_clock.now + timedelta(hours=1),
                                          closes_at=frozen_clock.now + timedelta(days=14))
    frozen_clock.advance(days=1)
    provider = make_provider("Hales Group Limited")
    application = complete_application(round_, provider, lots=[lot])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    frozen_clock.advance(days=14)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    assignment = application.assignments[0]
    evaluation.declare_conflicts(round_, council.evaluator1, {application.organisation_id: (False, "")})
    for question in (quality, quality2, social):
        evaluation.record_score(assignment, question, council.evaluator1, score=9,
                                justification="Scored against the published guidance.")
    evaluation.submit_assignment(assignment, council.evaluator1)
    for question, score in ((quality, 7), (quality2, 10), (social, 5)):
        evaluation.moderate_question(application, question, council.commissioner, score=score,
                                     rationale="Agreed at the moderation meeting.")
    db.session.commit()

    result = application_results(application)[lot.id]
    # 7/10 × 50 = 35, 10/10 × 30 = 30; 5/10 × 20 = 10
    assert [q.points for q in result.questions] == [D("35.00"), D("30.00"), D("10.00")]
    assert (result.quality_points, result.social_value_points, result.total) == (D("65.00"), D("10.00"), D("75.00"))
    assert result.pass_mark_met is True and result.passed is True
    # a 10 is allowed on this scale, an 11 is not
    with pytest.raises(DomainError, match="^Choose an agreed score from 0 to 10 for question 1.1.$"):
        evaluation.moderate_question(application, quality, council.commissioner, score=11, rationale="Too high.")
