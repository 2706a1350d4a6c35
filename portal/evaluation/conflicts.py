"""A commissioner's decisions on declared interests, and the round's conflicts register."""
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager

from portal.audit.services import record_event
from portal.auth.models import User
from portal.clock import format_datetime, now
from portal.commissioning.models import RoundStatus
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.onboarding.models import Application, Organisation

from .assigning import reassign
from .models import Assignment, ConflictDeclaration, ConflictDecision


def blocked_assignment(declaration: ConflictDeclaration) -> Assignment | None:
    """The evaluator's current assignment to the declared provider's application in the round."""
    return db.session.scalar(
        select(Assignment).join(Application).where(
            Application.round_id == declaration.round_id,
            Application.organisation_id == declaration.organisation_id,
            Assignment.evaluator_id == declaration.evaluator_id,
            Assignment.ended_at.is_(None)))


def decide_conflict(declaration: ConflictDeclaration, actor, *, decision: ConflictDecision | None,
                    mitigation: str = "", to_evaluator=None) -> ConflictDeclaration:
    """Allow the evaluator to go on with a recorded mitigation, or move the work to another evaluator."""
    round_ = declaration.round
    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can decide on a declared interest.")
    if not declaration.has_interest:
        raise DomainError("This evaluator declared no interest: there is nothing to decide.")
    if declaration.decision is not None:
        raise DomainError(f"This interest was already decided: {declaration.decision.label.lower()}.")
    if round_.status not in (RoundStatus.closed, RoundStatus.in_evaluation):
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}. Interests are decided during evaluation.")
    if decision is None:
        raise DomainError("Choose whether to allow the evaluator to go on, or to move the work to someone else.")
    mitigation = (mitigation or "").strip()
    if decision is ConflictDecision.allowed:
        if not mitigation:
            raise DomainError("Describe the mitigation, for example a second officer checks every score.")
        declaration.allowed_with_mitigation = mitigation
    else:
        assignment = blocked_assignment(declaration)
        if assignment is None:
            raise DomainError("The evaluator has no current work on this provider to move.")
        reassign(assignment, actor, to_evaluator,
                 reason=f"Declared an interest in {declaration.organisation.legal_name}: {declaration.details}")
    declaration.decision, declaration.decided_by_id, declaration.decided_at = decision, actor.id, now()
    db.session.flush()
    record_event(actor, "conflict.decided", declaration, authority_id=round_.system.authority_id,
                 after={"decision": decision.value, "mitigation": mitigation or None,
                        "to_evaluator": to_evaluator.email if to_evaluator is not None and
                        decision is ConflictDecision.reassigned else None})
    return declaration


def register_query(round_):
    """Every declaration of the round with its evaluator, provider and decider, in one query."""
    Decider = aliased(User)
    return (select(ConflictDeclaration, User.name, Organisation.legal_name, Decider.name)
            .join(User, User.id == ConflictDeclaration.evaluator_id)
            .join(Organisation, Organisation.id == ConflictDeclaration.organisation_id)
            .outerjoin(Decider, Decider.id == ConflictDeclaration.decided_by_id)
            .where(ConflictDeclaration.round_id == round_.id)
            .order_by(Organisation.legal_name, User.name, ConflictDeclaration.id))


def register_page_query(round_):
    """The declarations for the register page, with the people loaded alongside (fixed query count)."""
    Decider = aliased(User)
    return (select(ConflictDeclaration)
            .join(ConflictDeclaration.evaluator).join(ConflictDeclaration.organisation)
            .outerjoin(Decider, Decider.id == ConflictDeclaration.decided_by_id)
            .options(contains_eager(ConflictDeclaration.evaluator), contains_eager(ConflictDeclaration.organisation),
                     contains_eager(ConflictDeclaration.decided_by.of_type(Decider)))
            .where(ConflictDeclaration.round_id == round_.id)
            .order_by(Organisation.legal_name, User.name, ConflictDeclaration.id))


REGISTER_HEADER = ("Provider", "Evaluator", "Declared at", "Interest", "Details", "Decision", "Mitigation",
                   "Decided by", "Decided at")


def register_rows(round_):
    """The conflicts register as CSV rows (header first), read in batches from one query."""
    yield REGISTER_HEADER
    for declaration, evaluator, provider, decider in db.session.execute(
            register_query(round_).execution_options(yield_per=200)):
        yield (provider, evaluator, format_datetime(declaration.declared_at),
               "Yes" if declaration.has_interest else "No", declaration.details,
               declaration.decision.label if declaration.decision else
               ("Waiting for a decision" if declaration.has_interest else "Not needed"),
               declaration.allowed_with_mitigation or "", decider or "", format_datetime(declaration.decided_at))
