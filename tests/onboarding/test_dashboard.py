"""The provider's dashboard: its applications, the open rounds and the systems to follow, in a fixed few queries."""
import re

from portal.onboarding import notifications
from portal.querycount import count_queries


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_each_provider_user_sees_whether_they_follow_each_system(client, db, council, system, make_provider, login):
    follower, bystander = make_provider(), make_provider()
    notifications.follow_system(system, follower)
    db.session.commit()
    assert notifications.systems_with_follow_state(follower) == [(system, True)]
    assert bystander.id and system.title  # loaded again after the commit
    with count_queries() as counted:
        assert notifications.systems_with_follow_state(bystander) == [(system, False)]
    assert counted[0] == 1
    login(follower)
    page = text(client.get("/provider/"))
    assert f"<td class=\"govuk-table__cell\">{system.title}</td> <td class=\"govuk-table__cell\">" \
           "Cambridgeshire County Council</td> <td class=\"govuk-table__cell\">Following</td>" in page
    login(bystander)
    assert "<td class=\"govuk-table__cell\">Not following</td>" in text(client.get("/provider/"))


def test_the_dashboard_lists_applications_and_open_rounds_with_their_council(client, db, council, make_round,
                                                                            make_provider, login):
    from portal.onboarding.services import start_application

    round_ = make_round()
    provider = make_provider()
    start_application(round_, provider)
    db.session.commit()
    login(provider)
    with count_queries() as counted:
        page = text(client.get("/provider/"))
    # the user (with council and organisation), open rounds, applications, systems to follow
    assert counted[0] <= 5
    assert f"{round_.system.title}</a>" in page and "Draft" in page
    assert "<dt class=\"govuk-summary-list__key\">Council</dt><dd class=\"govuk-summary-list__value\">" \
           "Cambridgeshire County Council</dd>" in page
    assert "Continue your application" in page
