"""The scoring maths, as pure functions of stored scores (DESIGN.md, Scoring).

Points of a question = final score / scale max x question weight. Total = sum, out of 100.
A lot is passed when every minimum standard passes, every question reaches its minimum
acceptable score, and the total reaches the pass mark.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class QuestionRule:
    id: int
    section: str  # "quality" or "social_value"
    weight: Decimal
    min_score: int


@dataclass
class QuestionResult:
    question_id: int
    score: int | None
    points: Decimal | None
    meets_minimum: bool | None


@dataclass
class LotResult:
    """The result of one application for one lot."""

    questions: list[QuestionResult] = field(default_factory=list)
    quality_points: Decimal = Decimal(0)
    social_value_points: Decimal = Decimal(0)
    #: every standard's pass (True), fail (False) or not yet judged (None)
    standards: dict[int, bool | None] = field(default_factory=dict)
    pass_mark: Decimal = Decimal(0)
    complete: bool = False

    @property
    def total(self) -> Decimal:
        return self.quality_points + self.social_value_points

    @property
    def standards_passed(self) -> bool | None:
        values = list(self.standards.values())
        if any(v is False for v in values):
            return False
        if any(v is None for v in values):
            return None
        return True

    @property
    def minimum_scores_met(self) -> bool | None:
        values = [q.meets_minimum for q in self.questions]
        if any(v is False for v in values):
            return False
        if any(v is None for v in values):
            return None
        return True

    @property
    def pass_mark_met(self) -> bool:
        return self.total >= self.pass_mark

    @property
    def passed(self) -> bool | None:
        """True or False once everything is moderated; a known failure shows early; None otherwise."""
        if self.standards_passed is False or self.minimum_scores_met is False:
            return False
        if not self.complete:
            return None
        return bool(self.standards_passed and self.minimum_scores_met and self.pass_mark_met)


def question_points(score: int, scale_max: int, weight: Decimal) -> Decimal:
    """Points a question earns: score / scale max x weight, to two decimal places."""
    if not 0 <= score <= scale_max:
        raise ValueError(f"score {score} is outside the scale 0 to {scale_max}")
    return (Decimal(score) / Decimal(scale_max) * Decimal(weight)).quantize(TWO_PLACES, ROUND_HALF_UP)


def lot_result(
    rules: list[QuestionRule],
    final_scores: dict[int, int],
    standards: dict[int, bool | None],
    *,
    scale_max: int,
    pass_mark: Decimal,
) -> LotResult:
    """Compute a lot's result from the final (moderated) score of each question."""
    result = LotResult(standards=dict(standards), pass_mark=Decimal(pass_mark))
    for rule in rules:
        score = final_scores.get(rule.id)
        if score is None:
            result.questions.append(QuestionResult(rule.id, None, None, None))
            continue
        points = question_points(score, scale_max, rule.weight)
        result.questions.append(QuestionResult(rule.id, score, points, score >= rule.min_score))
        if rule.section == "social_value":
            result.social_value_points += points
        else:
            result.quality_points += points
    result.complete = all(q.score is not None for q in result.questions) and all(
        v is not None for v in standards.values()
    )
    return result
