"""Results of applications, computed from stored moderated scores (never typed in)."""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.commissioning.models import Lot, StandardKind, Zone
from portal.extensions import db
from portal.onboarding.models import Application, ApplicationLot, ApplicationStatus

from .models import ModeratedScore, ModeratedStandard
from .scoring import LotResult, QuestionRule, lot_result


def automatic_standard_result(application, standard) -> bool | None:
    """Declarations and the CQC rating are passed or failed by the portal itself."""
    response = application.response_for(standard)
    if standard.kind is StandardKind.declaration:
        return bool(response and response.confirmed)
    if standard.kind is StandardKind.cqc_rating:
        rating = response.cqc_rating_at_submission if response else None
        return bool(rating and rating.meets_minimum)
    return None


def application_results(application, moderated_scores=None, moderated_standards=None) -> dict[int, LotResult]:
    """{lot id: LotResult} for every lot the application bids for."""
    if moderated_scores is None:
        moderated_scores = ModeratedScore.query.filter_by(application_id=application.id).all()
    if moderated_standards is None:
        moderated_standards = ModeratedStandard.query.filter_by(application_id=application.id).all()
    final_scores = {m.question_id: m.score for m in moderated_scores}
    agreed_standards = {m.standard_id: m.passed for m in moderated_standards}
    system = application.round.system
    results = {}
    for lot in application.chosen_lots():
        rules = [QuestionRule(q.id, q.section.value, Decimal(q.weight), q.min_score) for q in lot.questions]
        standards = {}
        for standard in lot.standards:
            if standard.kind.is_automatic:
                standards[standard.id] = automatic_standard_result(application, standard)
            else:
                standards[standard.id] = agreed_standards.get(standard.id)
        results[lot.id] = lot_result(rules, final_scores, standards, scale_max=system.scale_max,
                                     pass_mark=Decimal(system.pass_mark))
    return results


# ---- a round's results in bulk: a fixed number of queries whatever the number of applications

#: the applications of a round that have results: submitted ones that reached evaluation
EVALUATED_STATUSES = ("in_evaluation", "decided")


def preload_criteria(system, *, with_zones: bool = False) -> tuple[list, list]:
    """The system's lots with their questions and standards (and its zones if asked), in three or four queries.

    Loaded first, they are found in the session when each application's lots and zones are read,
    so reading them costs no query per application. The session holds its objects weakly: keep the
    returned (lots, zones) referenced while the applications are read.
    """
    lots = db.session.scalars(
        select(Lot).where(Lot.system_id == system.id).order_by(Lot.number)
        .options(selectinload(Lot.questions), selectinload(Lot.standards))).all()
    zones = db.session.scalars(select(Zone).where(Zone.system_id == system.id)).all() if with_zones else []
    return lots, zones


def evaluated_applications_query(round_, *, with_zones: bool = False):
    """The round's applications in evaluation or decided, by reference, with what their results need."""
    statuses = [ApplicationStatus(s) for s in EVALUATED_STATUSES]
    lots = selectinload(Application.lots)
    return (
        select(Application)
        .where(Application.round_id == round_.id, Application.status.in_(statuses))
        .options(
            joinedload(Application.organisation),  # many-to-one: joined, no query of its own
            selectinload(Application.standard_responses),
            selectinload(Application.decisions),
            lots.selectinload(ApplicationLot.zones) if with_zones else lots,
        )
        .order_by(Application.reference)
    )


def moderation_by_application(application_ids, *, with_moderators: bool = False) -> tuple[dict, dict]:
    """({application id: [ModeratedScore]}, {application id: [ModeratedStandard]}) in two queries (four with
    the moderators' names)."""
    scores, standards = {i: [] for i in application_ids}, {i: [] for i in application_ids}
    if not application_ids:
        return scores, standards
    score_query = select(ModeratedScore).where(ModeratedScore.application_id.in_(application_ids))
    standard_query = select(ModeratedStandard).where(ModeratedStandard.application_id.in_(application_ids))
    if with_moderators:
        score_query = score_query.options(joinedload(ModeratedScore.moderator))
        standard_query = standard_query.options(joinedload(ModeratedStandard.moderator))
    for m in db.session.scalars(score_query):
        scores[m.application_id].append(m)
    for m in db.session.scalars(standard_query):
        standards[m.application_id].append(m)
    return scores, standards


def results_for(applications) -> dict[int, dict[int, LotResult]]:
    """{application id: {lot id: LotResult}} for applications loaded with evaluated_applications_query."""
    ids = [a.id for a in applications]
    scores, standards = moderation_by_application(ids)
    return {a.id: application_results(a, scores[a.id], standards[a.id]) for a in applications}


@dataclass
class RankedApplication:
    rank: int
    application: object
    result: LotResult
    #: why this application shares or wins its place against an application with the same total
    tie_note: str = ""
    #: equal on total and quality points with another application: they share the rank
    joint: bool = False


def zone_rankings(applications, results: dict[int, dict[int, LotResult]]) -> dict[tuple, list[RankedApplication]]:
    """{(lot, zone): ranked passing applications} for a council that picks a lead provider per zone.

    Ordered by total; equal totals are split by quality points (the council's published tie-break),
    and applications equal on both share a rank ("joint") for the commissioner to decide between.
    """
    groups: dict[tuple, list] = {}
    for application in applications:
        for choice in application.lots:
            result = results[application.id].get(choice.lot_id)
            if result is None or result.passed is not True:
                continue
            for zone_choice in choice.zones:
                groups.setdefault((choice.lot, zone_choice.zone), []).append((application, result))
    rankings = {}
    for key in sorted(groups, key=lambda k: (k[0].number, k[1].name)):
        entries = sorted(groups[key], key=lambda e: (-e[1].total, -e[1].quality_points, e[0].reference or ""))
        ranked, previous = [], None
        for position, (application, result) in enumerate(entries, start=1):
            same_total = [e for e in entries if e[1].total == result.total and e[0] is not application]
            same_both = [e for e in same_total if e[1].quality_points == result.quality_points]
            if previous is not None and (previous.result.total, previous.result.quality_points) == (
                    result.total, result.quality_points):
                rank = previous.rank
            else:
                rank = position
            note = ""
            if same_both:
                note = ("Joint: the same total and the same quality points as "
                        + ", ".join(e[0].organisation.legal_name for e in same_both)
                        + ". The commissioner decides between them and records why.")
            elif same_total:
                note = ("The same total as " + ", ".join(e[0].organisation.legal_name for e in same_total)
                        + "; placed by quality points (" + f"{result.quality_points:.2f}" + ").")
            previous = RankedApplication(rank, application, result, note, joint=bool(same_both))
            ranked.append(previous)
        rankings[key] = ranked
    return rankings
