"""Results of applications, computed from stored moderated scores (never typed in)."""
from decimal import Decimal

from portal.commissioning.models import StandardKind

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
