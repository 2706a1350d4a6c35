"""Passwords and sessions: the policy, rate-limited sign-in, idle sessions, change and reset of a password."""
import re
import time

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.extensions import limiter
from portal.mail.models import OutboxEmail
from tests.conftest import send

PASSWORD = "care-dps-demo-password"


@pytest.mark.parametrize("password,problem", [
    ("short", "at least 12 characters"),
    ("Password123456", "too common"),
    ("qwertyuiop!!", "too common"),
    ("letmeinletmein", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("123456789012", "too common"),
    ("Caredpsportal2026", "too common"),
    ("priya.shah-secret-9", "email address"),
    ("Margaret Hill rocks!", "name"),
    ("x" * 201, "200 characters or fewer"),
])
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    found = password_problem(password, email="priya.shah@cambs.example", name="Margaret Hill")
    assert found and problem in found


@pytest.mark.parametrize("password", ["correct pony staple lamp", "tea-kettle-on-the-moor", "all lower case words",
                                      "ÜnicodePässwörter sind ok"])
def test_long_unusual_passwords_pass_without_composition_rules(password):
    assert password_problem(password, email="priya.shah@cambs.example", name="Priya Shah") is None




def test_registration_uses_the_policy(client, db):
    response = send(client, "POST", "/register", data={
        "legal_name": "Hill Care Ltd", "address": "1 High Street", "postcode": "PE1 1HF", "name": "Jo Bloggs",
        "email": "jo@hill.example", "password": "password12345", "confirm_password": "password12345"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "too common" in page
    assert 'value="Hill Care Ltd"' in page  # typed data kept


def test_registration_refused_by_the_service_says_where_and_keeps_what_was_typed(client, db):
    form = {"legal_name": "Hill Care Ltd", "companies_house_number": "01234567", "address": "1 High Street",
            "postcode": "PE1 1HF", "name": "Jo Bloggs", "email": "jo@hill.example",
            "password": "kettle moor lamp", "confirm_password": "kettle moor lamp"}
    assert send(client, "POST", "/register", data=form).status_code == 302
    send(client, "POST", "/sign-out")
    again = send(client, "POST", "/register", data=dict(form, companies_house_number="")).get_data(as_text=True)
    assert 'href="#email">An account with this email address already exists' in again
    assert 'value="Hill Care Ltd"' in again
    other = send(client, "POST", "/register", data=dict(form, email="sam@hill.example")).get_data(as_text=True)
    assert 'href="#companies_house_number">An organisation with this Companies House number' in other
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # nothing half-written


@pytest.fixture()
def limited(app, db):
    """A client of the portal with rate limits on, as in production (the test app has them off)."""
    limited_app = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             RATELIMIT_ENABLED=True)
    limiter.reset()
    yield limited_app.test_client()
    limiter.reset()
    limiter.enabled = False


def test_sign_in_is_limited_per_account_whatever_the_address(limited, council):
    client = limited
    for n in range(5):
        response = send(client, "POST", "/sign-in", data={"email": council.evaluator1.email, "password": "wrong"},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 200
    response = send(client, "POST", "/sign-in", data={"email": council.evaluator1.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "this account" in page
    # another account from the same address is not affected
    response = send(client, "POST", "/sign-in", data={"email": council.evaluator2.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 302


def test_sign_in_is_limited_per_address(limited, council):
    client = limited
    for n in range(10):
        send(client, "POST", "/sign-in", data={"email": f"nobody{n}@example.com", "password": "wrong"})
    response = send(client, "POST", "/sign-in", data={"email": council.evaluator2.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_session_cookie_flags(client, council, app):
    response = send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from config import ProductionConfig
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE


def test_idle_session_ends_and_says_so(client, council, app):
    send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    assert send(client, "GET", "/commissioning/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = send(client, "GET", "/commissioning/")
    assert response.status_code == 302 and response.location.endswith("/signed-out")
    page = send(client, "GET", "/signed-out").get_data(as_text=True)
    assert "You have been signed out" in page and "30 minutes" in page
    assert send(client, "GET", "/commissioning/").status_code == 302  # to sign in


def test_activity_keeps_the_session(client, council):
    send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 29 * 60
    assert send(client, "POST", "/session/keep-alive").status_code == 204
    with client.session_transaction() as session:
        assert time.time() - session["last_seen"] < 5
    assert send(client, "GET", "/commissioning/").status_code == 200


def test_a_session_ends_after_the_idle_limit_counted_from_the_last_activity(client, council):
    """Activity is noted at most every ACTIVITY_STEP_SECONDS, so the time noted may be that much behind the
    person's last request: the session ends only once the limit has passed even for the latest request."""
    from portal.auth.sessions import ACTIVITY_STEP_SECONDS

    send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    limit = 30 * 60
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - limit - ACTIVITY_STEP_SECONDS + 10
    assert send(client, "GET", "/commissioning/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["last_seen"] < 5
        session["last_seen"] = time.time() - limit - ACTIVITY_STEP_SECONDS - 10
    response = send(client, "GET", "/commissioning/")
    assert response.status_code == 302 and response.location.endswith("/signed-out")


def test_pages_in_quick_succession_leave_the_session_cookie_alone(client, council):
    """The session notes activity at most every ACTIVITY_STEP_SECONDS: pages requested within that time do
    not sign and send the session cookie again."""
    send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    first = send(client, "GET", "/commissioning/")
    assert "session=" in first.headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        noted = session["last_seen"]
    again = send(client, "GET", "/commissioning/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    with client.session_transaction() as session:
        assert session["last_seen"] == noted
        session["last_seen"] = noted - 40
    later = send(client, "GET", "/commissioning/")
    assert "session=" in later.headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        assert session["last_seen"] > noted - 40


def test_account_pages_have_a_way_back(client, council):
    forgot = send(client, "GET", "/forgot-password").get_data(as_text=True)
    assert re.search(r'<a href="/sign-in" class="govuk-back-link">Back</a>', forgot)
    send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    change = send(client, "GET", "/account/password").get_data(as_text=True)
    assert re.search(r'<a href="/" class="govuk-back-link">Back</a>', change)


def test_changing_the_password_signs_out_every_other_session(app, council, db):
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        send(device, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD})
    refused = send(laptop, "POST", "/account/password", data={
        "current_password": "not it", "password": "new kettle moor lamp", "confirm_password": "new kettle moor lamp"})
    assert "Your current password is not correct" in refused.get_data(as_text=True)
    response = send(laptop, "POST", "/account/password", data={
        "current_password": PASSWORD, "password": "new kettle moor lamp", "confirm_password": "new kettle moor lamp"})
    assert response.status_code == 302
    assert send(laptop, "GET", "/commissioning/").status_code == 200
    assert send(phone, "GET", "/commissioning/").status_code == 302  # signed out there
    db.session.refresh(council.commissioner)
    assert council.commissioner.check_password("new kettle moor lamp")


def test_password_reset_by_a_single_use_expiring_link(client, council, db, monkeypatch):
    response = send(client, "POST", "/forgot-password", data={"email": council.evaluator1.email.upper()})
    same_for_nobody = send(client, "POST", "/forgot-password", data={"email": "nobody@nowhere.example"})
    def shown(page, email):
        return re.sub(r'nonce="[^"]+"', "", page.get_data(as_text=True).replace(email, "X"))

    assert shown(response, council.evaluator1.email.lower()) == shown(same_for_nobody, "nobody@nowhere.example")
    emails = OutboxEmail.query.all()
    assert [e.to for e in emails] == [council.evaluator1.email]
    link = re.search(r"http://localhost(/reset-password/\S+)", emails[0].body).group(1)
    assert send(client, "GET", link).status_code == 200
    weak = send(client, "POST", link, data={"password": "password12345", "confirm_password": "password12345"})
    assert "too common" in weak.get_data(as_text=True)
    done = send(client, "POST", link, data={"password": "fresh garden gate key", "confirm_password": "fresh garden gate key"})
    assert done.status_code == 302
    assert send(client, "GET", link).status_code == 404  # used once
    assert "This link does not work" in send(client, "GET", link).get_data(as_text=True)
    db.session.refresh(council.evaluator1)
    assert council.evaluator1.check_password("fresh garden gate key")


def test_reset_link_expires_after_an_hour(client, council, monkeypatch):
    send(client, "POST", "/forgot-password", data={"email": council.evaluator1.email})
    link = re.search(r"http://localhost(/reset-password/\S+)", OutboxEmail.query.one().body).group(1)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3601)
    assert send(client, "GET", link).status_code == 404
