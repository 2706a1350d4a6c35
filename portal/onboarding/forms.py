"""Forms a provider fills in."""
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import BaseForm, MoneyField, SubmitButton, no_control_characters


MAX_ANSWER_CHARACTERS = 30000


class AnswerForm(BaseForm):
    text = TextAreaField("Your answer", widget=GovCharacterCount(),
                         validators=[Length(max=MAX_ANSWER_CHARACTERS,
                                            message="Your answer is too long to save. Shorten it."),
                                     no_control_characters])
    #: the version of the answer the provider started from, so another tab's save is not overwritten
    version = HiddenField()
    save = SubmitButton("Save and continue")
    save_and_return = SubmitButton("Save and come back later")


class StandardForm(BaseForm):
    confirmed = BooleanField("I confirm this statement", widget=GovCheckboxInput())
    text = TextAreaField("Your evidence", widget=GovTextArea(),
                         validators=[Length(max=MAX_ANSWER_CHARACTERS), no_control_characters])
    save = SubmitButton("Save and continue")


class LotsForm(BaseForm):
    """Lots and, per lot, zones; the zone fields are added for each lot by lots_form()."""

    lots = SelectMultipleField("Which lots are you applying for?", widget=GovCheckboxesInput(), coerce=int,
                               description="Select all that apply.")
    save = SubmitButton("Save and continue")


def lots_form(system, application, formdata=None):
    """A LotsForm with a zones field for each lot of the system."""

    class Form(LotsForm):
        pass

    for lot in system.lots:
        setattr(Form, f"zones_{lot.id}", SelectMultipleField(
            f"Zones for {lot.name}", widget=GovCheckboxesInput(), coerce=int,
            choices=[(zone.id, zone.name) for zone in system.zones],
            description="Select every zone where you can deliver this lot."))
    form = Form(formdata=formdata)
    form.lots.choices = [(lot.id, lot.name) for lot in system.lots]
    if formdata is None:
        form.lots.data = [choice.lot_id for choice in application.lots]
        for choice in application.lots:
            getattr(form, f"zones_{choice.lot_id}").data = [z.zone_id for z in choice.zones]
    return form


class RatesForm(BaseForm):
    accepted = BooleanField("I accept the council's hourly rates for the zones I have chosen",
                            widget=GovCheckboxInput())
    save = SubmitButton("Save and continue")


def rates_form(application, formdata=None):
    """A RatesForm with an optional offered rate for each chosen lot and zone that has a floor."""

    class Form(RatesForm):
        pass

    for choice in application.lots:
        for zone_choice in choice.zones:
            band = choice.lot.rate_for(zone_choice.zone)
            if band.floor_rate is not None:
                setattr(Form, f"rate_{choice.lot_id}_{zone_choice.zone_id}", MoneyField(
                    f"Your hourly rate for {zone_choice.zone.name}, {choice.lot.name} (optional)",
                    widget=GovTextInput(), validators=[Optional()],
                    description=f"Between £{band.floor_rate} and £{band.ceiling_rate}. Leave empty to take £{band.ceiling_rate}."))
    form = Form(formdata=formdata)
    if formdata is None:
        form.accepted.data = application.rate_accepted
        for choice in application.lots:
            for zone_choice in choice.zones:
                field = getattr(form, f"rate_{choice.lot_id}_{zone_choice.zone_id}", None)
                if field is not None:
                    field.data = zone_choice.offered_rate
    return form


class SubmitForm(BaseForm):
    declaration = BooleanField(
        "I confirm that the information in this application is true and complete, and that I am "
        "authorised to submit it for my organisation.", widget=GovCheckboxInput())
    submit = SubmitButton("Submit application")


class ConfirmForm(BaseForm):
    """A form with only a button, for actions like withdraw and reopen."""

    submit = SubmitButton("Continue")
