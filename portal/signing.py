"""What each worker keeps of the signing it has done: session cookies it has verified, CSRF tokens it has signed.

Every signed-in page reads the session cookie (checking its signature and decoding it) and writes a signed CSRF
token (the header's sign-out button, the idle-session warning, the page's forms). A person sends the same cookie
with each page until the session changes, and their session holds the same raw CSRF token for its whole life, so
a worker remembers both answers:

- A cookie is remembered only after its signature was checked, under the whole cookie (signature included), with
  the time it was signed: the cookie's age is checked again on every request, exactly as a first reading does. An
  altered or forged cookie is never a key, so it is checked afresh and refused.
- The signed form of a raw CSRF token is reused only while tokens do not expire (WTF_CSRF_TIME_LIMIT is None:
  a token lives as long as its session). A token signed a minute ago is then exactly as valid as one signed now.
"""
import time

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from itsdangerous import BadSignature
from wtforms import ValidationError

#: past this many entries, a worker's memory of cookies or tokens starts again
MOST = 2048
#: session values that nothing can change in place (a shared entry must not be changed by one request)
_PLAIN = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, remembering the cookies this worker has already verified."""

    def __init__(self):
        self._verified: dict[str, tuple[dict, float]] = {}

    def open_session(self, app: Flask, request):
        val = request.cookies.get(self.get_cookie_name(app))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        remembered = self._verified.get(val) if val else None
        if remembered is not None:
            data, signed_at = remembered
            if 0 <= time.time() - signed_at <= max_age:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not val:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(value, _PLAIN) for value in data.values()):
            _remember(self._verified, val, (dict(data), signed_at.timestamp()))
        return self.session_class(data)


def _remember(memory: dict, key, value) -> None:
    """Keep value under key in a worker's memory of at most MOST entries (past it, the memory starts again)."""
    if len(memory) >= MOST:
        memory.clear()
    memory[key] = value


def _tokens_never_expire() -> bool:
    """Whether CSRF tokens live as long as their session (WTF_CSRF_TIME_LIMIT is None): only then is one reused."""
    return current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is None


def _csrf_field_name() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _signed_tokens() -> dict:
    return current_app.extensions.setdefault("signed_csrf_tokens", {})


def reuse_signed_csrf_token() -> None:
    """Before each request: give Flask-WTF the signed form of this session's raw token, if this worker signed it
    before (Flask-WTF keeps a request's signed token in g and signs only when there is none)."""
    name = _csrf_field_name()
    g.pop(name, None)  # a token on g is this request's own (an app context shared by requests keeps g)
    if not _tokens_never_expire():
        return
    # a request without a session cookie has no raw token, and reading its empty session would add Vary: Cookie
    if not request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
        return
    signed = _signed_tokens().get(session.get(name))
    if signed is not None:
        setattr(g, name, signed)
        g._csrf_token_reused = True


def remember_signed_csrf_token(response):
    """After each request: remember the token this request signed, once it is checked against the session's raw
    token (the one a POST will be compared with)."""
    name = _csrf_field_name()
    signed = g.get(name)
    if signed is None or g.pop("_csrf_token_reused", False):
        return response
    if _tokens_never_expire():
        raw = session.get(name)
        tokens = _signed_tokens()
        if raw is not None and raw not in tokens:
            try:
                validate_csrf(signed)
            except ValidationError:
                return response
            _remember(tokens, raw, signed)
    return response


def init_app(app: Flask) -> None:
    app.session_interface = RememberingSessionInterface()
    app.before_request(reuse_signed_csrf_token)
    app.after_request(remember_signed_csrf_token)
