"""Assigning evaluators in bulk (a team per lot, or spread evenly), per application, and moving
work from one evaluator to another; and marking which questions the service-user panel scores.

Moving work (reassigning) never deletes or re-attributes a score: the old assignment is ended
(`ended_at`, who, why) and a new one made for the other evaluator. Scores saved under the old
assignment stay stored under their author's name. Only a *current* assignment counts: its
evaluator must submit before moderation, and its scores appear in moderation and on the
consistency page. An ended assignment's scores are shown to the moderator as "kept, not counted"
and never feed a result. Submitted work cannot be moved: submitted scores stand.
"""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.audit.services import record_event
from portal.auth.models import Role
from portal.commissioning.models import Question, Round, RoundStatus, Scorer
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.onboarding.models import Application, ApplicationLot, ApplicationStatus

from .models import Assignment, ConflictDeclaration, ConflictDecision, Score


def check_can_assign(round_: Round, actor, evaluators) -> None:
    """Refuse unless actor manages the round, it is closed or in evaluation, and every person is
    an evaluator or panel member of the owning council; then start evaluation of a closed round."""
    from portal.commissioning.services import begin_evaluation

    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can assign evaluators.")
    if round_.status not in (RoundStatus.closed, RoundStatus.in_evaluation):
        raise DomainError(
            f"{round_.name} is {round_.status.label.lower()}. Evaluators can be assigned once it has closed "
            "and until decisions are confirmed."
        )
    # check the evaluators before starting evaluation, so a refusal leaves the round closed
    if not evaluators:
        raise DomainError("Select at least one evaluator.")
    for evaluator in evaluators:
        _check_evaluator(round_, evaluator)
    if round_.status is RoundStatus.closed:
        begin_evaluation(round_, actor)


def _check_evaluator(round_, evaluator) -> None:
    if not evaluator.is_scorer or evaluator.authority_id != round_.system.authority_id or not evaluator.active:
        raise DomainError(f"{evaluator.name} is not an evaluator or panel member of this council.")


def applications_to_assign(round_: Round, lot=None,
                           statuses=(ApplicationStatus.in_evaluation,)) -> list[Application]:
    """The round's applications in evaluation (bidding for `lot`, when given), by reference, with their
    assignments and organisation loaded alongside."""
    query = (select(Application).where(Application.round_id == round_.id, Application.status.in_(statuses))
             .options(selectinload(Application.assignments), joinedload(Application.organisation)))
    if lot is not None:
        query = query.where(Application.id.in_(select(ApplicationLot.application_id).where(
            ApplicationLot.lot_id == lot.id)))
    return list(db.session.scalars(query.order_by(Application.reference, Application.id)))


def _blocked_pairs(round_) -> set[tuple[int, int]]:
    """(evaluator id, organisation id) pairs that an interest blocks in this round."""
    return {(d.evaluator_id, d.organisation_id) for d in db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.round_id == round_.id)) if not d.clears_scoring}


def _create(application, evaluator, actor) -> Assignment:
    assignment = Assignment(application=application, evaluator=evaluator,
                            as_panel=evaluator.role is Role.panel_member, assigned_by_id=actor.id)
    db.session.add(assignment)
    return assignment


def _record_created(created, actor, round_, how: str) -> None:
    db.session.flush()
    for assignment in created:
        record_event(actor, "assignment.created", assignment, authority_id=round_.system.authority_id,
                     after={"application": assignment.application.reference, "how": how,
                            "evaluator": assignment.evaluator.email, "as_panel": assignment.as_panel})


def spread_evaluators(round_: Round, actor, evaluators, *, per_application: int, lot=None) -> list[Assignment]:
    """Give every application (of `lot`, when given) `per_application` evaluators from those chosen,
    each time the least loaded ones in this round (ties by name, then id), so the spread is even
    and the same choice always gives the same result."""
    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can assign evaluators.")
    if not evaluators:
        raise DomainError("Select at least one evaluator.")
    if len({e.role for e in evaluators}) > 1:
        raise DomainError("Spread officers and panel members separately: choose only evaluators, "
                          "or only panel members.")
    if not per_application or not 1 <= per_application <= len(evaluators):
        raise DomainError(f"Choose how many evaluators each application gets: from 1 to {len(evaluators)}.")
    # plan every pairing before changing anything, so a refusal leaves the round as it was
    check_round = round_.status
    if check_round not in (RoundStatus.closed, RoundStatus.in_evaluation):
        raise DomainError(
            f"{round_.name} is {round_.status.label.lower()}. Evaluators can be assigned once it has closed "
            "and until decisions are confirmed.")
    for evaluator in evaluators:
        _check_evaluator(round_, evaluator)
    ordered = sorted(evaluators, key=lambda e: (e.name, e.id))
    chosen_ids = {e.id for e in ordered}
    load = dict.fromkeys(chosen_ids, 0)
    load.update(db.session.execute(
        select(Assignment.evaluator_id, func.count()).join(Application)
        .where(Application.round_id == round_.id, Assignment.ended_at.is_(None),
               Assignment.evaluator_id.in_(chosen_ids))
        .group_by(Assignment.evaluator_id)).all())
    blocked = _blocked_pairs(round_)
    candidates_apps = applications_to_assign(
        round_, lot, statuses=(ApplicationStatus.submitted, ApplicationStatus.in_evaluation))
    plan = []
    for application in candidates_apps:
        have = {a.evaluator_id for a in application.assignments}
        current = sum(1 for a in application.current_assignments if a.evaluator_id in chosen_ids)
        need = per_application - current
        if need <= 0:
            continue
        free = [e for e in ordered
                if e.id not in have and (e.id, application.organisation_id) not in blocked]
        if len(free) < need:
            raise DomainError(f"{application.organisation.legal_name} needs {need} more of the chosen evaluators, "
                              f"but only {len(free)} can take it (the others are already assigned, were moved off "
                              "it, or declared an interest). Choose more evaluators.")
        free.sort(key=lambda e: load[e.id])  # stable: keeps the name order among equals
        for evaluator in free[:need]:
            load[evaluator.id] += 1
            plan.append((application, evaluator))
    if round_.status is RoundStatus.closed:
        from portal.commissioning.services import begin_evaluation
        begin_evaluation(round_, actor)
    created = [_create(application, evaluator, actor) for application, evaluator in plan]
    _record_created(created, actor, round_, f"spread, {per_application} per application")
    return created


