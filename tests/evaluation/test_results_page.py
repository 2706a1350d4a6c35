"""The results table's own reading and arithmetic (portal/commissioning/results_page.py) against the portal's one
way of computing results (evaluation.results.application_results and scoring.lot_result), over a generated round:
every mix of missing, low and full agreed scores, passed, failed and unjudged standards, confirmed and unconfirmed
declarations, every CQC rating, decisions on some lots, applications bidding for one lot, two lots or none."""
import random
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.commissioning import results_page
from portal.commissioning.models import Decision, Lot, MinimumStandard, Outcome, Question, Section, StandardKind
from portal.commissioning.results_page import EvaluatedApplication, evaluated_applications, lot_rules, result_rows
from portal.evaluation.models import ModeratedScore, ModeratedStandard
from portal.evaluation.results import evaluated_applications_query, results_for
from portal.extensions import db as _db
from portal.onboarding.models import (
    Application,
    ApplicationLot,
    ApplicationStatus,
    CQCRating,
    Organisation,
    StandardResponse,
)

FIELDS = ("quality_points", "social_value_points", "total", "standards_passed", "minimum_scores_met",
          "pass_mark_met", "complete", "passed")


def _third_lot(system):
    """A lot with awkward weights (quarters and halves), a high minimum score and every kind of standard."""
    lot = Lot(system_id=system.id, number=3, title="Night support")
    _db.session.add(lot)
    _db.session.flush()
    weights = [("quality", "12.25", 3), ("quality", "40.50", 2), ("quality", "0.75", 0), ("quality", "41.50", 4),
               ("social_value", "3.25", 1), ("social_value", "1.75", 5)]
    for position, (section, weight, min_score) in enumerate(weights):
        _db.session.add(Question(lot_id=lot.id, position=position, section=Section(section), text=f"Q{position}",
                                 weight=Decimal(weight), min_score=min_score))
    for position, kind in enumerate([StandardKind.declaration, StandardKind.cqc_rating, StandardKind.document,
                                     StandardKind.evidence, StandardKind.declaration]):
        _db.session.add(MinimumStandard(lot_id=lot.id, position=position, kind=kind, title=f"S{position}"))
    _db.session.flush()
    return lot


