"""The commissioner's pages: thin wiring from requests to commissioning services."""
from datetime import datetime, timedelta
from functools import cache

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.auth.decorators import load_or_404, roles_required
from portal.auth.models import Role, User
from portal.auth.sessions import signed_in
from portal.clock import format_datetime, from_london, london, now
from portal.core import carry_out
from portal.extensions import db
from portal.pagination import KnownTotalPagination
from portal.onboarding.models import Application, ApplicationStatus

from . import bp, services
from .dashboard import council_dashboard
from .results_page import EvaluatedApplication, pagination_nav, result_rows, results_view
from .round_page import round_view
from .forms import (
    ConfirmForm,
    CopySystemForm,
    DecisionForm,
    ExtendForm,
    LotForm,
    ParticipantForm,
    PauseForm,
    RateForm,
    QuestionForm,
    RankingForm,
    ReasonForm,
    RoundForm,
    StandardForm,
    SpendCapForm,
    SystemForm,
    ZoneForm,
    ZoneNameForm,
)
from .models import (
    Lot,
    MinimumStandard,
    Outcome,
    ParticipatingAuthority,
    Procedure,
    PurchasingSystem,
    Question,
    Round,
    RoundStatus,
    Scorer,
    Section,
    StandardKind,
    Zone,
)


@cache
def _round_with_system():
    """A round with its system in one query (built once, when the models are all mapped)."""
    return select(Round).join(Round.system).options(contains_eager(Round.system)).where(Round.id == bindparam("id"))


def _managed_round(round_id) -> Round:
    """_managed(Round, round_id), the round read with its system in one query (a round's pages show the system):
    404 when there is no such round or another council's, exactly as _managed."""
    round_ = db.session.execute(_round_with_system(), {"id": round_id}).scalar_one_or_none()
    if round_ is None or not round_.can_manage(current_user):
        abort(404)
    return round_


def _managed(model, object_id):
    """Load a system, lot or round the commissioner's council owns; 404 for any other council's."""
    obj = load_or_404(model, object_id)
    if not obj.can_manage(current_user):
        abort(404)
    return obj


def _form_page(form, title, **context):
    return render_template("form_page.html", form=form, title=title, **context)


@bp.route("/")
@roles_required(Role.commissioner)
def dashboard():
    return render_template("commissioning/dashboard.html", title="Purchasing systems",
                           sections=council_dashboard(current_user.authority_id))


@bp.route("/systems/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_system():
    form = SystemForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: services.create_system(
                current_user, title=form.title.data, reference=form.reference.data.strip(),
                procedure=Procedure(form.procedure.data), starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                quality_weight=form.quality_weight.data, social_value_weight=form.social_value_weight.data,
                pass_mark=form.pass_mark.data, scale_max=form.scale_max.data, always_open=form.always_open.data,
                description=form.description.data or "", standstill_working_days=form.standstill_working_days.data,
                cadence_months=form.cadence_months.data), form=form,
                            field=lambda message: "reference" if "reference" in message else None,
                            done=lambda system: f"{system.title} is set up. Add its lots, zones, standards and "
                                                "questions.")
        if outcome:
            return redirect(url_for(".system", system_id=outcome.value.id))
    return _form_page(form, "Set up a purchasing system", back_url=url_for(".dashboard"),
                      intro=f"The system belongs to {signed_in().council}. Add other councils that call off "
                            "from it once it is set up.",
                      field_params=SYSTEM_FIELD_PARAMS)


SYSTEM_FIELD_PARAMS = {"procedure": {"fieldset": {"legend": {"classes": "govuk-fieldset__legend--s"}}},
                       "quality_weight": {"classes": "govuk-input--width-3"},
                       "social_value_weight": {"classes": "govuk-input--width-3"},
                       "pass_mark": {"classes": "govuk-input--width-4"},
                       "scale_max": {"classes": "govuk-input--width-2"},
                       "standstill_working_days": {"classes": "govuk-input--width-2"},
                       "cadence_months": {"classes": "govuk-input--width-2"}}
