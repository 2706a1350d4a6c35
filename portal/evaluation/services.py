"""Assigning, declaring conflicts, scoring and moderating: check, change, audit, flush."""
from sqlalchemy import select

from portal.audit.services import record_event
from portal.auth.models import Role, User
from portal.clock import now
from portal.commissioning.models import Round, RoundStatus
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.onboarding.models import Application, ApplicationStatus

from .models import (
    Assignment,
    ConflictDeclaration,
    ModeratedScore,
    ModeratedStandard,
    Score,
    StandardAssessment,
)

MIN_JUSTIFICATION = 10
#: panel members write in plain words: a short reason such as "Kind and clear." is enough (see
#: panel.py); officers' reasons are held to the longer minimum, written against the guidance
MIN_PANEL_JUSTIFICATION = 5


def assign_evaluators(round_: Round, actor, evaluators: list[User], lot=None) -> list[Assignment]:
    """Assign each evaluator to every application in evaluation in the round (or in one lot of it)."""
    from .assigning import applications_to_assign, check_can_assign

    check_can_assign(round_, actor, evaluators)
    created = []
    for application in applications_to_assign(round_, lot):
        have = {a.evaluator_id for a in application.assignments}
        for evaluator in evaluators:
            if evaluator.id in have:
                continue
            assignment = Assignment(application=application, evaluator=evaluator,
                                    as_panel=evaluator.role is Role.panel_member, assigned_by_id=actor.id)
            db.session.add(assignment)
            created.append(assignment)
    db.session.flush()
    for assignment in created:
        record_event(actor, "assignment.created", assignment, authority_id=round_.system.authority_id,
                     after={"application": assignment.application.reference,
                            "evaluator": assignment.evaluator.email, "as_panel": assignment.as_panel})
    return created


def declare_conflicts(round_: Round, actor, declarations: dict[int, tuple[bool, str]]) -> list[ConflictDeclaration]:
    """Record, per organisation id, whether the evaluator has an interest (with details)."""
    if not actor.is_authenticated or not actor.is_scorer:
        raise NotAllowed("Only evaluators declare conflicts of interest.")
    assigned = {
        a.application.organisation_id
        for a in db.session.scalars(
            select(Assignment).join(Application).where(
                Assignment.evaluator_id == actor.id, Application.round_id == round_.id, Assignment.ended_at.is_(None))
        )
    }
    if not assigned:
        raise NotAllowed("You are not assigned to any application in this round.")
    missing = assigned - set(declarations)
    if missing:
        raise DomainError("Answer the question for every provider listed.")
    # check every answer before storing any, so a refusal leaves nothing half-declared
    new = []
    for organisation_id, (has_interest, details) in declarations.items():
        if organisation_id not in assigned:
            raise DomainError("Declare only for providers you are assigned to.")
        if has_interest and not details.strip():
            raise DomainError("Give details of each interest you declare.")
        declaration = db.session.scalar(select(ConflictDeclaration).filter_by(
            round_id=round_.id, evaluator_id=actor.id, organisation_id=organisation_id))
        if declaration is not None:
            if declaration.has_interest == has_interest and declaration.details == details.strip():
                continue
            raise DomainError("You have already declared for this provider. Ask the commissioner to change it.")
        new.append((organisation_id, has_interest, details))
    saved = []
    for organisation_id, has_interest, details in new:
        declaration = ConflictDeclaration(round_id=round_.id, evaluator_id=actor.id, organisation_id=organisation_id,
                                          has_interest=has_interest, details=details.strip())
        db.session.add(declaration)
        saved.append(declaration)
    db.session.flush()
    for declaration in saved:
        record_event(actor, "conflict.declared", declaration, authority_id=round_.system.authority_id,
                     after={"organisation": declaration.organisation_id, "has_interest": declaration.has_interest,
                            "details": declaration.details})
    return saved


