"""Evaluation in depth: bulk and even assignment, reassigning, conflict decisions and register,
the deadline clock with extension, panel questions, and the consistency figures."""
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.commissioning.models import Scorer
from portal.core import DomainError, NotAllowed
from portal.demo import create_staff
from portal.evaluation import assigning, conflicts, deadlines
from portal.evaluation import services as evaluation
from portal.evaluation.consistency import evaluator_consistency
from portal.evaluation.models import Assignment, ConflictDecision, EvaluationExtension, Score

from .test_services import JUSTIFICATION, assignment_of, declare_none, score_all, submitted_application


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def actions(db, action) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).filter_by(action=action)).all()


@pytest.fixture()
def closed_with(db, system, make_round, make_provider, frozen_clock):
    """A round that closed with `n` applications for Lot 1 (and every other one also for Lot 2)."""
    def make(n):
        round_ = make_round()
        applications = [submitted_application(round_, make_provider(), system.lots if i % 2 else [system.lots[0]])
                        for i in range(n)]
        frozen_clock.advance(days=15)
        db.session.commit()
        return round_, applications
    return make


@pytest.fixture()
def officers(council):
    """Five officer evaluators of Cambridgeshire."""
    extra = [create_staff(council.authority, Role.evaluator, f"officer{i}@cambs.example", f"Officer {i}")
             for i in range(3)]
    return [council.evaluator1, council.evaluator2, *extra]


# ---- bulk assignment


def test_spread_gives_each_application_n_evaluators_evenly_and_the_same_way_every_time(db, council, closed_with,
                                                                                      officers):
    round_, applications = closed_with(7)
    created = assigning.spread_evaluators(round_, council.commissioner, officers, per_application=2)
    assert len(created) == 14
    per_application = Counter(a.application_id for a in created)
    assert set(per_application.values()) == {2}
    load = Counter(a.evaluator_id for a in created)
    assert max(load.values()) - min(load.values()) <= 1  # 14 over 5: 3,3,3,3,2
    assert sorted(load.values()) == [2, 3, 3, 3, 3]
    # every pair is distinct: nobody twice on one application
    assert len({(a.application_id, a.evaluator_id) for a in created}) == 14
    first = sorted((a.application.reference, a.evaluator.name) for a in created)
    # the same choice on the same data gives the same pairs (deterministic)
    db.session.rollback()
    again = assigning.spread_evaluators(round_, council.commissioner, list(reversed(officers)), per_application=2)
    assert sorted((a.application.reference, a.evaluator.name) for a in again) == first
    assert {e.after["how"] for e in actions(db, "assignment.created")} == {"spread, 2 per application"}


def test_spreading_again_tops_up_and_keeps_the_balance(db, council, closed_with, officers):
    round_, applications = closed_with(4)
    assigning.spread_evaluators(round_, council.commissioner, officers[:2], per_application=1)
    assert count(db, Assignment) == 4
    more = assigning.spread_evaluators(round_, council.commissioner, officers[:2], per_application=2)
    assert len(more) == 4
    assert all(len(a.current_assignments) == 2 for a in applications)
    # already complete: nothing more to do
    assert assigning.spread_evaluators(round_, council.commissioner, officers[:2], per_application=2) == []


@pytest.mark.parametrize("how, message", [
    ("too_many", "^Choose how many evaluators each application gets: from 1 to 2.$"),
    ("zero", "^Choose how many evaluators each application gets: from 1 to 2.$"),
    ("mixed", "^Spread officers and panel members separately"),
    ("none", "^Select at least one evaluator.$"),
])
def test_spread_refusals_store_nothing(db, council, closed_with, how, message):
    round_, applications = closed_with(2)
    evaluators = {"too_many": [council.evaluator1, council.evaluator2], "zero": [council.evaluator1, council.evaluator2],
                  "mixed": [council.evaluator1, council.panel], "none": []}[how]
    per = {"too_many": 3, "zero": 0}.get(how, 1)
    with pytest.raises(DomainError, match=message):
        assigning.spread_evaluators(round_, council.commissioner, evaluators, per_application=per)
    assert count(db, Assignment) == 0 and round_.evaluation_started_at is None


