"""The evaluator's, panel member's and moderator's pages: thin wiring to evaluation services."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role
from portal.clock import add_working_days
from portal.commissioning.models import Round, RoundStatus
from portal.core import DomainError, carry_out
from portal.extensions import db
from portal.kept import stamp
from portal.onboarding.models import Application

from . import bp, loading, markup, services
from . import kept as kept_content
from .forms import (chosen_pass, chosen_score, conflict_form, moderation_form, scoring_form, shown_moderation_form,
                    shown_scoring_form)
from .models import Assignment, ConflictDeclaration, ModeratedScore, ModeratedStandard
from .deadlines import evaluation_clock
from .results import application_results, automatic_standard_result
from .work_list import work_list_body

EVALUATION_WORKING_DAYS = 10


def evaluation_deadline(round_):
    """PCR 2015 reg 34: decide within 10 working days of the round's close."""
    return add_working_days(round_.closes_at, EVALUATION_WORKING_DAYS)


@bp.route("/")
@roles_required(Role.evaluator, Role.panel_member)
def work_list():
    """The evaluator's assignments, newest round first, a page at a time (a national DPS gives thousands)."""
    body = work_list_body(current_user, request.args.get("page", 1, type=int), current_app.config.get("PAGE_SIZE", 50))
    return render_template("evaluation/work_list.html", title="Your evaluations", work_list=body)


@bp.route("/rounds/<int:round_id>/conflicts", methods=["GET", "POST"])
@roles_required(Role.evaluator, Role.panel_member)
def conflicts(round_id):
    round_ = load_or_404(Round, round_id)
    assignments = db.session.scalars(
        select(Assignment).join(Application).where(Assignment.evaluator_id == current_user.id,
                                                   Application.round_id == round_.id,
                                                   Assignment.ended_at.is_(None))).all()
    if not assignments or round_.bids_sealed:
        # before close nobody at the council may learn who applied
        abort(404)
    organisations = sorted({a.application.organisation for a in assignments}, key=lambda o: o.legal_name)
    already = {d.organisation_id for d in db.session.scalars(select(ConflictDeclaration).filter_by(
        round_id=round_.id, evaluator_id=current_user.id))}
    pending = [o for o in organisations if o.id not in already]
    form = conflict_form(pending, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        declarations, missing = {}, False
        for organisation in pending:
            answer = getattr(form, f"interest_{organisation.id}").data
            details = getattr(form, f"details_{organisation.id}").data or ""
            if answer not in ("yes", "no"):
                form.add_error(f"Answer whether you have any interest in {organisation.legal_name}",
                               f"interest_{organisation.id}")
                missing = True
            elif answer == "yes" and not details.strip():
                form.add_error(f"Give details of your interest in {organisation.legal_name}",
                               f"details_{organisation.id}")
                missing = True
            declarations[organisation.id] = (answer == "yes", details)
        if not missing:
            if carry_out(lambda: services.declare_conflicts(round_, current_user, declarations), form=form,
                         done="Your declarations are recorded."):
                return redirect(url_for(".work_list"))
    return render_template("evaluation/conflicts.html", title="Declare any conflicts of interest", round=round_,
                           form=form, pending=pending)


def _evaluators_assignment(assignment_id) -> Assignment:
    """The signed-in evaluator's assignment with its application's round, system and organisation; 404 if it is
    not theirs."""
    assignment = loading.assignment(assignment_id)
    if assignment is None or not assignment.belongs_to(current_user):
        abort(404)
    return assignment


def _own_assignment(assignment_id) -> Assignment:
    """The signed-in evaluator's assignment, with everything the scoring page shows loaded at once."""
    assignment = _evaluators_assignment(assignment_id)
    _load_for_scoring(assignment)
    return assignment


def _load_for_scoring(assignment, *, answers: bool = True) -> None:
    """Everything the scoring page shows and its services read, loaded at once (the answers as objects unless the
    page reads them as plain rows)."""
    loading.load_content(assignment.application, documents=True, answers=answers)
    loading.load_work([assignment])


def _application_for_moderation(application_id) -> Application:
    """The application with its round, system and organisation; 404 if there is none."""
    application = loading.application(application_id)
    if application is None:
        abort(404)
    return application


def _load_for_moderation(application) -> None:
    """The application's content (its answers read as plain rows by the page) and every evaluator's scores and
    assessments, loaded at once."""
    loading.load_content(application, answers=False)
    loading.load_assignments(application)


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.evaluator, Role.panel_member)
def score(assignment_id):
    assignment = _evaluators_assignment(assignment_id)
    if not assignment.can_read(current_user):
        if assignment.conflict() is None and not assignment.application.round.bids_sealed:
            return redirect(url_for(".conflicts", round_id=assignment.application.round_id))
        abort(403)
    application = assignment.application
    title = f"Score {application.organisation.legal_name}"
    key, at = ("score", assignment.id), None
    if request.method == "GET" and not assignment.as_panel:
        # the page's content is kept while nothing it shows can have changed (evaluation/kept.py)
        at = stamp(application.round.system.authority_id, application.organisation.legal_name)
        body = kept_content.kept(key, at)
        if body is not None:
            return render_template("evaluation/score.html", title=title, body=body)
    # the panel's pages read the answers as objects; this page shows them from plain rows
    _load_for_scoring(assignment, answers=assignment.as_panel)
    if assignment.as_panel and request.method == "GET":
        from .panel_routes import first_answer_page
        return first_answer_page(assignment)
    # a GET writes the saved scores without binding a WTForms form; a POST binds and validates it
    form = scoring_form(assignment, request.form) if request.method == "POST" else shown_scoring_form(assignment)
    if request.method == "POST" and not assignment.is_submitted and form.validate():
        if _save_scores(assignment, form) and form.submit_all.data:
            if carry_out(lambda: services.submit_assignment(assignment, current_user), form=form,
                         done="Your scores are submitted. Thank you."):
                return redirect(url_for(".score", assignment_id=assignment.id))
        elif not form.errors:
            flash("Your scores are saved. Submit them when you have scored every answer.", "success")
            return redirect(url_for(".score", assignment_id=assignment.id))
    others = []
    if assignment.is_submitted and not assignment.as_panel:
        others = db.session.scalars(
            select(Assignment).where(Assignment.application_id == application.id, Assignment.id != assignment.id,
                                     Assignment.submitted_at.is_not(None))
            .options(joinedload(Assignment.evaluator), selectinload(Assignment.scores))
            .order_by(Assignment.id)
        ).all()
    template = "evaluation/score_panel.html" if assignment.as_panel else "evaluation/score.html"
    context = dict(title=title, assignment=assignment, application=application, form=form, others=others,
                   answers=None if assignment.as_panel else loading.answer_texts(application.id),
                   answer_of=markup.answer_of,
                   deadline=evaluation_deadline(application.round),
                   clock=evaluation_clock(application.round, application),
                   automatic_standard_result=automatic_standard_result,
                   scoring_questions=markup.scoring_questions, scoring_standards=markup.scoring_standards,
                   evaluation_clock=markup.evaluation_clock)
    if assignment.as_panel:
        return render_template(template, **context)
    # the page's content as its template wrote it (autoescaped), placed in the layout
    body = Markup(render_template("evaluation/_score_body.html", **context))  # nosec B704
    if at is not None:
        body = kept_content.keep(key, at, body, application.round.closes_at)
    # the layout writes the error summary from the form
    return render_template(template, title=title, form=form, body=body)


