"""The signed-in person on every page: loaded in one query, and the header drawn without loading them again."""
from flask import render_template
from flask_login import login_user, logout_user

from portal.auth.models import Role, SignedIn, User
from portal.auth.routes import load_user
from portal.auth.sessions import session_id_for, signed_in
from portal.auth.signed_in_user import account_of
from portal.extensions import db as _db
from portal.querycount import count_queries
from tests.conftest import send

PASSWORD = "care-dps-demo-password"


def test_loading_the_signed_in_user_reads_their_council_and_organisation_in_one_query(app, council, make_provider):
    council.authority.require_two_step_for_staff = True
    provider = make_provider(name="Fenland Home Care Ltd")
    _db.session.commit()
    people = [(session_id_for(council.commissioner), True, "Cambridgeshire County Council", None),
              (session_id_for(council.panel), False, "Cambridgeshire County Council", None),
              (session_id_for(provider), False, None, "Fenland Home Care Ltd")]
    for session_id, must_set_up, council_name, organisation in people:
        _db.session.expunge_all()
        with count_queries() as counted:
            user = load_user(session_id)
            # what the request hooks (the two-step rule), the permission checks and the header read
            assert user.must_set_up_two_step is must_set_up
            assert user.is_active and user.get_id() == session_id
            assert user.signed_in_summary.council == council_name
            assert user.signed_in_summary.organisation == organisation
            assert (user.id, user.role) == (int(session_id.partition(":")[0]), user.signed_in_summary.role)
        assert counted[0] == 1


def test_the_account_is_loaded_only_when_something_asks_for_more(app, council, make_provider):
    provider = make_provider(name="Fenland Home Care Ltd")
    _db.session.commit()
    session_id = session_id_for(provider)
    _db.session.expunge_all()
    user = load_user(session_id)
    with count_queries() as counted:
        assert user.organisation.legal_name == "Fenland Home Care Ltd"  # a relationship: the account's
    assert counted[0] == 2  # the account, then its organisation
    assert isinstance(user.account, User) and account_of(user) is user.account and account_of(provider) is provider


def test_a_change_to_the_signed_in_user_is_made_on_the_account_and_read_back(app, council):
    before, other = session_id_for(council.panel), session_id_for(council.evaluator1)
    user = load_user(before)
    assert user.larger_text is False
    user.larger_text = True
    assert user.larger_text is True and user.account.larger_text is True
    user.set_password("a new kettle moor lamp")  # a method: the account's
    now_id, panel_id = user.get_id(), user.id
    assert now_id == session_id_for(user.account) != before  # the new password's fingerprint
    _db.session.commit()
    _db.session.expunge_all()
    again = _db.session.get(User, panel_id)
    assert again.larger_text is True and again.check_password("a new kettle moor lamp")
    assert load_user(now_id) is not None and load_user(other) is not None
    assert load_user(before) is None  # the session of the old password has ended


def test_a_stale_or_unknown_session_loads_nobody(council):
    assert load_user(session_id_for(council.commissioner).replace(":", ":0")) is None
    assert load_user("999999:abc") is None
    assert load_user("not-a-number") is None


def test_the_header_after_a_commit_runs_no_query_and_shows_the_person(app, council, make_provider):
    provider = make_provider(name="Fenland Home Care Ltd")
    session_id = session_id_for(provider)
    with app.test_request_context("/provider/"):
        user = load_user(session_id)
        login_user(user)
        _db.session.commit()  # expires every loaded object, the user, the organisation
        with count_queries() as counted:
            page = render_template("layout.html", title="Your applications")
        assert counted[0] == 0
    assert "Signed in as Owner 1 (Provider, Fenland Home Care Ltd)" in page
    assert '<a class="govuk-service-navigation__link" href="/provider/" aria-current="true">' in page
    assert "Two-step verification" not in page  # providers do not use it
    assert "data-session-idle-seconds" in page


def test_someone_signed_in_during_the_request_is_shown_too(app, council):
    with app.test_request_context("/"):
        assert signed_in() is None
        login_user(council.panel)  # not through the loader: no summary kept yet
        assert signed_in() == SignedIn(name="Margaret Hill", role=Role.panel_member,
                                       council="Cambridgeshire County Council", organisation=None,
                                       larger_text=False)
        page = render_template("layout.html", title="Your evaluations")
        assert "Signed in as Margaret Hill (Service-user panel member)" in page
        assert "Cambridgeshire County Council</a>" in page and "Two-step verification" in page
        logout_user()
        assert signed_in() is None
        page = render_template("layout.html", title="Signed out")
    assert "Signed in as" not in page and "Adult social care commissioning</a>" in page


def test_larger_text_and_the_council_show_on_the_next_page(client, council):
    send(client, "POST", "/sign-in", data={"email": council.panel.email, "password": PASSWORD})
    page = send(client, "GET", "/evaluation/").get_data(as_text=True)
    assert 'class="govuk-template portal-larger-text"' not in page
    send(client, "POST", "/evaluation/larger-text", data={"next": "/evaluation/"})
    page = send(client, "GET", "/evaluation/").get_data(as_text=True)
    assert "portal-larger-text" in page.split("<body", 1)[0]
    assert "Cambridgeshire County Council</a>" in page
