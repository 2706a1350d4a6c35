"""Default deny: a table of role x route -> status, in a sealed (open) round and after close."""
from datetime import timedelta

import pytest

from portal.demo import complete_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding

ROLES = ["anonymous", "provider_a", "provider_b", "evaluator", "panel", "commissioner", "other_commissioner",
         "other_evaluator"]


@pytest.fixture()
def world(db, council, system, make_round, make_provider, frozen_clock):
    """Provider A has submitted an application in an open round; provider B has its own draft."""
    round_ = make_round(closes_in=timedelta(days=3))
    provider_a, provider_b = make_provider("Provider A Care Ltd"), make_provider("Provider B Care Ltd")
    application = complete_application(round_, provider_a, lots=[system.lots[0]])
    onboarding.submit_application(application, provider_a, declaration_confirmed=True)
    other = onboarding.start_application(round_, provider_b)
    db.session.commit()
    users = {"provider_a": provider_a, "provider_b": provider_b, "evaluator": council.evaluator1,
             "panel": council.panel, "commissioner": council.commissioner,
             "other_commissioner": council.other_commissioner, "other_evaluator": council.other_evaluator}
    return {"round": round_, "application": application, "other": other, "users": users, "system": system}


def _as(client, login, users, role):
    client.post("/sign-out")
    if role != "anonymous":
        login(users[role])
    return client