def _generated_round(system, round_, commissioner, count: int, seed: int):
    rng = random.Random(seed)
    lots = _db.session.scalars(select(Lot).where(Lot.system_id == system.id).order_by(Lot.number)).all()
    statuses = [ApplicationStatus.in_evaluation, ApplicationStatus.decided, ApplicationStatus.submitted]
    for n in range(count):
        organisation = Organisation(legal_name=f"Generated <Care> & Co {n:03d}", companies_house_number=f"{30000000 + n}",
                                    cqc_rating=CQCRating.good, address=f"{n} Mill Road", postcode="CB1 2AD")
        application = Application(round_id=round_.id, organisation=organisation, status=rng.choice(statuses),
                                  reference=f"GEN/{rng.randrange(10 ** 6):06d}/{n:03d}", submitted_at=round_.opens_at,
                                  rate_accepted=True, declaration_confirmed=True)
        chosen = rng.sample(lots, rng.choice([0, 1, 1, 2, len(lots)]))
        application.lots = [ApplicationLot(lot=lot) for lot in chosen]
        _db.session.add(application)
        _db.session.flush()
        for lot in chosen:
            for question in lot.questions:
                roll = rng.random()
                if roll < 0.15:
                    continue  # not yet moderated
                score = question.min_score if roll < 0.3 else rng.randrange(system.scale_max + 1)
                _db.session.add(ModeratedScore(application_id=application.id, question_id=question.id, score=score,
                                               rationale="Agreed.", moderator_id=commissioner.id))
            for standard in lot.standards:
                roll = rng.random()
                if standard.kind.is_automatic:
                    if roll < 0.1 or _db.session.scalar(select(StandardResponse.id).where(
                            StandardResponse.application_id == application.id,
                            StandardResponse.standard_id == standard.id)):
                        continue  # no answer
                    rating = rng.choice([None, *CQCRating]) if standard.kind is StandardKind.cqc_rating else None
                    _db.session.add(StandardResponse(application_id=application.id, standard_id=standard.id,
                                                     confirmed=rng.random() < 0.8, cqc_rating_at_submission=rating))
                elif roll > 0.15:
                    _db.session.add(ModeratedStandard(application_id=application.id, standard_id=standard.id,
                                                      passed=roll < 0.85, rationale="Agreed.",
                                                      moderator_id=commissioner.id))
            if rng.random() < 0.4:
                _db.session.add(Decision(application_id=application.id, lot_id=lot.id,
                                         outcome=rng.choice(list(Outcome)), reasons="Recorded.",
                                         total_at_decision=Decimal(0), passed_at_decision=False,
                                         decided_by_id=commissioner.id))
        _db.session.flush()
    _db.session.commit()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_tables_results_are_the_portals_results_over_a_generated_round(db, app, council, system, make_round,
                                                                          seed):
    round_ = make_round()
    _third_lot(system)  # written straight to the table, after the round is scheduled (it has no rates)
    _generated_round(system, round_, council.commissioner, count=60, seed=seed)
    _db.session.expire_all()

    loaded = _db.session.scalars(evaluated_applications_query(round_)).all()
    expected = results_for(loaded)  # the portal's one way: application_results over each application
    assert 30 < len(loaded) < 60  # the submitted ones are not evaluated yet
    per_page = 7
    seen = []
    with app.test_request_context():
        for number in range(1, len(loaded) // per_page + 2):
            page, results = evaluated_applications(round_, number, per_page)
            assert page.total == len(loaded)
            expected_items = [EvaluatedApplication.of(a) for a in loaded[(number - 1) * per_page:number * per_page]]
            assert [(i.id, i.reference, i.status, i.legal_name, [(c.lot.id, c.lot.number, c.outcome) for c in i.lots])
                    for i in page.items] == [
                (i.id, i.reference, i.status, i.legal_name, [(c.lot.id, c.lot.number, c.outcome) for c in i.lots])
                for i in expected_items]
            for item in page.items:
                assert set(results[item.id]) == set(expected[item.id])
                for lot_id, result in results[item.id].items():
                    old = expected[item.id][lot_id]
                    for name in FIELDS:
                        # the same values, and the same Decimals to the digit (what the page prints)
                        assert (repr(getattr(result, name)), name) == (repr(getattr(old, name)), name)
            # and so the same table, row for row
            assert result_rows(page.items, results) == result_rows(expected_items, expected)
            seen += [item.id for item in page.items]
    assert seen == [a.id for a in loaded]
    verdicts = {(r.passed, r.standards_passed, r.minimum_scores_met, r.complete)
                for by_lot in expected.values() for r in by_lot.values()}
    assert {True, False, None} <= {v[0] for v in verdicts}  # the round covers passes, fails and unknowns
    assert {True, False, None} <= {v[1] for v in verdicts} and {True, False, None} <= {v[2] for v in verdicts}


def test_a_score_off_the_scale_is_refused_as_before(db, app, council, system, make_round):
    round_ = make_round()
    _generated_round(system, round_, council.commissioner, count=6, seed=3)
    application = _db.session.scalars(evaluated_applications_query(round_)).first()
    lot = next(c.lot for c in application.lots if c.lot.questions) if application.lots else None
    if lot is None:
        pytest.skip("the generated application bids for no lot")
    score = _db.session.scalar(select(ModeratedScore).where(ModeratedScore.application_id == application.id,
                                                            ModeratedScore.question_id == lot.questions[0].id))
    if score is None:
        score = ModeratedScore(application_id=application.id, question_id=lot.questions[0].id, score=0,
                               rationale="Agreed.", moderator_id=council.commissioner.id)
        _db.session.add(score)
    score.score = system.scale_max + 1
    _db.session.commit()
    with app.test_request_context(), pytest.raises(ValueError, match="outside the scale"):
        evaluated_applications(round_, 1, 50)


def test_the_rules_read_once_follow_every_change_to_the_criteria(db, app, council, system):
    """lot_rules keeps what it built per worker, keyed on every value it was built from."""
    lot = system.lots[0]
    question = lot.questions[0]
    with app.test_request_context():
        before = lot_rules(system)[lot.id]
        question.weight = question.weight + 1
        _db.session.flush()
        after = lot_rules(system)[lot.id]
        assert after.questions[0][2][system.scale_max] == before.questions[0][2][system.scale_max] + 1
        question.section = Section.social_value if question.section is Section.quality else Section.quality
        question.min_score = question.min_score + 1
        lot.standards[0].kind = StandardKind.evidence
        _db.session.flush()
        changed = lot_rules(system)[lot.id]
        assert changed.questions[0][1] != after.questions[0][1] and changed.questions[0][3] == question.min_score
        assert changed.standards[0] == (lot.standards[0].id, results_page._JUDGED)
        system.scale_max = 10
        _db.session.flush()
        assert lot_rules(system)[lot.id].questions[0][2][10] == question.weight