def _save_scores(assignment, form) -> bool:
    """Save every score the evaluator has filled in; put each refusal against its field."""
    ok = True
    for question in assignment.questions():
        score = chosen_score(getattr(form, f"score_{question.id}").data)
        justification = getattr(form, f"justification_{question.id}").data or ""
        if score is None and not justification.strip():
            continue
        try:
            services.record_score(assignment, question, current_user, score=score, justification=justification)
        except DomainError as error:
            form.add_error(str(error), f"score_{question.id}" if "score" in str(error).lower()[:20] else f"justification_{question.id}")
            ok = False
    for standard in assignment.standards():
        if standard.kind.is_automatic:
            continue
        passed = chosen_pass(getattr(form, f"standard_{standard.id}").data)
        reason = getattr(form, f"reason_{standard.id}").data or ""
        if passed is None and not reason.strip():
            continue
        try:
            services.record_standard_assessment(assignment, standard, current_user, passed=passed, reason=reason)
        except DomainError as error:
            form.add_error(str(error), f"standard_{standard.id}" if passed is None else f"reason_{standard.id}")
            ok = False
    if ok:
        db.session.commit()
    else:
        db.session.rollback()
    return ok


_MODERATED_SCORES = select(ModeratedScore).where(ModeratedScore.application_id == bindparam("id"))
_MODERATED_STANDARDS = select(ModeratedStandard).where(ModeratedStandard.application_id == bindparam("id"))