def test_spread_never_puts_back_an_evaluator_moved_off_an_application(db, council, closed_with):
    round_, (first, second) = closed_with(2)
    assigning.assign_to_application(first, council.commissioner, [council.evaluator1])
    evaluation.declare_conflicts(round_, council.evaluator1, {first.organisation_id: (True, "My brother runs it.")})
    conflicts.decide_conflict(first.assignments[0].conflict(), council.commissioner,
                              decision=ConflictDecision.reassigned, to_evaluator=council.evaluator2)
    with pytest.raises(DomainError, match="needs 1 more of the chosen evaluators, but only 0 can take it"):
        assigning.spread_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2],
                                    per_application=2)
    created = assigning.spread_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2],
                                          per_application=1)
    # first already has Grace; second gets the least loaded of the two: Tom (0) rather than Grace (1)
    assert [(a.application_id, a.evaluator.name) for a in created] == [(second.id, "Tom Evans")]


def test_team_for_one_lot_assigns_only_that_lots_applications(db, council, system, closed_with):
    round_, applications = closed_with(3)  # the second also bids for Lot 2
    created = evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator2], lot=system.lots[1])
    assert [a.application_id for a in created] == [applications[1].id]


def test_assign_to_one_application(db, council, closed_with):
    round_, (first, second) = closed_with(2)
    created = assigning.assign_to_application(second, council.commissioner, [council.evaluator1, council.panel])
    assert {(a.application_id, a.evaluator_id, a.as_panel) for a in created} == {
        (second.id, council.evaluator1.id, False), (second.id, council.panel.id, True)}
    assert first.assignments == []
    with pytest.raises(NotAllowed):
        assigning.assign_to_application(second, council.other_commissioner, [council.evaluator2])


# ---- reassigning


def test_reassign_keeps_the_saved_scores_with_their_author_and_stops_counting_them(db, council, closed_with):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_none(round_, council.evaluator1, application)
    old = assignment_of(application, council.evaluator1)
    question = old.questions()[0]
    evaluation.record_score(old, question, council.evaluator1, score=2, justification=JUSTIFICATION)
    new = assigning.reassign(old, council.commissioner, council.evaluator2, reason="Tom Evans is off sick.")
    db.session.commit()
    # the old score is still stored, still Tom's, under the ended assignment
    [kept] = db.session.scalars(select(Score)).all()
    assert kept.assignment_id == old.id and kept.assignment.evaluator_id == council.evaluator1.id and kept.score == 2
    assert old.ended_at == clock.now() and old.ended_reason == "Tom Evans is off sick." and old.replaced_by is new
    assert new.evaluator_id == council.evaluator2.id and new.scores == [] and new.is_current
    assert application.current_assignments == [new]
    # Tom can no longer read or score it; the old score no longer counts for moderation
    assert not old.can_read(council.evaluator1)
    with pytest.raises(DomainError, match="moved this application to another evaluator"):
        evaluation.record_score(old, question, council.evaluator1, score=3, justification=JUSTIFICATION)
    [event] = actions(db, "assignment.reassigned")
    assert event.before == {"evaluator": "eval1@cambs.example"}
    assert event.after["evaluator"] == "eval2@cambs.example" and event.after["scores_kept_uncounted"] == 1
    # the declaration question is now Grace's
    declare_none(round_, council.evaluator2, application)
    score_all(new, score=4)
    evaluation.submit_assignment(new, council.evaluator2)
    evaluation.moderate_question(application, question, council.commissioner, score=4, rationale="Agreed.")
    [row] = evaluator_consistency(round_)
    assert row.name == "Grace Okafor"


@pytest.mark.parametrize("case, message", [
    ("same", "^Choose a different evaluator from the one the work is moving from.$"),
    ("panel", "^Tom Evans scores as an officer: choose another officer evaluator.$"),
    ("other_council", "^Ann Ward is not an evaluator or panel member of this council.$"),
    ("no_reason", "^Give the reason for moving this work"),
])
def test_reassign_refusals_change_nothing(db, council, closed_with, case, message):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    old = assignment_of(application, council.evaluator1)
    to = {"same": council.evaluator1, "panel": council.panel, "other_council": council.other_evaluator,
          "no_reason": council.evaluator2}[case]
    with pytest.raises(DomainError, match=message):
        assigning.reassign(old, council.commissioner, to, reason="" if case == "no_reason" else "Ill.")
    assert old.is_current and count(db, Assignment) == 1


def test_submitted_work_cannot_be_moved(db, council, closed_with):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_none(round_, council.evaluator1, application)
    old = assignment_of(application, council.evaluator1)
    score_all(old)
    evaluation.submit_assignment(old, council.evaluator1)
    with pytest.raises(DomainError, match="has submitted their scores for .*Submitted scores stand"):
        assigning.reassign(old, council.commissioner, council.evaluator2, reason="Ill.")
    with pytest.raises(NotAllowed):
        assigning.reassign(old, council.other_commissioner, council.evaluator2, reason="Ill.")


