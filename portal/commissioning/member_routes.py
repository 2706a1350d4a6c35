"""The commissioner's pages for a call-off list's members: the list, one member's page and history, and
suspending, reinstating and removing. Thin wiring to commissioning.members."""
from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.auth.decorators import roles_required
from portal.auth.models import Role
from portal.core import carry_out
from portal.extensions import db
from portal.onboarding.models import Organisation

from . import bp, member_import, members
from .member_forms import ImportConfirmForm, ImportUploadForm, ReinstateForm, RemoveForm, SuspendForm
from .models import ChangeCategory, Lot, Membership, MembershipChange, MembershipStatus, MembershipZone, PurchasingSystem, today
from .routes import _managed


def _status_choice() -> MembershipStatus | None:
    """The status asked for in the address; anything else means every status."""
    try:
        return MembershipStatus(request.args.get("status", ""))
    except ValueError:
        return None


@bp.route("/systems/<int:system_id>/members")
@roles_required(Role.commissioner)
def members_list(system_id):
    """Every member of a system's call-off list whatever its status, a page at a time."""
    system = _managed(PurchasingSystem, system_id)
    status = _status_choice()
    day = today()
    stmt = (
        select(Membership)
        .join(Membership.lot).join(Membership.organisation)
        .where(Membership.system_id == system.id)
        .options(contains_eager(Membership.lot), contains_eager(Membership.organisation),
                 selectinload(Membership.zones).joinedload(MembershipZone.zone))
        .order_by(Lot.number, func.lower(Organisation.legal_name), Membership.id)
    )
    if status is not None:
        stmt = stmt.where(Membership.status_is(status, day))
    counts = dict(db.session.execute(
        select(Membership.status, func.count()).where(Membership.system_id == system.id).group_by(Membership.status)
    ).all())
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config.get("PAGE_SIZE", 50), error_out=True)
    return render_template("commissioning/members.html", title=f"{system.title}: members", system=system, page=page,
                           status=status, statuses=list(MembershipStatus), counts=counts, today=day,
                           filter_args={"status": status.value} if status else {})


@bp.route("/members/<int:membership_id>")
@roles_required(Role.commissioner)
def member(membership_id):
    """One member: its lot, zones and rates, status, and every change with when, who, from, to and why."""
    membership = db.session.scalar(
        select(Membership).where(Membership.id == membership_id)
        .options(joinedload(Membership.organisation), joinedload(Membership.lot), joinedload(Membership.system),
                 selectinload(Membership.zones).joinedload(MembershipZone.zone),
                 selectinload(Membership.history).joinedload(MembershipChange.changed_by))
    )
    if membership is None or not membership.can_manage(current_user):
        abort(404)
    return render_template("commissioning/member.html", title=membership.organisation.legal_name,
                           membership=membership, status=membership.effective_status(), today=today(),
                           MembershipStatus=MembershipStatus)


def _change_page(membership_id, form, action, title, intro, done):
    membership = _managed(Membership, membership_id)
    if form.validate_on_submit():
        kwargs = {"category": ChangeCategory(form.category.data), "reason": form.reason.data}
        if hasattr(form, "until"):
            kwargs["until"] = form.until.data
        if carry_out(lambda: action(membership, current_user, **kwargs), form=form,
                     field=lambda message: "until" if "last day" in message else None,
                     done=lambda _: done.format(name=membership.organisation.legal_name)):
            return redirect(url_for(".member", membership_id=membership.id))
    return render_template("form_page.html", form=form, title=title, caption=membership.name, intro=intro,
                           back_url=url_for(".member", membership_id=membership.id),
                           field_params=_legends(form))


def _legends(form) -> dict:
    """Fieldset legends for the radios and the date: a params "legend" replaces the widget's, text included."""
    params = {"category": {"fieldset": {"legend": {"text": form.category.label.text,
                                                   "classes": "govuk-fieldset__legend--m"}}}}
    if hasattr(form, "until"):
        params["until"] = {"fieldset": {"legend": {"text": form.until.label.text,
                                                   "classes": "govuk-fieldset__legend--s"}}}
    return params


@bp.route("/members/<int:membership_id>/suspend", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def suspend_member(membership_id):
    return _change_page(membership_id, SuspendForm(), members.suspend_membership, "Suspend a provider",
                        "A suspended provider leaves the public call-off list at once and cannot be called off.",
                        "{name} is suspended and no longer on the public call-off list.")


@bp.route("/members/<int:membership_id>/reinstate", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def reinstate_member(membership_id):
    return _change_page(membership_id, ReinstateForm(), members.reinstate_membership, "Reinstate a provider",
                        "The provider goes back on the public call-off list at once.",
                        "{name} is reinstated and back on the public call-off list.")


@bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def remove_member(membership_id):
    return _change_page(membership_id, RemoveForm(), members.remove_membership, "Remove a provider from the list",
                        "Removal is final: the provider can only come back by applying in a new round. "
                        "Its history is kept.",
                        "{name} is removed from the call-off list.")


MAX_IMPORT_BYTES = 2 * 1024 * 1024


@bp.route("/systems/<int:system_id>/members/import", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def import_members(system_id):
    """Upload a CSV of providers from an earlier framework; the answer is a preview, nothing is stored."""
    system = _managed(PurchasingSystem, system_id)
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        if not upload or not upload.filename:
            form.add_error("Select a CSV file", "file")
        elif len(data) > MAX_IMPORT_BYTES:
            form.add_error("The file must be smaller than 2 MB. Split it into smaller files", "file")
        elif not upload.filename.lower().endswith(".csv"):
            form.add_error("The file must be a CSV file. In Excel, use Save As and choose CSV UTF-8", "file")
        else:
            text = member_import.decode(data)
            preview = member_import.preview_import(system, current_user, text)
            confirm = ImportConfirmForm(formdata=None, data={"csv_text": text, "source": upload.filename})
            return render_template("commissioning/import_preview.html", title="Check the providers to add",
                                   system=system, preview=preview, confirm=confirm, source=upload.filename)
    return render_template("commissioning/import.html", title="Add providers from an earlier framework",
                           system=system, form=form, columns=member_import.COLUMNS)


@bp.route("/systems/<int:system_id>/members/import/template.csv")
@roles_required(Role.commissioner)
def import_template(system_id):
    system = _managed(PurchasingSystem, system_id)
    response = Response(member_import.template_csv(), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"{system.slug}-providers-to-add.csv")
    return response


@bp.route("/systems/<int:system_id>/members/import/confirm", methods=["POST"])
@roles_required(Role.commissioner)
def confirm_import(system_id):
    """Store every row of the checked file, or nothing: the file is checked again first."""
    system = _managed(PurchasingSystem, system_id)
    confirm = ImportConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    source = confirm.source.data or "the uploaded file"
    if not carry_out(lambda: member_import.confirm_import(system, current_user, confirm.csv_text.data, source=source),
                     done=lambda created: f"{len(created)} provider{'s' if len(created) != 1 else ''} added to the "
                                          "call-off list as direct awards."):
        preview = member_import.preview_import(system, current_user, confirm.csv_text.data)
        return render_template("commissioning/import_preview.html", title="Check the providers to add",
                               system=system, preview=preview, confirm=confirm, source=source)
    return redirect(url_for(".members_list", system_id=system.id))
