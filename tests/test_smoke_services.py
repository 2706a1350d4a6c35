from datetime import timedelta

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome, RoundStatus
from portal.demo import complete_application, score_application
from portal.evaluation import services as evaluation
from portal.evaluation.results import application_results
from portal.onboarding import services as onboarding
from portal.onboarding.models import ApplicationStatus


def test_whole_journey_through_services(db, council, system, make_round, make_provider, frozen_clock):
    round_ = make_round()
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    assert application.reference == "CCC-ISF-PDPS-2022/R1/00001"
    frozen_clock.advance(days=15)
    assert round_.status is RoundStatus.closed
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2, council.panel])
    assert application.status is ApplicationStatus.in_evaluation
    score_application(application, [council.evaluator1, council.evaluator2, council.panel], council.commissioner)
    result = application_results(application)[system.lots[0].id]
    assert result.quality_points == 76  # 4/5 of 95
    assert result.social_value_points == 4
    assert result.passed is True
    commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Met every standard and scored 80.")
    commissioning.confirm_decisions(round_, council.commissioner)
    members = commissioning.publish_round(round_, council.commissioner)
    db.session.commit()
    assert len(members) == 1 and len(members[0].zones) == 3
