"""How consistently each evaluator scores: their scores against the moderated (agreed) scores."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select

from portal.auth.models import User
from portal.extensions import db
from portal.onboarding.models import Application

from .models import Assignment, ModeratedScore, Score


@dataclass(frozen=True)
class EvaluatorConsistency:
    evaluator_id: int
    name: str
    as_panel: bool
    scores: int
    average: Decimal | None
    #: how many of the scores have a moderated score to compare with
    compared: int
    #: average of (own score - moderated score): negative is harsher, positive more lenient
    average_difference: Decimal | None

    @property
    def leaning(self) -> str:
        if self.average_difference is None:
            return "Not yet moderated"
        if self.average_difference <= Decimal("-0.5"):
            return "Harsher than the agreed scores"
        if self.average_difference >= Decimal("0.5"):
            return "More lenient than the agreed scores"
        return "In line with the agreed scores"


def _two_places(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def evaluator_consistency(round_) -> list[EvaluatorConsistency]:
    """One row per evaluator with current assignments in the round, from one aggregate query.

    Scores under an assignment moved to another evaluator do not count, as everywhere else."""
    difference = Score.score - ModeratedScore.score
    rows = db.session.execute(
        select(User.id, User.name, Assignment.as_panel, func.count(Score.id), func.avg(Score.score),
               func.count(ModeratedScore.id), func.avg(difference))
        .select_from(Score)
        .join(Assignment, Assignment.id == Score.assignment_id)
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.evaluator_id)
        .outerjoin(ModeratedScore, and_(ModeratedScore.application_id == Application.id,
                                        ModeratedScore.question_id == Score.question_id))
        .where(Application.round_id == round_.id, Assignment.ended_at.is_(None))
        .group_by(User.id, User.name, Assignment.as_panel)
        .order_by(User.name, User.id)).all()
    return [EvaluatorConsistency(uid, name, as_panel, count, _two_places(avg), compared, _two_places(diff))
            for uid, name, as_panel, count, avg, compared, diff in rows]
