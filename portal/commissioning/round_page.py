"""The round page's list of submitted applications: one page of 50 read as plain rows in a fixed number of
queries (the page in the order of the round's (round, reference) index, so only its rows are read; their lots
with decisions; the evaluators' progress), and the table's rows written in Python rather than a template
loop, the same markup the template wrote."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from markupsafe import Markup, escape
from sqlalchemy import Integer, and_, bindparam, func, select

from portal.clock import format_date
from portal.evaluation.models import Assignment
from portal.extensions import db
from portal.kept import Store, stamp
from portal.pagination import KnownTotalPagination, pagination_markup
from portal.onboarding.models import Application, ApplicationLot, ApplicationStatus, Organisation
from portal.urls import ID, url_pattern

from .models import Decision, Lot, RoundStatus

#: the applications the round page lists (drafts and withdrawn ones are only counted)
LISTED = (ApplicationStatus.submitted, ApplicationStatus.in_evaluation, ApplicationStatus.decided)

# The page's statements are built once (parameters bound at each run): building one and working out its cache
# key each request took longer than SQLite took to answer it.
#: a round's applications by status
STATUS_COUNTS = (select(Application.status, func.count()).where(Application.round_id == bindparam("round_id"))
                 .group_by(Application.status))
_PAGE = (select(Application.id, Application.reference, Application.status, Application.submitted_at,
                Organisation.legal_name)
         .join(Organisation, Organisation.id == Application.organisation_id)
         .where(Application.round_id == bindparam("round_id"), Application.status.in_(LISTED))
         .order_by(Application.reference)
         .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


def names_of(statuses):
    """The providers' names on a page of a round's applications in these statuses by reference, as (application
    id, name): read on every view of a kept page, since a provider renaming itself records no event of the
    council (built once for each page that lists applications)."""
    return (select(Application.id, Organisation.legal_name)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.round_id == bindparam("round_id"), Application.status.in_(statuses))
            .order_by(Application.reference)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


def same_names(names, statement, round_id: int, page_number: int, per_page: int) -> bool:
    """Whether the page's providers' names (statement: names_of) are still `names`, as kept with the page (compared
    as plain tuples: comparing rows with tuples costs several times as much)."""
    rows = db.session.connection().execute(
        statement, {"round_id": round_id, "limit": per_page, "offset": (page_number - 1) * per_page}).all()
    return list(map(tuple, rows)) == names


#: the providers' names on a page of _PAGE
_NAMES = names_of(LISTED)
_LOTS = (select(ApplicationLot.application_id, ApplicationLot.lot_id, Lot.number, Decision.outcome)
         .join(Lot, Lot.id == ApplicationLot.lot_id)
         .outerjoin(Decision, and_(Decision.application_id == ApplicationLot.application_id,
                                   Decision.lot_id == ApplicationLot.lot_id))
         .where(ApplicationLot.application_id.in_(bindparam("ids", expanding=True)))
         .order_by(ApplicationLot.application_id, ApplicationLot.lot_id))
_PROGRESS = (select(Assignment.application_id, func.count(), func.count(Assignment.submitted_at))
             .where(Assignment.application_id.in_(bindparam("ids", expanding=True)), Assignment.ended_at.is_(None))
             .group_by(Assignment.application_id))


def status_counts(round_) -> dict:
    """{status: number of the round's applications}"""
    return dict(db.session.execute(STATUS_COUNTS, {"round_id": round_.id}).all())


@dataclass(slots=True)
class LotChoice:
    lot_id: int
    number: int
    #: the decision's outcome for this lot, None while not decided
    outcome: object = None


@dataclass(slots=True)
class ListedApplication:
    """What the round page shows of one application (also what evaluation_clock reads)."""

    id: int
    reference: str
    status: ApplicationStatus
    submitted_at: datetime | None
    legal_name: str
    lots: list[LotChoice] = field(default_factory=list)
    assigned: int = 0
    done: int = 0


def submitted_applications(round_, counts: dict, page: int, per_page: int) -> KnownTotalPagination:
    """One page of the round's submitted applications by reference (their lots and evaluators' progress not yet
    read: add_lots_and_progress); 404 past the last page.

    `counts` is the round's applications by status, already read for the page's summary: their sum over
    LISTED is the list's length, so no count query runs."""
    total = sum(counts.get(status, 0) for status in LISTED)

    def read(offset: int, limit: int) -> list[ListedApplication]:
        rows = db.session.execute(_PAGE, {"round_id": round_.id, "limit": limit, "offset": offset}).all()
        return [ListedApplication(*row) for row in rows]

    return KnownTotalPagination(page=page, per_page=per_page, error_out=True, read=read, total=total)


def add_lots_and_progress(items: list[ListedApplication]) -> None:
    """Each listed application's lots with their decisions, and its evaluators' progress (two queries)."""
    if items:
        _add_lots_and_progress(items)


@dataclass
class RoundView:
    """What the round page shows beyond the round itself: its applications by status, its page of applications,
    their rows, the evaluation clocks and the round's extensions."""

    counts: dict
    page: KnownTotalPagination | None
    applications: list
    rows: Markup | str
    clocks: dict
    extensions: list
    #: evaluation/_round_evaluation.html as written for this round and these clocks
    evaluation_section: Markup
    #: the page links under the list (the pagination macro's markup; empty when nothing is listed)
    nav: Markup | str = ""


#: where each worker keeps the round pages' parts, and the results tables (results_page)
KEPT = Store("commissioning_round_pages")


def round_view(round_, page_number: int, per_page: int) -> RoundView:
    """The round page's counts, applications, rows, clocks, extensions and page links, kept by each worker while
    nothing they show can have changed.

    What they show is the round's applications by status, the page of listed applications (their references,
    status, times of submission, lots and their decisions, evaluators and what they have submitted), the round's
    extensions and evaluation clock: all changed only by services that record an audit event for the round's
    council in the same transaction (portal.kept; submitting, reopening, withdrawing,
    starting the evaluation, assessing the applications received and confirming the decisions each record one).
    The one exception is the providers' names: a provider renaming itself records no event of the council. So
    the parts are kept with the council's newest event, the round's status and the day (the clocks count working
    days to today), and with the page's providers' names as read on every view (one query); they are made again
    when any of them differs."""
    from portal.evaluation.deadlines import round_evaluation_clocks

    from .services import round_extensions

    at = stamp(round_.system.authority_id, round_.status)
    key = (round_.id, page_number, per_page)
    kept = KEPT.get(key, at)
    sealed = round_.bids_sealed
    if kept is not None and sealed == (kept[1].page is None):
        names, view = kept
        if sealed or same_names(names, _NAMES, round_.id, page_number, per_page):
            return view
    counts = status_counts(round_)
    page = None
    if not sealed:
        page = submitted_applications(round_, counts, page_number, per_page)
    applications = page.items if page else []
    add_lots_and_progress(applications)
    clocks = round_evaluation_clocks(round_, applications)
    rows = application_rows(round_, applications, clocks["applications"]) if applications else ""
    # the evaluation section shows the round's status, its system's always-open setting and its clock: kept too
    section = Markup(render_template("evaluation/_round_evaluation.html", round=round_, evaluation_clocks=clocks))
    nav = ""
    if applications:
        nav = pagination_markup(page, "commissioning.round", {"round_id": round_.id},
                                label="Pages of submitted applications")
    view = RoundView(counts, page, applications, rows, clocks, round_extensions(round_), section, nav)
    KEPT.put(key, at, ([(a.id, a.legal_name) for a in applications], view))
    return view


def _add_lots_and_progress(items: list[ListedApplication]) -> None:
    by_id = {item.id: item for item in items}
    ids = list(by_id)
    for application_id, lot_id, number, outcome in db.session.execute(_LOTS, {"ids": ids}):
        by_id[application_id].lots.append(LotChoice(lot_id, number, outcome))
    for application_id, assigned, done in db.session.execute(_PROGRESS, {"ids": ids}):
        item = by_id[application_id]
        item.assigned, item.done = assigned, done


#: stands for the id in a URL built once for every row
def clock_cell(clock) -> str:
    """The short form of an evaluation clock for a table cell (as evaluation/_clock.html's clock_cell)."""
    if not clock:
        return "Not started"
    text = format_date(clock.due_on)
    if clock.finished:
        return text
    if clock.overdue:
        return text + ' <strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    days = clock.days_left
    if days == 0:
        return text + " (due today)"
    return f"{text} ({days} working day{'s' if days != 1 else ''} left)"


def application_rows(round_, applications: list[ListedApplication], clocks: dict) -> Markup:
    """The table body's rows: provider, evaluators' progress (and the application's own clock in an
    always-open system), moderation link, and each lot's decision."""
    evaluators = url_pattern("evaluation.application_evaluators", application_id=ID).format
    moderate = url_pattern("evaluation.moderate", application_id=ID).format
    decision = url_pattern("commissioning.decision", application_id=ID).format
    extend = url_pattern("evaluation.extend_deadline", round_id=round_.id, application=ID).format
    always_open = round_.system.always_open
    deciding = round_.status is RoundStatus.in_evaluation
    extendable = round_.status in (RoundStatus.closed, RoundStatus.in_evaluation)
    parts = []
    for a in applications:
        name = escape(a.legal_name)
        progress = f"{a.done} of {a.assigned}" if a.assigned else "None assigned"
        cell = (f'<br><a class="govuk-link govuk-body-s" href="{evaluators(a.id)}">Evaluators'
                f'<span class="govuk-visually-hidden"> of {name}</span></a>\n')
        if always_open:
            clock = clocks.get(a.id)
            cell += f'<br><span class="govuk-body-s">Due {clock_cell(clock)}</span>\n'
            if clock and not clock.extension and extendable:
                cell += (f'<br><a class="govuk-link govuk-body-s" href="{extend(a.id)}">Extend<span '
                         f'class="govuk-visually-hidden"> the deadline for {name}</span></a>')
        if a.assigned and a.done == a.assigned:
            moderation = (f'<a class="govuk-link" href="{moderate(a.id)}">Moderate<span class="govuk-visually-hidden">'
                          f' {name}</span></a>')
        else:
            moderation = "Waiting for evaluators"
        lots = []
        for choice in a.lots:
            line = f"          Lot {choice.number}: {choice.outcome.label if choice.outcome else 'not decided'}"
            if deciding:
                line += (f'(<a class="govuk-link" href="{decision(a.id)}?lot={choice.lot_id}">'
                         f'{"change" if choice.outcome else "decide"}<span class="govuk-visually-hidden"> {name} '
                         f'lot {choice.number}</span></a>)')
            lots.append(line + "<br>\n")
        parts.append(
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell">{name}<br><span class="govuk-body-s">{escape(a.reference)}</span></td>\n'
            f'      <td class="govuk-table__cell">{progress}{cell}</td>\n'
            f'      <td class="govuk-table__cell">{moderation}</td>\n'
            '      <td class="govuk-table__cell">\n'
            f'{"".join(lots)}      </td>\n'
            '    </tr>\n')
    # every text from the database went through escape(); the rest is markup and numbers built here
    return Markup("".join(parts))  # nosec B704
