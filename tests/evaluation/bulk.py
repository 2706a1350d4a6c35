"""Many decided applications at once, written straight to the tables, for the documents' timing tests.

Going through the services for 100 applications would take the suite too long; the rows written here
are the ones the services would write (a submitted, scored, moderated and decided application).
"""
from decimal import Decimal

from portal.clock import now
from portal.commissioning.models import Decision, Outcome, StandardKind
from portal.evaluation.models import Assignment, ModeratedScore, ModeratedStandard
from portal.evaluation.results import application_results
from portal.extensions import db
from portal.onboarding.models import (
    Application,
    ApplicationLot,
    ApplicationStatus,
    ApplicationZone,
    CQCRating,
    Organisation,
    StandardResponse,
)

RATIONALES = [
    "Clear, person-led planning with a specific example; reviews are regular and led by the person.",
    "Safeguarding training and reporting are described, but learning from incidents is thin.",
    "Recruitment plan covers pay and travel time; cover for absence relies on agency staff.",
    "Two apprenticeships a year in Fenland with measurable targets.",
]


def add_decided_applications(round_, commissioner, count: int) -> list[Application]:
    system = round_.system
    lot = system.lots[0]
    created = []
    for n in range(1, count + 1):
        organisation = Organisation(legal_name=f"Bulk Care {n:03d} Ltd", companies_house_number=f"{20000000 + n}",
                                    cqc_rating=CQCRating.good, address=f"{n} High Street\nMarch",
                                    postcode="PE15 8AA")
        application = Application(round_id=round_.id, organisation=organisation, status=ApplicationStatus.decided,
                                  reference=f"{system.reference}/R{round_.number}/B{n:04d}",
                                  submitted_at=round_.opens_at, rate_accepted=True, declaration_confirmed=True)
        choice = ApplicationLot(lot=lot)
        choice.zones = [ApplicationZone(zone=zone) for zone in system.zones]
        application.lots = [choice]
        for standard in lot.standards:
            application.standard_responses.append(StandardResponse(
                standard=standard, confirmed=True, text="Five years of personalised support plans.",
                cqc_rating_at_submission=CQCRating.good if standard.kind is StandardKind.cqc_rating else None))
        db.session.add(application)
        db.session.add(Assignment(application=application, evaluator_id=commissioner.id, submitted_at=now()))
        db.session.flush()
        for i, question in enumerate(lot.questions):
            db.session.add(ModeratedScore(application_id=application.id, question=question, score=2 + (n + i) % 4,
                                          rationale=RATIONALES[i % len(RATIONALES)], moderator_id=commissioner.id))
        for standard in lot.standards:
            if not standard.kind.is_automatic:
                db.session.add(ModeratedStandard(application_id=application.id, standard=standard, passed=True,
                                                 rationale="Evidence accepted by all evaluators.",
                                                 moderator_id=commissioner.id))
        db.session.flush()
        result = application_results(application)[lot.id]
        db.session.add(Decision(application=application, lot=lot,
                                outcome=Outcome.admit if result.passed else Outcome.reject,
                                reasons="Met every minimum standard and the pass mark." if result.passed
                                else "The total did not reach the pass mark.",
                                total_at_decision=result.total or Decimal(0), passed_at_decision=bool(result.passed),
                                decided_by_id=commissioner.id))
        created.append(application)
    db.session.flush()
    return created
