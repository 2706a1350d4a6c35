"""The evaluator's work list, read a page at a time as plain rows.

A national DPS gives an evaluator over a thousand assignments. The page orders them newest round first,
then by provider name, 50 to a page; only the rounds the page spans have their providers' names read.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.extensions import db
from portal.onboarding.models import Application, ApplicationStatus, Organisation

from .models import Assignment


@dataclass(frozen=True, slots=True)
class ListedApplication:
    """What the work list shows of an application (and what its deadline clock needs)."""

    id: int
    round_id: int
    organisation_id: int
    legal_name: str
    status: ApplicationStatus
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ListedAssignment:
    """One row of the work list."""

    id: int
    submitted_at: datetime | None
    ended_at: datetime | None
    application: ListedApplication

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class WorkListPagination(Pagination):
    """A page of one evaluator's assignments (the pagination macro's interface).

    Two queries: how many assignments the evaluator has in each round (through the assignments'
    evaluator-and-application index, no provider names read), then the page's rows from only the rounds the
    page spans, so the providers' names are read and sorted for those rounds alone.
    """

    def _query_items(self) -> list[ListedAssignment]:
        evaluator_id = self._query_args["evaluator_id"]
        per_round = db.session.execute(
            select(Application.round_id, func.count())
            .select_from(Assignment).join(Application, Application.id == Assignment.application_id)
            .where(Assignment.evaluator_id == evaluator_id)
            .group_by(Application.round_id).order_by(Application.round_id.desc())).all()
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
        rows = db.session.execute(
            select(Assignment.id, Assignment.submitted_at, Assignment.ended_at, Application.id, Application.round_id,
                   Application.organisation_id, Organisation.legal_name, Application.status,
                   Application.submitted_at)
            .select_from(Assignment).join(Application, Application.id == Assignment.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Assignment.evaluator_id == evaluator_id, Application.round_id.in_(round_ids))
            .order_by(Application.round_id.desc(), func.lower(Organisation.legal_name), Assignment.id)
            .limit(self.per_page).offset(skip))
        return [ListedAssignment(id_, submitted_at, ended_at,
                                 ListedApplication(application_id, round_id, organisation_id, legal_name, status,
                                                   application_submitted_at))
                for (id_, submitted_at, ended_at, application_id, round_id, organisation_id, legal_name, status,
                     application_submitted_at) in rows]

    def _query_count(self) -> int:
        return self._total


def work_page(evaluator_id: int, page: int, per_page: int) -> WorkListPagination:
    """The page-th page of the evaluator's assignments; 404 past the last page."""
    return WorkListPagination(page=page, per_page=per_page, error_out=True, evaluator_id=evaluator_id)
