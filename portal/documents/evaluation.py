"""The evaluation report of a round and the outcome letter of an application, as PDFs.

Each document is built from stored scores, decisions and declarations in a fixed number of queries
(whatever the number of applications), then rendered with documents/pdf_layout.html.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.clock import format_date, london, now
from portal.commissioning.models import Decision, Round
from portal.evaluation.models import Assignment, ConflictDeclaration, ConflictDecision
from portal.evaluation.results import (
    application_results,
    automatic_standard_result,
    evaluated_applications_query,
    moderation_by_application,
    preload_criteria,
)
from portal.extensions import db
from portal.onboarding.models import Application

from .pdf import pdf_download, render_pdf


def conflict_handling(declaration: ConflictDeclaration) -> str:
    """How a declaration was handled, in words for the record."""
    if not declaration.has_interest:
        return "No interest declared; went on to score."
    if declaration.decision is None:
        return "Waiting for a decision: the evaluator could not score this provider."
    decided = (f" Decided by {declaration.decided_by.name} on {format_date(declaration.decided_at)}."
               if declaration.decided_by else "")
    if declaration.decision is ConflictDecision.allowed:
        return f"Allowed to score with this mitigation: {declaration.allowed_with_mitigation.rstrip('.')}.{decided}"
    return f"The work was moved to another evaluator.{decided}"


@dataclass
class ApplicationRecord:
    """One application's part of a document: its results, agreed scores, standards and decisions."""

    application: object
    results: dict
    moderated_scores: dict  # question id -> ModeratedScore
    moderated_standards: dict  # standard id -> ModeratedStandard
    decisions: dict  # lot id -> Decision
    standard_results: dict = field(default_factory=dict)  # standard id -> True/False/None

    @property
    def lots(self):
        return self.application.chosen_lots()

    @property
    def admitted_lot_ids(self) -> set[int]:
        return {lot_id for lot_id, d in self.decisions.items() if d.outcome.value == "admit"}


def _records(applications) -> list[ApplicationRecord]:
    scores, standards = moderation_by_application([a.id for a in applications], with_moderators=True)
    results = {a.id: application_results(a, scores[a.id], standards[a.id]) for a in applications}
    records = []
    for application in applications:
        agreed = {m.standard_id: m for m in standards[application.id]}
        standard_results = {}
        for lot in application.chosen_lots():
            for standard in lot.standards:
                if standard.kind.is_automatic:
                    standard_results[standard.id] = automatic_standard_result(application, standard)
                else:
                    m = agreed.get(standard.id)
                    standard_results[standard.id] = m.passed if m else None
        records.append(ApplicationRecord(
            application=application, results=results[application.id],
            moderated_scores={m.question_id: m for m in scores[application.id]},
            moderated_standards=agreed, decisions={d.lot_id: d for d in application.decisions},
            standard_results=standard_results))
    return records


# ---- the evaluation report of a round (PCR 2015 regulation 84: the record of the procedure)


def evaluation_report_data(round_: Round) -> dict:
    """Everything the report prints, in a fixed number of queries whatever the number of applications."""
    system = round_.system
    lots, zones = preload_criteria(system)
    applications = db.session.scalars(
        evaluated_applications_query(round_).options(
            selectinload(Application.decisions).joinedload(Decision.decided_by))).all()
    records = _records(applications)
    assignments = db.session.scalars(
        select(Assignment).join(Assignment.application).where(Application.round_id == round_.id)
        .options(joinedload(Assignment.evaluator))).all()
    evaluators = {}
    for assignment in assignments:
        entry = evaluators.setdefault(assignment.evaluator_id, {"user": assignment.evaluator, "assigned": 0,
                                                                "submitted": 0, "moved": 0})
        entry["assigned"] += 1
        entry["submitted"] += 1 if assignment.is_submitted else 0
        entry["moved"] += 0 if assignment.is_current else 1
    declarations = db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.round_id == round_.id)
        .options(joinedload(ConflictDeclaration.evaluator), joinedload(ConflictDeclaration.organisation),
                 joinedload(ConflictDeclaration.decided_by))
        .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id)).all()
    interests = [d for d in declarations if d.has_interest]
    admitted = {lot.id: 0 for lot in lots}
    decided = {lot.id: 0 for lot in lots}
    for record in records:
        for lot_id, decision in record.decisions.items():
            decided[lot_id] = decided.get(lot_id, 0) + 1
            admitted[lot_id] = admitted.get(lot_id, 0) + (1 if decision.outcome.value == "admit" else 0)
    return {
        "round": round_, "system": system, "lots": lots, "records": records,
        "evaluators": sorted(evaluators.values(), key=lambda e: (e["user"].role.value, e["user"].name)),
        "declarations": declarations, "interests": interests, "no_interest_count": len(declarations) - len(interests),
        "admitted": admitted, "decided": decided, "conflict_handling": conflict_handling,
    }


def evaluation_report_pdf(round_: Round) -> bytes:
    system = round_.system
    return render_pdf("documents/evaluation_report.html", authority_name=system.authority.name,
                      document_title=f"Evaluation report: {system.reference} {round_.name}",
                      generated_on=london(now()).date(), confidentiality="OFFICIAL-SENSITIVE",
                      **evaluation_report_data(round_))


# ---- the outcome letter of one application


def address_lines(organisation) -> list[str]:
    """The organisation's postal address as the lines of a letter's address block."""
    text = (organisation.address or "").replace("\r\n", "\n")
    lines = [line.strip() for line in (text.split("\n") if "\n" in text else text.split(",")) if line.strip()]
    if organisation.postcode and organisation.postcode not in lines:
        lines.append(organisation.postcode)
    return lines


def outcome_letter_data(application) -> dict:
    """The letter's content, for one application, in a fixed number of queries."""
    criteria = preload_criteria(application.round.system)  # noqa: F841 (kept referenced: see preload_criteria)
    loaded = db.session.scalars(
        evaluated_applications_query(application.round).where(Application.id == application.id)
        .options(selectinload(Application.decisions).selectinload(Decision.decided_by))).one()
    record = _records([loaded])[0]
    signatory = next((d.decided_by for d in sorted(record.decisions.values(), key=lambda d: d.decided_at)), None)
    return {"application": loaded, "record": record, "round": loaded.round, "system": loaded.round.system,
            "organisation": loaded.organisation, "address": address_lines(loaded.organisation),
            "signatory": signatory, "letter_date": london(now()).date()}


def outcome_letter_pdf(application) -> bytes:
    data = outcome_letter_data(application)
    return render_pdf("documents/outcome_letter.html", authority_name=data["system"].authority.name,
                      document_title=f"Outcome of application {application.reference}",
                      generated_on=data["letter_date"], **data)


def outcome_letter_download(application):
    """The outcome letter of a decided application, as a download named after its reference."""
    return pdf_download(outcome_letter_pdf(application),
                        f"outcome-{(application.reference or str(application.id)).replace('/', '-')}.pdf")
