"""Signing in and out, registration, and the home page that sends each person to their work."""
import hmac

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.core import DomainError
from portal.extensions import db, limiter, login_manager
from portal.onboarding.models import CQCRating
from portal.onboarding.services import register_provider

from . import bp
from .forms import RegisterProviderForm, SignInForm
from .models import Role, User
from .sessions import session_id_for

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str):
    """The signed-in user, unless their account was deactivated or removed, or the password changed, since
    they signed in."""
    user_id, _, _fingerprint = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(session_id_for(user), session_id):
        return None
    return user


def _account_key() -> str:
    """Sign-in attempts are also counted per account, so spreading them over many addresses does not help."""
    return "sign-in:" + (request.form.get("email") or "").strip().lower()


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
@limiter.limit("5 per 15 minutes", methods=["POST"], key_func=_account_key,
               deduct_when=lambda response: response.status_code != 302,
               error_message="Too many wrong passwords for this account. Wait 15 minutes, then try again, "
                             "or reset your password.")
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        if user is not None and user.is_active and user.check_password(form.password.data):
            login_user(user)
            record_event(user, "user.signed_in", user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        form.add_error("Enter a correct email address and password", "email")
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterProviderForm()
    if form.validate_on_submit():
        try:
            user = register_provider(
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
            )
        except DomainError as error:
            db.session.rollback()
            form.add_error(str(error), "email" if "email" in str(error) else "companies_house_number")
        else:
            db.session.commit()
            login_user(user)
            flash(f"{user.organisation.legal_name} is registered. You can now apply to join a purchasing system.",
                  "success")
            return redirect(url_for("onboarding.dashboard"))
    return render_template("auth/register.html", form=form)