# route template, then the expected status for each role in ROLES order (302 = sent to sign in)
SEALED = [
    ("/provider/applications/{app}",            [302, 200, 404, 403, 403, 403, 403, 403]),
    ("/provider/applications/{app}/check",      [302, 302, 404, 403, 403, 403, 403, 403]),
    ("/provider/applications/{app}/outcome",    [302, 302, 404, 403, 403, 403, 403, 403]),
    ("/provider/applications/{other}",          [302, 404, 200, 403, 403, 403, 403, 403]),
    ("/evaluation/applications/{app}/moderation", [302, 403, 403, 403, 403, 404, 404, 403]),
    ("/commissioning/applications/{app}/decision", [302, 403, 403, 403, 403, 404, 404, 403]),
    ("/commissioning/rounds/{round}",           [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/rounds/{round}/pause",     [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/rounds/{round}/extend",    [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}",         [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}/edit",    [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}/copy",    [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/",                         [302, 403, 403, 403, 403, 200, 200, 403]),
    ("/evaluation/",                            [302, 403, 403, 200, 200, 403, 403, 200]),
    ("/audit/",                                 [302, 403, 403, 403, 403, 200, 200, 403]),
    ("/call-off-lists/",                        [200, 200, 200, 200, 200, 200, 200, 200]),
    # results and evaluation documents: the owning commissioner is sent back with a message until they exist
    ("/commissioning/rounds/{round}/results",   [302, 403, 403, 403, 403, 302, 404, 403]),
    ("/commissioning/rounds/{round}/evaluation-report.pdf", [302, 403, 403, 403, 403, 302, 404, 403]),
    ("/commissioning/applications/{app}/outcome-letter.pdf", [302, 403, 403, 403, 403, 404, 404, 403]),
    ("/provider/applications/{app}/outcome-letter.pdf", [302, 302, 404, 403, 403, 403, 403, 403]),
    ("/provider/organisation",                  [302, 200, 200, 403, 403, 403, 403, 403]),
    ("/provider/organisation/edit",             [302, 200, 200, 403, 403, 403, 403, 403]),
    ("/provider/organisation/invite",           [302, 200, 200, 403, 403, 403, 403, 403]),
    ("/provider/rounds/{round}/clarifications", [302, 200, 200, 403, 403, 403, 403, 403]),
    ("/commissioning/rounds/{round}/clarifications", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}/members", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}/members/import", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/commissioning/systems/{system}/members/import/template.csv", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/audit/export.csv",                       [302, 403, 403, 403, 403, 200, 200, 403]),
    ("/call-off-lists/about-this-data",         [200, 200, 200, 200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("route,expected", SEALED, ids=[r for r, _ in SEALED])
def test_role_by_route_while_bids_are_sealed(client, login, world, route, expected):
    url = route.format(app=world["application"].id, other=world["other"].id, round=world["round"].id,
                       system=world["system"].id)
    for role, status in zip(ROLES, expected):
        response = _as(client, login, world["users"], role).get(url)
        assert response.status_code == status, f"{role} GET {url}: {response.status_code}, expected {status}"
        if status == 302 and role == "anonymous":
            assert "/sign-in" in response.location


def test_commissioner_sees_counts_not_answers_before_close(client, login, world):
    _as(client, login, world["users"], "commissioner")
    page = client.get(f"/commissioning/rounds/{world['round'].id}").get_data(as_text=True)
    assert "Provider A Care Ltd" not in page
    assert "1 submitted" in page and "1 in draft" in page
    assert not world["application"].can_view(world["users"]["commissioner"])


AFTER_CLOSE = [
    ("/evaluation/applications/{app}/moderation", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/assignments/{assignment}",       [302, 403, 403, 200, 404, 403, 403, 404]),
    ("/provider/applications/{app}",              [302, 200, 404, 403, 403, 403, 403, 403]),
    ("/evaluation/rounds/{round}/conflicts-register", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/rounds/{round}/conflicts-register.csv", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/rounds/{round}/consistency",      [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/rounds/{round}/panel-questions",  [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/rounds/{round}/extend-deadline",  [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/applications/{app}/evaluators",   [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/assignments/{assignment}/reassign", [302, 403, 403, 403, 403, 200, 404, 403]),
    ("/evaluation/assignments/{assignment}/answers/1", [302, 403, 403, 403, 404, 403, 403, 403]),
    ("/evaluation/assignments/{assignment}/check",  [302, 403, 403, 403, 404, 403, 403, 403]),
]


@pytest.mark.parametrize("route,expected", AFTER_CLOSE, ids=[r for r, _ in AFTER_CLOSE])
def test_role_by_route_in_evaluation(client, login, world, frozen_clock, route, expected, db):
    council_users = world["users"]
    frozen_clock.advance(days=4)
    evaluation.assign_evaluators(world["round"], council_users["commissioner"], [council_users["evaluator"]])
    evaluation.declare_conflicts(world["round"], council_users["evaluator"],
                                 {world["application"].organisation_id: (False, "")})
    db.session.commit()
    assignment = world["application"].assignments[0]
    url = route.format(app=world["application"].id, assignment=assignment.id, round=world["round"].id)
    for role, status in zip(ROLES, expected):
        response = _as(client, login, council_users, role).get(url)
        assert response.status_code == status, f"{role} GET {url}: {response.status_code}, expected {status}"


def test_conflicted_evaluator_cannot_read_the_application(client, login, world, frozen_clock, db):
    users = world["users"]
    frozen_clock.advance(days=4)
    evaluation.assign_evaluators(world["round"], users["commissioner"], [users["evaluator"]])
    evaluation.declare_conflicts(world["round"], users["evaluator"],
                                 {world["application"].organisation_id: (True, "My sister is a director.")})
    db.session.commit()
    assignment = world["application"].assignments[0]
    _as(client, login, users, "evaluator")
    response = client.get(f"/evaluation/assignments/{assignment.id}")
    assert response.status_code == 403
    assert "Ten years" not in response.get_data(as_text=True)


def test_provider_cannot_change_another_providers_application(client, login, world):
    _as(client, login, world["users"], "provider_b")
    application = world["application"]
    question = application.round.system.lots[0].questions[0]
    before = application.answer_for(question).text
    response = client.post(f"/provider/applications/{application.id}/questions/{question.id}",
                           data={"text": "overwritten"})
    assert response.status_code == 404
    assert application.answer_for(question).text == before
    assert client.post(f"/provider/applications/{application.id}/withdraw").status_code == 404
