"""The evaluator's work list, read a page at a time as plain rows.

A national DPS gives an evaluator over a thousand assignments. The page orders them newest round first,
then by provider name, 50 to a page; only the rounds the page spans have their providers' names read, with
the evaluator's declaration for each provider in the same query.

Each worker keeps the page's rounds, tables and page links while nothing they show can have changed
(work_list_body): everything on them except the providers' names changes only through services that record
an audit event for the evaluator's council in the same transaction, and the names (with the page's order,
which follows them) are read every time.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.orm import joinedload

from portal.audit.models import AuditEvent
from portal.commissioning.models import Round
from portal.extensions import db
from portal.kept import Store, council_head, stamp
from portal.pagination import pagination_markup
from portal.onboarding.models import Application, ApplicationStatus, Organisation

from . import markup
from .deadlines import evaluation_clock, extensions_for
from .models import Assignment, AssignmentState, ConflictDeclaration, Declared, Score


# not frozen: a frozen dataclass costs several times as much to make, and a page makes a hundred of these
@dataclass(slots=True)
class ListedApplication:
    """What the work list shows of an application (and what its deadline clock needs)."""

    id: int
    round_id: int
    organisation_id: int
    legal_name: str
    status: ApplicationStatus
    submitted_at: datetime | None


#: the evaluator's declaration for a listed application's provider in its round
ListedDeclaration = Declared


@dataclass(slots=True)
class ListedAssignment(AssignmentState):
    """One row of the work list."""

    id: int
    submitted_at: datetime | None
    ended_at: datetime | None
    #: the evaluator has saved at least one score
    started: bool
    application: ListedApplication
    #: None until the evaluator declares for the provider
    declaration: ListedDeclaration | None


# The statements are built once: made afresh, each costs its construction and its cache key on every request.
# Those giving plain rows run on the session's connection, without the ORM's handling of a statement.
_evaluator = bindparam("evaluator")
_rounds = bindparam("rounds", expanding=True)
#: how many assignments the evaluator has in each round, newest round first: read from the
#: (evaluator, round) index alone
_PER_ROUND = (select(Assignment.round_id, func.count()).where(Assignment.evaluator_id == _evaluator)
              .group_by(Assignment.round_id).order_by(Assignment.round_id.desc()))


def _page_of(*columns):
    """Columns of assignments with their applications and providers."""
    return (select(*columns)
            .select_from(Assignment).join(Application, Application.id == Assignment.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id))


def _ordered(statement):
    """A page of the evaluator's assignments in the given rounds, newest round first, then by provider name."""
    return (statement.where(Assignment.evaluator_id == _evaluator, Assignment.round_id.in_(_rounds))
            .order_by(Assignment.round_id.desc(), func.lower(Organisation.legal_name), Assignment.id)
            .limit(bindparam("limit")).offset(bindparam("offset")))


_ROWS = _ordered(
    _page_of(Assignment.id, Assignment.submitted_at, Assignment.ended_at,
             exists().where(Score.assignment_id == Assignment.id),
             Application.id, Application.round_id, Application.organisation_id, Organisation.legal_name,
             Application.status, Application.submitted_at,
             ConflictDeclaration.id, ConflictDeclaration.has_interest, ConflictDeclaration.decision)
    # at most one each: (round, evaluator, organisation) is unique
    .outerjoin(ConflictDeclaration, and_(ConflictDeclaration.round_id == Assignment.round_id,
                                         ConflictDeclaration.evaluator_id == Assignment.evaluator_id,
                                         ConflictDeclaration.organisation_id == Application.organisation_id)))
#: the same page's assignments and their providers' names only: what a kept page is checked against
_LISTED = _ordered(_page_of(Assignment.id, Organisation.legal_name))
_ROUNDS = select(Round).where(Round.id.in_(_rounds)).options(joinedload(Round.system))
#: to do / in progress / done per round, over all the evaluator's current work (not just the page): whether each
#: assignment has a score is one probe of the scores' index, not a join with all its scores
_PROGRESS = (select(Assignment.round_id, func.count(), func.count(Assignment.submitted_at),
                    func.count(case((exists().where(Score.assignment_id == Assignment.id), 1))))
             .where(Assignment.evaluator_id == _evaluator, Assignment.ended_at.is_(None),
                    Assignment.round_id.in_(_rounds))
             .group_by(Assignment.round_id))