# ---- conflicts: decisions and the register


@pytest.fixture()
def declared_interest(db, council, closed_with):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    [declaration] = evaluation.declare_conflicts(
        round_, council.evaluator1, {application.organisation_id: (True, "=My sister is its registered manager.")})
    db.session.commit()
    return round_, application, declaration


def test_an_interest_blocks_scoring_until_allowed_with_mitigation(db, council, declared_interest, frozen_clock):
    round_, application, declaration = declared_interest
    assignment = assignment_of(application, council.evaluator1)
    assert declaration.awaits_decision and not assignment.can_read(council.evaluator1)
    with pytest.raises(DomainError, match="A commissioner must decide before you can score"):
        evaluation.record_score(assignment, assignment.questions()[0], council.evaluator1, score=3,
                                justification=JUSTIFICATION)
    with pytest.raises(DomainError, match="^Describe the mitigation"):
        conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.allowed, mitigation=" ")
    assert declaration.decision is None
    conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.allowed,
                              mitigation="Grace Okafor second-checks every score.")
    assert declaration.decision is ConflictDecision.allowed and declaration.decided_by_id == council.commissioner.id
    assert declaration.decided_at == frozen_clock.now
    assert assignment.can_read(council.evaluator1)
    with pytest.raises(DomainError, match="^This interest was already decided: allowed with mitigation.$"):
        conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.reassigned,
                                  to_evaluator=council.evaluator2)
    with pytest.raises(NotAllowed):
        conflicts.decide_conflict(declaration, council.other_commissioner, decision=ConflictDecision.allowed,
                                  mitigation="x")


def test_deciding_to_reassign_moves_the_work(db, council, declared_interest):
    round_, application, declaration = declared_interest
    with pytest.raises(DomainError, match="^Choose the evaluator who takes over.$"):
        conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.reassigned)
    assert declaration.decision is None
    conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.reassigned,
                              to_evaluator=council.evaluator2)
    assert [a.evaluator_id for a in application.current_assignments] == [council.evaluator2.id]
    assert declaration.status_label == "Reassigned to another evaluator"
    [event] = actions(db, "assignment.reassigned")
    assert event.after["reason"].startswith("Declared an interest in")


def test_register_rows_list_every_declaration_and_decision(db, council, declared_interest):
    round_, application, declaration = declared_interest
    conflicts.decide_conflict(declaration, council.commissioner, decision=ConflictDecision.allowed,
                              mitigation="Second check.")
    rows = list(conflicts.register_rows(round_))
    assert rows[0] == conflicts.REGISTER_HEADER
    assert rows[1][:2] == (application.organisation.legal_name, "Tom Evans")
    assert rows[1][3:8] == ("Yes", "=My sister is its registered manager.", "Allowed with mitigation",
                            "Second check.", "Priya Shah")


# ---- the deadline clock


def test_the_clock_counts_ten_working_days_from_close_skipping_bank_holidays(db, council, system, make_round,
                                                                             frozen_clock):
    # a round closing on Tuesday 23 December 2025 at midday: 25, 26 Dec and 1 Jan are bank holidays
    frozen_clock.move_to(datetime(2025, 12, 1, 12, tzinfo=clock.LONDON))
    round_ = make_round(closes_in=timedelta(days=22))
    frozen_clock.move_to(datetime(2025, 12, 24, 9, tzinfo=clock.LONDON))
    clock_ = deadlines.evaluation_clock(round_)
    assert clock_.working_days == 10
    # 24, 29, 30, 31 Dec, 2, 5, 6, 7, 8, 9 Jan
    assert clock_.due_on == date(2026, 1, 9)
    assert clock_.days_left == 9 and not clock_.overdue
    frozen_clock.move_to(datetime(2026, 1, 12, 9, tzinfo=clock.LONDON))
    assert deadlines.evaluation_clock(round_).overdue
    assert deadlines.evaluation_clock(round_).days_left == -1


