"""The evaluator's work list, read a page at a time as plain rows.

A national DPS gives an evaluator over a thousand assignments. The page orders them newest round first,
then by provider name, 50 to a page; only the rounds the page spans have their providers' names read, with
the evaluator's declaration for each provider in the same query.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.orm import joinedload

from portal.commissioning.models import Round
from portal.extensions import db
from portal.onboarding.models import Application, ApplicationStatus, Organisation

from .models import Assignment, AssignmentState, ConflictDeclaration, Declared, Score


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
_ROWS = (select(Assignment.id, Assignment.submitted_at, Assignment.ended_at,
                exists().where(Score.assignment_id == Assignment.id),
                Application.id, Application.round_id, Application.organisation_id, Organisation.legal_name,
                Application.status, Application.submitted_at,
                ConflictDeclaration.id, ConflictDeclaration.has_interest, ConflictDeclaration.decision)
         .select_from(Assignment).join(Application, Application.id == Assignment.application_id)
         .join(Organisation, Organisation.id == Application.organisation_id)
         # at most one each: (round, evaluator, organisation) is unique
         .outerjoin(ConflictDeclaration, and_(ConflictDeclaration.round_id == Assignment.round_id,
                                              ConflictDeclaration.evaluator_id == Assignment.evaluator_id,
                                              ConflictDeclaration.organisation_id == Application.organisation_id))
         .where(Assignment.evaluator_id == _evaluator, Assignment.round_id.in_(_rounds))
         .order_by(Assignment.round_id.desc(), func.lower(Organisation.legal_name), Assignment.id)
         .limit(bindparam("limit")).offset(bindparam("offset")))
_ROUNDS = select(Round).where(Round.id.in_(_rounds)).options(joinedload(Round.system))
#: to do / in progress / done per round, over all the evaluator's current work (not just the page): whether each
#: assignment has a score is one probe of the scores' index, not a join with all its scores
_PROGRESS = (select(Assignment.round_id, func.count(), func.count(Assignment.submitted_at),
                    func.count(case((exists().where(Score.assignment_id == Assignment.id), 1))))
             .where(Assignment.evaluator_id == _evaluator, Assignment.ended_at.is_(None),
                    Assignment.round_id.in_(_rounds))
             .group_by(Assignment.round_id))


class WorkListPagination(Pagination):
    """A page of one evaluator's assignments (the pagination macro's interface).

    Two queries: how many assignments the evaluator has in each round (from an index), then the page's rows
    from only the rounds the page spans, so only those rounds' applications and providers are read.
    """

    def _query_items(self) -> list[ListedAssignment]:
        evaluator_id = self._query_args["evaluator_id"]
        per_round = db.session.connection().execute(_PER_ROUND, {"evaluator": evaluator_id}).all()
        self._total = sum(count for _, count in per_round)
        first, last = self._query_offset, self._query_offset + self.per_page
        round_ids, skip, start = [], 0, 0
        for round_id, count in per_round:
            if start < last and start + count > first:
                if not round_ids:
                    skip = first - start
                round_ids.append(round_id)
            start += count
        if not round_ids:
            return []
        rows = db.session.connection().execute(_ROWS, {"evaluator": evaluator_id, "rounds": round_ids, "limit": self.per_page,
                                          "offset": skip})
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
