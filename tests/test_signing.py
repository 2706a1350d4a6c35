"""A worker remembers the session cookies it has verified and the CSRF tokens it has signed (portal/signing.py):
nothing it remembers lets through a request that would be refused without it."""
import re

import itsdangerous.timed
from itsdangerous import URLSafeTimedSerializer

from portal import signing
from portal.extensions import db as _db
from tests.conftest import send

PASSWORD = "care-dps-demo-password"


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    return match.group(1)


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _counting(monkeypatch, method: str, salt: bytes) -> list:
    """Count the calls of URLSafeTimedSerializer's `method` with this salt: b"cookie-session" for session cookies
    checked (loads), b"wtf-csrf-token" for CSRF tokens signed (dumps)."""
    calls = []
    original = getattr(URLSafeTimedSerializer, method)

    def counted(self, *args, **kwargs):
        if getattr(self, "salt", None) == salt:
            calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, method, counted)
    return calls


def test_a_verified_cookie_is_remembered_and_still_read_as_the_same_session(client, login, council, monkeypatch):
    login(council.commissioner)
    send(client, "GET", "/commissioning/")  # the first page notes the person's activity: a new cookie
    send(client, "GET", "/commissioning/")
    cookie = _session_cookie(client)
    checked = _counting(monkeypatch, "loads", b"cookie-session")
    for _ in range(3):
        page = send(client, "GET", "/commissioning/").get_data(as_text=True)
        assert "Signed in as Priya Shah (Commissioner" in page
    assert _session_cookie(client) == cookie
    assert not checked  # the same cookie, verified on an earlier request
    client.set_cookie("session", cookie + "x")  # not the cookie remembered: checked, and refused
    assert send(client, "GET", "/commissioning/").status_code == 302
    assert checked == [1]


def test_an_altered_cookie_is_refused_after_the_real_one_was_remembered(client, login, council):
    login(council.commissioner)
    assert send(client, "GET", "/commissioning/").status_code == 200
    real = _session_cookie(client)
    payload, _, signature = real.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", forged)
    response = send(client, "GET", "/commissioning/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    client.set_cookie("session", real)
    assert send(client, "GET", "/commissioning/").status_code == 200


def test_a_remembered_cookie_past_the_session_lifetime_is_refused(app, client, login, council, monkeypatch):
    login(council.commissioner)
    send(client, "GET", "/commissioning/")
    cookie = _session_cookie(client)
    send(client, "GET", "/commissioning/")
    assert cookie in app.session_interface._verified
    lifetime = app.permanent_session_lifetime.total_seconds()

    class Later:  # the clocks of the cookie's signature and of what the worker remembers
        @staticmethod
        def time():
            return real_time() + lifetime + 60

    real_time = signing.time.time
    monkeypatch.setattr(signing, "time", Later)
    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as request_context:
        assert dict(app.session_interface.open_session(app, request_context.request)) == {}


def test_a_change_to_one_request_s_session_does_not_reach_the_remembered_cookie(app, client, login, council):
    login(council.commissioner)
    send(client, "GET", "/commissioning/")
    cookie = _session_cookie(client)
    send(client, "GET", "/commissioning/")
    remembered = dict(app.session_interface._verified[cookie][0])
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as request_context:
        session = app.session_interface.open_session(app, request_context.request)
        assert session == remembered
        session["_user_id"] = "someone else"
        session.pop("csrf_token", None)
    assert app.session_interface._verified[cookie][0] == remembered


def test_a_session_holding_more_than_plain_values_is_not_remembered(app, client, login, council):
    login(council.commissioner)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message")]
    cookie = _session_cookie(client)
    assert "A message" in send(client, "GET", "/commissioning/").get_data(as_text=True)
    assert cookie not in app.session_interface._verified


def test_the_signed_csrf_token_is_reused_within_a_session_and_accepted(app, client, login, council, make_round,
                                                                       monkeypatch):
    round_ = make_round()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = send(client, "GET", "/sign-in").get_data(as_text=True)
    response = send(client, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD,
                                                     "csrf_token": _token(page)})
    assert response.status_code == 302
    url = f"/commissioning/rounds/{round_.id}/close-early"
    first = _token(send(client, "GET", url).get_data(as_text=True))
    signed = _counting(monkeypatch, "dumps", b"wtf-csrf-token")
    second = _token(send(client, "GET", url).get_data(as_text=True))
    assert first == second and not signed  # signed once by this worker, then reused
    response = send(client, "POST", url, data={"csrf_token": second, "reason": "Every provider has submitted"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert round_.early_close_reason == "Every provider has submitted"


def test_a_token_not_signed_for_the_session_s_own_raw_token_is_never_remembered(app, db):
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context("/"):
        session["csrf_token"] = "the raw token of another session"
        other = generate_csrf()
        session["csrf_token"] = "this session's raw token"
        signing.remember_signed_csrf_token(app.response_class())
        assert "this session's raw token" not in signing._signed_tokens()
        g.pop("csrf_token")
        mine = generate_csrf()
        signing.remember_signed_csrf_token(app.response_class())
        assert signing._signed_tokens()["this session's raw token"] == mine != other


def test_another_session_gets_its_own_token_and_cannot_use_anyone_else_s(app, client, council, make_round,
                                                                        monkeypatch):
    round_ = make_round()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/commissioning/rounds/{round_.id}/close-early"
    tokens = []
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        page = send(browser, "GET", "/sign-in").get_data(as_text=True)
        send(browser, "POST", "/sign-in", data={"email": council.commissioner.email, "password": PASSWORD,
                                               "csrf_token": _token(page)})
        tokens.append(_token(send(browser, "GET", url).get_data(as_text=True)))
    assert tokens[0] != tokens[1]
    response = send(browsers[1], "POST", url, data={"csrf_token": tokens[0], "reason": "Forged"})
    assert response.status_code == 400
    _db.session.expire_all()
    assert round_.early_close_reason is None


def test_tokens_are_signed_afresh_on_every_request_when_they_expire(app, client, login, council, make_round,
                                                                   monkeypatch):
    round_ = make_round()
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}/close-early"
    send(client, "GET", url)
    signed = _counting(monkeypatch, "dumps", b"wtf-csrf-token")
    for _ in range(2):
        send(client, "GET", url)
    assert len(signed) == 2
