"""The round results table: a page of 50 evaluated applications with their lots and decisions read in one query
(in the order of the (round, reference) index, with the number of the round's evaluated applications beside each
row), the system's criteria in one query, the page's agreed scores, agreed standards and answers to the standards
the portal judges itself in one more; each lot's result computed by row_result with plain arithmetic over those
rows (the rules of evaluation.scoring.lot_result, compared with it by tests/evaluation/test_results_page.py), and
the table's rows written in Python, the same markup the template wrote."""
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import Integer, and_, bindparam, cast, func, literal_column, null, select, type_coerce, union_all

from portal.evaluation.models import ModeratedScore, ModeratedStandard
from portal.evaluation.results import EVALUATED_STATUSES
from portal.evaluation.scoring import question_points
from portal.extensions import db
from portal.kept import stamp
from portal.onboarding.models import (
    Application,
    ApplicationLot,
    ApplicationStatus,
    CQCRating,
    Organisation,
    StandardResponse,
)
from portal.pagination import KnownTotalPagination, pagination_markup
from portal.templating import pass_fail, points
from portal.urls import ID, url_pattern

from .models import Decision, Lot, MinimumStandard, Question, Section, StandardKind
from .round_page import KEPT, names_of, same_names

EVALUATED = tuple(ApplicationStatus(status) for status in EVALUATED_STATUSES)
ZERO = Decimal(0)

# statements built once, parameters bound at each run (see round_page)

#: the system's questions, standards and lots in one query: (0, lot id, question id, section, weight, minimum
#: score, position, -), (1, lot id, standard id, -, -, -, position, kind), (2, lot id, -, -, -, -, lot number, -);
#: the questions come first so that every column is read with its type
_CRITERIA = union_all(
    select(literal_column("0"), Question.lot_id, Question.id, Question.section, Question.weight, Question.min_score,
           Question.position, type_coerce(null(), MinimumStandard.kind.type))
    .join(Lot, Lot.id == Question.lot_id).where(Lot.system_id == bindparam("system_id")),
    select(literal_column("1"), MinimumStandard.lot_id, MinimumStandard.id, null(), null(), null(),
           MinimumStandard.position, MinimumStandard.kind)
    .join(Lot, Lot.id == MinimumStandard.lot_id).where(Lot.system_id == bindparam("system_id")),
    select(literal_column("2"), Lot.id, null(), null(), null(), null(), Lot.number, null())
    .where(Lot.system_id == bindparam("system_id")),
).order_by(*(literal_column(str(column)) for column in (1, 2, 7, 3)))  # what, lot, position, id
#: how many evaluated applications the round has
_COUNT = select(func.count()).select_from(Application).where(Application.round_id == bindparam("round_id"),
                                                             Application.status.in_(EVALUATED))
#: a page of the round's evaluated applications by reference
_PAGE_OF = (select(Application.id, Application.reference, Application.status, Application.organisation_id)
            .where(Application.round_id == bindparam("round_id"), Application.status.in_(EVALUATED))
            .order_by(Application.reference)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
            .subquery())
#: ... with the provider's name, how many there are in all (counted once: the subquery does not depend on the row),
#: and each lot it bids for with the decision on it (none when it bids for none)
_PAGE = (select(_PAGE_OF.c.id, _PAGE_OF.c.reference, _PAGE_OF.c.status, Organisation.legal_name,
                _COUNT.scalar_subquery(), ApplicationLot.lot_id, Decision.outcome)
         .select_from(_PAGE_OF)
         .join(Organisation, Organisation.id == _PAGE_OF.c.organisation_id)
         .outerjoin(ApplicationLot, ApplicationLot.application_id == _PAGE_OF.c.id)
         .outerjoin(Decision, and_(Decision.application_id == _PAGE_OF.c.id, Decision.lot_id == ApplicationLot.lot_id))
         .order_by(_PAGE_OF.c.reference, _PAGE_OF.c.id, ApplicationLot.lot_id))
#: the page's applications and their providers' names, in the order and with the limit of _PAGE_OF
_NAMES = names_of(EVALUATED)
_IDS = bindparam("ids", expanding=True)
#: what the page's results are computed from, in one query: (0, application, question, agreed score, -),
#: (1, application, standard, agreed pass (1) or fail (0), -), and the answers to the standards the portal judges
#: itself: (2, application, standard, confirmed (1 or 0), CQC rating at submission as stored)
_MARKS = union_all(
    select(literal_column("0"), ModeratedScore.application_id, ModeratedScore.question_id, ModeratedScore.score,
           null())
    .where(ModeratedScore.application_id.in_(_IDS)),
    select(literal_column("1"), ModeratedStandard.application_id, ModeratedStandard.standard_id,
           cast(ModeratedStandard.passed, Integer), null())
    .where(ModeratedStandard.application_id.in_(_IDS)),
    select(literal_column("2"), StandardResponse.application_id, StandardResponse.standard_id,
           cast(StandardResponse.confirmed, Integer), StandardResponse.cqc_rating_at_submission)
    .join(MinimumStandard, MinimumStandard.id == StandardResponse.standard_id)
    .where(StandardResponse.application_id.in_(_IDS),
           MinimumStandard.kind.in_([kind for kind in StandardKind if kind.is_automatic])),
)