MONEY = {"classes": "govuk-input--width-5", "prefix": {"text": "£"}, "inputmode": "decimal"}


def _question_values(form) -> dict:
    return {"section": Section(form.section.data), "text": form.text.data, "guidance": form.guidance.data or "",
            "weight": form.weight.data, "word_limit": form.word_limit.data, "min_score": form.min_score.data,
            "scorer": Scorer(form.scorer.data)}


def _question_field(message: str) -> str | None:
    """The question form's field a service's refusal is about."""
    return "weight" if "weigh" in message else "min_score" if "minimum" in message else None


@bp.route("/systems/<int:system_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_system(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = SystemForm(obj=system, data={"procedure": system.procedure.value} if request.method == "GET" else None)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        standstill = form.standstill_working_days.data
        procedure = Procedure(form.procedure.data)
        if carry_out(lambda: services.update_system(
                system, current_user, title=form.title.data.strip(), reference=form.reference.data.strip(),
                procedure=procedure, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                quality_weight=form.quality_weight.data, social_value_weight=form.social_value_weight.data,
                pass_mark=form.pass_mark.data, scale_max=form.scale_max.data, always_open=form.always_open.data,
                description=form.description.data or "",
                standstill_working_days=procedure.default_standstill_days if standstill is None else standstill,
                cadence_months=form.cadence_months.data), form=form,
                     field={"reference": "reference", "lifetime must start": "starts_on", "lifetime": "ends_on",
                            "weights": "social_value_weight", "standstill": "standstill_working_days"},
                     done=lambda _: f"{system.title} is saved."):
            return redirect(url_for(".system", system_id=system.id))
    intro = (f"{system.authority.name} owns this system. The public call-off list keeps its address if the "
             "reference changes.")
    if system.scoring_frozen:
        intro += (" A round has opened, so the procedure, weights, pass mark, scale and always-open setting "
                  "can no longer change.")
    return _form_page(form, "Change the system's settings", caption=system.title, intro=intro,
                      back_url=url_for(".system", system_id=system.id), field_params=SYSTEM_FIELD_PARAMS)


@bp.route("/systems/<int:system_id>/copy", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def copy_system(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = CopySystemForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: services.copy_system(system, current_user, title=form.title.data.strip(),
                                                         reference=form.reference.data.strip(),
                                                         starts_on=form.starts_on.data, ends_on=form.ends_on.data),
                            form=form, field={"reference": "reference", "lifetime": "ends_on"},
                            done=lambda copy: f"{copy.title} is set up with the lots, zones, rates, standards and "
                                              f"questions of {system.title}.")
        if outcome:
            return redirect(url_for(".system", system_id=outcome.value.id))
    return _form_page(form, "Copy the set-up into a new system", caption=system.title,
                      back_url=url_for(".system", system_id=system.id),
                      intro="The new system gets this system's procedure, weights, pass mark, scale, lots, zones, "
                            "rates, minimum standards and questions. Rounds, applications and members are not copied.")


@bp.route("/systems/<int:system_id>/participants/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_participant(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: services.add_participating_authority(system, current_user,
                                                                         authority_name=form.authority_name.data,
                                                                         spend_cap=form.spend_cap.data), form=form,
                            field=lambda message: "spend_cap" if "spend cap" in message else "authority_name",
                            done=lambda participant: f"{participant.authority.name} can call off from {system.title}.")
        if outcome:
            return redirect(url_for(".system", system_id=system.id))
    return _form_page(form, "Add a participating authority", caption=system.title,
                      back_url=url_for(".system", system_id=system.id),
                      intro="Another council allowed to call off from this system. A council not yet known to the "
                            "portal is added by its name.",
                      field_params={"spend_cap": MONEY | {"classes": "govuk-input--width-10"}})


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_participant(participant_id):
    participant = _managed(ParticipatingAuthority, participant_id)
    form = SpendCapForm(obj=participant)
    if form.validate_on_submit():
        if carry_out(lambda: services.set_spend_cap(participant, current_user, spend_cap=form.spend_cap.data),
                     form=form, field="spend_cap", done=lambda _: f"Spend cap of {participant.authority.name} saved."):
            return redirect(url_for(".system", system_id=participant.system_id))
    return _form_page(form, f"Spend cap of {participant.authority.name}", caption=participant.system.title,
                      back_url=url_for(".system", system_id=participant.system_id),
                      field_params={"spend_cap": MONEY | {"classes": "govuk-input--width-10"}})


@bp.route("/participants/<int:participant_id>/remove", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def remove_participant(participant_id):
    participant = _managed(ParticipatingAuthority, participant_id)
    system_id, name = participant.system_id, participant.authority.name
    return _confirm_delete(
        lambda: services.remove_participating_authority(participant, current_user),
        title=f"Remove {name} from the system", caption=participant.system.title,
        intro=f"{name} will no longer be listed as allowed to call off from this system.",
        button="Remove the council", done=f"{name} removed.", back=url_for(".system", system_id=system_id))


def _confirm_delete(action, *, title, caption, intro, button, done, back):
    """A confirmation page for a deletion; the service refuses with a sentence when it must not happen."""
    form = ConfirmForm()
    form.submit.label.text = button
    if form.validate_on_submit():
        if carry_out(action, form=form, done=done):
            return redirect(back)
    return _form_page(form, title, caption=caption, intro=intro, back_url=back)


@bp.route("/systems/<int:system_id>")
@roles_required(Role.commissioner)
def system(system_id):
    system = _managed(PurchasingSystem, system_id)
    _load_setup(system)
    return render_template("commissioning/system.html", title=system.title, system=system,
                           problems=system.setup_problems(), Section=Section, running=system.round_open_now(),
                           suggestions=_round_suggestions(system),
                           ranking_form=RankingForm(data={"ranks_lead_providers": system.ranks_lead_providers}))


def _load_setup(system) -> None:
    """Everything the system page shows, in a fixed number of queries whatever the number of lots or zones."""
    db.session.scalars(
        select(PurchasingSystem).where(PurchasingSystem.id == system.id)
        .options(selectinload(PurchasingSystem.lots).selectinload(Lot.questions),
                 selectinload(PurchasingSystem.lots).selectinload(Lot.standards),
                 selectinload(PurchasingSystem.lots).selectinload(Lot.rates),
                 selectinload(PurchasingSystem.zones), selectinload(PurchasingSystem.rounds),
                 selectinload(PurchasingSystem.participants).joinedload(ParticipatingAuthority.authority))
    ).all()


def _round_suggestions(system) -> list[dict]:
    """Next-round dates every 3 or 4 months (or the system's own cadence) after the last round."""
    if system.always_open:
        return []
    cadences = [system.cadence_months] if system.cadence_months else [3, 4]
    suggestions = []
    for months in cadences:
        dates = services.suggest_next_round(system, months)
        if dates:
            suggestions.append({"months": months, "opens_at": dates[0], "closes_at": dates[1]})
    return suggestions


@bp.route("/systems/<int:system_id>/lots/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_lot(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = LotForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: services.add_lot(system, current_user, title=form.title.data,
                                                     description=form.description.data or ""),
                            form=form, done=lambda lot: f"{lot.name} added.")
        if outcome:
            return redirect(url_for(".system", system_id=system.id))
    return _form_page(form, "Add a lot", caption=system.title, back_url=url_for(".system", system_id=system.id))


@bp.route("/systems/<int:system_id>/zones/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_zone(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = ZoneForm()
    if form.validate_on_submit():
        outcome = carry_out(lambda: services.add_zone(system, current_user, name=form.name.data.strip(),
                                                      ceiling_rate=form.ceiling_rate.data,
                                                      floor_rate=form.floor_rate.data),
                            form=form, field=lambda message: "floor_rate" if "floor" in message else "name",
                            done=lambda zone: f"{zone.name} added, with its rate for every lot.")
        if outcome:
            return redirect(url_for(".system", system_id=system.id))
    money = {"classes": "govuk-input--width-5", "prefix": {"text": "£"}, "inputmode": "decimal"}
    return _form_page(form, "Add a zone", caption=system.title, back_url=url_for(".system", system_id=system.id),
                      intro="The rate applies to every lot of the system.",
                      field_params={"ceiling_rate": money, "floor_rate": money})


@bp.route("/lots/<int:lot_id>/standards/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_standard(lot_id):
    lot = _managed(Lot, lot_id)
    form = StandardForm()
    if form.validate_on_submit():
        if carry_out(lambda: services.add_standard(lot, current_user, kind=StandardKind(form.kind.data),
                                                   title=form.title.data, description=form.description.data),
                     form=form, done=lambda _: f"Minimum standard added to {lot.name}."):
            return redirect(url_for(".system", system_id=lot.system_id))
    return _form_page(form, "Add a minimum standard", caption=lot.name,
                      back_url=url_for(".system", system_id=lot.system_id))


@bp.route("/lots/<int:lot_id>/questions/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_question(lot_id):
    lot = _managed(Lot, lot_id)
    form = QuestionForm()
    if form.validate_on_submit():
        if carry_out(lambda: services.add_question(lot, current_user, **_question_values(form)), form=form,
                     field=_question_field, done=lambda _: f"Question added to {lot.name}."):
            return redirect(url_for(".system", system_id=lot.system_id))
    system = lot.system
    intro = (f"Quality questions of this lot weigh {lot.section_weight_total(Section.quality):f} of {system.quality_weight}; "
             f"social value questions {lot.section_weight_total(Section.social_value):f} of {system.social_value_weight}.")
    return _form_page(form, "Add a scored question", caption=lot.name, intro=intro,
                      back_url=url_for(".system", system_id=lot.system_id),
                      field_params={"weight": {"classes": "govuk-input--width-4"},
                                    "word_limit": {"classes": "govuk-input--width-4"},
                                    "min_score": {"classes": "govuk-input--width-2"}})


@bp.route("/lots/<int:lot_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_lot(lot_id):
    lot = _managed(Lot, lot_id)
    form = LotForm(obj=lot)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        if carry_out(lambda: services.update_lot(lot, current_user, title=form.title.data,
                                                 description=form.description.data or ""),
                     form=form, done=lambda _: f"{lot.name} saved."):
            return redirect(url_for(".system", system_id=lot.system_id))
    return _form_page(form, f"Change {lot.name}", caption=lot.system.title,
                      back_url=url_for(".system", system_id=lot.system_id))


@bp.route("/lots/<int:lot_id>/delete", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def delete_lot(lot_id):
    lot = _managed(Lot, lot_id)
    name, back = lot.name, url_for(".system", system_id=lot.system_id)
    return _confirm_delete(lambda: services.delete_lot(lot, current_user), title=f"Delete {name}",
                           caption=lot.system.title, button="Delete the lot", done=f"{name} deleted.", back=back,
                           intro="Its standards, questions and rates are deleted too; later lots move up a number.")


@bp.route("/zones/<int:zone_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_zone(zone_id):
    zone = _managed(Zone, zone_id)
    form = ZoneNameForm(obj=zone)
    if form.validate_on_submit():
        if carry_out(lambda: services.rename_zone(zone, current_user, name=form.name.data), form=form, field="name",
                     done=lambda _: f"Zone renamed {zone.name}."):
            return redirect(url_for(".system", system_id=zone.system_id))
    return _form_page(form, f"Rename {zone.name}", caption=zone.system.title,
                      back_url=url_for(".system", system_id=zone.system_id))


@bp.route("/zones/<int:zone_id>/delete", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def delete_zone(zone_id):
    zone = _managed(Zone, zone_id)
    name, back = zone.name, url_for(".system", system_id=zone.system_id)
    return _confirm_delete(lambda: services.delete_zone(zone, current_user), title=f"Delete {name}",
                           caption=zone.system.title, button="Delete the zone", done=f"{name} deleted.", back=back,
                           intro="Its rates for every lot are deleted too.")


@bp.route("/lots/<int:lot_id>/zones/<int:zone_id>/rate", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_rate(lot_id, zone_id):
    lot = _managed(Lot, lot_id)
    zone = load_or_404(Zone, zone_id)
    if zone.system_id != lot.system_id:
        abort(404)
    form = RateForm(obj=lot.rate_for(zone))
    if form.validate_on_submit():
        if carry_out(lambda: services.set_rate(lot, zone, current_user, ceiling_rate=form.ceiling_rate.data,
                                               floor_rate=form.floor_rate.data, enhanced_rate=form.enhanced_rate.data),
                     form=form, field={"enhanced": "enhanced_rate", "floor": "floor_rate", "ceiling": "ceiling_rate"},
                     done=lambda _: f"Rates of {lot.name} in {zone.name} saved."):
            return redirect(url_for(".system", system_id=lot.system_id))
    return _form_page(form, f"Hourly rates in {zone.name}", caption=lot.name,
                      back_url=url_for(".system", system_id=lot.system_id),
                      intro="Rates can change between rounds. Members keep the rate agreed when they were admitted.",
                      field_params={"ceiling_rate": MONEY, "floor_rate": MONEY, "enhanced_rate": MONEY})


@bp.route("/standards/<int:standard_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_standard(standard_id):
    standard = _managed(MinimumStandard, standard_id)
    form = StandardForm(obj=standard, data={"kind": standard.kind.value} if request.method == "GET" else None)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        if carry_out(lambda: services.update_standard(standard, current_user, kind=StandardKind(form.kind.data),
                                                      title=form.title.data, description=form.description.data),
                     form=form, done=lambda _: f"Minimum standard of {standard.lot.name} saved."):
            return redirect(url_for(".system", system_id=standard.lot.system_id))
    return _form_page(form, "Change a minimum standard", caption=standard.lot.name,
                      back_url=url_for(".system", system_id=standard.lot.system_id))


@bp.route("/standards/<int:standard_id>/delete", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def delete_standard(standard_id):
    standard = _managed(MinimumStandard, standard_id)
    lot = standard.lot
    return _confirm_delete(lambda: services.delete_standard(standard, current_user),
                           title=f"Delete the standard ‘{standard.title}’", caption=lot.name,
                           button="Delete the standard", done=f"Minimum standard deleted from {lot.name}.",
                           back=url_for(".system", system_id=lot.system_id), intro=None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def edit_question(question_id):
    question = _managed(Question, question_id)
    lot = question.lot
    form = QuestionForm(obj=question, data={"section": question.section.value, "scorer": question.scorer.value}
                        if request.method == "GET" else None)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        if carry_out(lambda: services.update_question(question, current_user, **_question_values(form)), form=form,
                     field=_question_field, done=lambda _: f"Question {question.label} saved."):
            return redirect(url_for(".system", system_id=lot.system_id))
    return _form_page(form, f"Change question {question.label}", caption=lot.name,
                      intro=_weights_intro(lot), back_url=url_for(".system", system_id=lot.system_id),
                      field_params={"weight": {"classes": "govuk-input--width-4"},
                                    "word_limit": {"classes": "govuk-input--width-4"},
                                    "min_score": {"classes": "govuk-input--width-2"}})


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def delete_question(question_id):
    question = _managed(Question, question_id)
    lot = question.lot
    return _confirm_delete(lambda: services.delete_question(question, current_user),
                           title=f"Delete question {question.label}", caption=lot.name, intro=question.text,
                           button="Delete the question", done=f"Question deleted from {lot.name}.",
                           back=url_for(".system", system_id=lot.system_id))


def _weights_intro(lot) -> str:
    system = lot.system
    return (f"Quality questions of this lot weigh {lot.section_weight_total(Section.quality):f} of "
            f"{system.quality_weight}; social value questions {lot.section_weight_total(Section.social_value):f} "
            f"of {system.social_value_weight}.")


@bp.route("/systems/<int:system_id>/rounds/new", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def new_round(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = RoundForm(data=_round_form_prefill(system) if request.method == "GET" else None)
    if form.validate_on_submit():
        opens_at = from_london(datetime.combine(form.opens_on.data, datetime.strptime(form.opens_time.data, "%H:%M").time()))
        closes_at = from_london(datetime.combine(form.closes_on.data, datetime.strptime(form.closes_time.data, "%H:%M").time()))
        outcome = carry_out(lambda: services.schedule_round(system, current_user, opens_at=opens_at,
                                                            closes_at=closes_at),
                            form=form, field=lambda message: "closes_on" if "clos" in message else None,
                            done=lambda round_: f"{round_.name} is scheduled.")
        if outcome:
            return redirect(url_for(".round", round_id=outcome.value.id))
    intro = "Providers can apply from the opening time until the closing time (UK time)."
    if system.always_open:
        intro += (" This system is always open: one round for the rest of its lifetime is usual, and each "
                  "application is assessed as it arrives.")
    elif request.args.get("cadence"):
        intro += f" The dates suggested are {request.args['cadence']} months after the last round: change them if needed."
    return _form_page(form, "Schedule a round", caption=system.title, back_url=url_for(".system", system_id=system.id),
                      intro=intro,
                      field_params={"opens_time": {"classes": "govuk-input--width-5"},
                                    "closes_time": {"classes": "govuk-input--width-5"}})


def _round_form_prefill(system) -> dict | None:
    """A suggested window: `?cadence=N` months after the last round, or the whole lifetime for an always-open system."""
    if system.always_open and not system.rounds:
        start = max(london(now()).date() + timedelta(days=1), system.starts_on)
        return {"opens_on": start, "opens_time": "09:00", "closes_on": system.ends_on, "closes_time": "17:00"}
    months = request.args.get("cadence", type=int)
    if not months or not 1 <= months <= 12:
        return None
    dates = services.suggest_next_round(system, months)
    if dates is None:
        return None
    opens, closes = london(dates[0]), london(dates[1])
    return {"opens_on": opens.date(), "opens_time": f"{opens:%H:%M}", "closes_on": closes.date(),
            "closes_time": f"{closes:%H:%M}"}


@bp.route("/rounds/<int:round_id>")
@roles_required(Role.commissioner)
def round(round_id):
    round_ = _managed_round(round_id)
    view = round_view(round_, request.args.get("page", 1, type=int), current_app.config.get("PAGE_SIZE", 50))
    return render_template("commissioning/round.html", title=f"{round_.system.title}: {round_.name}", round=round_,
                           evaluation_clocks=view.clocks, counts=view.counts, extensions=view.extensions, page=view.page,
                           applications=view.applications, application_rows=view.rows,
                           evaluation_section=view.evaluation_section, page_nav=view.nav, RoundStatus=RoundStatus,
                           ApplicationStatus=ApplicationStatus)


def _round_action(round_id, action, message, **kwargs):
    round_ = _managed(Round, round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    carry_out(lambda: action(round_, current_user, **kwargs), done=message)
    return redirect(url_for(".round", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/open", methods=["POST"])
@roles_required(Role.commissioner)
def open_round(round_id):
    return _round_action(round_id, _open_and_notify, "The round is open. Providers can apply now, and "
                         "providers who follow this system have been emailed.")


def _open_and_notify(round_, actor):
    """Open the round now and send what is due at once, rather than at the next run of send-notifications."""
    from portal.onboarding.notifications import send_due_notifications

    services.open_round_now(round_, actor)
    send_due_notifications()


@bp.route("/rounds/<int:round_id>/close-early", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def close_early(round_id):
    round_ = _managed(Round, round_id)
    form = ReasonForm()
    if form.validate_on_submit():
        if carry_out(lambda: services.close_round_early(round_, current_user, reason=form.reason.data), form=form,
                     field="reason",
                     done="The round is closed. Submitted applications can now be evaluated."):
            return redirect(url_for(".round", round_id=round_.id))
    form.submit.label.text = "Close the round now"
    return _form_page(form, "Close the round early", caption=f"{round_.system.title}: {round_.name}",
                      back_url=url_for(".round", round_id=round_.id),
                      intro="Closing early is recorded with your reason. Providers with drafts can no longer submit.")


@bp.route("/rounds/<int:round_id>/pause", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def pause_round(round_id):
    round_ = _managed(Round, round_id)
    form = PauseForm()
    if form.validate_on_submit():
        if carry_out(lambda: services.pause_round(round_, current_user, reason=form.reason.data), form=form,
                     field="reason",
                     done=lambda _: f"{round_.name} is paused. Providers keep their drafts but cannot submit until "
                                    "you resume it."):
            return redirect(url_for(".round", round_id=round_.id))
    return _form_page(form, "Pause the round", caption=f"{round_.system.title}: {round_.name}",
                      back_url=url_for(".round", round_id=round_.id),
                      intro="While the round is paused providers cannot change or submit applications; their drafts "
                            "are kept. The closing time does not move: extend the round if providers need more time. "
                            "Everyone with an application in the round is emailed the reason.")


@bp.route("/rounds/<int:round_id>/resume", methods=["POST"])
@roles_required(Role.commissioner)
def resume_round(round_id):
    return _round_action(round_id, services.resume_round, "The round is open again. Providers can submit.")


@bp.route("/rounds/<int:round_id>/assess-received", methods=["POST"])
@roles_required(Role.commissioner)
def assess_received(round_id):
    round_ = _managed(Round, round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    carry_out(lambda: services.assess_received_applications(round_, current_user),
              done=lambda following: f"{round_.name} is closed for assessment: assign evaluators to its applications. "
                                     f"New applications, and providers' drafts, continue in {following.name}.")
    return redirect(url_for(".round", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/extend", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def extend_round(round_id):
    round_ = _managed(Round, round_id)
    form = ExtendForm()
    if form.validate_on_submit():
        closes_at = from_london(datetime.combine(form.closes_on.data,
                                                 datetime.strptime(form.closes_time.data, "%H:%M").time()))
        if carry_out(lambda: services.extend_round(round_, current_user, closes_at=closes_at, reason=form.reason.data),
                     form=form, field=lambda message: "reason" if "reason" in message else "closes_on",
                     done=lambda _: f"{round_.name} now closes at {format_datetime(round_.closes_at)}. "
                                    "Applicants have been emailed."):
            return redirect(url_for(".round", round_id=round_.id))
    return _form_page(form, "Extend the round", caption=f"{round_.system.title}: {round_.name}",
                      back_url=url_for(".round", round_id=round_.id),
                      intro=f"The round now closes at {format_datetime(round_.closes_at)}. The new closing time must "
                            "be later, within the system's lifetime and before the next round opens.",
                      field_params={"closes_time": {"classes": "govuk-input--width-5"}})


@bp.route("/rounds/<int:round_id>/assign", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def assign(round_id):
    from portal.evaluation.manage_routes import assign_round_page

    return assign_round_page(_managed(Round, round_id))


@bp.route("/applications/<int:application_id>/decision", methods=["GET", "POST"])
@roles_required(Role.commissioner)
def decision(application_id):
    from portal.evaluation.results import application_results

    application = load_or_404(Application, application_id)
    if not application.round.can_manage(current_user) or not application.can_view(current_user):
        abort(404)
    lots = application.chosen_lots()
    lot = next((l for l in lots if str(l.id) == request.args.get("lot")), lots[0] if lots else None)
    if lot is None:
        abort(404)
    existing = next((d for d in application.decisions if d.lot_id == lot.id), None)
    form = DecisionForm(data={"outcome": existing.outcome.value, "reasons": existing.reasons} if existing else None)
    if form.validate_on_submit():
        if carry_out(lambda: services.record_decision(application, lot, current_user,
                                                      outcome=Outcome(form.outcome.data), reasons=form.reasons.data),
                     form=form, field="outcome",
                     done=lambda _: f"Decision recorded for {application.organisation.legal_name}, {lot.name}."):
            return redirect(url_for(".round", round_id=application.round_id))
    results = application_results(application)
    return render_template("commissioning/decision.html", title="Record a decision", application=application,
                           lot=lot, result=results[lot.id], form=form, existing=existing)


@bp.route("/rounds/<int:round_id>/confirm-decisions", methods=["POST"])
@roles_required(Role.commissioner)
def confirm_decisions(round_id):
    return _round_action(round_id, services.confirm_decisions,
                         "Decisions confirmed. Publish them to update the call-off list.")


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@roles_required(Role.commissioner)
def publish(round_id):
    return _round_action(round_id, services.publish_round,
                         "Published. Admitted providers are on the call-off list and applicants can see their outcome.")


# ---- results, ranking and the evaluation documents of a round

RESULT_STATUSES = (RoundStatus.in_evaluation, RoundStatus.decided, RoundStatus.published)
REPORT_STATUSES = (RoundStatus.decided, RoundStatus.published)


@bp.route("/systems/<int:system_id>/lead-provider-ranking", methods=["POST"])
@roles_required(Role.commissioner)
def lead_provider_ranking(system_id):
    system = _managed(PurchasingSystem, system_id)
    form = RankingForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_lead_provider_ranking(system, current_user, ranks=bool(form.ranks_lead_providers.data))
    db.session.commit()
    flash("Results pages now rank passing applications per zone." if system.ranks_lead_providers
          else "Results pages no longer rank applications.", "success")
    return redirect(url_for(".system", system_id=system.id))


def _round_with_results(round_id):
    """A round of the commissioner's council that has results; None (with a message) before evaluation."""
    round_ = _managed_round(round_id)
    if round_.status not in RESULT_STATUSES:
        flash(f"{round_.name} is {round_.status.label.lower()}. Results exist once evaluation has started.", "error")
        return round_, False
    return round_, True


@bp.route("/rounds/<int:round_id>/results")
@roles_required(Role.commissioner)
def results(round_id):
    from portal.evaluation.results import (
        evaluated_applications_query,
        preload_criteria,
        results_for,
        zone_rankings,
    )

    round_, ready = _round_with_results(round_id)
    if not ready:
        return redirect(url_for(".round", round_id=round_.id))
    page_number = request.args.get("page", 1, type=int)
    per_page = current_app.config.get("PAGE_SIZE", 50)
    rankings = None
    if round_.system.ranks_lead_providers:
        # a ranking compares every passing application of the round: read them all once, page the list
        criteria = preload_criteria(round_.system, with_zones=True)  # noqa: F841 (kept referenced: see preload_criteria)
        everyone = db.session.scalars(evaluated_applications_query(round_, with_zones=True)).all()
        results_of = results_for(everyone)
        rankings = zone_rankings(everyone, results_of)
        page = KnownTotalPagination.of_list(everyone, page_number, per_page)
        rows = result_rows([EvaluatedApplication.of(a) for a in page.items], results_of)
        nav = pagination_nav(page, round_.id)
    else:
        view = results_view(round_, page_number, per_page)
        page, rows, nav = view.page, view.rows, view.nav
    return render_template("commissioning/results.html", title=f"Results of {round_.name}", round=round_, page=page,
                           rows=rows, nav=nav, rankings=rankings, can_report=round_.status in REPORT_STATUSES)


@bp.route("/rounds/<int:round_id>/evaluation-report.pdf")
@roles_required(Role.commissioner)
def evaluation_report(round_id):
    from portal.documents.evaluation import evaluation_report_pdf
    from portal.documents.pdf import pdf_download

    round_ = _managed_round(round_id)
    if round_.status not in REPORT_STATUSES:
        flash("The evaluation report is ready once the decisions of the round are confirmed.", "error")
        return redirect(url_for(".round", round_id=round_.id))
    return pdf_download(evaluation_report_pdf(round_),
                        f"evaluation-report-{round_.system.slug}-round-{round_.number}.pdf")


@bp.route("/applications/<int:application_id>/outcome-letter.pdf")
@roles_required(Role.commissioner)
def outcome_letter(application_id):
    from portal.documents.evaluation import outcome_letter_download

    application = load_or_404(Application, application_id)
    if not application.round.can_manage(current_user) or not application.can_view(current_user):
        abort(404)
    if application.status is not ApplicationStatus.decided:
        flash("The outcome letter is ready once the decisions of the round are confirmed.", "error")
        return redirect(url_for(".round", round_id=application.round_id))
    return outcome_letter_download(application)

