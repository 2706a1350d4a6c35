"""Your account: change your password, reset a forgotten one, and the pages that go with signing out."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.extensions import db, limiter
from portal.mail.services import queue_email

from . import bp
from .forms import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from .models import User
from .sessions import password_fingerprint
from .signed_in_user import account_of

RESET_LINK_HOURS = 1
PASSWORD_PARAMS = {"password": {"autocomplete": "new-password"},
                   "confirm_password": {"autocomplete": "new-password"},
                   "current_password": {"autocomplete": "current-password"}}


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="password-reset")


def reset_token_for(user: User) -> str:
    """A signed link token: it names the user and the password it may replace, so it works once, for an hour.

    Nothing is stored: once the password changes the token's fingerprint no longer matches, and the
    signature's timestamp limits its life.
    """
    return _reset_serializer().dumps({"user": user.id, "password": password_fingerprint(user.password_hash)})


def user_for_reset_token(token: str) -> User | None:
    try:
        payload = _reset_serializer().loads(token, max_age=RESET_LINK_HOURS * 3600)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("password") != password_fingerprint(user.password_hash):
        return None
    return user


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.add_error("Your current password is not correct", "current_password")
        else:
            user = account_of(current_user._get_current_object())
            user.set_password(form.password.data)
            record_event(user, "user.password_changed", user)
            db.session.commit()
            login_user(user)  # this session goes on with the new password; every other one has ended
            flash("Your password is changed. You have been signed out on every other device.", "success")
            return redirect(url_for("auth.home"))
    return render_template("form_page.html", form=form, title="Change your password", field_params=PASSWORD_PARAMS,
                           back_url=url_for("auth.home"),
                           intro="Changing your password signs you out on every other device.")


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"],
               error_message="Too many requests for a password reset link from your network.")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active:
            link = url_for("auth.reset_password", token=reset_token_for(user), _external=True)
            queue_email(user.email, "Reset your password",
                        f"Dear {user.name},\n\nSomeone (we hope you) asked to reset the password of your account "
                        f"on the {current_app.config['SERVICE_NAME']}.\n\nTo choose a new password, open this link "
                        f"within {RESET_LINK_HOURS} hour. It works once.\n\n{link}\n\n"
                        "If you did not ask, ignore this email: your password stays as it is.",
                        kind="password_reset")
            record_event(None, "user.password_reset_requested", user)
            db.session.commit()
        # the same answer whether or not there is an account: nobody learns who has one
        return render_template("auth/reset_sent.html", title="Check your email", email=email)
    return render_template("form_page.html", form=form, title="Reset your password", back_url=url_for("auth.sign_in"),
                           intro="Enter the email address you sign in with. We will send you a link to choose a new password.")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_refused.html", title="This link does not work"), 404
    form = ResetPasswordForm()
    form.password_owner = user
    if form.validate_on_submit():
        user.set_password(form.password.data)
        record_event(user, "user.password_reset", user)
        db.session.commit()
        flash("Your password is changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("form_page.html", form=form, title="Choose a new password", field_params=PASSWORD_PARAMS,
                           intro="Choosing a new password signs you out on every device.")


@bp.route("/signed-out")
def signed_out():
    """Where a session that was idle too long ends up."""
    return render_template("auth/signed_out.html", title="You have been signed out",
                           minutes=current_app.config.get("SESSION_IDLE_MINUTES", 30))


@bp.route("/session/keep-alive", methods=["POST"])
@login_required
def keep_alive():
    """The "stay signed in" button of the warning before a session times out: the request itself is the activity."""
    return "", 204