@bp.route("/applications/<int:application_id>/moderation", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def moderate(application_id):
    application = _application_for_moderation(application_id)
    if not application.round.can_manage(current_user) or not application.can_view(current_user):
        abort(404)
    title = f"Moderate {application.organisation.legal_name}"
    posted = request.method == "POST"
    key, at = ("moderate", application.id), None
    if not posted:
        # the page's content is kept while nothing it shows can have changed (evaluation/kept.py)
        at = stamp(application.round.system.authority_id, application.organisation.legal_name)
        body = kept_content.kept(key, at)
        if body is not None:
            return render_template("evaluation/moderate.html", title=title, application=application, body=body)
    _load_for_moderation(application)
    moderated_scores = {m.question_id: m for m in db.session.scalars(_MODERATED_SCORES, {"id": application.id})}
    moderated_standards = {m.standard_id: m for m in db.session.scalars(_MODERATED_STANDARDS, {"id": application.id})}
    form = (moderation_form(application, moderated_scores, moderated_standards, request.form) if posted
            else shown_moderation_form(application, moderated_scores, moderated_standards))
    # the version of each agreed value the form was loaded with: a save from an older form is refused
    versions = loaded_versions(application, moderated_scores, moderated_standards, request.form if posted else None)
    conflicts = {}
    if posted and form.validate():
        conflicts = _save_moderation(application, form, versions)
        if not form.errors and not form.form_errors:
            db.session.commit()
            flash("Agreed scores saved.", "success")
            return redirect(url_for(".moderate", application_id=application.id))
    results = application_results(application, list(moderated_scores.values()), list(moderated_standards.values()))
    ready = application.current_assignments and all(a.is_submitted for a in application.current_assignments)
    # the page's content as its template wrote it (autoescaped), placed in the layout
    body = Markup(render_template(  # nosec B704
        "evaluation/_moderate_body.html", title=title, application=application, form=form, results=results,
        ready=ready, versions=versions, conflicts=conflicts, clock=evaluation_clock(application.round, application),
        moderated_scores=moderated_scores, answers=loading.answer_texts(application.id),
        automatic_standard_result=automatic_standard_result,
        moderation_questions=markup.moderation_questions, moderation_standards=markup.moderation_standards,
        evaluation_clock=markup.evaluation_clock, can_edit=application.round.status is RoundStatus.in_evaluation))
    if at is not None:
        body = kept_content.keep(key, at, body, application.round.closes_at)
    # the layout writes the error summary from the form
    return render_template("evaluation/moderate.html", title=title, application=application, form=form, body=body)


def loaded_versions(application, moderated_scores, moderated_standards, formdata=None) -> dict[str, int]:
    """{field name: version} of every agreed value: from the database on a GET, from the form on a POST."""
    versions = {}
    for lot in application.chosen_lots():
        for question in lot.questions:
            m = moderated_scores.get(question.id)
            versions[f"version_{question.id}"] = m.version if m else 0
        for standard in lot.standards:
            if not standard.kind.is_automatic:
                m = moderated_standards.get(standard.id)
                versions[f"version_standard_{standard.id}"] = m.version if m else 0
    if formdata is not None:
        for name in versions:
            versions[name] = formdata.get(name, 0, type=int)
    return versions


def _save_moderation(application, form, versions) -> dict:
    """Save every agreed value filled in, all or nothing; put each refusal against its field.

    Returns {field name: what another moderator saved} for the answers saved by someone else since the
    form was loaded; the form then carries their version, so saving again replaces theirs on purpose.
    """
    conflicts = {}
    try:
        services.check_can_moderate(application, current_user)
    except DomainError as error:
        form.add_error(str(error))
        return conflicts
    try:
        for lot in application.chosen_lots():
            for question in lot.questions:
                score = chosen_score(getattr(form, f"score_{question.id}").data)
                rationale = getattr(form, f"rationale_{question.id}").data or ""
                if score is None and not rationale.strip():
                    continue
                try:
                    services.moderate_question(application, question, current_user, score=score, rationale=rationale,
                                               expected_version=versions[f"version_{question.id}"])
                except services.ModerationConflict as conflict:
                    conflicts[f"score_{question.id}"] = conflict.saved
                    versions[f"version_{question.id}"] = conflict.saved["version"]
                    form.add_error(str(conflict), f"score_{question.id}")
                except DomainError as error:
                    message = str(error)
                    form.add_error(message, f"score_{question.id}" if message.startswith("Choose")
                                   else f"rationale_{question.id}")
            for standard in lot.standards:
                if standard.kind.is_automatic:
                    continue
                passed = chosen_pass(getattr(form, f"standard_{standard.id}").data)
                rationale = getattr(form, f"rationale_standard_{standard.id}").data or ""
                if passed is None and not rationale.strip():
                    continue
                try:
                    services.moderate_standard(application, standard, current_user, passed=passed,
                                               rationale=rationale,
                                               expected_version=versions[f"version_standard_{standard.id}"])
                except services.ModerationConflict as conflict:
                    conflicts[f"standard_{standard.id}"] = conflict.saved
                    versions[f"version_standard_{standard.id}"] = conflict.saved["version"]
                    form.add_error(str(conflict), f"standard_{standard.id}")
                except DomainError as error:
                    form.add_error(str(error), f"standard_{standard.id}" if passed is None
                                   else f"rationale_standard_{standard.id}")
    except (IntegrityError, StaleDataError):
        # another moderator's save landed between our read and our write: keep nothing, ask to look again
        form.add_error("Another moderator saved agreed scores for this application at the same moment. "
                       "Nothing of yours was saved; your answers are kept below. Reload the page to see theirs, "
                       "then save again.")
    if form.errors or form.form_errors:
        db.session.rollback()
    return conflicts
