"""A round taken through evaluation to its decisions, for the results, documents and outcome tests."""
import pytest

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome
from portal.demo import complete_application, score_application
from portal.evaluation import services as evaluation
from portal.evaluation.conflicts import decide_conflict
from portal.evaluation.models import ConflictDeclaration, ConflictDecision
from portal.evaluation.results import application_results
from portal.onboarding import services as onboarding

#: (provider, agreed score on every question); on the ISF Lot 1 (weights 35/30/30/5, minimum 2, pass mark 60)
#: 4 -> 80.00 passed, 3 -> 60.00 passed (exactly the pass mark), 1 -> 20.00 failed (below the minimum score)
PROVIDERS = [("Bloomsbury Home Care LTD", 4), ("Hales Group Limited", 3), ("Cera Care Operations LTD", 1)]
INTEREST = "My sister is a care worker at Hales Group Limited."
MITIGATION = "Tom Evans scores on his own; Grace Okafor's score of this provider is checked at moderation."


@pytest.fixture()
def decided_round(db, council, system, make_round, make_provider, frozen_clock):
    """Round 1 of the ISF system: three providers for Lot 1, scored, moderated, decided (not yet published).

    Grace Okafor declares an interest in Hales Group Limited; the commissioner lets her go on with a mitigation.
    """
    lot = system.lots[0]
    round_ = make_round()
    applications = {}
    for name, _ in PROVIDERS:
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=[lot])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        applications[name] = application
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2, council.panel])
    hales = applications["Hales Group Limited"]
    evaluation.declare_conflicts(round_, council.evaluator2, {
        a.organisation_id: (a is hales, INTEREST if a is hales else "") for a in applications.values()})
    declaration = ConflictDeclaration.query.filter_by(evaluator_id=council.evaluator2.id,
                                                      organisation_id=hales.organisation_id).one()
    decide_conflict(declaration, council.commissioner, decision=ConflictDecision.allowed, mitigation=MITIGATION)
    for name, score in PROVIDERS:
        application = applications[name]
        score_application(application, None, council.commissioner, score=score)
        passed = application_results(application)[lot.id].passed
        commissioning.record_decision(
            application, lot, council.commissioner, outcome=Outcome.admit if passed else Outcome.reject,
            reasons="Met every minimum standard and the pass mark." if passed
            else "Question 1.1 scored 1, below its minimum score of 2.")
    frozen_clock.advance(days=2)
    commissioning.confirm_decisions(round_, council.commissioner)
    db.session.commit()
    return round_, applications