_DECLARATION, _CQC_RATING, _JUDGED = 0, 1, 2
#: the CQC ratings, as stored, that pass a CQC rating standard (the column stores the rating's name)
_MEETING_RATINGS = frozenset(rating.name for rating in CQCRating if rating.meets_minimum)


@dataclass(slots=True, frozen=True)
class LotRules:
    """What a lot's results are computed from: (question id, is social value, {score: points}, minimum score,
    weight) for each question and (standard id, how it is judged) for each standard, in their order."""

    id: int
    number: int
    questions: tuple
    standards: tuple


@lru_cache(maxsize=4096)
def _points(score: int, scale_max: int, weight: Decimal) -> Decimal:
    """question_points, once per worker for each score, scale and weight (a pure function of them)."""
    return question_points(score, scale_max, weight)


#: {(the criteria rows read, scale max): {lot id: LotRules}}: built once per worker for each set of criteria,
#: keyed on every value they are built from, so a change to any question, standard or lot makes a new key
_RULES: dict[tuple, dict[int, LotRules]] = {}


def lot_rules(system) -> dict[int, LotRules]:
    """The system's lots with what their results are computed from, by lot id (one query)."""
    rows = tuple(db.session.execute(_CRITERIA, {"system_id": system.id}).all())
    key = (rows, system.scale_max)
    rules = _RULES.get(key)
    if rules is None:
        scale = range(system.scale_max + 1)
        questions, standards = {}, {}
        for what, lot_id, item_id, section, weight, min_score, _position, kind in rows:
            if what == 0:
                table = {score: _points(score, system.scale_max, Decimal(weight)) for score in scale}
                questions.setdefault(lot_id, []).append(
                    (item_id, section is Section.social_value, table, min_score, Decimal(weight)))
            elif what == 1:
                how = (_DECLARATION if kind is StandardKind.declaration else _CQC_RATING
                       if kind is StandardKind.cqc_rating else _JUDGED)
                standards.setdefault(lot_id, []).append((item_id, how))
        rules = {lot_id: LotRules(lot_id, number, tuple(questions.get(lot_id, ())), tuple(standards.get(lot_id, ())))
                 for what, lot_id, _, _, _, _, number, _ in rows if what == 2}
        if len(_RULES) >= 64:
            _RULES.clear()
        _RULES[key] = rules
    return rules


@dataclass(slots=True)
class RowResult:
    """A lot's result as the table shows it: LotResult's figures and verdicts, as plain values."""

    quality_points: Decimal
    social_value_points: Decimal
    total: Decimal
    standards_passed: bool | None
    minimum_scores_met: bool | None
    pass_mark_met: bool
    complete: bool
    passed: bool | None


def row_result(rules: LotRules, scores: dict, agreed: dict, responses: dict, scale_max: int,
               pass_mark: Decimal) -> RowResult:
    """A lot's result by the rules of evaluation.scoring.lot_result (with evaluation.results' way of judging the
    automatic standards), from {question id: agreed score}, {standard id: agreed pass}, and {standard id:
    (confirmed, CQC rating at submission)} of the standards the portal judges itself."""
    quality = social = ZERO
    missing = below = False
    for question_id, is_social, table, min_score, weight in rules.questions:
        score = scores.get(question_id)
        if score is None:
            missing = True
            continue
        earned = table.get(score)
        if earned is None:  # off the scale: question_points says so
            earned = question_points(score, scale_max, weight)
        if score < min_score:
            below = True
        if is_social:
            social += earned
        else:
            quality += earned
    failed = unknown = False
    for standard_id, how in rules.standards:
        if how == _JUDGED:
            passed = agreed.get(standard_id)
        else:
            response = responses.get(standard_id)
            if how == _DECLARATION:
                passed = bool(response and response[0])
            else:
                passed = bool(response and response[1] in _MEETING_RATINGS)
        if passed is None:
            unknown = True
        elif not passed:
            failed = True
    standards_passed = False if failed else None if unknown else True
    minimum_scores_met = False if below else None if missing else True
    total = quality + social
    pass_mark_met = total >= pass_mark
    complete = not missing and not unknown
    if failed or below:
        verdict = False
    elif not complete:
        verdict = None
    else:
        verdict = pass_mark_met
    return RowResult(quality, social, total, standards_passed, minimum_scores_met, pass_mark_met, complete, verdict)


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
    """What the results table shows of one application."""

    id: int
    reference: str
    status: ApplicationStatus
    legal_name: str
    lots: list[Choice] = field(default_factory=list)

    @classmethod
    def of(cls, application) -> "EvaluatedApplication":
        """The same, from an application loaded whole (the lead-provider ranking reads every one)."""
        decided = {d.lot_id: d.outcome for d in application.decisions}
        return cls(application.id, application.reference, application.status, application.organisation.legal_name,
                   [Choice(c.lot, decided.get(c.lot_id)) for c in application.lots])