def assign_to_application(application, actor, evaluators) -> list[Assignment]:
    """Add the chosen evaluators to one application (those already on it are left as they are)."""
    round_ = application.round
    check_can_assign(round_, actor, evaluators)
    if application.status is not ApplicationStatus.in_evaluation:
        raise DomainError(f"{application.organisation.legal_name}'s application is not in evaluation.")
    have = {a.evaluator_id: a for a in application.assignments}
    for evaluator in evaluators:
        if evaluator.id in have and not have[evaluator.id].is_current:
            raise DomainError(f"{evaluator.name} was moved off this application. Choose someone else.")
    created = [_create(application, e, actor) for e in evaluators if e.id not in have]
    _record_created(created, actor, round_, "one application")
    return created


def reassign(assignment: Assignment, actor, to_evaluator, *, reason: str) -> Assignment:
    """Move an evaluator's unsubmitted work on one application to another evaluator.

    The old assignment is ended, never deleted: its saved scores stay with their author and stop
    counting. Returns the new assignment."""
    application = assignment.application
    round_ = application.round
    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can reassign evaluators.")
    if round_.status is not RoundStatus.in_evaluation:
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}. Work can be moved only while the "
                          "round is in evaluation.")
    if not assignment.is_current:
        raise DomainError(f"{assignment.evaluator.name}'s work on this application has already moved to "
                          f"{assignment.replaced_by.evaluator.name if assignment.replaced_by else 'someone else'}.")
    if assignment.is_submitted:
        raise DomainError(f"{assignment.evaluator.name} has submitted their scores for "
                          f"{application.organisation.legal_name}. Submitted scores stand and cannot be moved.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for moving this work, for example that the evaluator is ill.")
    if to_evaluator is None:
        raise DomainError("Choose the evaluator who takes over.")
    _check_evaluator(round_, to_evaluator)
    if to_evaluator.id == assignment.evaluator_id:
        raise DomainError("Choose a different evaluator from the one the work is moving from.")
    if (to_evaluator.role is Role.panel_member) != assignment.as_panel:
        raise DomainError(f"{assignment.evaluator.name} scores as "
                          f"{'a panel member' if assignment.as_panel else 'an officer'}: choose another "
                          f"{'panel member' if assignment.as_panel else 'officer evaluator'}.")
    if any(a.evaluator_id == to_evaluator.id for a in application.assignments):
        raise DomainError(f"{to_evaluator.name} is already on this application, or was moved off it. "
                          "Choose someone else.")
    if (to_evaluator.id, application.organisation_id) in _blocked_pairs(round_):
        raise DomainError(f"{to_evaluator.name} declared an interest in {application.organisation.legal_name}. "
                          "Choose someone else.")
    from portal.clock import now

    new = _create(application, to_evaluator, actor)
    db.session.flush()
    assignment.ended_at, assignment.ended_by_id, assignment.ended_reason = now(), actor.id, reason
    assignment.replaced_by = new
    db.session.flush()
    record_event(actor, "assignment.reassigned", assignment, authority_id=round_.system.authority_id,
                 before={"evaluator": assignment.evaluator.email},
                 after={"evaluator": to_evaluator.email, "application": application.reference, "reason": reason,
                        "new_assignment": new.id, "scores_kept_uncounted": len(assignment.scores)})
    return new


def panel_questions_locked(question) -> bool:
    """Who scores a question is fixed once anyone has scored it, in any round of the system."""
    return bool(db.session.scalar(select(func.count(Score.id)).where(Score.question_id == question.id)))


def set_question_scorers(round_: Round, actor, scorers: dict[int, Scorer]) -> list[Question]:
    """Mark who scores each question (officers, the panel, or both), before scoring of it starts.

    The setting belongs to the system's question, so it holds for later rounds too."""
    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can choose who scores the questions.")
    if round_.status in (RoundStatus.decided, RoundStatus.published):
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}. Who scores a question can no longer "
                          "change for it.")
    questions = {q.id: q for lot in round_.system.lots for q in lot.questions}
    scored = set(db.session.scalars(select(Score.question_id).where(Score.question_id.in_(list(questions)))
                                    .distinct()))
    changed = []
    for question_id, scorer in scorers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError("Choose who scores the questions of this system only.")
        if scorer is None or question.scorer is scorer:
            continue
        if question_id in scored:
            raise DomainError(f"Question {question.label} has been scored already, so who scores it cannot change.")
        changed.append((question, question.scorer, scorer))
    for question, before, after in changed:
        question.scorer = after
    db.session.flush()
    for question, before, after in changed:
        record_event(actor, "question.scorer_changed", question, authority_id=round_.system.authority_id,
                     before={"scorer": before.value}, after={"scorer": after.value, "round": round_.id})
    return [q for q, _, _ in changed]
