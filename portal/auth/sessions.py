"""Sessions: a session ends after a time without activity, and every session of a user ends when the password changes.

Flask-Login keeps `user.get_id()` in the session cookie. That id carries a fingerprint of the password hash,
so a new password (changed or reset) makes every other session's id stale, and the user loader then finds
nobody: log out everywhere, without a column to keep in step.
"""
import hashlib
import hmac

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

import time

#: requests that do not count as activity, nor end a session (the browser fetches them on its own)
PASSIVE_ENDPOINTS = {"static", "govuk_assets", "govuk_frontend", "auth.signed_out"}
#: what a person may reach while their council makes them set up two-step verification
WHILE_SETTING_UP = PASSIVE_ENDPOINTS | {"auth.two_step_setup", "auth.sign_out", "auth.keep_alive"}


def password_fingerprint(password_hash: str) -> str:
    """A short keyed digest of the password hash: changes whenever the password does."""
    key = str(current_app.secret_key).encode()
    return hmac.new(key, (password_hash or "").encode(), hashlib.sha256).hexdigest()[:20]


def session_id_for(user) -> str:
    """Changes with the password, and when two-step verification is turned on, off or reset."""
    material = user.password_hash or ""
    if user.two_step_enabled_at is not None:
        material += f"|two-step:{int(user.two_step_enabled_at.timestamp())}"
    return f"{user.id}:{password_fingerprint(material)}"


def signed_in():
    """The signed-in person as the header shows them (a SignedIn), or None when nobody is signed in."""
    from .models import SignedIn, User
    from .signed_in_user import SignedInUser

    user = current_user._get_current_object()
    if not isinstance(user, (User, SignedInUser)):
        return None
    summary = getattr(user, "signed_in_summary", None)
    # signed in during this request (the loader did not see them), or signed out in it
    if summary is None:
        return SignedIn.of(user) if user.is_authenticated else None
    return summary


#: the session notes activity at most this often: most requests then leave the session cookie as it is, so it
#: is not signed and sent again on every page. The recorded time may be up to this much behind the person's
#: last request, so a session ends between the idle limit and the limit plus this after their last activity,
#: never before the limit.
ACTIVITY_STEP_SECONDS = 30


def idle_limit_seconds() -> int:
    return int(current_app.config.get("SESSION_IDLE_MINUTES", 30)) * 60


def end_idle_session():
    """Before each request: sign out someone idle for longer than the limit; otherwise note the activity
    (when the time noted is at least ACTIVITY_STEP_SECONDS old)."""
    if request.endpoint in PASSIVE_ENDPOINTS or not current_user.is_authenticated:
        return None
    # wall time, not portal.clock: tests and demos move the business clock through a round's life
    moment = time.time()
    last_seen = session.get("last_seen")
    if last_seen is not None:
        idle = moment - float(last_seen)
        if idle > idle_limit_seconds() + ACTIVITY_STEP_SECONDS:
            logout_user()
            session.pop("last_seen", None)
            return redirect(url_for("auth.signed_out"))
        if idle < ACTIVITY_STEP_SECONDS:
            return None
    session["last_seen"] = moment
    return None


def require_two_step_set_up():
    """Before each request: council staff whose council requires two-step verification and who have not set
    it up reach only the set-up page (and signing out) until they have."""
    if request.endpoint in WHILE_SETTING_UP or not current_user.is_authenticated:
        return None
    if current_user.must_set_up_two_step:
        return redirect(url_for("auth.two_step_setup"))
    return None
