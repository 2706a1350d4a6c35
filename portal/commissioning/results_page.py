"""The round results table: a page of 50 evaluated applications read as plain rows (in the order of the
(round, reference) index), what their results need read as plain rows too (their lots with decisions, agreed
scores and standards, the answers to the standards the portal judges itself), each result computed by
evaluation.results.application_results as everywhere else, and the table's rows written in Python, the same
markup the template wrote."""
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import Integer, and_, bindparam, func, select

from portal.evaluation.models import ModeratedScore, ModeratedStandard
from portal.evaluation.results import EVALUATED_STATUSES, application_results
from portal.extensions import db
from portal.pagination import KnownTotalPagination
from portal.onboarding.models import Application, ApplicationLot, ApplicationStatus, Organisation, StandardResponse
from portal.templating import pass_fail, points

from .models import Decision, Lot, MinimumStandard, Question
from .round_page import MARKER, _url_maker

EVALUATED = tuple(ApplicationStatus(status) for status in EVALUATED_STATUSES)

# statements built once, parameters bound at each run (see round_page)
_QUESTIONS = (select(Question.lot_id, Question.id, Question.section, Question.weight, Question.min_score)
              .join(Lot, Lot.id == Question.lot_id).where(Lot.system_id == bindparam("system_id"))
              .order_by(Question.lot_id, Question.position))
_STANDARDS = (select(MinimumStandard.lot_id, MinimumStandard.id, MinimumStandard.kind)
              .join(Lot, Lot.id == MinimumStandard.lot_id).where(Lot.system_id == bindparam("system_id"))
              .order_by(MinimumStandard.lot_id, MinimumStandard.position))
_LOTS = select(Lot.id, Lot.number).where(Lot.system_id == bindparam("system_id"))
_COUNT = select(func.count()).select_from(Application).where(Application.round_id == bindparam("round_id"),
                                                             Application.status.in_(EVALUATED))
