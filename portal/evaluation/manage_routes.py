"""The commissioner's evaluation pages: assigning in bulk or per application, moving work,
deciding declared interests, the conflicts register, the deadline, panel questions, consistency."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role, User
from portal.commissioning.models import Round, RoundStatus, Scorer
from portal.core import DomainError, carry_out
from portal.documents.csv_download import csv_download
from portal.extensions import db
from portal.onboarding.models import Application

from . import assigning, bp, conflicts, deadlines
from .consistency import evaluator_consistency
from .manage_forms import (
    AddEvaluatorsForm,
    AssignRoundForm,
    DecideConflictForm,
    ExtendDeadlineForm,
    ReassignForm,
    panel_questions_form,
)
from .models import Assignment, ConflictDeclaration, ConflictDecision


def _managed_round(round_id) -> Round:
    round_ = load_or_404(Round, round_id)
    if not round_.can_manage(current_user):
        abort(404)
    return round_


def _managed_application(application_id) -> Application:
    application = db.session.scalar(
        select(Application).where(Application.id == application_id)
        .options(joinedload(Application.organisation),
                 selectinload(Application.assignments).options(
                     joinedload(Assignment.evaluator), joinedload(Assignment.ended_by),
                     selectinload(Assignment.scores))))
    if application is None or not application.round.can_manage(current_user) or application.round.bids_sealed:
        abort(404)
    return application


def _scorers(authority_id, role=None):
    """The council's active evaluators and panel members (or one role of them), by role then name."""
    roles = [role] if role else [Role.evaluator, Role.panel_member]
    return db.session.scalars(
        select(User).where(User.authority_id == authority_id, User.role.in_(roles), User.active.is_(True))
        .order_by(User.role, User.name)).all()


def _round_back(round_):
    return url_for("commissioning.round", round_id=round_.id)


def assign_round_page(round_: Round):
    """Assign evaluators to a closed round: a team for every application (of a lot), or spread evenly."""
    staff = _scorers(round_.system.authority_id)
    form = AssignRoundForm()
    form.evaluators.choices = [(u.id, f"{u.name} ({u.role.label})") for u in staff]
    form.lot.choices = [("", "Every application in the round")] + [
        (str(lot.id), f"Applications for {lot.name}") for lot in round_.system.lots]
    if form.validate_on_submit():
        chosen = [u for u in staff if u.id in (form.evaluators.data or [])]
        lot = next((lot for lot in round_.system.lots if str(lot.id) == form.lot.data), None)

        def assign():
            if form.how.data == "spread":
                if not form.per_application.data:
                    raise DomainError("Enter how many evaluators each application gets, for example 2.")
                return assigning.spread_evaluators(round_, current_user, chosen,
                                                   per_application=form.per_application.data, lot=lot)
            from .services import assign_evaluators
            return assign_evaluators(round_, current_user, chosen, lot=lot)

        if carry_out(assign, form=form,
                     field=lambda message: "per_application" if "how many" in message else "evaluators",
                     done=lambda created: f"{len(created)} assignments made."):
            return redirect(_round_back(round_))
    return render_template("form_page.html", form=form, title="Assign evaluators",
                           caption=f"{round_.system.title}: {round_.name}", back_url=_round_back(round_),
                           intro="Choose the evaluators, then how to share the applications between them. "
                                 "Assigning again adds only what is missing: nobody is assigned twice.",
                           field_params={"evaluators": {"fieldset": {"legend": {
                               "text": "Who will evaluate?", "classes": "govuk-fieldset__legend--m"}}},
                               "how": {"fieldset": {"legend": {"text": "How do you want to share the work?",
                                                               "classes": "govuk-fieldset__legend--m"}}},
                               "per_application": {"classes": "govuk-input--width-3", "inputmode": "numeric"}})