def _span(per_round, offset: int, per_page: int) -> tuple[list[int], int]:
    """The rounds a page spans (from the evaluator's (round, count) pairs, newest round first) and how many of
    the first one's assignments come before it."""
    first, last = offset, offset + per_page
    round_ids, skip, start = [], 0, 0
    for round_id, count in per_round:
        if start < last and start + count > first:
            if not round_ids:
                skip = first - start
            round_ids.append(round_id)
        start += count
    return round_ids, skip


class WorkListPagination(Pagination):
    """A page of one evaluator's assignments (the pagination macro's interface).

    Two queries: how many assignments the evaluator has in each round (from an index), then the page's rows
    from only the rounds the page spans, so only those rounds' applications and providers are read.
    """

    def _query_items(self) -> list[ListedAssignment]:
        evaluator_id = self._query_args["evaluator_id"]
        per_round = db.session.connection().execute(_PER_ROUND, {"evaluator": evaluator_id}).all()
        self._total = sum(count for _, count in per_round)
        #: the rounds the page spans and how many of the first one's assignments come before the page
        self.spanned = round_ids, skip = _span(per_round, self._query_offset, self.per_page)
        if not round_ids:
            return []
        rows = db.session.connection().execute(_ROWS, {"evaluator": evaluator_id, "rounds": round_ids,
                                                       "limit": self.per_page, "offset": skip}).all()
        return [ListedAssignment(id_, submitted_at, ended_at, bool(started),
                                 ListedApplication(application_id, round_id, organisation_id, legal_name, status,
                                                   application_submitted_at),
                                 None if declaration_id is None else ListedDeclaration(has_interest, decision))
                for (id_, submitted_at, ended_at, started, application_id, round_id, organisation_id, legal_name,
                     status, application_submitted_at, declaration_id, has_interest, decision) in rows]

    def _query_count(self) -> int:
        return self._total


def work_page(evaluator_id: int, page: int, per_page: int) -> WorkListPagination:
    """The page-th page of the evaluator's assignments; 404 past the last page."""
    return WorkListPagination(page=page, per_page=per_page, error_out=True, evaluator_id=evaluator_id)


@dataclass
class WorkList:
    """Everything the work list page shows."""

    page: WorkListPagination
    #: {round: [its assignments on this page]}, newest round first
    rounds: dict
    #: {round id: {"total", "done", "in_progress", "to_do"}} over all the evaluator's current work
    progress: dict


def work_list(evaluator_id: int, page: int, per_page: int) -> WorkList:
    """The page-th page of the evaluator's work list, with the rounds and progress it shows."""
    pagination = work_page(evaluator_id, page, per_page)
    assignments = pagination.items
    if not assignments:
        return WorkList(pagination, {}, {})
    round_ids = list({a.application.round_id for a in assignments})
    by_id = {r.id: r for r in db.session.scalars(_ROUNDS, {"rounds": round_ids})}
    rounds = {}
    for assignment in assignments:
        rounds.setdefault(by_id[assignment.application.round_id], []).append(assignment)
    progress = {round_id: {"total": total, "done": done, "in_progress": started - done, "to_do": total - started}
                for round_id, total, done, started in db.session.connection().execute(
                    _PROGRESS, {"evaluator": evaluator_id, "rounds": round_ids})}
    return WorkList(pagination, rounds, progress)


#: where each worker keeps the evaluators' work list pages (some 30 kB each)
KEPT = Store("evaluation_work_lists")

#: a council's events from a given one on, newest first: number, hash, who and what (from the council's index,
#: ix_audit_events_authority_newest, as portal.kept.COUNCIL_HEAD)
_COUNCIL_EVENTS_SINCE = (select(AuditEvent.id, AuditEvent.chain_hash, AuditEvent.actor_id, AuditEvent.action)
                         .where(AuditEvent.authority_id == bindparam("authority_id"),
                                AuditEvent.id >= bindparam("since"))
                         .order_by(AuditEvent.id.desc()).limit(bindparam("most")))
