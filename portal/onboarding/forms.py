"""Forms a provider fills in."""
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from portal.forms import BaseForm, GovDateField, MoneyField, SubmitButton, no_control_characters

from .identifiers import CQC_ID, CQC_LOCATION_MESSAGE
from .models import CQCRating


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


# ---- the organisation's profile, locations and colleagues


def _organisation_forms():
    """Registration's own fields, so a number valid at registration is valid in the profile (one place)."""
    from portal.auth.forms import RegisterProviderForm

    return RegisterProviderForm


def uk_phone(form, field):
    from .identifiers import PHONE_MESSAGE, is_phone

    if field.data and not is_phone(field.data):
        raise ValidationError(PHONE_MESSAGE)


def rating_date_not_future(form, field):
    from portal.clock import now

    if field.data and field.data > now().date():
        raise ValidationError("The date of the rating must be today or in the past")


_Register = _organisation_forms()


class OrganisationForm(BaseForm):
    legal_name = _Register.legal_name
    trading_name = _Register.trading_name
    companies_house_number = _Register.companies_house_number
    cqc_provider_id = _Register.cqc_provider_id
    cqc_rating = _Register.cqc_rating
    cqc_rating_date = _Register.cqc_rating_date
    address = _Register.address
    postcode = _Register.postcode
    contact_name = StringField("Main contact's name", widget=GovTextInput(),
                               description="The person the council writes to about your applications",
                               validators=[DataRequired("Enter the main contact's name"), Length(max=200),
                                           no_control_characters])
    contact_email = EmailField("Main contact's email address", widget=GovTextInput(),
                               validators=[DataRequired("Enter the main contact's email address"),
                                           Email("Enter an email address in the correct format, like name@example.com")])
    contact_phone = StringField("Main contact's telephone number (optional)", widget=GovTextInput(),
                                validators=[Optional(), Length(max=40), uk_phone])
    save = SubmitButton("Save changes")

    validate_cqc_rating_date = _Register.validate_cqc_rating_date
    validate_cqc_rating = _Register.validate_cqc_rating


class LocationForm(BaseForm):
    cqc_location_id = StringField(
        "CQC location ID", widget=GovTextInput(),
        description="Find it on the location's page on the CQC website. It looks like 1-123456789.",
        filters=[lambda v: v.strip() if v else v],
        validators=[DataRequired("Enter the CQC location ID"), Regexp(CQC_ID, message=CQC_LOCATION_MESSAGE)])
    name = StringField("Location name", widget=GovTextInput(), description="As CQC shows it",
                       validators=[DataRequired("Enter the location's name"), Length(max=200), no_control_characters])
    rating = SelectField("Current overall rating", widget=GovSelect(),
                         choices=[("", "Not yet rated")] + [(r.value, r.label) for r in CQCRating if r is not CQCRating.not_rated],
                         validators=[Optional()])
    rating_date = GovDateField("Date of that rating (optional)", description="For example, 27 3 2024",
                               validators=[Optional(), rating_date_not_future])
    save = SubmitButton("Save location")


class InviteForm(BaseForm):
    email = EmailField("Your colleague's email address", widget=GovTextInput(),
                       description="We will email them a link to join your organisation. The link works for 7 days.",
                       validators=[DataRequired("Enter your colleague's email address"),
                                   Email("Enter an email address in the correct format, like name@example.com")])
    send = SubmitButton("Send invitation")


class AcceptInvitationForm(BaseForm):
    name = _Register.name
    password = _Register.password
    confirm_password = _Register.confirm_password
    submit = SubmitButton("Join your organisation")


# ---- clarifications and following


class ClarificationForm(BaseForm):
    question = TextAreaField(
        "Your question", widget=GovCharacterCount(),
        description="Ask about this round: its lots, standards, questions, rates or documents. The council may publish "
                    "the question and its answer to every applicant, without your organisation's name.",
        validators=[DataRequired("Enter your question"),
                    Length(max=5000, message="Shorten your question to 5000 characters or fewer"),
                    no_control_characters])
    ask = SubmitButton("Send your question")


class AnswerClarificationForm(BaseForm):
    published_question = TextAreaField(
        "The question as other applicants will see it", widget=GovTextArea(),
        description="Remove anything that identifies the provider who asked, such as its name, staff or places.",
        validators=[Length(max=5000), no_control_characters])
    answer = TextAreaField("Your answer", widget=GovTextArea(),
                           validators=[DataRequired("Enter the answer"), Length(max=10000), no_control_characters])
    audience = RadioField(
        "Who should see the answer?", widget=GovRadioInput(),
        choices=[("all", "Publish to every applicant of the round, without the asker's name"),
                 ("asker", "Answer the provider who asked, privately")],
        validators=[InputRequired("Choose who should see the answer")])
    save = SubmitButton("Send the answer")

    def validate_published_question(self, field):
        if self.audience.data == "all" and not (field.data or "").strip():
            raise ValidationError("Enter the question as other applicants will see it")


class FollowForm(BaseForm):
    #: where to go back to: the page the button was on
    next = HiddenField()
    submit = SubmitButton("Follow")


class DocumentForm(BaseForm):
    """Upload one document against a minimum standard; the service checks the file itself."""

    file = FileField("Upload a file", widget=GovFileInput())
    expires_on = GovDateField("Expiry date", description="For example, 31 3 2027")
    confidential = BooleanField("This document is commercially confidential", widget=GovCheckboxInput())
    confidential_reason = TextAreaField(
        "Why is it confidential?", widget=GovTextArea(),
        description="For example, it shows your staff's pay rates. The council will ask you before disclosing it.",
        validators=[Length(max=2000, message="Shorten the reason to 2000 characters or fewer."),
                    no_control_characters])
    upload = SubmitButton("Upload file")


class ReuseAnswerForm(BaseForm):
    """Copy the answer from the organisation's last application; version guards a newer answer."""

    version = HiddenField()