def _require_can_score(assignment: Assignment, actor) -> None:
    if not assignment.belongs_to(actor):
        raise NotAllowed("This is not your assignment.")
    if not assignment.is_current:
        raise DomainError("A commissioner has moved this application to another evaluator. The scores you saved "
                          "are kept with your name but no longer count.")
    if assignment.is_submitted:
        raise DomainError("You have already submitted your scores for this application; they cannot be changed.")
    if assignment.application.round.status is not RoundStatus.in_evaluation:
        raise DomainError("Scores can be given only while the round is in evaluation.")
    declaration = assignment.conflict()
    if declaration is None:
        raise DomainError("Declare whether you have a conflict of interest before scoring.")
    if not declaration.clears_scoring:
        raise DomainError("You declared an interest in this provider. A commissioner must decide before you can score.")


def record_score(assignment: Assignment, question, actor, *, score: int | None, justification: str) -> Score:
    _require_can_score(assignment, actor)
    if question not in assignment.questions():
        raise DomainError("This question is not one you were asked to score.")
    scale_max = assignment.application.round.system.scale_max
    if score is None or not 0 <= score <= scale_max:
        raise DomainError(f"Choose a score from 0 to {scale_max}.")
    justification = (justification or "").strip()
    minimum = MIN_PANEL_JUSTIFICATION if assignment.as_panel else MIN_JUSTIFICATION
    if len(justification) < minimum:
        raise DomainError(f"Write a justification of at least {minimum} characters for question {question.label}.")
    existing = assignment.score_for(question)
    before = None
    if existing is None:
        existing = Score(assignment=assignment, question=question, score=score, justification=justification)
        db.session.add(existing)
    else:
        before = {"score": existing.score, "justification": existing.justification}
        existing.score, existing.justification = score, justification
    db.session.flush()
    record_event(actor, "score.recorded", existing,
                 authority_id=assignment.application.round.system.authority_id,
                 before=before, after={"question": question.id, "score": score, "justification": justification})
    return existing