#: what other people do while a round is evaluated that no evaluator's work list shows: another evaluator's
#: declarations, scores and their submission (each list shows only its evaluator's own work, and
#: declare_conflicts, record_score and submit_assignment change only the acting evaluator's)...
_OTHERS_ONLY = frozenset({"conflict.declared", "score.recorded", "assignment.submitted"})
#: ...and results of minimum standards and moderation (on no work list)
_NOT_LISTED = frozenset({"standard.assessed", "score.moderated", "standard.moderated"})
#: how many such events a kept page looks through before it is made again instead
_MOST_EVENTS = 50


@dataclass(slots=True)
class _Page:
    """One page of an evaluator's work list as kept (portal.kept: with the day, until one of its rounds closes)."""

    #: the number and hash of the council's newest event the page is known to be current at (moves on as
    #: _still_shown looks through the events since)
    head: tuple
    #: the rounds the page spans and how many of the first one's assignments come before the page
    spanned: tuple
    #: (assignment id, provider's name) of each row, in order
    listed: list
    #: the rounds, their tables and the links to the other pages
    body: Markup


def _still_shown(kept: _Page, evaluator, per_page: int, events: list) -> bool:
    """Whether a kept page still shows what is there, given the council's events since its own (newest first):
    no event since but others' work it does not show, and the same providers in the same order."""
    # the kept event comes last (gone or changed: the log is not the one the page was made from)
    if not events or tuple(events[-1][:2]) != kept.head:
        return False
    if not all(action in _NOT_LISTED or (action in _OTHERS_ONLY and actor_id != evaluator.id)
               for _, _, actor_id, action in events[:-1]):
        return False
    kept.head = tuple(events[0][:2])  # the next view looks on from here
    round_ids, skip = kept.spanned
    if not round_ids:
        return True
    rows = db.session.connection().execute(_LISTED, {"evaluator": evaluator.id, "rounds": round_ids,
                                                     "limit": per_page, "offset": skip}).all()
    return list(map(tuple, rows)) == kept.listed


def work_list_body(evaluator, page: int, per_page: int) -> Markup:
    """The page-th page of the evaluator's work list: its rounds (clock, progress, table) and the links to the
    other pages; 404 past the last page. Kept by each worker while nothing it shows can have changed.

    Everything it shows except the providers' names is changed only by services that record an audit event
    for the round's council in the same transaction: assignments made, moved and submitted, scores saved,
    declarations and their decisions, extensions, the round's evaluation starting, its decisions and
    publication, the applications' submission, withdrawal and decisions, the system's title and kind. An
    evaluator is assigned only in their own council's rounds, so the page is kept with that council's newest
    event (portal.kept) and the day (the clocks count working days to today), until the
    next of its rounds closes (the bids are unsealed and the clock starts). While other evaluators score, it
    is kept through the events of their work that it does not show (_OTHERS_ONLY, _NOT_LISTED): any other
    event since is a change it may show. A provider may rename their organisation without a council event,
    so the page's assignments and names, which give its order, are read every time (one query) and the page
    is made again when they differ."""
    key = (evaluator.id, page, per_page)
    # kept with the day and the script root: the council's events since the page's own are looked through instead
    # of its newest one, read before the rest (a page made after a later change is kept under an older event,
    # never the reverse)
    at = stamp(None)
    kept = KEPT.get(key, at)
    newest = None
    if kept is not None:
        events = db.session.connection().execute(_COUNCIL_EVENTS_SINCE, {
            "authority_id": evaluator.authority_id, "since": kept.head[0], "most": _MOST_EVENTS + 1}).all()
        if _still_shown(kept, evaluator, per_page, events):
            return kept.body
        newest = events[0] if events else None
    if newest is None:
        newest = council_head(evaluator.authority_id)
    found = work_list(evaluator.id, page, per_page)
    extensions = extensions_for({round_.id for round_ in found.rounds})
    body = markup.work_list_rounds(
        found.rounds, found.progress,
        lambda round_, application=None: evaluation_clock(round_, application, extensions))
    body += pagination_markup(found.page, "evaluation.work_list", label="Pages of your evaluations")
    rounds = list(found.rounds)
    if newest is not None and all(round_.system.authority_id == evaluator.authority_id for round_ in rounds):
        closing = [round_.closes_at for round_ in rounds if round_.closes_at > at.moment]
        listed = [(a.id, a.application.legal_name) for a in found.page.items]
        KEPT.put(key, at, _Page(tuple(newest[:2]), found.page.spanned, listed, body), min(closing, default=None))
    return body
