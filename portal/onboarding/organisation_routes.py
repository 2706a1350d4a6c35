"""The provider's organisation pages: profile, CQC locations, colleagues and invitations. Thin wiring."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role, User
from portal.auth.sessions import signed_in
from portal.core import DomainError, NotAllowed, carry_out
from portal.extensions import db

from . import bp, colleagues, organisations
from .forms import AcceptInvitationForm, ConfirmForm, InviteForm, LocationForm, OrganisationForm
from .models import CQCRating, Invitation, Organisation, OrganisationLocation


def _own_organisation() -> Organisation:
    return db.session.scalar(
        select(Organisation).where(Organisation.id == current_user.organisation_id)
        .options(selectinload(Organisation.users), selectinload(Organisation.locations))
    )


def _owner_only(organisation: Organisation) -> None:
    if not organisation.can_manage_users(current_user):
        abort(403)


@bp.route("/organisation")
@roles_required(Role.provider)
def organisation():
    organisation = _own_organisation()
    invitations = []
    if organisation.can_manage_users(current_user):
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.organisation_id == organisation.id,
                                     Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc())
        ).all()
    return render_template("onboarding/organisation.html", title="Your organisation", organisation=organisation,
                           invitations=invitations, confirm=ConfirmForm())


@bp.route("/organisation/edit", methods=["GET", "POST"])
@roles_required(Role.provider)
def edit_organisation():
    organisation = _own_organisation()
    form = OrganisationForm(obj=organisation)
    if form.is_submitted() is False:
        form.cqc_rating.data = organisation.cqc_rating.value if organisation.cqc_rating else ""
    if form.validate_on_submit():
        if carry_out(lambda: organisations.update_profile(
                organisation, current_user,
                legal_name=form.legal_name.data, trading_name=form.trading_name.data or "",
                companies_house_number=form.companies_house_number.data or None,
                cqc_provider_id=form.cqc_provider_id.data or None,
                cqc_rating=CQCRating(form.cqc_rating.data) if form.cqc_rating.data else None,
                cqc_rating_date=form.cqc_rating_date.data, address=form.address.data, postcode=form.postcode.data,
                contact_name=form.contact_name.data, contact_email=form.contact_email.data,
                contact_phone=form.contact_phone.data or ""),
                form=form, field=lambda message: ("companies_house_number" if "Companies House" in message else
                                                  "cqc_provider_id" if "CQC" in message else
                                                  "postcode" if "postcode" in message else None),
                done="Your organisation's details are saved."):
            return redirect(url_for(".organisation"))
    return render_template("onboarding/organisation_edit.html", title="Change your organisation's details",
                           form=form, organisation=organisation)


def _own_location(location_id: int) -> OrganisationLocation:
    location = load_or_404(OrganisationLocation, location_id)
    if location.organisation_id != current_user.organisation_id:
        abort(404)
    return location


def _location_page(form, title):
    return render_template("form_page.html", form=form, title=title, back_url=url_for(".organisation"),
                           caption=signed_in().organisation,
                           intro="Add each place your organisation is registered with CQC to deliver care from.",
                           field_params={"cqc_location_id": {"classes": "govuk-input--width-20", "spellcheck": False}})


def _location_values(form) -> dict:
    return {"cqc_location_id": form.cqc_location_id.data, "name": form.name.data,
            "rating": CQCRating(form.rating.data) if form.rating.data else None, "rating_date": form.rating_date.data}


@bp.route("/organisation/locations/new", methods=["GET", "POST"])
@roles_required(Role.provider)
def new_location():
    organisation = _own_organisation()
    form = LocationForm()
    if form.validate_on_submit():
        if carry_out(lambda: organisations.add_location(organisation, current_user, **_location_values(form)),
                     form=form,
                     field=lambda message: "cqc_location_id" if "CQC" in message or "already" in message else None,
                     done=lambda _: f"{form.name.data} is added to your locations."):
            return redirect(url_for(".organisation"))
    return _location_page(form, "Add a CQC location")


@bp.route("/organisation/locations/<int:location_id>", methods=["GET", "POST"])
@roles_required(Role.provider)
def edit_location(location_id):
    location = _own_location(location_id)
    form = LocationForm(obj=location)
    if not form.is_submitted():
        form.rating.data = location.rating.value if location.rating else ""
    if form.validate_on_submit():
        if carry_out(lambda: organisations.update_location(location, current_user, **_location_values(form)),
                     form=form,
                     field=lambda message: "cqc_location_id" if "CQC" in message or "already" in message else None,
                     done=lambda _: f"{location.name} is saved."):
            return redirect(url_for(".organisation"))
    return _location_page(form, f"Change {location.name}")


@bp.route("/organisation/locations/<int:location_id>/remove", methods=["POST"])
@roles_required(Role.provider)
def remove_location(location_id):
    location = _own_location(location_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = location.name
    organisations.remove_location(location, current_user)
    db.session.commit()
    flash(f"{name} is removed from your locations.", "success")
    return redirect(url_for(".organisation"))


# ---- colleagues


@bp.route("/organisation/invite", methods=["GET", "POST"])
@roles_required(Role.provider)
def invite():
    organisation = _own_organisation()
    _owner_only(organisation)
    form = InviteForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: colleagues.invite_colleague(organisation, current_user, form.email.data),
                            form=form, field="email",
                            done=lambda sent: f"We have emailed an invitation to {sent[0].email}. The link works "
                                              "for 7 days.")
        if outcome:
            return redirect(url_for(".organisation"))
    return render_template("form_page.html", form=form, title="Invite a colleague", caption=organisation.legal_name,
                           back_url=url_for(".organisation"),
                           intro="Your colleague will be able to work on your organisation's applications and "
                                 "keep its details up to date. Only you can invite and remove colleagues.")


@bp.route("/organisation/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles_required(Role.provider)
def revoke_invitation(invitation_id):
    invitation = load_or_404(Invitation, invitation_id)
    if not invitation.belongs_to(current_user):
        abort(404)
    _owner_only(invitation.organisation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    carry_out(lambda: colleagues.revoke_invitation(invitation, current_user),
              done=lambda _: f"The invitation to {invitation.email} is cancelled. The link in their email no "
                             "longer works.")
    return redirect(url_for(".organisation"))


@bp.route("/organisation/colleagues/<int:user_id>/remove", methods=["POST"])
@roles_required(Role.provider)
def remove_colleague(user_id):
    colleague = load_or_404(User, user_id)
    if colleague.organisation_id != current_user.organisation_id:
        abort(404)
    _owner_only(current_user.organisation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        colleagues.remove_colleague(colleague, current_user)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{colleague.name} is removed from your organisation and can no longer sign in.", "success")
    return redirect(url_for(".organisation"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """The invitee's page (no sign-in): set a name and password, then join the organisation."""
    invitation = colleagues.invitation_for_token(token)
    problem = colleagues.refusal(invitation)
    if problem:
        return render_template("onboarding/invitation_refused.html", title="You cannot use this invitation",
                               message=problem), 404 if invitation is None else 410
    if current_user.is_authenticated:
        return render_template("onboarding/invitation_refused.html", title="Sign out to accept this invitation",
                               message=f"You are signed in as {current_user.email}. Sign out, then open the link "
                                       f"in the email again to join {invitation.organisation.legal_name}."), 409
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: colleagues.accept_invitation(invitation, name=form.name.data,
                                                                 password=form.password.data),
                            form=form, field=lambda message: "name" if "name" in message else None,
                            done=f"Welcome. You have joined {invitation.organisation.legal_name}.")
        if outcome:
            login_user(outcome.value)
            return redirect(url_for(".dashboard"))
    return render_template("onboarding/accept_invitation.html", title=f"Join {invitation.organisation.legal_name}",
                           form=form, invitation=invitation)
