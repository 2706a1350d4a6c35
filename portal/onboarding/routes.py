"""The provider's pages: thin wiring from requests to onboarding services."""
from functools import cache

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role
from portal.clock import london, now
from portal.commissioning.models import MinimumStandard, PurchasingSystem, Question, Round, StandardKind
from portal.core import DomainError, carry_out, whole_number
from portal.extensions import db

from . import bp, services
from .clarifications import published_clarification_rows
from .dashboard_page import dashboard_main
from .markup import task_list_items
from .task_list_page import load_task_list
from .forms import AnswerForm, ConfirmForm, DocumentForm, ReuseAnswerForm, StandardForm, SubmitForm, lots_form, rates_form
from .models import (
    Application,
    ApplicationLot,
    ApplicationStatus,
    Document,
    TaskStatus,
    application_tasks,
    load_whole_application,
    previous_answer,
)


def _own_application(application_id: int, *, whole: bool = False) -> Application:
    """The application, if it belongs to the signed-in provider; otherwise 404 (others must not learn it exists).

    whole: load its lots, questions, standards, answers and responses at once, for pages that show them all.
    """
    if whole:
        application = load_whole_application(application_id)
        if application is None:
            abort(404)
    else:
        application = load_or_404(Application, application_id)
    if not application.belongs_to(current_user):
        abort(404)
    return application


def _refused(form, error: DomainError, field: str | None = None):
    db.session.rollback()
    form.add_error(str(error), field)


@bp.route("/")
@roles_required(Role.provider)
def dashboard():
    return render_template("onboarding/dashboard.html", title="Your applications", form=None,
                           main=dashboard_main(current_user))


@bp.route("/rounds/<int:round_id>/apply", methods=["POST"])
@roles_required(Role.provider)
def start(round_id):
    round_ = load_or_404(Round, round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = carry_out(lambda: services.start_application(round_, current_user))
    if not outcome:
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".task_list", application_id=outcome.value.id))


@bp.route("/applications/<int:application_id>")
@roles_required(Role.provider)
def task_list(application_id):
    # the application as plain rows: the task list changes nothing (portal/onboarding/task_list_page.py)
    application = load_task_list(application_id)
    if application is None or not application.belongs_to(current_user):
        abort(404)
    tasks = application_tasks(application)
    ready = all(t["status"] is TaskStatus.completed for t in tasks)
    return render_template("onboarding/task_list.html", title="Your application", application=application,
                           tasks=tasks, ready=ready, TaskStatus=TaskStatus, task_list_items=task_list_items,
                           published=published_clarification_rows(application.round_id))


def _editable_or_redirect(application):
    if not application.is_editable():
        flash("This application cannot be changed now.", "info")
        return redirect(url_for(".task_list", application_id=application.id))
    return None


