"""The service-user panel member's own view: one answer a page, plain words, a picture-and-word
scale, a larger-text choice; only the panel questions and the provider's name, nothing commercial
or personal (no rates, documents, addresses or contact details)."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.decorators import roles_required
from portal.auth.models import Role
from portal.core import DomainError
from portal.extensions import db

from . import bp, services
from .deadlines import evaluation_clock
from .forms import chosen_score
from .manage_forms import PanelAnswerForm
from .panel import panel_scale, words_for
from .routes import _own_assignment


def _panel_assignment(assignment_id):
    """The signed-in panel member's readable assignment, or the right refusal."""
    assignment = _own_assignment(assignment_id)
    if not assignment.as_panel:
        abort(404)
    if not assignment.can_read(current_user):
        if assignment.conflict() is None and not assignment.application.round.bids_sealed and assignment.is_current:
            return None, redirect(url_for(".conflicts", round_id=assignment.application.round_id))
        abort(403)
    return assignment, None


def _answered(application, question) -> bool:
    answer = application.answer_for(question)
    return bool(answer and (answer.text or "").strip())


def first_answer_page(assignment):
    """Where a panel member lands: the first answer not yet scored, or the check page.

    A redirect, not the page itself: the answer page's form posts back to its own address, and the
    assignment's address takes the officers' form.
    """
    questions = assignment.questions()
    for number, question in enumerate(questions, start=1):
        if assignment.score_for(question) is None:
            return redirect(url_for(".panel_answer", assignment_id=assignment.id, number=number))
    return redirect(url_for(".panel_check", assignment_id=assignment.id))


@bp.route("/assignments/<int:assignment_id>/answers/<int:number>", methods=["GET", "POST"])
@roles_required(Role.panel_member)
def panel_answer(assignment_id, number):
    assignment, refusal = _panel_assignment(assignment_id)
    return refusal or panel_answer_view(assignment, number)


def panel_answer_view(assignment, number):
    questions = assignment.questions()
    if not 1 <= number <= len(questions):
        abort(404)
    question = questions[number - 1]
    application = assignment.application
    system = application.round.system
    answered = _answered(application, question)
    scale = panel_scale(system, answered=answered)
    form = PanelAnswerForm()
    form.score.choices = [(str(p.score), p.words) for p in scale]
    existing = assignment.score_for(question)
    if request.method == "GET" and existing is not None:
        form.score.data, form.reason.data = str(existing.score), existing.justification
    if request.method == "POST" and not assignment.is_submitted and form.validate_on_submit():
        score = chosen_score(form.score.data)
        reason = form.reason.data or ""
        if score is not None or reason.strip():
            if score is None:
                form.add_error("Choose how good the answer is", "score")
            elif score not in {p.score for p in scale}:
                form.add_error("Choose one of the answers shown", "score")
            else:
                try:
                    services.record_score(assignment, question, current_user, score=score, justification=reason)
                except DomainError as error:
                    db.session.rollback()
                    if "justification" in str(error):
                        form.add_error(f"Write a few words about why you chose that (at least "
                                       f"{services.MIN_PANEL_JUSTIFICATION} letters)", "reason")
                    else:
                        form.add_error(str(error))
                else:
                    db.session.commit()
        if not form.errors:
            if form.previous.data and number > 1:
                return redirect(url_for(".panel_answer", assignment_id=assignment.id, number=number - 1))
            if number < len(questions):
                return redirect(url_for(".panel_answer", assignment_id=assignment.id, number=number + 1))
            return redirect(url_for(".panel_check", assignment_id=assignment.id))
    return render_template("evaluation/panel_answer.html", title=f"Answer {number} of {len(questions)}",
                           assignment=assignment, application=application, question=question, number=number,
                           total=len(questions), answer=application.answer_for(question), answered=answered,
                           scale=scale, form=form, chosen=words_for(system, existing.score, answered=answered)
                           if existing else "", clock=evaluation_clock(application.round, application))


@bp.route("/assignments/<int:assignment_id>/check", methods=["GET", "POST"])
@roles_required(Role.panel_member)
def panel_check(assignment_id):
    assignment, refusal = _panel_assignment(assignment_id)
    return refusal or panel_check_view(assignment)


def panel_check_view(assignment):
    from .forms import BaseForm, SubmitButton

    class SubmitForm(BaseForm):
        submit = SubmitButton("Send my scores")

    form = SubmitForm()
    if request.method == "POST" and not assignment.is_submitted and form.validate_on_submit():
        try:
            services.submit_assignment(assignment, current_user)
        except DomainError as error:
            db.session.rollback()
            form.add_error(str(error).replace("Before submitting, score question", "Before sending, score answer"))
        else:
            db.session.commit()
            flash("Thank you. Your scores are sent.", "success")
            return redirect(url_for(".panel_check", assignment_id=assignment.id))
    application = assignment.application
    system = application.round.system
    rows = []
    for number, question in enumerate(assignment.questions(), start=1):
        score = assignment.score_for(question)
        words = words_for(system, score.score, answered=_answered(application, question)) if score else ""
        rows.append((number, question, score, words))
    return render_template("evaluation/panel_check.html", title="Check your scores", assignment=assignment,
                           application=application, rows=rows, form=form,
                           ready=all(score for _, _, score, _ in rows),
                           clock=evaluation_clock(application.round, application))


@bp.route("/larger-text", methods=["POST"])
@roles_required(Role.evaluator, Role.panel_member)
def larger_text():
    """Turn larger text on or off for this person; remembered on their account."""
    from .forms import BaseForm

    if not BaseForm().validate_on_submit():
        abort(400)
    current_user.larger_text = not current_user.larger_text
    db.session.commit()
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for(".work_list")
    return redirect(target)