_PAGE = (select(Application.id, Application.reference, Application.status, Organisation.legal_name)
         .join(Organisation, Organisation.id == Application.organisation_id)
         .where(Application.round_id == bindparam("round_id"), Application.status.in_(EVALUATED))
         .order_by(Application.reference)
         .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
_CHOICES = (select(ApplicationLot.application_id, ApplicationLot.lot_id, Decision.outcome)
            .outerjoin(Decision, and_(Decision.application_id == ApplicationLot.application_id,
                                      Decision.lot_id == ApplicationLot.lot_id))
            .where(ApplicationLot.application_id.in_(bindparam("ids", expanding=True)))
            .order_by(ApplicationLot.application_id, ApplicationLot.lot_id))
#: the answers to the standards the portal judges itself (declarations, the CQC rating)
_RESPONSES = (select(StandardResponse.application_id, StandardResponse.standard_id, StandardResponse.confirmed,
                     StandardResponse.cqc_rating_at_submission)
              .where(StandardResponse.application_id.in_(bindparam("ids", expanding=True)),
                     StandardResponse.standard_id.in_(bindparam("standards", expanding=True))))
_AGREED_SCORES = (select(ModeratedScore.application_id, ModeratedScore.question_id, ModeratedScore.score)
                  .where(ModeratedScore.application_id.in_(bindparam("ids", expanding=True))))
_AGREED_STANDARDS = (select(ModeratedStandard.application_id, ModeratedStandard.standard_id, ModeratedStandard.passed)
                     .where(ModeratedStandard.application_id.in_(bindparam("ids", expanding=True))))


@dataclass(slots=True, frozen=True)
class _Question:
    id: int
    section: object
    weight: object
    min_score: int


@dataclass(slots=True, frozen=True)
class _Standard:
    id: int
    kind: object


@dataclass(slots=True, frozen=True)
class _Lot:
    """A lot's number and what its results are computed from, copied once from the loaded lot (read for every
    application and lot on the page, plain attributes are quicker to read than mapped ones)."""

    id: int
    number: int
    questions: tuple
    standards: tuple



def criteria_lots(system) -> dict[int, _Lot]:
    """The system's lots with their questions and standards (in their order), as plain rows, by lot id."""
    questions, standards = {}, {}
    system_id = {"system_id": system.id}
    for lot_id, *question in db.session.execute(_QUESTIONS, system_id):
        questions.setdefault(lot_id, []).append(_Question(*question))
    for lot_id, *standard in db.session.execute(_STANDARDS, system_id):
        standards.setdefault(lot_id, []).append(_Standard(*standard))
    return {lot_id: _Lot(lot_id, number, tuple(questions.get(lot_id, ())), tuple(standards.get(lot_id, ())))
            for lot_id, number in db.session.execute(_LOTS, system_id)}


@dataclass(slots=True)
class Choice:
    """A lot the application bids for, and the decision on it if there is one."""

    lot: object
    outcome: object = None

    @property
    def lot_id(self) -> int:
        return self.lot.id


@dataclass(slots=True)
class EvaluatedApplication:
    """What the results table shows of one application, and what application_results reads of it."""

    id: int
    reference: str
    status: ApplicationStatus
    legal_name: str
    round: object
    lots: list[Choice] = field(default_factory=list)
    responses: dict = field(default_factory=dict)

    def chosen_lots(self) -> list:
        return [choice.lot for choice in self.lots]

    def response_for(self, standard):
        return self.responses.get(standard.id)

    @classmethod
    def of(cls, application) -> "EvaluatedApplication":
        """The same, from an application loaded whole (the lead-provider ranking reads every one)."""
        decided = {d.lot_id: d.outcome for d in application.decisions}
        return cls(application.id, application.reference, application.status, application.organisation.legal_name,
                   application.round, [Choice(c.lot, decided.get(c.lot_id)) for c in application.lots])


def evaluated_applications(round_, page: int, per_page: int) -> tuple[KnownTotalPagination, dict]:
    """(a page of the round's evaluated applications by reference, {application id: {lot id: LotResult}})."""
    lots_by_id = criteria_lots(round_.system)
    total = db.session.scalar(_COUNT, {"round_id": round_.id})

    def read(offset: int, limit: int) -> list[EvaluatedApplication]:
        rows = db.session.execute(_PAGE, {"round_id": round_.id, "limit": limit, "offset": offset}).all()
        items = [EvaluatedApplication(*row, round_) for row in rows]
        if items:
            by_id = {item.id: item for item in items}
            ids = {"ids": list(by_id)}
            for application_id, lot_id, outcome in db.session.execute(_CHOICES, ids):
                by_id[application_id].lots.append(Choice(lots_by_id[lot_id], outcome))
            automatic = [standard.id for lot in lots_by_id.values() for standard in lot.standards
                         if standard.kind.is_automatic]
            if automatic:
                for response in db.session.execute(_RESPONSES, {**ids, "standards": automatic}):
                    by_id[response.application_id].responses[response.standard_id] = response
        return items

    pagination = KnownTotalPagination(page=page, per_page=per_page, error_out=True, read=read, total=total)
    return pagination, results_of(pagination.items)


def results_of(items: list[EvaluatedApplication]) -> dict:
    """{application id: {lot id: LotResult}} from the agreed scores and standards, read as plain rows."""
    ids = [item.id for item in items]
    scores, standards = {i: [] for i in ids}, {i: [] for i in ids}
    if ids:
        for row in db.session.execute(_AGREED_SCORES, {"ids": ids}):
            scores[row.application_id].append(row)
        for row in db.session.execute(_AGREED_STANDARDS, {"ids": ids}):
            standards[row.application_id].append(row)
    return {item.id: application_results(item, scores[item.id], standards[item.id]) for item in items}


def result_rows(applications: list[EvaluatedApplication], results: dict) -> Markup:
    """The table body's rows: one per application and lot, the provider's cell spanning its lots."""
    moderate = _url_maker("evaluation.moderate", application_id=MARKER)
    letter = _url_maker("commissioning.outcome_letter", application_id=MARKER)
    parts = []
    for a in applications:
        name = escape(a.legal_name)
        for index, choice in enumerate(a.lots):
            r = results[a.id][choice.lot_id]
            head = ""
            if index == 0:
                head = (f'<th scope="row" class="govuk-table__header" rowspan="{len(a.lots)}">{name}<br>'
                        f'<span class="govuk-body-s">{escape(a.reference)}</span><br><a class="govuk-link govuk-body-s" '
                        f'href="{moderate(a.id)}">Scores<span class="govuk-visually-hidden"> of {name}</span></a></th>')
            passed = "Not complete" if r.passed is None else "Passed" if r.passed else "Failed"
            decision = choice.outcome.label if choice.outcome else "Not recorded"
            if choice.outcome and a.status is ApplicationStatus.decided:
                decision += (f'<br><a class="govuk-link govuk-body-s" href="{letter(a.id)}">Letter (PDF)<span '
                             f'class="govuk-visually-hidden"> to {name}</span></a>')
            parts.append(
                f'    <tr class="govuk-table__row">\n{head}'
                f'      <td class="govuk-table__cell">Lot {choice.lot.number}</td>\n'
                f'      <td class="govuk-table__cell">{pass_fail(r.standards_passed)}</td>\n'
                f'      <td class="govuk-table__cell govuk-table__cell--numeric">{points(r.quality_points)}</td>\n'
                f'      <td class="govuk-table__cell govuk-table__cell--numeric">{points(r.social_value_points)}</td>\n'
                f'      <td class="govuk-table__cell govuk-table__cell--numeric">{points(r.total)}</td>\n'
                f'      <td class="govuk-table__cell">Minimum scores: {pass_fail(r.minimum_scores_met)}<br>Pass mark: '
                f'{pass_fail(r.pass_mark_met) if r.complete else "Not yet known"}</td>\n'
                f'      <td class="govuk-table__cell"><strong>{passed}</strong></td>\n'
                f'      <td class="govuk-table__cell">{decision}</td>\n'
                '    </tr>\n')
    # every text from the database went through escape(); the rest is markup, numbers and fixed words
    return Markup("".join(parts))  # nosec B704
