"""The commissioner's clarification pages: a round's questions (with who asked), and answering one."""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role
from portal.core import carry_out
from portal.extensions import db
from portal.onboarding import clarifications
from portal.onboarding.forms import AnswerClarificationForm
from portal.onboarding.models import Clarification, ClarificationStatus

from . import bp
from .models import Round


@bp.route("/rounds/<int:round_id>/clarifications")
@roles_required(Role.commissioner)
def round_clarifications(round_id):
    round_ = load_or_404(Round, round_id)
    if not round_.can_manage(current_user):
        abort(404)
    items = db.session.scalars(
        select(Clarification).where(Clarification.round_id == round_.id)
        .options(selectinload(Clarification.organisation), selectinload(Clarification.asked_by))
        .order_by(Clarification.status != ClarificationStatus.asked, Clarification.asked_at)).all()
    return render_template("commissioning/clarifications.html", title="Clarifications", round=round_,
                           clarifications=items, ClarificationStatus=ClarificationStatus)


@bp.route("/clarifications/<int:clarification_id>", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def answer_clarification(clarification_id):
    clarification = load_or_404(Clarification, clarification_id)
    if not clarification.can_manage(current_user):
        abort(404)
    form = AnswerClarificationForm()
    if not form.is_submitted():
        form.published_question.data = clarification.question
    if clarification.status is ClarificationStatus.asked and form.validate_on_submit():
        if carry_out(lambda: clarifications.answer_clarification(
                clarification, current_user, answer=form.answer.data, publish=form.audience.data == "all",
                published_question=form.published_question.data), form=form, field="answer",
                     done=lambda _: ("The answer is published to every applicant of the round, and they have been "
                                     "emailed." if clarification.status is ClarificationStatus.published
                                     else f"The answer is sent to {clarification.organisation.legal_name} only.")):
            return redirect(url_for(".round_clarifications", round_id=clarification.round_id))
    return render_template("commissioning/clarification.html", title="Answer a clarification",
                           clarification=clarification, form=form, ClarificationStatus=ClarificationStatus)