@bp.route("/applications/<int:application_id>/lots", methods=["GET", "POST"])
@roles_required(Role.provider)
def choose_lots(application_id):
    application = _own_application(application_id)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    system = application.round.system
    form = lots_form(system, application, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        choices = {lot_id: getattr(form, f"zones_{lot_id}").data or [] for lot_id in form.lots.data or []}
        missing = next((lid for lid, zones in choices.items() if not zones), None)
        if carry_out(lambda: services.choose_lots(application, current_user, choices), form=form,
                     field=f"zones_{missing}" if missing else "lots"):
            return redirect(url_for(".task_list", application_id=application.id))
    return render_template("onboarding/lots.html", title="Choose lots and zones", application=application,
                           form=form, system=system,
                           closed_lots=system.lots_closed_to(application.organisation_id, apart_from=application))


def _lot_item_or_404(application, model, item_id):
    item = load_or_404(model, item_id)
    if item.lot_id not in {c.lot_id for c in application.lots}:
        abort(404)
    return item


@bp.route("/applications/<int:application_id>/standards/<int:standard_id>", methods=["GET", "POST"])
@roles_required(Role.provider)
def standard(application_id, standard_id):
    application = _own_application(application_id)
    standard = _lot_item_or_404(application, MinimumStandard, standard_id)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    existing = application.response_for(standard)
    form = StandardForm(obj=existing)
    if form.validate_on_submit():
        if carry_out(lambda: services.save_standard_response(application, standard, current_user,
                                                             confirmed=form.confirmed.data, text=form.text.data or ""),
                     form=form, field="confirmed"):
            if standard.kind in (StandardKind.declaration, StandardKind.cqc_rating) and not form.confirmed.data:
                flash("Saved. This section is complete only once you confirm the statement.", "info")
            return redirect(url_for(".task_list", application_id=application.id))
    return render_template("onboarding/standard.html", title=standard.title, application=application,
                           standard=standard, form=form, StandardKind=StandardKind)


@bp.route("/applications/<int:application_id>/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(Role.provider)
def question(application_id, question_id):
    application = _own_application(application_id)
    question = _lot_item_or_404(application, Question, question_id)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    answer = application.answer_for(question)
    form = AnswerForm()
    if request.method == "GET":
        form.text.data = answer.text if answer else ""
        form.version.data = str(answer.version) if answer else ""
    if form.validate_on_submit():
        expected = whole_number(form.version.data)
        outcome = carry_out(lambda: services.save_answer(application, question, current_user, form.text.data or "",
                                                         expected_version=expected), form=form, field="text")
        if outcome:
            saved = outcome.value
            if saved.word_count > question.word_limit:
                form.version.data = str(saved.version)
                form.add_error(f"Your answer is saved, but it has {saved.word_count} words. "
                               f"Shorten it to {question.word_limit} words or fewer before you submit.", "text")
            elif form.save_and_return.data:
                flash("Your answer is saved. You can come back to it at any time before the round closes.",
                      "success")
                return redirect(url_for(".dashboard"))
            else:
                return redirect(url_for(".task_list", application_id=application.id))
    reuse_form = ReuseAnswerForm(formdata=None, version=form.version.data)
    return render_template("onboarding/question.html", title=f"Question {question.label}", application=application,
                           question=question, form=form, reuse_form=reuse_form,
                           previous=previous_answer(application, question))


@bp.route("/applications/<int:application_id>/rates", methods=["GET", "POST"])
@roles_required(Role.provider)
def rates(application_id):
    application = _own_application(application_id)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    if not application.lots:
        flash("Choose your lots and zones first.", "info")
        return redirect(url_for(".choose_lots", application_id=application.id))
    form = rates_form(application, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        offered = {}
        for choice in application.lots:
            for zone_choice in choice.zones:
                field = getattr(form, f"rate_{choice.lot_id}_{zone_choice.zone_id}", None)
                offered[(choice.lot_id, zone_choice.zone_id)] = field.data if field is not None else None
        if carry_out(lambda: services.set_rates(application, current_user, accepted=form.accepted.data,
                                                offered=offered),
                     form=form, field="accepted"):
            return redirect(url_for(".task_list", application_id=application.id))
    return render_template("onboarding/rates.html", title="Hourly rates", application=application, form=form)


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@roles_required(Role.provider)
def check(application_id):
    application = _own_application(application_id, whole=True)
    if application.status is ApplicationStatus.submitted and request.method == "POST":
        # a second click of Submit, after the first was stored: show the receipt, change nothing
        return redirect(url_for(".receipt", application_id=application.id))
    if application.status is not ApplicationStatus.draft:
        return redirect(url_for(".task_list", application_id=application.id))
    form = SubmitForm()
    if form.validate_on_submit():
        if carry_out(lambda: services.submit_application(application, current_user,
                                                         declaration_confirmed=form.declaration.data),
                     form=form, field=lambda message: "declaration" if "declaration" in message else None):
            return redirect(url_for(".receipt", application_id=application.id))
    tasks = application_tasks(application)
    return render_template("onboarding/check.html", title="Check your answers before submitting",
                           application=application, form=form, tasks=tasks, TaskStatus=TaskStatus)


@bp.route("/applications/<int:application_id>/receipt")
@roles_required(Role.provider)
def receipt(application_id):
    application = _own_application(application_id)
    if application.submitted_at is None or application.status is ApplicationStatus.draft:
        return redirect(url_for(".task_list", application_id=application.id))
    return render_template("onboarding/receipt.html", title="Application submitted", application=application)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.provider)
def withdraw(application_id):
    """GET asks "Are you sure?"; POST withdraws."""
    if request.method == "GET":
        application = _own_application(application_id)
        if application.status not in (ApplicationStatus.draft, ApplicationStatus.submitted):
            return redirect(url_for(".task_list", application_id=application.id))
        return render_template("onboarding/withdraw.html", title="Are you sure you want to withdraw your application?",
                               application=application, confirm=ConfirmForm())
    return _simple_action(application_id, services.withdraw_application, "Your application has been withdrawn.")


@bp.route("/applications/<int:application_id>/reopen", methods=["POST"])
@roles_required(Role.provider)
def reopen(application_id):
    return _simple_action(application_id, services.reopen_application,
                          "Your application is open for changes. Submit it again before the round closes.")


def _simple_action(application_id, action, message):
    application = _own_application(application_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    carry_out(lambda: action(application, current_user), done=message)
    return redirect(url_for(".task_list", application_id=application.id))


@bp.route("/applications/<int:application_id>/outcome")
@roles_required(Role.provider)
def outcome(application_id):
    from portal.documents.evaluation import outcome_letter_data

    application = _own_application(application_id)
    if not application.can_see_outcome(current_user):
        flash("The council has not published the outcome of this round yet.", "info")
        return redirect(url_for(".task_list", application_id=application.id))
    return render_template("onboarding/outcome.html", title="Outcome of your application",
                           **outcome_letter_data(application))


@bp.route("/applications/<int:application_id>/outcome-letter.pdf")
@roles_required(Role.provider)
def outcome_letter(application_id):
    from portal.documents.evaluation import outcome_letter_download

    application = _own_application(application_id)
    if not application.can_see_outcome(current_user):
        flash("The council has not published the outcome of this round yet.", "info")
        return redirect(url_for(".task_list", application_id=application.id))
    return outcome_letter_download(application)


# ---- documents


@bp.route("/applications/<int:application_id>/standards/<int:standard_id>/documents/new", methods=["GET", "POST"])
@roles_required(Role.provider)
def upload_document(application_id, standard_id):
    from .uploads import ACCEPT_ATTRIBUTE, ACCEPTED_TYPES_SENTENCE, megabytes

    application = _own_application(application_id)
    standard = _lot_item_or_404(application, MinimumStandard, standard_id)
    if not standard.takes_documents:
        abort(404)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        data = upload.stream.read(limit + 1) if upload else b""
        try:
            if upload is None or not upload.filename:
                raise services.UploadRefused("Select a file to upload.", "file")
            document = services.upload_document(
                application, standard, current_user, data=data, filename=upload.filename,
                expires_on=form.expires_on.data, confidential=form.confidential.data,
                confidential_reason=form.confidential_reason.data or "")
        except services.UploadRefused as error:
            _refused(form, error, error.field)
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(f"{document.original_filename} is uploaded.", "success")
            return redirect(url_for(".standard", application_id=application.id, standard_id=standard.id))
    elif form.expires_on.errors:
        form.expires_on.errors = ["Enter a real expiry date, for example 31 3 2027."]
    return render_template("onboarding/upload_document.html", title=f"Upload a document: {standard.title}",
                           application=application, standard=standard, form=form, accept=ACCEPT_ATTRIBUTE,
                           accepted_types=ACCEPTED_TYPES_SENTENCE,
                           max_size=megabytes(current_app.config["UPLOAD_MAX_BYTES"]))


@bp.route("/applications/<int:application_id>/documents/<int:document_id>/remove", methods=["POST"])
@roles_required(Role.provider)
def remove_document(application_id, document_id):
    application = _own_application(application_id)
    document = load_or_404(Document, document_id)
    if document.application_id != application.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    standard_id, name = document.standard_id, document.original_filename
    carry_out(lambda: services.remove_document(document, current_user), done=lambda _: f"{name} is removed.")
    return redirect(url_for(".standard", application_id=application.id, standard_id=standard_id))


@bp.route("/documents/<int:document_id>")
@login_required
def download_document(document_id):
    """The file, as a download, to those allowed to see it; 404 to everyone else (they must not learn it exists)."""
    from .uploads import stored_path

    document = load_or_404(Document, document_id)
    if not document.can_download(current_user):
        abort(404)
    path = stored_path(document.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.download_name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---- autosave and reuse of answers


@bp.route("/applications/<int:application_id>/questions/<int:question_id>/autosave", methods=["POST"])
@roles_required(Role.provider)
def autosave_answer(application_id, question_id):
    """The page's script saves the draft in the background: JSON in, JSON out, the same save_answer rules.

    An answer over the word limit is stored as a draft (nothing typed is lost) and the reply says so;
    the task stays in progress and submission refuses it until it is shortened.
    """
    application = _own_application(application_id)
    question = _lot_item_or_404(application, Question, question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        message = next(iter(form.text.errors), None) or "Your answer could not be saved automatically. Reload the page."
        return jsonify(status="refused", message=message), 400
    try:
        answer = services.save_answer(application, question, current_user, form.text.data or "",
                                      expected_version=whole_number(form.version.data))
    except services.AnswerConflict:
        db.session.rollback()
        return jsonify(status="conflict", message=(
            "Not saved: this answer was changed somewhere else (perhaps in another tab) since you opened this page. "
            "Your text is still in the answer box. Copy it somewhere safe, reload the page to see the other "
            "version, then combine them and save.")), 409
    except DomainError as error:
        db.session.rollback()
        return jsonify(status="refused", message=f"Not saved: {error}"), 409
    db.session.commit()
    saved_at = london(now()).strftime("%H:%M")
    over = answer.word_count > question.word_limit
    message = f"Draft saved at {saved_at}."
    if over:
        message += (f" Your answer has {answer.word_count} words: shorten it to {question.word_limit} words "
                    "or fewer before you submit.")
    return jsonify(status="saved", version=answer.version, words=answer.word_count, over_limit=over,
                   message=message)


@bp.route("/applications/<int:application_id>/questions/<int:question_id>/reuse", methods=["POST"])
@roles_required(Role.provider)
def reuse_answer(application_id, question_id):
    application = _own_application(application_id)
    question = _lot_item_or_404(application, Question, question_id)
    if (response := _editable_or_redirect(application)) is not None:
        return response
    form = ReuseAnswerForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for(".question", application_id=application.id, question_id=question.id)
    try:
        services.reuse_previous_answer(application, question, current_user,
                                       expected_version=whole_number(form.version.data))
    except services.AnswerConflict:
        db.session.rollback()
        flash("Your earlier answer was not copied: this answer was changed somewhere else (perhaps in another tab) "
              "since you opened the page. Check the answer below, then choose again.", "error")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Your earlier answer is copied in. Check it is still true, and change anything out of date.",
              "success")
    return redirect(back)
