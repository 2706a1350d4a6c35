"""Two-step verification pages: a person's own (set up, recovery codes, turn off) and a commissioner's for their
council (require it for staff, reset it for someone who lost their phone). Thin wiring to auth.two_step."""
import json

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, select

from portal.core import DomainError, carry_out
from portal.extensions import db

from . import bp, limits, two_step
from .decorators import roles_required
from .forms import ConfirmResetForm, CouncilSignInForm, NewRecoveryCodesForm, SetUpTwoStepForm, TurnOffTwoStepForm
from .models import COUNCIL_ROLES, Role, User
from .signed_in_user import account_of

#: the secret being set up, kept (encrypted) in the session so reloading the page keeps the same QR code
NEW_SECRET = "two_step_new_secret"
#: recovery codes just made, kept (encrypted) in the session until the page that shows them once
FRESH_CODES = "two_step_fresh_codes"
CODE_PARAMS = {"code": {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": False,
                        "classes": "govuk-input--width-10"}}


def _me() -> User:
    return account_of(current_user._get_current_object())


def _refused_while_limited():
    wait = limits.wait_minutes(limits.account_key(current_user.email), "code")
    if wait:
        abort(429, limits.limit_message("code", wait))


def _count_failure(kind: str) -> None:
    db.session.rollback()
    limits.record_failure(limits.account_key(current_user.email), kind)
    db.session.commit()


def _show_codes_once(codes: list[str]):
    session[FRESH_CODES] = two_step.encrypt(json.dumps(codes))
    return redirect(url_for("auth.two_step_recovery_codes"))


@bp.route("/account/two-step")
@roles_required(*COUNCIL_ROLES)
def two_step_page():
    user = _me()
    left = two_step.recovery_codes_left(user) if user.two_step_on else None
    return render_template("auth/two_step.html", title="Two-step verification", user=user, codes_left=left)


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@roles_required(*COUNCIL_ROLES)
def two_step_setup():
    user = _me()
    if user.two_step_on:
        flash("Two-step verification is already on for your account.", "info")
        return redirect(url_for("auth.two_step_page"))
    secret = two_step.decrypt(session.get(NEW_SECRET) or "")
    if secret is None:
        secret = two_step.new_secret()
        session[NEW_SECRET] = two_step.encrypt(secret)
    form = SetUpTwoStepForm()
    if form.validate_on_submit():
        _refused_while_limited()
        try:
            codes = two_step.turn_on(user, secret, form.code.data)
        except two_step.CodeRefused as error:
            _count_failure("code")
            form.add_error(str(error), "code")
        except DomainError as error:
            db.session.rollback()
            form.add_error(str(error), "code")
        else:
            db.session.commit()
            session.pop(NEW_SECRET, None)
            login_user(user)  # the session id changes with two-step; other sessions of this person end
            flash("Two-step verification is on. You will be asked for a code from your app each time you sign in.",
                  "success")
            return _show_codes_once(codes)
    return render_template("auth/two_step_setup.html", title="Set up two-step verification", form=form, user=user,
                           qr_code=two_step.qr_code_data_uri(user, secret), key=two_step.grouped(secret),
                           issuer=two_step.issuer(), field_params=CODE_PARAMS)


@bp.route("/account/two-step/recovery-codes")
@roles_required(*COUNCIL_ROLES)
def two_step_recovery_codes():
    token = session.pop(FRESH_CODES, None)
    plain = two_step.decrypt(token) if token else None
    codes = json.loads(plain) if plain else None
    response = current_app.make_response(render_template(
        "auth/two_step_recovery_codes.html", title="Your recovery codes", codes=codes,
        two_step_on=current_user.two_step_on))
    response.headers["Cache-Control"] = "no-store"  # shown once: not kept in the browser's cache either
    return response


def _needs_two_step_on():
    if not current_user.two_step_on:
        flash("Two-step verification is off for your account. Set it up first.", "info")
        return redirect(url_for("auth.two_step_page"))
    return None


