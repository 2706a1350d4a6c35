"""Two-step verification: setting it up, signing in with a code or a recovery code, turning it off, a
commissioner's reset and council requirement; wrong passwords and codes counted per account in the database."""
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal import clock, create_app
from portal.audit.models import AuditEvent
from portal.auth import two_step
from portal.auth.models import RecoveryCode, SignInFailure, User
from portal.mail.models import OutboxEmail
from tests.conftest import send

PASSWORD = "care-dps-demo-password"




def _code(secret, seconds=0):
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=seconds))


def _turn_on(db, user):
    """Two-step on for user, as if set up on the page; returns the secret and the recovery codes."""
    secret = two_step.new_secret()
    codes = two_step.turn_on(user, secret, _code(secret))
    db.session.commit()
    return secret, codes


def _password(client, user, password=PASSWORD, **kwargs):
    return send(client, "POST", "/sign-in", data={"email": user.email, "password": password}, **kwargs)


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _emails(db, kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind)).all()


def _signed_in(client) -> bool:
    return send(client, "GET", "/account/password").status_code == 200


# ---- setting it up ---------------------------------------------------------------------------------------

def test_set_up_shows_a_qr_code_and_the_key_and_turns_on_only_with_a_current_code(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    _password(client, evaluator)
    account = send(client, "GET", "/account/two-step").get_data(as_text=True)
    assert "Off" in account and "Set up two-step verification" in account

    page = send(client, "GET", "/account/two-step/set-up").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "QR code to add your Care DPS portal account" in page
    key = re.search(r'portal-secret-key">([A-Z2-7 ]+)<', page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key), key  # readable groups of four
    assert "Issuer" in page and "Care DPS portal" in page and evaluator.email in page
    secret = key.replace(" ", "")
    # reloading the page keeps the same key: the app may already have it
    again = send(client, "GET", "/account/two-step/set-up").get_data(as_text=True)
    assert key in again

    wrong = send(client, "POST", "/account/two-step/set-up", data={"code": "000000" if _code(secret) != "000000"
                                                                            else "111111"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "There is a problem" in text and "The code is not correct" in text
    badly_typed = send(client, "POST", "/account/two-step/set-up", data={"code": "12ab"}).get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app, like 123456" in badly_typed
    db.session.refresh(evaluator)
    assert not evaluator.two_step_on and evaluator.two_step_secret is None

    response = send(client, "POST", "/account/two-step/set-up", data={"code": _code(secret)[:3] + " " +
                                                                        _code(secret)[3:]})
    assert response.status_code == 302 and response.location.endswith("/account/two-step/recovery-codes")
    db.session.refresh(evaluator)
    assert evaluator.two_step_on
    assert secret not in evaluator.two_step_secret  # encrypted at rest
    assert two_step.decrypt(evaluator.two_step_secret) == secret

    shown = send(client, "GET", "/account/two-step/recovery-codes")
    codes_page = shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(r'portal-code">([a-z2-9]{5}-[a-z2-9]{5})<', codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "This is the only time we show these codes" in codes_page
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == evaluator.id)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & {row.code_hash for row in stored}  # only hashes kept
    # shown once
    later = send(client, "GET", "/account/two-step/recovery-codes").get_data(as_text=True)
    assert "shown once" in later and not re.findall(r'portal-code">([a-z2-9]{5}-[a-z2-9]{5})<', later)

    assert [e.actor_id for e in _events(db, "user.two_step_turned_on")] == [evaluator.id]
    [email] = _emails(db, "two_step_turned_on")
    assert email.to == evaluator.email and "Two-step verification is now on" in email.body
    # the session that turned it on goes on
    assert _signed_in(client)
    status = send(client, "GET", "/account/two-step").get_data(as_text=True)
    assert "10 of 10" in status and "Turn off two-step verification" in status


def test_providers_cannot_use_two_step_and_panel_members_may_opt_in(client, db, council, make_provider):
    provider = make_provider()
    _password(client, provider)
    assert send(client, "GET", "/account/two-step").status_code == 403
    assert send(client, "GET", "/account/two-step/set-up").status_code == 403
    send(client, "POST", "/sign-out")
    _password(client, council.panel)
    page = send(client, "GET", "/account/two-step").get_data(as_text=True)
    assert "It is your choice: your council does not require it of panel members" in page


# ---- signing in with a code ------------------------------------------------------------------------------

def test_after_the_password_a_code_is_needed_and_nothing_else_can_be_reached(client, db, council, frozen_clock):
    commissioner = council.commissioner
    secret, _ = _turn_on(db, commissioner)
    frozen_clock.advance(seconds=30)
    response = _password(client, commissioner)
    assert response.status_code == 302 and response.location.endswith("/sign-in/code")
    # half signed in: every other page treats the person as signed out
    for url in ("/commissioning/", "/account/two-step", "/account/password", "/audit/"):
        refused = send(client, "GET", url)
        assert refused.status_code == 302 and "/sign-in" in refused.location, url
    page = send(client, "GET", "/sign-in/code").get_data(as_text=True)
    assert "Enter your code" in page and "6-digit code" in page and "recovery codes" in page
    assert 'autocomplete="one-time-code"' in page

    wrong = send(client, "POST", "/sign-in/code", data={"code": "12345"})
    assert "Enter the 6-digit code from your authenticator app, like 123456" in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    response = send(client, "POST", "/sign-in/code?next=/audit/", data={"code": _code(secret)})
    assert response.status_code == 302 and response.location.endswith("/commissioning/")
    assert _signed_in(client)
    assert [e.actor_id for e in _events(db, "user.signed_in")] == [commissioner.id]


def test_a_code_is_accepted_one_step_either_side_but_never_twice(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    secret, _ = _turn_on(db, evaluator)
    frozen_clock.advance(minutes=5)
    _password(client, evaluator)
    too_old = send(client, "POST", "/sign-in/code", data={"code": _code(secret, -60)})
    assert "The code is not correct" in too_old.get_data(as_text=True)
    response = send(client, "POST", "/sign-in/code", data={"code": _code(secret, -30)})  # the previous step
    assert response.status_code == 302
    used = _code(secret)
    send(client, "POST", "/sign-out")
    _password(client, evaluator)
    assert send(client, "POST", "/sign-in/code", data={"code": used}).status_code == 302
    send(client, "POST", "/sign-out")

    _password(client, evaluator)
    replay = send(client, "POST", "/sign-in/code", data={"code": used})
    assert "That code has already been used. Wait for your app to show a new code" in replay.get_data(as_text=True)
    assert not _signed_in(client)
    assert send(client, "POST", "/sign-in/code", data={"code": _code(secret, 30)}).status_code == 302  # next step
    db.session.refresh(evaluator)
    assert evaluator.two_step_last_step == pyotp.TOTP(secret).timecode(clock.now()) + 1


def test_the_code_page_expires_after_five_minutes(client, db, council, frozen_clock):
    secret, _ = _turn_on(db, council.evaluator1)
    frozen_clock.advance(seconds=30)
    _password(client, council.evaluator1)
    frozen_clock.advance(minutes=5, seconds=1)
    response = send(client, "POST", "/sign-in/code", data={"code": _code(secret)})
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    page = send(client, "GET", "/sign-in").get_data(as_text=True)
    assert "You did not enter a code within 5 minutes. Sign in again." in page
    assert not _signed_in(client)


def test_a_password_change_in_the_meantime_ends_the_half_signed_in_state(client, db, council, frozen_clock):
    secret, _ = _turn_on(db, council.evaluator1)
    frozen_clock.advance(seconds=30)
    _password(client, council.evaluator1)
    council.evaluator1.set_password("a brand new pass phrase")
    db.session.commit()
    response = send(client, "POST", "/sign-in/code", data={"code": _code(secret)})
    assert response.status_code == 302 and response.location.endswith("/sign-in") and not _signed_in(client)


def test_wrong_codes_are_limited_per_account_with_a_wait_that_says_how_long(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    secret, _ = _turn_on(db, evaluator)
    frozen_clock.advance(seconds=30)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    _password(client, evaluator)
    for n in range(5):
        response = send(client, "POST", "/sign-in/code", data={"code": wrong})
        assert response.status_code == 200, n
    refused = send(client, "POST", "/sign-in/code", data={"code": _code(secret)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many wrong codes for this account. Wait 15 minutes, then try again" in text
    assert not _signed_in(client)
    frozen_clock.advance(minutes=4)
    _password(client, evaluator)  # a right password does not clear the wrong codes
    assert "Wait 11 minutes" in send(client, "POST", "/sign-in/code", data={"code": _code(secret)}).get_data(
        as_text=True)
    frozen_clock.advance(minutes=11)
    _password(client, evaluator)
    assert send(client, "POST", "/sign-in/code", data={"code": _code(secret)}).status_code == 302
    assert _signed_in(client)


def test_a_recovery_code_signs_in_once_and_the_person_is_told(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    _, codes = _turn_on(db, evaluator)
    _password(client, evaluator)
    response = send(client, "POST", "/sign-in/code", data={"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    page = send(client, "GET", "/evaluation/").get_data(as_text=True)
    assert "You used a recovery code. You have 9 left" in page
    [email] = _emails(db, "two_step_recovery_code_used")
    assert email.to == evaluator.email and "You have 9 recovery codes left" in email.body
    assert len(_events(db, "user.two_step_recovery_code_used")) == 1

    send(client, "POST", "/sign-out")
    _password(client, evaluator)
    again = send(client, "POST", "/sign-in/code", data={"code": codes[0]})
    assert "The recovery code is not correct, or it has been used" in again.get_data(as_text=True)
    assert not _signed_in(client)
    assert send(client, "POST", "/sign-in/code", data={"code": codes[1]}).status_code == 302


# ---- recovery codes, turning off ------------------------------------------------------------------------

def test_new_recovery_codes_replace_the_old_ones(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    secret, old = _turn_on(db, evaluator)
    frozen_clock.advance(seconds=30)
    _password(client, evaluator)
    send(client, "POST", "/sign-in/code", data={"code": _code(secret)})
    refused = send(client, "POST", "/account/two-step/new-recovery-codes", data={"code": _code(secret)})
    assert "That code has already been used" in refused.get_data(as_text=True)
    frozen_clock.advance(seconds=30)
    response = send(client, "POST", "/account/two-step/new-recovery-codes", data={"code": _code(secret)})
    assert response.location.endswith("/account/two-step/recovery-codes")
    new = re.findall(r'portal-code">([a-z2-9]{5}-[a-z2-9]{5})<',
                     send(client, "GET", "/account/two-step/recovery-codes").get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(two_step.CodeRefused):
        two_step.use_recovery_code(evaluator, old[0])
    db.session.rollback()
    assert len(_events(db, "user.two_step_recovery_codes_renewed")) == 1


def test_turning_off_needs_the_password_and_a_code_and_is_audited_and_emailed(app, client, db, council,
                                                                              frozen_clock):
    evaluator = council.evaluator1
    secret, _ = _turn_on(db, evaluator)
    frozen_clock.advance(seconds=30)
    _password(client, evaluator)
    send(client, "POST", "/sign-in/code", data={"code": _code(secret)})
    other_device = app.test_client()
    frozen_clock.advance(seconds=30)
    _password(other_device, evaluator)
    send(other_device, "POST", "/sign-in/code", data={"code": _code(secret)})
    assert _signed_in(other_device)

    page = send(client, "GET", "/account/two-step/turn-off").get_data(as_text=True)
    assert "enter your password and the code your authenticator app shows now" in page
    assert 'govuk-button--warning' in page  # red: it makes the account less safe
    frozen_clock.advance(seconds=30)
    wrong_password = send(client, "POST", "/account/two-step/turn-off",
                           data={"password": "not my password", "code": _code(secret)}).get_data(as_text=True)
    assert "Your password is not correct" in wrong_password
    missing = send(client, "POST", "/account/two-step/turn-off", data={"password": PASSWORD, "code": ""})
    assert "Enter the 6-digit code from your authenticator app" in missing.get_data(as_text=True)
    db.session.refresh(evaluator)
    assert evaluator.two_step_on

    response = send(client, "POST", "/account/two-step/turn-off", data={"password": PASSWORD, "code": _code(secret)})
    assert response.status_code == 302
    db.session.refresh(evaluator)
    assert not evaluator.two_step_on and evaluator.two_step_secret is None
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == evaluator.id)).all() == []
    assert [e.actor_id for e in _events(db, "user.two_step_turned_off")] == [evaluator.id]
    [email] = _emails(db, "two_step_turned_off")
    assert "Two-step verification is now off" in email.body
    assert _signed_in(client) and not _signed_in(other_device)  # other sessions end
    # next time, the password alone signs in
    send(client, "POST", "/sign-out")
    assert _password(client, evaluator).location.endswith("/evaluation/")


# ---- a commissioner's reset ------------------------------------------------------------------------------

def test_a_commissioner_resets_two_step_for_their_own_councils_staff_only(app, client, db, council, frozen_clock):
    evaluator, other = council.evaluator1, council.other_evaluator
    secret, _ = _turn_on(db, evaluator)
    _turn_on(db, other)
    frozen_clock.advance(seconds=30)
    lost_phone = app.test_client()
    _password(lost_phone, evaluator)
    send(lost_phone, "POST", "/sign-in/code", data={"code": _code(secret)})

    _password(client, council.commissioner)
    listing = send(client, "GET", "/council/sign-in").get_data(as_text=True)
    assert "Tom Evans" in listing and "Ann Ward" not in listing  # another council's people are not listed
    assert f"/council/staff/{evaluator.id}/reset-two-step" in listing
    assert send(client, "GET", f"/council/staff/{other.id}/reset-two-step").status_code == 404
    assert send(client, "POST", f"/council/staff/{other.id}/reset-two-step").status_code == 404
    assert send(client, "GET", f"/council/staff/{council.commissioner.id}/reset-two-step").status_code == 404

    confirm = send(client, "GET", f"/council/staff/{evaluator.id}/reset-two-step").get_data(as_text=True)
    assert "Reset two-step verification for Tom Evans" in confirm and "lost their phone" in confirm
    response = send(client, "POST", f"/council/staff/{evaluator.id}/reset-two-step")
    assert response.status_code == 302
    db.session.refresh(evaluator)
    db.session.refresh(other)
    assert not evaluator.two_step_on and other.two_step_on
    [event] = _events(db, "user.two_step_reset")
    assert event.actor_id == council.commissioner.id and event.object_id == evaluator.id
    [email] = _emails(db, "two_step_reset")
    assert email.to == evaluator.email and "Priya Shah reset two-step verification" in email.body
    assert not _signed_in(lost_phone)  # the lost phone's session ended
    again = send(client, "POST", f"/council/staff/{evaluator.id}/reset-two-step", follow_redirects=True)
    assert "does not have two-step verification on, so there is nothing to reset" in again.get_data(as_text=True)


# ---- the council's requirement ---------------------------------------------------------------------------

def test_a_council_requirement_sends_staff_to_set_up_and_nowhere_else(client, db, council, frozen_clock):
    _password(client, council.commissioner)
    page = send(client, "GET", "/council/sign-in").get_data(as_text=True)
    assert "Require two-step verification for council staff" in page
    assert "Service-user panel members are never made to use it" in page
    assert "You do not use two-step verification yourself yet" in page
    send(client, "POST", "/council/sign-in", data={"require_two_step": "y"})
    db.session.refresh(council.authority)
    assert council.authority.require_two_step_for_staff
    [event] = _events(db, "authority.two_step_requirement_changed")
    assert event.actor_id == council.commissioner.id and event.after == {"require_two_step_for_staff": True}
    # the commissioner has no two-step yet: from now on only the set-up page
    moved = send(client, "GET", "/commissioning/")
    assert moved.status_code == 302 and moved.location.endswith("/account/two-step/set-up")
    send(client, "POST", "/sign-out")

    evaluator = council.evaluator1
    response = _password(client, evaluator)
    assert response.location.endswith("/account/two-step/set-up")
    page = send(client, "GET", "/account/two-step/set-up").get_data(as_text=True)
    assert "Cambridgeshire County Council requires two-step verification for its staff" in page
    for url in ("/evaluation/", "/account/password", "/account/two-step", "/call-off-lists/"):
        refused = send(client, "GET", url)
        assert refused.status_code == 302 and refused.location.endswith("/account/two-step/set-up"), url
    key = re.search(r'portal-secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    send(client, "POST", "/account/two-step/set-up", data={"code": _code(key)})
    assert send(client, "GET", "/evaluation/").status_code == 200
    # signing out always works
    assert send(client, "POST", "/sign-out").status_code == 302
    assert not _signed_in(client)

    # panel members are never made to
    assert _password(client, council.panel).location.endswith("/evaluation/")
    assert send(client, "GET", "/evaluation/").status_code == 200


def test_only_a_commissioner_changes_the_requirement_of_their_own_council(client, db, council):
    _password(client, council.other_commissioner)
    send(client, "POST", "/council/sign-in", data={"require_two_step": "y"})
    db.session.refresh(council.authority)
    assert not council.authority.require_two_step_for_staff  # Peterborough's commissioner changed Peterborough
    assert council.other_commissioner.authority.require_two_step_for_staff
    send(client, "POST", "/sign-out")
    _password(client, council.evaluator1)
    assert send(client, "POST", "/council/sign-in", data={"require_two_step": "y"}).status_code == 403


# ---- the secret's encryption -----------------------------------------------------------------------------

def test_the_secret_is_unreadable_without_the_key_and_survives_a_key_rotation(app, db):
    token = two_step.encrypt("JBSWY3DPEHPK3PXP")
    rotated = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         SECRET_KEY="a-new-key", SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]])
    stranger = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          SECRET_KEY="someone-elses-key")
    with rotated.app_context():
        assert two_step.decrypt(token) == "JBSWY3DPEHPK3PXP"
    with stranger.app_context():
        assert two_step.decrypt(token) is None


# ---- wrong passwords counted in the database -------------------------------------------------------------

def test_wrong_passwords_are_counted_in_the_database_shared_by_every_worker(app, db, council, frozen_clock):
    """Two app instances on one database file stand for two gunicorn workers."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [create_app("test", SQLALCHEMY_DATABASE_URI=url) for _ in range(2)]
    clients = [w.test_client() for w in workers]
    evaluator = council.evaluator1
    for n in range(5):
        response = _password(clients[n % 2], evaluator, password="wrong guess")
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert db.session.scalar(select(SignInFailure.account).limit(1)) == evaluator.email
    refused = _password(clients[1], evaluator)
    assert refused.status_code == 429
    assert "Too many wrong passwords for this account. Wait 15 minutes" in refused.get_data(as_text=True)
    # another account is not affected
    assert _password(clients[0], council.evaluator2).status_code == 302
    frozen_clock.advance(minutes=15, seconds=1)
    assert _password(clients[0], evaluator).status_code == 302
    for worker in workers:
        with worker.app_context():
            from portal.extensions import db as worker_db
            worker_db.engine.dispose()


def test_a_right_password_does_not_wipe_the_count_of_wrong_ones(client, db, council, frozen_clock):
    evaluator = council.evaluator1
    for _ in range(4):
        _password(client, evaluator, password="wrong guess")
    assert _password(client, evaluator).status_code == 302  # the real person signs in
    send(client, "POST", "/sign-out")
    assert _password(client, evaluator, password="wrong guess").status_code == 200  # the guesser goes on
    assert _password(client, evaluator).status_code == 429
    # failures expire: old rows are pruned when new ones come
    frozen_clock.advance(days=2)
    _password(client, council.evaluator2, password="wrong guess")
    assert db.session.scalars(select(SignInFailure.account)).all() == [council.evaluator2.email]


def test_unknown_addresses_are_counted_alike(client, db, council):
    """The limit does not reveal whether an account exists: an unknown email is refused the same way."""
    for _ in range(5):
        _password(client, User(email="nobody@cambs.example"), password="wrong guess")
    text = _password(client, User(email="NOBODY@cambs.example")).get_data(as_text=True)
    assert "Too many wrong passwords for this account" in text


def test_two_step_forms_refuse_a_post_without_a_csrf_token(app, client, db, council, frozen_clock, monkeypatch):
    from tests.test_permission_matrix import _diff, _snapshot

    secret, _ = _turn_on(db, council.evaluator1)
    frozen_clock.advance(seconds=30)
    _password(client, council.commissioner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # on, as in production
    samples = [
        ("/council/sign-in", {"require_two_step": "y"}),
        (f"/council/staff/{council.evaluator1.id}/reset-two-step", {}),
        ("/account/two-step/set-up", {"code": "123456"}),
    ]
    for url, data in samples:
        before = _snapshot()
        response = send(client, "POST", url, data=data)
        assert response.status_code == 400, f"POST {url} without a CSRF token: {response.status_code}"
        assert not _diff(before, _snapshot()), f"POST {url} without a CSRF token changed something"
    half_signed_in, evaluator = app.test_client(), app.test_client()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    _password(half_signed_in, council.evaluator1)
    _password(evaluator, council.evaluator1)
    send(evaluator, "POST", "/sign-in/code", data={"code": _code(secret)})
    frozen_clock.advance(seconds=30)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _snapshot()
    response = send(half_signed_in, "POST", "/sign-in/code", data={"code": _code(secret)})
    assert response.status_code == 400 and not _diff(before, _snapshot())
    for url, data in [("/account/two-step/turn-off", {"password": PASSWORD, "code": _code(secret)}),
                      ("/account/two-step/new-recovery-codes", {"code": _code(secret)})]:
        before = _snapshot()
        response = send(evaluator, "POST", url, data=data)
        assert response.status_code == 400, f"POST {url} without a CSRF token: {response.status_code}"
        assert not _diff(before, _snapshot()), f"POST {url} without a CSRF token changed something"


def test_the_council_page_runs_the_same_queries_for_many_staff(client, db, council):
    from portal.auth.models import Role
    from portal.demo import create_staff
    from portal.querycount import count_queries

    _turn_on(db, council.evaluator1)
    _password(client, council.commissioner)

    def queries():
        db.session.expunge_all()  # as in a fresh request: nothing already loaded
        with count_queries() as counted:
            page = send(client, "GET", "/council/sign-in").get_data(as_text=True)
        return counted[0], page

    few, _ = queries()
    authority = db.session.merge(council.authority)
    for n in range(20):
        person = create_staff(authority, Role.evaluator, f"officer{n}@cambs.example", f"Officer {n:02d}")
        if n % 2:
            _turn_on(db, person)
    db.session.commit()
    many, page = queries()
    assert "Officer 19" in page and page.count(">Reset<") == 11
    assert many == few <= 10, (few, many)


def test_the_reset_page_says_when_there_is_nothing_to_reset(client, db, council):
    _password(client, council.commissioner)
    page = send(client, "GET", f"/council/staff/{council.evaluator1.id}/reset-two-step").get_data(as_text=True)
    assert "Tom Evans does not have two-step verification on, so there is nothing to reset" in page
    assert "govuk-button--warning" not in page
