"""The whole journey through the pages, as each person would go through it, asserting what they see."""
import re
from datetime import timedelta

from portal.commissioning.models import PurchasingSystem, Round
from portal.evaluation.models import Assignment, ModeratedScore, Score
from portal.onboarding.models import Application, ApplicationStatus


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_journey_from_new_system_to_published_call_off_list(client, db, council, login, frozen_clock):
    # 1. The commissioner sets up the system with lots, zones, standards and questions
    login(council.commissioner)
    r = client.post("/commissioning/systems/new", data={
        "title": "Home and Community Support DPS", "reference": "CCC-HCS-DPS-2017", "procedure": "dps_pcr2015",
        "starts_on": ["1", "11", "2017"],
        "ends_on": ["31", "10", "2027"],
        "quality_weight": "95", "social_value_weight": "5", "pass_mark": "60", "scale_max": "5"})
    assert r.status_code == 302
    system = db.session.query(PurchasingSystem).one()
    assert (system.quality_weight, system.social_value_weight, system.scale_max) == (95, 5, 5)
    base = f"/commissioning/systems/{system.id}"
    client.post(f"{base}/lots/new", data={"title": "Providers of Care"})
    client.post(f"{base}/lots/new", data={"title": "Brokers of Care"})
    r = client.post(f"{base}/zones/new", data={"name": "Peterborough", "ceiling_rate": "£19.65"})
    assert r.status_code == 302
    lot1, lot2 = system.lots
    client.post(f"/commissioning/lots/{lot1.id}/standards/new", data={
        "kind": "cqc_rating", "title": "CQC rating of Good or Outstanding", "description": "Good or Outstanding."})
    client.post(f"/commissioning/lots/{lot1.id}/standards/new", data={
        "kind": "evidence", "title": "Previous experience", "description": "Evidence of personalised care planning."})
    client.post(f"/commissioning/lots/{lot2.id}/standards/new", data={
        "kind": "evidence", "title": "Previous experience", "description": "Evidence of personalised care planning."})
    for lot in (lot1, lot2):
        client.post(f"/commissioning/lots/{lot.id}/questions/new", data={
            "section": "quality", "text": "How will you plan support with each person?", "weight": "95",
            "word_limit": "300", "min_score": "2", "scorer": "both"})
        client.post(f"/commissioning/lots/{lot.id}/questions/new", data={
            "section": "social_value", "text": "What will you do for local employment?", "weight": "5",
            "word_limit": "200", "min_score": "0", "scorer": "officers"})
    # a question that would push the weights over 95 is refused with a sentence, and not stored
    r = client.post(f"/commissioning/lots/{lot1.id}/questions/new", data={
        "section": "quality", "text": "Extra?", "weight": "10", "word_limit": "300", "min_score": "0", "scorer": "officers"})
    assert r.status_code == 200 and "would weigh more than the quality weight of 95" in text(r)
    assert len(lot1.questions) == 2
    page = text(client.get(base))
    assert "Before a round can open" not in page and "Ceiling £19.65" in page

    # 2. The commissioner schedules a round; it opens when its time comes
    r = client.post(f"{base}/rounds/new", data={
        "opens_on": ["2", "6", "2026"], "opens_time": "09:00",
        "closes_on": ["30", "6", "2026"], "closes_time": "12:00"})
    assert r.status_code == 302
    round_ = db.session.query(Round).one()
    assert "Round 1: scheduled" in text(client.get(f"/commissioning/rounds/{round_.id}"))
    frozen_clock.advance(days=1)  # 2 June, 12:00: open

    # 3. A provider registers, applies, saves and comes back, and submits
    client.post("/sign-out")
    r = client.post("/register", data={
        "legal_name": "Bloomsbury Home Care LTD", "companies_house_number": "08812345",
        "cqc_provider_id": "1-101234567", "cqc_rating": "good", "address": "1 Bridge Street\nPeterborough",
        "postcode": "pe1 1hf", "name": "Alex Morgan", "email": "alex@bloomsbury.example",
        "password": "a long enough password", "confirm_password": "a long enough password"})
    assert r.status_code == 302
    page = text(client.get("/provider/"))
    assert "Home and Community Support DPS: Round 1" in page and "30 June 2026 at midday" in page
    r = client.post(f"/provider/rounds/{round_.id}/apply")
    application = db.session.query(Application).one()
    app_url = f"/provider/applications/{application.id}"
    assert r.location.endswith(app_url)
    assert "Not started" in text(client.get(app_url))
    client.post(f"{app_url}/lots", data={"lots": [str(lot1.id)], f"zones_{lot1.id}": [str(system.zones[0].id)]})
    for standard in lot1.standards:
        client.post(f"{app_url}/standards/{standard.id}", data={"confirmed": "y", "text": "Ten years of care planning."})
    q1, q2 = lot1.questions
    r = client.post(f"{app_url}/questions/{q1.id}", data={"text": "We plan with the person.", "save_and_return": "y"})
    assert r.location.endswith("/provider/")
    assert "We plan with the person." in text(client.get(f"{app_url}/questions/{q1.id}"))
    client.post(f"{app_url}/questions/{q2.id}", data={"text": "Two apprenticeships a year.", "save": "y"})
    r = client.post(f"{app_url}/rates", data={"accepted": "y"})
    assert r.status_code == 302
    page = text(client.get(f"{app_url}/check"))
    assert "Peterborough: £19.65 an hour" in page
    r = client.post(f"{app_url}/check", data={})
    assert "Confirm the declaration to submit your application" in text(r)
    r = client.post(f"{app_url}/check", data={"declaration": "y"})
    assert r.location.endswith(f"{app_url}/receipt")
    page = text(client.get(r.location))
    assert "Application submitted" in page and "CCC-HCS-DPS-2017/R1/00001" in page

    # 4. Sealed bids: the commissioner sees counts only
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "1 submitted" in page and "Bloomsbury" not in page and "We plan with the person" not in page
    assert client.get(f"/evaluation/applications/{application.id}/moderation").status_code == 404

    # a late provider is refused by the server after closes_at
    frozen_clock.advance(days=28, minutes=1)  # 30 June, 12:01
    assert round_.status.value == "closed"

    # 5. The commissioner assigns two officers and a panel member
    r = client.post(f"/commissioning/rounds/{round_.id}/assign", data={
        "evaluators": [str(council.evaluator1.id), str(council.evaluator2.id), str(council.panel.id)]})
    assert r.status_code == 302
    assert db.session.query(Assignment).count() == 3
    assert application.status is ApplicationStatus.in_evaluation

    # 6. Each evaluator declares no conflict and scores; nobody sees another's scores before submitting
    for evaluator, score in ((council.evaluator1, "4"), (council.evaluator2, "2"), (council.panel, "4")):
        login(evaluator)
        assignment = db.session.query(Assignment).filter_by(evaluator_id=evaluator.id).one()
        assert client.get(f"/evaluation/assignments/{assignment.id}").location.endswith(
            f"/evaluation/rounds/{round_.id}/conflicts")
        client.post(f"/evaluation/rounds/{round_.id}/conflicts",
                    data={f"interest_{application.organisation_id}": "no"})
        # a panel member is taken to the first answer to score, one answer a page
        page = text(client.get(f"/evaluation/assignments/{assignment.id}", follow_redirects=True))
        assert "We plan with the person." in page
        assert "Tom Evans:" not in page  # no one else's scores before submitting
        data = {"submit_all": "y"}
        for question in assignment.questions():
            data[f"score_{question.id}"] = score
            data[f"justification_{question.id}"] = "Specific and evidenced answer."
        if evaluator is council.panel:
            assert [q.id for q in assignment.questions()] == [q1.id]  # panel scores panel questions only
            assert "Two apprenticeships" not in page
        else:
            for standard in assignment.standards():
                if not standard.kind.is_automatic:
                    data[f"standard_{standard.id}"] = "pass"
                    data[f"reason_{standard.id}"] = "Clear evidence of experience."
        r = client.post(f"/evaluation/assignments/{assignment.id}", data=data)
        assert r.status_code == 302, text(r)
        assert assignment.is_submitted

    # 7. The commissioner moderates: scores side by side, spread flagged, agreed scores recorded
    login(council.commissioner)
    page = text(client.get(f"/evaluation/applications/{application.id}/moderation"))
    assert "Spread of 2 points" in page and "Margaret Hill (panel)" in page
    evidence = next(s for s in lot1.standards if not s.kind.is_automatic)
    r = client.post(f"/evaluation/applications/{application.id}/moderation", data={
        f"score_{q1.id}": "4", f"rationale_{q1.id}": "Panel and officer agreed the plan is person-led.",
        f"score_{q2.id}": "3", f"rationale_{q2.id}": "Commitments are modest but measurable.",
        f"standard_{evidence.id}": "pass", f"rationale_standard_{evidence.id}": "Experience shown."})
    assert r.status_code == 302
    assert {s.score for s in db.session.query(Score).all()} == {4, 2}  # original scores kept
    assert db.session.query(ModeratedScore).count() == 2
    page = text(client.get(f"/evaluation/applications/{application.id}/moderation"))
    # 4/5 x 95 = 76.00 quality; 3/5 x 5 = 3.00 social value
    assert "76.00 of 95" in page and "3.00 of 5" in page and "79.00 of 100" in page and "Passed" in page

    # 8. Decide and publish; the provider appears on the public list
    r = client.post(f"/commissioning/applications/{application.id}/decision?lot={lot1.id}",
                    data={"outcome": "admit", "reasons": "Met every standard; scored 79 of 100."})
    assert r.status_code == 302
    client.post(f"/commissioning/rounds/{round_.id}/confirm-decisions")
    client.post(f"/commissioning/rounds/{round_.id}/publish")
    assert "Published on" in text(client.get(f"/commissioning/rounds/{round_.id}"))
    client.post("/sign-out")
    page = text(client.get(f"/call-off-lists/{system.slug}"))
    assert "Bloomsbury Home Care LTD" in page and "£19.65" in page
    csv_text = client.get(f"/call-off-lists/{system.slug}.csv").get_data(as_text=True)
    assert "Bloomsbury Home Care LTD" in csv_text

    # 9. The provider sees the outcome
    client.post("/sign-in", data={"email": "alex@bloomsbury.example", "password": "a long enough password"})
    page = text(client.get(f"{app_url}/outcome"))
    assert "Lot 1: Providers of Care</h2>" in page
    assert "<strong>Admitted.</strong> You are on the call-off list for this lot." in page
    assert "Met every standard; scored 79 of 100." in page
    assert "Panel and officer agreed the plan is person-led." in page


def test_submission_after_the_deadline_is_refused(client, db, council, system, make_round, make_provider,
                                                  frozen_clock, login):
    from portal.demo import complete_application

    round_ = make_round(closes_in=timedelta(hours=1))
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    db.session.commit()
    login(provider)
    frozen_clock.advance(hours=1)  # exactly closes_at
    r = client.post(f"/provider/applications/{application.id}/check", data={"declaration": "y"})
    assert r.status_code == 200
    assert "Round 1 closed at 1 June 2026 at 1:00pm. Applications can no longer be changed or submitted." in text(r)
    assert "There is a problem" in text(r)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.draft and application.submitted_at is None