@bp.route("/account/two-step/new-recovery-codes", methods=["GET", "POST"])
@roles_required(*COUNCIL_ROLES)
def two_step_new_codes():
    if (refused := _needs_two_step_on()) is not None:
        return refused
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        _refused_while_limited()
        try:
            codes = two_step.new_recovery_codes(_me(), form.code.data)
        except two_step.CodeRefused as error:
            _count_failure("code")
            form.add_error(str(error), "code")
        else:
            db.session.commit()
            flash("You have new recovery codes. The old ones no longer work.", "success")
            return _show_codes_once(codes)
    return render_template("form_page.html", form=form, title="Make new recovery codes",
                           back_url=url_for("auth.two_step_page"), field_params=CODE_PARAMS,
                           intro="Your old recovery codes will stop working. To confirm it is you, enter the code "
                                 "your authenticator app shows now.")


@bp.route("/account/two-step/turn-off", methods=["GET", "POST"])
@roles_required(*COUNCIL_ROLES)
def two_step_turn_off():
    if (refused := _needs_two_step_on()) is not None:
        return refused
    user = _me()
    form = TurnOffTwoStepForm()
    if form.validate_on_submit():
        _refused_while_limited()
        wait = limits.wait_minutes(limits.account_key(user.email), "password")
        if wait:
            abort(429, limits.limit_message("password", wait))
        try:
            two_step.turn_off(user, form.password.data, form.code.data)
        except two_step.WrongPassword as error:
            _count_failure("password")
            form.add_error(str(error), "password")
        except two_step.CodeRefused as error:
            _count_failure("code")
            form.add_error(str(error), "code")
        else:
            db.session.commit()
            login_user(user)
            if user.must_set_up_two_step:
                flash("Two-step verification is off. Your council requires it, so set it up again now, "
                      "for example on your new phone.", "info")
                return redirect(url_for("auth.two_step_setup"))
            flash("Two-step verification is off. You will sign in with your password only.", "success")
            return redirect(url_for("auth.two_step_page"))
    intro = "To confirm it is you, enter your password and the code your authenticator app shows now."
    if user.two_step_required:
        intro += ("\n\nYour council requires two-step verification for its staff: you will be asked to set it up "
                  "again straight away, for example with your new phone.")
    params = dict(CODE_PARAMS, password={"autocomplete": "current-password"})
    params["code"] = dict(CODE_PARAMS["code"], inputmode="text")  # a recovery code has letters
    params["submit"] = {"classes": "govuk-button--warning"}  # it makes the account less safe
    return render_template("form_page.html", form=form, title="Turn off two-step verification",
                           back_url=url_for("auth.two_step_page"), field_params=params, intro=intro)


# ---- a commissioner's council settings -----------------------------------------------------------------

@bp.route("/council/sign-in", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def council_sign_in():
    """The council's sign-in setting, and every member of its staff with whether they use two-step."""
    authority = current_user.authority
    form = CouncilSignInForm(data=None if request.method == "POST"
                             else {"require_two_step": authority.require_two_step_for_staff})
    if form.validate_on_submit():
        changed = two_step.set_council_requirement(authority, _me(), bool(form.require_two_step.data))
        db.session.commit()
        if changed and authority.require_two_step_for_staff:
            flash("Two-step verification is now required for council staff. Staff without it will set it up the "
                  "next time they open a page.", "success")
        elif changed:
            flash("Two-step verification is no longer required. Staff who use it keep it on.", "success")
        return redirect(url_for("auth.council_sign_in"))
    staff = db.paginate(
        select(User).where(User.authority_id == authority.id).order_by(func.lower(User.name), User.id),
        page=request.args.get("page", 1, type=int), per_page=current_app.config.get("PAGE_SIZE", 50),
        error_out=True)
    return render_template("auth/council_sign_in.html", title="Sign-in settings", form=form, authority=authority,
                           page=staff, Role=Role)


@bp.route("/council/staff/<int:user_id>/reset-two-step", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def reset_two_step(user_id):
    staff = db.session.get(User, user_id)
    if staff is None or not two_step.may_reset(current_user, staff):
        abort(404)  # another council's people, providers and one's own account: not this page
    form = ConfirmResetForm()
    if form.validate_on_submit():
        carry_out(lambda: two_step.reset_by_commissioner(staff, _me()),
                  done=f"Two-step verification is reset for {staff.name}. We have emailed them.")
        return redirect(url_for("auth.council_sign_in"))
    return render_template("auth/reset_two_step.html", title=f"Reset two-step verification for {staff.name}",
                           staff=staff, form=form)
