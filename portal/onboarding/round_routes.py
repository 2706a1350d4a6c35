"""The provider's round pages: questions and answers (clarifications), and following a purchasing system."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role
from portal.commissioning.models import PurchasingSystem, Round
from portal.core import carry_out
from portal.extensions import db

from . import bp, clarifications, notifications
from .forms import ClarificationForm, FollowForm
from .models import Application, Clarification, ClarificationStatus


@bp.route("/rounds/<int:round_id>/clarifications", methods=["GET", "POST"])
@roles_required(Role.provider)
def round_clarifications(round_id):
    round_ = db.session.scalar(select(Round).where(Round.id == round_id)
                               .options(selectinload(Round.system).selectinload(PurchasingSystem.authority)))
    if round_ is None:
        abort(404)
    form = ClarificationForm()
    if form.validate_on_submit():
        if carry_out(lambda: clarifications.ask_clarification(round_, current_user, form.question.data), form=form,
                     field="question",
                     done="Your question is sent to the council. You will see the answer on this page, and we "
                          "will email you."):
            return redirect(url_for(".round_clarifications", round_id=round_.id))
    own = db.session.scalars(
        select(Clarification).where(Clarification.round_id == round_.id,
                                    Clarification.organisation_id == current_user.organisation_id)
        .options(selectinload(Clarification.asked_by)).order_by(Clarification.asked_at.desc())).all()
    application = db.session.scalar(select(Application).filter_by(round_id=round_.id,
                                                                  organisation_id=current_user.organisation_id))
    return render_template("onboarding/clarifications.html", title="Questions and answers", round=round_,
                           published=clarifications.published_clarifications(round_.id), own=own, form=form,
                           application=application, ClarificationStatus=ClarificationStatus)


def _follow_action(system_id, action, message):
    from portal.auth.routes import _safe_next  # the one check of a "next" address (imported late: auth imports us)

    system = load_or_404(PurchasingSystem, system_id)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    action(system, current_user)
    db.session.commit()
    flash(message.format(title=system.title), "success")
    return redirect(_safe_next(form.next.data) or url_for(".dashboard"))


@bp.route("/systems/<int:system_id>/follow", methods=["POST"])
@roles_required(Role.provider)
def follow_system(system_id):
    return _follow_action(system_id, notifications.follow_system,
                          "You are following {title}. We will email you when a round opens.")


@bp.route("/systems/<int:system_id>/unfollow", methods=["POST"])
@roles_required(Role.provider)
def unfollow_system(system_id):
    return _follow_action(system_id, notifications.unfollow_system,
                          "You no longer follow {title}. We will not email you when its rounds open.")