@bp.route("/applications/<int:application_id>/evaluators", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def application_evaluators(application_id):
    """Who evaluates one application: add evaluators, or move one's work to someone else."""
    application = _managed_application(application_id)
    round_ = application.round
    staff = _scorers(round_.system.authority_id)
    have = {a.evaluator_id for a in application.assignments}
    form = AddEvaluatorsForm()
    form.evaluators.choices = [(u.id, f"{u.name} ({u.role.label})") for u in staff if u.id not in have]
    if form.validate_on_submit():
        chosen = [u for u in staff if u.id in form.evaluators.data]
        outcome = carry_out(lambda: assigning.assign_to_application(application, current_user, chosen), form=form,
                            field="evaluators", done=lambda created: f"{len(created)} evaluators added.")
        if outcome:
            return redirect(url_for(".application_evaluators", application_id=application.id))
    return render_template("evaluation/application_evaluators.html", title=f"Evaluators of "
                           f"{application.organisation.legal_name}", application=application, round=round_,
                           form=form, can_change=round_.status in (RoundStatus.closed, RoundStatus.in_evaluation),
                           RoundStatus=RoundStatus)


@bp.route("/assignments/<int:assignment_id>/reassign", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def reassign(assignment_id):
    assignment = load_or_404(Assignment, assignment_id)
    application = _managed_application(assignment.application_id)
    role = Role.panel_member if assignment.as_panel else Role.evaluator
    taken = {a.evaluator_id for a in application.assignments}
    candidates = [u for u in _scorers(application.round.system.authority_id, role) if u.id not in taken]
    form = ReassignForm()
    form.to_evaluator.choices = [(u.id, u.name) for u in candidates]
    if form.validate_on_submit():
        to = next(u for u in candidates if u.id == form.to_evaluator.data)
        if carry_out(lambda: assigning.reassign(assignment, current_user, to, reason=form.reason.data), form=form,
                     field="to_evaluator",
                     done=lambda _: f"{assignment.evaluator.name}'s work on {application.organisation.legal_name} "
                                    f"has moved to {to.name}."):
            return redirect(url_for(".application_evaluators", application_id=application.id))
    kept = len(assignment.scores)
    intro = (f"{assignment.evaluator.name} stops evaluating {application.organisation.legal_name}; the person you "
             "choose starts afresh. ")
    intro += (f"The {kept} score{'s' if kept != 1 else ''} {assignment.evaluator.name} saved stay stored under their "
              "name but no longer count: they are not moderated and not in any figure." if kept else
              f"{assignment.evaluator.name} has saved no scores for it yet.")
    if not candidates:
        intro += "\n\nNobody else of the same kind is free to take this application. Add an evaluator's account first."
    return render_template("form_page.html", form=form, title="Move the work to another evaluator",
                           caption=f"{application.organisation.legal_name}: {assignment.evaluator.name}",
                           back_url=url_for(".application_evaluators", application_id=application.id), intro=intro)


@bp.route("/rounds/<int:round_id>/conflicts-register")
@roles_required(Role.commissioner)
def conflicts_register(round_id):
    """Every declaration of interest in the round, with its decision, who decided and when."""
    round_ = _managed_round(round_id)
    page = db.paginate(conflicts.register_page_query(round_), page=request.args.get("page", 1, type=int),
                       per_page=current_app.config.get("PAGE_SIZE", 50), error_out=True, count=True)
    return render_template("evaluation/conflicts_register.html", title="Conflicts of interest register",
                           round=round_, page=page)


@bp.route("/rounds/<int:round_id>/conflicts-register.csv")
@roles_required(Role.commissioner)
def conflicts_register_csv(round_id):
    round_ = _managed_round(round_id)
    today = clock.london(clock.now()).date().isoformat()
    slug = f"{round_.system.slug}-round-{round_.number}"
    return csv_download(conflicts.register_rows(round_), f"{slug}-conflicts-register-{today}.csv")


@bp.route("/declarations/<int:declaration_id>/decide", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def decide_conflict(declaration_id):
    declaration = load_or_404(ConflictDeclaration, declaration_id)
    round_ = _managed_round(declaration.round_id)
    staff = [u for u in _scorers(round_.system.authority_id, declaration.evaluator.role)
             if u.id != declaration.evaluator_id]
    form = DecideConflictForm()
    form.to_evaluator.choices = [(0, "Choose an evaluator")] + [(u.id, u.name) for u in staff]
    if form.validate_on_submit():
        decision = ConflictDecision(form.decision.data)
        to = next((u for u in staff if u.id == form.to_evaluator.data), None)
        if carry_out(lambda: conflicts.decide_conflict(declaration, current_user, decision=decision,
                                                       mitigation=form.mitigation.data, to_evaluator=to),
                     form=form, field=lambda message: ("mitigation" if "mitigation" in message else "to_evaluator"
                                                       if decision is ConflictDecision.reassigned else "decision"),
                     done="Decision recorded."):
            return redirect(url_for(".conflicts_register", round_id=round_.id))
    intro = (f"{declaration.evaluator.name} declared an interest in {declaration.organisation.legal_name} on "
             f"{clock.format_datetime(declaration.declared_at)}:\n\n“{declaration.details}”\n\n"
             "Until you decide, they cannot read or score this provider's application.")
    if declaration.decision is not None:
        intro += f"\n\nAlready decided: {declaration.decision.label.lower()}."
    return render_template("form_page.html", form=form, title="Decide on a declared interest",
                           caption=f"{round_.system.title}: {round_.name}",
                           back_url=url_for(".conflicts_register", round_id=round_.id), intro=intro)


@bp.route("/rounds/<int:round_id>/extend-deadline", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def extend_deadline(round_id):
    """Extend the evaluation deadline from 10 to 15 working days (per application in an always-open system)."""
    round_ = _managed_round(round_id)
    application = None
    if request.args.get("application"):
        application = load_or_404(Application, request.args.get("application", type=int) or 0)
        if application.round_id != round_.id:
            abort(404)
    form = ExtendDeadlineForm()
    if form.validate_on_submit():
        if carry_out(lambda: deadlines.extend_evaluation_deadline(round_, current_user,
                                                                  justification=form.justification.data,
                                                                  application=application), form=form,
                     field="justification", done="The evaluation deadline is now 15 working days."):
            return redirect(_round_back(round_))
    clock_ = deadlines.evaluation_clock(round_, application)
    intro = ("PCR 2015 regulation 34 asks for a decision within 10 working days; it can be extended to 15 "
             "where that is justified. The justification is recorded in the audit log.")
    if clock_:
        intro += (f"\n\nNow due by {clock.format_date(clock_.due_on)}. With the extension: "
                  f"{clock.format_date(clock.add_working_days(clock_.starts_at, deadlines.EXTENDED_WORKING_DAYS))}.")
    caption = f"{round_.system.title}: {round_.name}"
    if application is not None:
        caption += f", {application.organisation.legal_name}"
    return render_template("form_page.html", form=form, title="Extend the evaluation deadline", caption=caption,
                           back_url=_round_back(round_), intro=intro)


@bp.route("/rounds/<int:round_id>/panel-questions", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def panel_questions(round_id):
    """Mark which questions the service-user panel scores, before anyone scores them."""
    round_ = _managed_round(round_id)
    questions = [q for lot in round_.system.lots for q in lot.questions]
    form = panel_questions_form(questions, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        choices = {q.id: Scorer(getattr(form, f"scorer_{q.id}").data) for q in questions}
        outcome = carry_out(lambda: assigning.set_question_scorers(round_, current_user, choices), form=form,
                            done=lambda changed: f"Saved. {len(changed)} question{'s' if len(changed) != 1 else ''} "
                                                 "changed.")
        if outcome:
            return redirect(_round_back(round_))
    return render_template("form_page.html", form=form, title="Which questions does the panel score?",
                           caption=f"{round_.system.title}: {round_.name}", back_url=_round_back(round_),
                           intro="Service-user panel members see and score only the questions marked for the "
                                 "panel (or for both). This belongs to the system's questions, so it holds in later "
                                 "rounds too. Once anyone has scored a question, who scores it cannot change.")


@bp.route("/rounds/<int:round_id>/consistency")
@roles_required(Role.commissioner)
def consistency(round_id):
    """Per evaluator: scores given, average score, and average difference from the agreed scores."""
    round_ = _managed_round(round_id)
    return render_template("evaluation/consistency.html", title="How consistently evaluators score", round=round_,
                           rows=evaluator_consistency(round_), clock=deadlines.evaluation_clock(round_))


