"""The round page's list of submitted applications: paged in reference order, drafts and withdrawn
applications only counted, each lot's decision and the evaluators' progress shown."""
import re

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome
from portal.demo import complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_round_page_lists_a_page_of_submitted_applications_in_reference_order(
        app, client, login, db, council, system, make_round, make_provider, frozen_clock, monkeypatch):
    lot1, lot2 = system.lots[0], system.lots[1]
    round_ = make_round()
    submitted = []
    for name, lots in (("Cedar Care Ltd", [lot1]), ("Alder Homecare CIC", [lot1, lot2]), ("Birch Support Ltd", [lot2])):
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=lots)
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        submitted.append(application)
    onboarding.start_application(round_, make_provider("Drafting Care Ltd"))
    leaver = make_provider("Leaving Care Ltd")
    gone = complete_application(round_, leaver, lots=[lot1])
    onboarding.submit_application(gone, leaver, declaration_confirmed=True)
    onboarding.withdraw_application(gone, leaver)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    score_application(submitted[1], None, council.commissioner, score=1)
    commissioning.record_decision(submitted[1], lot2, council.commissioner, outcome=Outcome.reject,
                                  reasons="Below the pass mark.")
    db.session.commit()
    login(council.commissioner)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)

    first = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "1 in draft, 3 submitted, 1 withdrawn" in first
    # by reference, which is the order of submission: Cedar, Alder on page 1; Birch on page 2
    assert first.index("Cedar Care Ltd") < first.index("Alder Homecare CIC")
    assert "Birch Support Ltd" not in first and "Drafting Care Ltd" not in first and "Leaving Care Ltd" not in first
    assert f"Cedar Care Ltd {submitted[0].reference} 0 of 1 Evaluators of Cedar Care Ltd" in first
    assert ("Alder Homecare CIC " + submitted[1].reference) in first
    assert "Lot 1: not decided( decide Alder Homecare CIC lot 1 )" in first
    assert "Lot 2: Not admitted( change Alder Homecare CIC lot 2 )" in first
    assert "Waiting for evaluators" in first

    second = text(client.get(f"/commissioning/rounds/{round_.id}?page=2"))
    assert "Birch Support Ltd" in second and "Cedar Care Ltd" not in second
    assert client.get(f"/commissioning/rounds/{round_.id}?page=3").status_code == 404