def record_standard_assessment(assignment: Assignment, standard, actor, *, passed: bool | None,
                               reason: str) -> StandardAssessment:
    _require_can_score(assignment, actor)
    if standard not in assignment.standards():
        raise DomainError("This standard is not one you were asked to assess.")
    if passed is None:
        raise DomainError(f"Choose pass or fail for “{standard.title}”.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"Give the reason for your pass or fail of “{standard.title}”.")
    assessment = assignment.assessment_for(standard)
    if assessment is None:
        assessment = StandardAssessment(assignment=assignment, standard=standard, passed=passed, reason=reason)
        db.session.add(assessment)
    else:
        assessment.passed, assessment.reason = passed, reason
    db.session.flush()
    record_event(actor, "standard.assessed", assessment,
                 authority_id=assignment.application.round.system.authority_id,
                 after={"standard": standard.id, "passed": passed, "reason": reason})
    return assessment


def submit_assignment(assignment: Assignment, actor) -> Assignment:
    """Submit all of an evaluator's scores for an application at once; they are final after this."""
    _require_can_score(assignment, actor)
    unscored = [q.label for q in assignment.questions() if assignment.score_for(q) is None]
    unassessed = [s.title for s in assignment.standards()
                  if not s.kind.is_automatic and assignment.assessment_for(s) is None]
    if unscored or unassessed:
        parts = []
        if unscored:
            parts.append("score question " + ", ".join(unscored))
        if unassessed:
            parts.append("assess " + ", ".join(unassessed))
        raise DomainError("Before submitting, " + " and ".join(parts) + ".")
    assignment.submitted_at = now()
    db.session.flush()
    record_event(actor, "assignment.submitted", assignment,
                 authority_id=assignment.application.round.system.authority_id,
                 after={"scores": len(assignment.scores)})
    return assignment


class ModerationConflict(DomainError):
    """Another moderator saved the same answer after this form was loaded; nothing of this save is kept."""

    def __init__(self, message: str, saved: dict):
        super().__init__(message)
        #: what the other moderator saved: value, rationale, moderator's name, when, and its version
        self.saved = saved


def check_can_moderate(application: Application, actor) -> None:
    """Refuse moderation, with a sentence saying why, unless the application is ready for it."""
    if not application.round.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can moderate.")
    if application.round.status is not RoundStatus.in_evaluation:
        raise DomainError("Moderation happens while the round is in evaluation.")
    if not application.current_assignments:
        raise DomainError("Assign evaluators to this application before moderating.")
    waiting = [a.evaluator.name for a in application.current_assignments if not a.is_submitted]
    if waiting:
        raise DomainError("Wait until every evaluator has submitted their scores. Still scoring: "
                          + ", ".join(waiting) + ".")


def _check_version(moderated, expected_version: int | None, unchanged: bool, what: str, saved: dict) -> None:
    """Refuse a save made from a form loaded before someone else's save of the same answer.

    expected_version is the version the form loaded (0: there was no agreed value yet; None: no check).
    A save that repeats exactly what is stored is not a conflict.
    """
    if expected_version is None or unchanged:
        return
    current = moderated.version if moderated is not None else 0
    if expected_version != current:
        raise ModerationConflict(
            f"{saved['moderator']} saved an agreed result for {what} while you were working. Their result is "
            "shown next to yours; check both, then save again.", saved)


def moderate_question(application: Application, question, actor, *, score: int | None, rationale: str,
                      expected_version: int | None = None) -> ModeratedScore:
    """Record the agreed score of one answer; the evaluators' own scores are kept unchanged."""
    check_can_moderate(application, actor)
    if question.lot not in application.chosen_lots():
        raise DomainError("This application does not answer that question.")
    scale_max = application.round.system.scale_max
    if score is None or not 0 <= score <= scale_max:
        raise DomainError(f"Choose an agreed score from 0 to {scale_max} for question {question.label}.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(f"Give the rationale for the agreed score of question {question.label}.")
    return _moderate(application, actor, ModeratedScore, question, score, rationale, expected_version,
                     what=f"question {question.label}", event="score.moderated")


def moderate_standard(application: Application, standard, actor, *, passed: bool | None,
                      rationale: str, expected_version: int | None = None) -> ModeratedStandard:
    """Record the agreed pass or fail of one evidence standard."""
    check_can_moderate(application, actor)
    if standard.kind.is_automatic:
        raise DomainError(f"“{standard.title}” is checked automatically and is not moderated.")
    if passed is None:
        raise DomainError(f"Choose pass or fail for “{standard.title}”.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(f"Give the rationale for “{standard.title}”.")
    return _moderate(application, actor, ModeratedStandard, standard, passed, rationale, expected_version,
                     what=f"“{standard.title}”", event="standard.moderated")


def _moderate(application: Application, actor, model, item, value, rationale: str, expected_version: int | None,
              *, what: str, event: str):
    """Store the agreed value of one item (a ModeratedScore of a question, or a ModeratedStandard of a
    standard), checked already: refused if another moderator saved since the form was loaded, nothing
    written if it repeats what is stored, else created or changed, audited with what it was before."""
    item_name, value_name = model.item_name, model.value_name
    moderated = db.session.scalar(select(model).filter_by(application_id=application.id,
                                                          **{f"{item_name}_id": item.id}))
    unchanged = moderated is not None and (moderated.value, moderated.rationale) == (value, rationale)
    if moderated is not None:
        _check_version(moderated, expected_version, unchanged, what, moderated.saved())
    if unchanged:
        return moderated
    before = None
    if moderated is None:
        moderated = model(application_id=application.id, **{item_name: item, value_name: value},
                          rationale=rationale, moderator_id=actor.id)
        db.session.add(moderated)
    else:
        before = {value_name: moderated.value, "rationale": moderated.rationale}
        setattr(moderated, value_name, value)
        moderated.rationale, moderated.moderator_id = rationale, actor.id
    db.session.flush()
    record_event(actor, event, moderated, authority_id=application.round.system.authority_id,
                 before=before, after={item_name: item.id, value_name: value, "rationale": rationale})
    return moderated
    before = None
    if moderated is None:
        moderated = ModeratedStandard(application_id=application.id, standard=standard, passed=passed,
                                      rationale=rationale, moderator_id=actor.id)
        db.session.add(moderated)
    else:
        before = {"passed": moderated.passed, "rationale": moderated.rationale}
        moderated.passed, moderated.rationale, moderated.moderator_id = passed, rationale, actor.id
    db.session.flush()
    record_event(actor, "standard.moderated", moderated, authority_id=application.round.system.authority_id,
                 before=before, after={"standard": standard.id, "passed": passed, "rationale": rationale})
    return moderated