class _Page(KnownTotalPagination):
    """A page whose total is read with its items (see evaluated_applications)."""

    def _query_count(self):
        return self._query_args["total"]()


def evaluated_applications(round_, page: int, per_page: int) -> tuple[KnownTotalPagination, dict]:
    """(a page of the round's evaluated applications by reference, {application id: {lot id: RowResult}})."""
    system = round_.system
    rules = lot_rules(system)
    counted = []

    def read(offset: int, limit: int) -> list[EvaluatedApplication]:
        items, by_id = [], {}
        for app_id, reference, status, legal_name, total, lot_id, outcome in db.session.execute(
                _PAGE, {"round_id": round_.id, "limit": limit, "offset": offset}).all():
            item = by_id.get(app_id)
            if item is None:
                item = by_id[app_id] = EvaluatedApplication(app_id, reference, status, legal_name)
                items.append(item)
                counted[:] = [total]
            if lot_id is not None:
                item.lots.append(Choice(rules[lot_id], outcome))
        return items

    def total() -> int:
        return counted[0] if counted else db.session.scalar(_COUNT, {"round_id": round_.id})

    pagination = _Page(page=page, per_page=per_page, error_out=True, read=read, total=total)
    return pagination, results_of(pagination.items, system)


def results_of(items: list[EvaluatedApplication], system) -> dict:
    """{application id: {lot id: RowResult}} from the agreed scores and standards and the answers, read as plain rows
    in one query."""
    if not items:
        return {}
    scores, agreed, responses = {}, {}, {}
    for item in items:
        scores[item.id], agreed[item.id], responses[item.id] = {}, {}, {}
    for what, application_id, item_id, value, rating in db.session.execute(
            _MARKS, {"ids": list(scores)}).all():
        if what == 0:
            scores[application_id][item_id] = value
        elif what == 1:
            agreed[application_id][item_id] = None if value is None else bool(value)
        else:
            responses[application_id][item_id] = (None if value is None else bool(value), rating)
    scale_max, pass_mark = system.scale_max, Decimal(system.pass_mark)
    return {item.id: {choice.lot.id: row_result(choice.lot, scores[item.id], agreed[item.id], responses[item.id],
                                                scale_max, pass_mark)
                      for choice in item.lots}
            for item in items}


def result_rows(applications: list[EvaluatedApplication], results: dict) -> Markup:
    """The table body's rows: one per application and lot, the provider's cell spanning its lots."""
    moderate = url_pattern("evaluation.moderate", application_id=ID).format
    letter = url_pattern("commissioning.outcome_letter", application_id=ID).format
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


def pagination_nav(page, round_id: int) -> Markup:
    """The page links under the table: the pagination macro's markup for this page of results."""
    return pagination_markup(page, "commissioning.results", {"round_id": round_id}, label="Pages of results")


@dataclass(slots=True)
class ResultsView:
    """The table's page of applications (for its count and whether it has any), its rows and its page links."""

    page: KnownTotalPagination
    rows: Markup
    nav: Markup


def results_view(round_, page_number: int, per_page: int) -> ResultsView:
    """The table of a round whose system does not rank lead providers: its page of applications, their rows and
    the page links, kept by each worker while nothing they show can have changed.

    Everything the rows show beyond the providers' names is changed only by services that record an audit event
    for the round's council in the same transaction (as round_page.round_view): which applications are evaluated,
    their references and status (submitting, starting the evaluation, confirming the decisions), the lots they bid
    for and their answers to the standards judged automatically (only while a draft), their agreed scores and
    standards (moderation), the decisions, and the system's questions, standards, lots, scale and pass mark. So
    the page is kept with the council's newest event and the round's status (portal.kept: with the day and the
    script root too), and with its providers' names as read on every view (one query); it is made again when any
    of them differs."""
    at = stamp(round_.system.authority_id, round_.status)
    key = ("results", round_.id, page_number, per_page)
    kept = KEPT.get(key, at)
    if kept is not None:
        names, view = kept
        if same_names(names, _NAMES, round_.id, page_number, per_page):
            return view
    page, results = evaluated_applications(round_, page_number, per_page)
    view = ResultsView(page, result_rows(page.items, results), pagination_nav(page, round_.id))
    KEPT.put(key, at, ([(a.id, a.legal_name) for a in page.items], view))
    return view
