"""Signing in and out, registration, and the home page that sends each person to their work."""
import hmac

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.clock import now
from portal.core import carry_out, whole_number
from portal.extensions import db, limiter, login_manager
from portal.onboarding.models import CQCRating
from portal.onboarding.services import register_provider

from . import bp, limits, two_step
from .forms import RegisterProviderForm, SignInForm, TwoStepCodeForm
from .models import Role, User
from .sessions import session_id_for
from .signed_in_user import SignedInUser

#: the session key of someone who gave the right password and has yet to give their code
PENDING = "two_step_pending"
#: how long the code page waits for the code before the person must start again with their password
PENDING_MINUTES = 5

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str):
    """The signed-in user (a SignedInUser: their account's columns and what the header shows, one plain query),
    unless their account was deactivated or removed, or the password changed, since they signed in."""
    user_id, _, _fingerprint = (session_id or "").partition(":")
    if whole_number(user_id) is None:
        return None
    user = SignedInUser.load(whole_number(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(session_id_for(user), session_id):
        return None
    user.signed_in_summary = user.summary()
    return user


def home_for(user) -> str:
    if user.role is Role.commissioner:
        return url_for("commissioning.dashboard")
    if user.role is Role.provider:
        return url_for("onboarding.dashboard")
    return url_for("evaluation.work_list")


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("home.html")


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"],
               error_message="Too many sign-in attempts from your network. Wait a minute, then try again.")
def sign_in():
    """The password step. Wrong passwords are counted per account in the database (limits), per address by
    Flask-Limiter, so spreading guesses over many addresses or many workers does not help."""
    form = SignInForm()
    if form.validate_on_submit():
        account = limits.account_key(form.email.data)
        wait = limits.wait_minutes(account, "password")
        if wait:
            abort(429, limits.limit_message("password", wait))
        user = db.session.scalar(select(User).where(func.lower(User.email) == account))
        if user is not None and user.is_active and user.check_password(form.password.data):
            return _password_accepted(user, _safe_next(request.args.get("next")))
        limits.record_failure(account, "password")
        db.session.commit()
        form.add_error("Enter a correct email address and password", "email")
    return render_template("auth/sign_in.html", form=form)


def _password_accepted(user: User, next_url: str | None):
    """With two-step on, the person is not signed in yet: the code page comes first."""
    if user.two_step_on:
        session[PENDING] = {"user": user.id, "id": session_id_for(user), "at": now().timestamp(),
                            "next": next_url}
        return redirect(url_for("auth.sign_in_code"))
    return _signed_in(user, next_url)


def _signed_in(user: User, next_url: str | None):
    session.pop(PENDING, None)
    login_user(user)
    record_event(user, "user.signed_in", user)
    db.session.commit()
    if user.must_set_up_two_step:
        flash(f"{user.authority.name} requires two-step verification for its staff. Set it up to continue.", "info")
        return redirect(url_for("auth.two_step_setup"))
    return redirect(next_url or home_for(user))


def _pending() -> tuple[User | None, dict]:
    """The person half-way through signing in (right password, no code yet), while that is still recent."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    if now().timestamp() - float(pending.get("at", 0)) > PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        return None, {"expired": True}
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or not user.is_active or not user.two_step_on or session_id_for(user) != pending.get("id"):
        session.pop(PENDING, None)
        return None, {}
    return user, pending


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"],
               error_message="Too many codes from your network. Wait a minute, then try again.")
def sign_in_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    user, pending = _pending()
    if user is None:
        if pending.get("expired"):
            flash(f"You did not enter a code within {PENDING_MINUTES} minutes. Sign in again.", "info")
        return redirect(url_for("auth.sign_in"))
    form = TwoStepCodeForm()
    if form.validate_on_submit():
        account = limits.account_key(user.email)
        wait = limits.wait_minutes(account, "code")
        if wait:
            abort(429, limits.limit_message("code", wait))
        try:
            how = two_step.check_sign_in_code(user, form.code.data)
        except two_step.CodeRefused as error:
            db.session.rollback()
            limits.record_failure(account, "code")
            db.session.commit()
            form.add_error(str(error), "code")
        else:
            if how == "recovery":
                left = two_step.recovery_codes_left(user)
                flash(f"You used a recovery code. You have {left} left: each works once. "
                      + ("Make new ones from your account's two-step verification page." if left <= 3 else ""),
                      "info")
            return _signed_in(user, pending.get("next"))
    return render_template("auth/sign_in_code.html", form=form, title="Enter your code", minutes=PENDING_MINUTES)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    session.pop(PENDING, None)
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterProviderForm()
    if form.validate_on_submit():
        outcome = carry_out(
            lambda: register_provider(
                legal_name=form.legal_name.data,
                trading_name=form.trading_name.data or "",
                companies_house_number=form.companies_house_number.data or None,
                cqc_provider_id=form.cqc_provider_id.data or None,
                cqc_rating=CQCRating(form.cqc_rating.data) if form.cqc_rating.data else None,
                cqc_rating_date=form.cqc_rating_date.data,
                address=form.address.data,
                postcode=form.postcode.data,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
            ),
            form=form, field=lambda message: "email" if "email" in message else "companies_house_number",
            done=lambda user: f"{user.organisation.legal_name} is registered. "
                              "You can now apply to join a purchasing system.")
        if outcome:
            login_user(outcome.value)
            return redirect(url_for("onboarding.dashboard"))
    return render_template("auth/register.html", form=form)
