"""The evaluation deadline clock: 10 working days, extendable once to 15 with a justification.

PCR 2015 reg 34 asks for a decision within 10 working days of receipt. The clock starts when a
windowed round closes, or, in an always-open system, when each application is submitted.
Working days exclude weekends and England and Wales bank holidays (portal.clock).
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select

from portal.audit.services import record_event
from portal.clock import add_working_days, london, now, working_days_between
from portal.commissioning.models import RoundStatus
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.onboarding.models import ApplicationStatus

from .models import EvaluationExtension

WORKING_DAYS = 10
EXTENDED_WORKING_DAYS = 15


@dataclass(frozen=True)
class EvaluationClock:
    """When an evaluation is due and how many working days are left."""

    starts_at: datetime
    working_days: int
    #: the extension (its justification), if the deadline was extended
    extension: object | None
    #: decisions are made, so the clock has stopped
    finished: bool

    @property
    def due_on(self) -> date:
        return add_working_days(self.starts_at, self.working_days)

    @property
    def days_left(self) -> int:
        """Working days from today to the due date: 0 on the day, negative once overdue."""
        return working_days_between(london(now()).date(), self.due_on)

    @property
    def overdue(self) -> bool:
        return not self.finished and london(now()).date() > self.due_on


#: built once (every evaluation page reads the extensions); a clock needs only whether there is one and why, so
#: plain rows, read on the session's connection without the ORM's handling of a statement
_EXTENSIONS = select(EvaluationExtension.round_id, EvaluationExtension.application_id,
                     EvaluationExtension.justification).where(
    EvaluationExtension.round_id.in_(bindparam("ids", expanding=True)))


def extensions_for(round_ids) -> dict:
    """Every extension of the given rounds in one query, by (round id, application id or None): each a row with
    its round_id, application_id and justification."""
    if not round_ids:
        return {}
    return {(e.round_id, e.application_id): e
            for e in db.session.connection().execute(_EXTENSIONS, {"ids": list(round_ids)})}


def evaluation_clock(round_, application=None, extensions=None) -> EvaluationClock | None:
    """The clock of a windowed round, or of one application in an always-open system.

    None when the clock has not started (the round is not closed; the application not submitted).
    Pass `extensions` from extensions_for() to avoid a query per row on list pages.
    """
    if extensions is None:
        extensions = extensions_for([round_.id])
    if round_.system.always_open and application is not None:
        if application.submitted_at is None:
            return None
        extension = extensions.get((round_.id, application.id))
        finished = application.status is ApplicationStatus.decided or round_.status in (
            RoundStatus.decided, RoundStatus.published)
        start = application.submitted_at
    else:
        if not round_.has_closed():
            return None
        extension = extensions.get((round_.id, None))
        finished = round_.status in (RoundStatus.decided, RoundStatus.published)
        start = round_.closes_at
    return EvaluationClock(start, EXTENDED_WORKING_DAYS if extension else WORKING_DAYS, extension, finished)


def extend_evaluation_deadline(round_, actor, *, justification: str, application=None) -> EvaluationExtension:
    """Extend the deadline to 15 working days, once, with the reason recorded."""
    if not round_.can_manage(actor):
        raise NotAllowed("Only a commissioner of the owning council can extend the evaluation deadline.")
    if round_.status not in (RoundStatus.closed, RoundStatus.in_evaluation):
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}. The evaluation deadline can be extended "
                          "only after the round closes and before decisions are confirmed.")
    if round_.system.always_open and application is None:
        raise DomainError("In an always-open system each application has its own deadline. "
                          "Extend it from the application's row.")
    if not round_.system.always_open:
        application = None
    if application is not None and (application.round_id != round_.id or application.submitted_at is None):
        raise DomainError("Extend the deadline of a submitted application in this round.")
    justification = (justification or "").strip()
    if not justification:
        raise DomainError("Give the justification for extending the evaluation deadline.")
    existing = db.session.scalar(select(EvaluationExtension).filter_by(
        round_id=round_.id, application_id=application.id if application else None))
    if existing is not None:
        raise DomainError(f"The deadline is already extended to {EXTENDED_WORKING_DAYS} working days, "
                          "the most allowed.")
    extension = EvaluationExtension(round_id=round_.id, application_id=application.id if application else None,
                                    justification=justification, extended_by_id=actor.id)
    db.session.add(extension)
    db.session.flush()
    clock = evaluation_clock(round_, application, {(round_.id, extension.application_id): extension})
    record_event(actor, "evaluation.deadline_extended", extension, authority_id=round_.system.authority_id,
                 after={"round": round_.id, "application": application.reference if application else None,
                        "working_days": EXTENDED_WORKING_DAYS, "due_on": clock.due_on.isoformat() if clock else None,
                        "justification": justification})
    return extension


def round_evaluation_clocks(round_, applications) -> dict:
    """The round page's clocks: the round's own, and one per listed application in an always-open system."""
    extensions = extensions_for([round_.id])
    return {"round": evaluation_clock(round_, None, extensions),
            "applications": {a.id: evaluation_clock(round_, a, extensions) for a in applications}
            if round_.system.always_open else {}}