def test_a_commissioner_extends_the_deadline_once_to_fifteen_working_days(db, council, closed_with):
    round_, _ = closed_with(1)
    before = deadlines.evaluation_clock(round_).due_on
    with pytest.raises(DomainError, match="^Give the justification"):
        deadlines.extend_evaluation_deadline(round_, council.commissioner, justification="  ")
    with pytest.raises(NotAllowed):
        deadlines.extend_evaluation_deadline(round_, council.other_commissioner, justification="Many applications.")
    deadlines.extend_evaluation_deadline(round_, council.commissioner,
                                         justification="42 applications arrived; the panel meets weekly.")
    after = deadlines.evaluation_clock(round_)
    assert after.working_days == 15 and after.extension.justification.startswith("42 applications")
    assert clock.working_days_between(before, after.due_on) == 5
    with pytest.raises(DomainError, match="already extended to 15 working days"):
        deadlines.extend_evaluation_deadline(round_, council.commissioner, justification="Again.")
    assert count(db, EvaluationExtension) == 1
    [event] = actions(db, "evaluation.deadline_extended")
    assert event.after["due_on"] == after.due_on.isoformat()


def test_always_open_system_runs_a_clock_per_application(db, council, system, closed_with, frozen_clock):
    system.always_open = True
    round_, (first, second) = closed_with(2)
    assert deadlines.evaluation_clock(round_, first).starts_at == first.submitted_at
    with pytest.raises(DomainError, match="each application has its own deadline"):
        deadlines.extend_evaluation_deadline(round_, council.commissioner, justification="Busy.")
    deadlines.extend_evaluation_deadline(round_, council.commissioner, justification="Site visit needed.",
                                         application=first)
    assert deadlines.evaluation_clock(round_, first).working_days == 15
    assert deadlines.evaluation_clock(round_, second).working_days == 10


# ---- panel questions


def test_who_scores_a_question_changes_until_someone_has_scored_it(db, council, system, closed_with):
    round_, (application,) = closed_with(1)
    q11, q12 = system.lots[0].questions[:2]
    changed = assigning.set_question_scorers(round_, council.commissioner, {q12.id: Scorer.both, q11.id: Scorer.both})
    assert changed == [q12] and q12.scorer is Scorer.both
    evaluation.assign_evaluators(round_, council.commissioner, [council.panel])
    declare_none(round_, council.panel, application)
    panel = assignment_of(application, council.panel)
    assert q12 in panel.questions()
    evaluation.record_score(panel, q12, council.panel, score=4, justification="Kind.")
    with pytest.raises(DomainError, match="^Question 1.2 has been scored already, so who scores it cannot change.$"):
        assigning.set_question_scorers(round_, council.commissioner, {q12.id: Scorer.officers})
    assert q12.scorer is Scorer.both
    [event] = actions(db, "question.scorer_changed")
    assert event.before == {"scorer": "officers"} and event.after["scorer"] == "both"


def test_panel_reasons_may_be_short_but_not_empty(db, council, closed_with):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.panel, council.evaluator1])
    declare_none(round_, council.panel, application)
    declare_none(round_, council.evaluator1, application)
    panel, officer = assignment_of(application, council.panel), assignment_of(application, council.evaluator1)
    question = panel.questions()[0]
    evaluation.record_score(panel, question, council.panel, score=4, justification="Kind.")
    with pytest.raises(DomainError, match="at least 5 characters"):
        evaluation.record_score(panel, question, council.panel, score=4, justification="ok")
    with pytest.raises(DomainError, match="at least 10 characters"):
        evaluation.record_score(officer, question, council.evaluator1, score=4, justification="Kind.")


# ---- consistency


def test_consistency_shows_each_evaluators_count_average_and_signed_difference(db, council, closed_with):
    round_, (application,) = closed_with(1)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2])
    for evaluator, score in ((council.evaluator1, 2), (council.evaluator2, 5)):
        declare_none(round_, evaluator, application)
        assignment = assignment_of(application, evaluator)
        score_all(assignment, score=score)
        evaluation.submit_assignment(assignment, evaluator)
    questions = assignment_of(application, council.evaluator1).questions()
    for question in questions[:2]:
        evaluation.moderate_question(application, question, council.commissioner, score=4, rationale="Agreed.")
    rows = {r.name: r for r in evaluator_consistency(round_)}
    tom, grace = rows["Tom Evans"], rows["Grace Okafor"]
    assert tom.scores == grace.scores == len(questions)
    assert tom.average == 2 and grace.average == 5
    assert tom.compared == 2 and tom.average_difference == -2 and tom.leaning == "Harsher than the agreed scores"
    assert grace.average_difference == 1 and grace.leaning == "More lenient than the agreed scores"
