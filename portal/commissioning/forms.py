"""Forms a commissioner fills in."""
from decimal import Decimal

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,

    DecimalField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.forms import BaseForm, GovDateField, MoneyField, SubmitButton, no_control_characters

from .models import PROCEDURE_LABELS, Outcome, Scorer, Section, StandardKind

TIME = Regexp(r"^([01]?\d|2[0-3]):[0-5]\d$", message="Enter a time in 24-hour format, like 12:00 or 17:30")


class SystemForm(BaseForm):
    title = StringField("Title", widget=GovTextInput(),
                        validators=[DataRequired("Enter the system's title"), Length(max=200), no_control_characters])
    reference = StringField("Reference", widget=GovTextInput(), description="Your council's reference, like CCC-HCS-DPS-2017",
                            validators=[DataRequired("Enter the system's reference"), Length(max=60),
                                        Regexp(r"^[A-Za-z0-9][A-Za-z0-9/_-]*$",
                                               message="Use only letters, numbers, hyphens, underscores and slashes in the reference")])
    procedure = RadioField("Procedure", widget=GovRadioInput(),
                           choices=[(p.value, label) for p, label in PROCEDURE_LABELS.items()],
                           validators=[InputRequired("Select the procedure")])
    description = TextAreaField("Description (optional)", widget=GovTextArea(),
                                validators=[Optional(), Length(max=5000), no_control_characters])
    starts_on = GovDateField("Start of the system's lifetime", description="For example, 1 11 2017",
                          validators=[InputRequired("Enter the start date as a real date, like 1 11 2017")])
    ends_on = GovDateField("End of the system's lifetime", description="For example, 31 10 2027",
                        validators=[InputRequired("Enter the end date as a real date, like 31 10 2027")])
    quality_weight = IntegerField("Quality weight", widget=GovTextInput(), default=95,
                                  description="Points out of 100, for example 95",
                                  validators=[InputRequired("Enter the quality weight, a whole number from 0 to 100"),
                                              NumberRange(0, 100, "Enter a quality weight from 0 to 100")])
    social_value_weight = IntegerField("Social value weight", widget=GovTextInput(), default=5,
                                       description="Points out of 100, for example 5. Quality and social value add up to 100.",
                                       validators=[InputRequired("Enter the social value weight, a whole number from 0 to 100"),
                                                   NumberRange(0, 100, "Enter a social value weight from 0 to 100")])
    pass_mark = DecimalField("Pass mark", widget=GovTextInput(), default=60, places=2,
                             description="The total out of 100 an application must reach to pass a lot",
                             validators=[InputRequired("Enter the pass mark, a number from 0 to 100"),
                                         NumberRange(0, 100, "Enter a pass mark from 0 to 100")])
    scale_max = IntegerField("Top of the scoring scale", widget=GovTextInput(), default=5,
                             description="Scores run from 0 to this number; 5 is usual",
                             validators=[InputRequired("Enter the top of the scale, a whole number from 1 to 10"),
                                         NumberRange(1, 10, "Enter a top of the scale from 1 to 10")])
    always_open = BooleanField("Always open: take applications at any time and assess each on submission",
                               widget=GovCheckboxInput())
    standstill_working_days = IntegerField(
        "Standstill period in working days (optional)", widget=GovTextInput(),
        description="Working days between confirming a round's decisions and publishing them, so applicants can "
                    "challenge. Leave empty for the procedure's default: 8 for an open framework (Procurement Act "
                    "2023), none for the others. 0 means publish at once.",
        validators=[Optional(), NumberRange(0, 30, "Enter a standstill period from 0 to 30 working days")])
    cadence_months = IntegerField(
        "Months between rounds (optional)", widget=GovTextInput(),
        description="How often the system reopens, for example 3 or 4. Used to suggest the next round's dates.",
        validators=[Optional(), NumberRange(1, 12, "Enter the months between rounds, from 1 to 12")])
    submit = SubmitButton("Create the system")

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError("The end of the lifetime must be after its start")

    def validate_social_value_weight(self, field):
        if self.quality_weight.data is not None and field.data is not None and self.quality_weight.data + field.data != 100:
            raise ValidationError(f"The weights add up to {self.quality_weight.data + field.data}. "
                                  "Make quality and social value add up to 100")


class CopySystemForm(BaseForm):
    title = StringField("Title of the new system", widget=GovTextInput(),
                        validators=[DataRequired("Enter the new system's title"), Length(max=200), no_control_characters])
    reference = StringField("Reference of the new system", widget=GovTextInput(),
                            description="Your council's reference, like CCC-HCS-DPS-2027",
                            validators=[DataRequired("Enter the new system's reference"), Length(max=60),
                                        Regexp(r"^[A-Za-z0-9][A-Za-z0-9/_-]*$",
                                               message="Use only letters, numbers, hyphens, underscores and slashes in the reference")])
    starts_on = GovDateField("Start of the new system's lifetime", description="For example, 1 11 2027",
                             validators=[InputRequired("Enter the start date as a real date, like 1 11 2027")])
    ends_on = GovDateField("End of the new system's lifetime", description="For example, 31 10 2031",
                           validators=[InputRequired("Enter the end date as a real date, like 31 10 2031")])
    submit = SubmitButton("Copy the set-up")

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError("The end of the lifetime must be after its start")


class ParticipantForm(BaseForm):
    authority_name = StringField("Council", widget=GovTextInput(),
                                 description="The council's full name, like Peterborough City Council",
                                 validators=[DataRequired("Enter the council's name"), Length(max=200),
                                             no_control_characters])
    spend_cap = MoneyField("Authorised spend cap (optional)", widget=GovTextInput(), below=Decimal("1000000000000"),
                           description="The most this council may spend through the system, like 2500000",
                           validators=[Optional()])
    submit = SubmitButton("Add the council")


class SpendCapForm(BaseForm):
    spend_cap = MoneyField("Authorised spend cap (optional)", widget=GovTextInput(), below=Decimal("1000000000000"),
                           description="Leave empty if there is no cap", validators=[Optional()])
    submit = SubmitButton("Save the spend cap")


class ZoneNameForm(BaseForm):
    name = StringField("Zone name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the zone's name"), Length(max=120), no_control_characters])
    submit = SubmitButton("Save the name")


class RateForm(BaseForm):
    ceiling_rate = MoneyField("Hourly ceiling rate", widget=GovTextInput(), description="For example, 19.65",
                              validators=[InputRequired("Enter the hourly ceiling rate, like 19.65")])
    floor_rate = MoneyField("Hourly floor rate (optional)", widget=GovTextInput(),
                            description="Leave empty if providers take the ceiling rate", validators=[Optional()])
    enhanced_rate = MoneyField("Enhanced hourly rate for hard-to-serve areas (optional)", widget=GovTextInput(),
                               description="More than the ceiling rate. Leave empty if there is none.",
                               validators=[Optional()])
    submit = SubmitButton("Save the rates")


class LotForm(BaseForm):
    title = StringField("Lot title", widget=GovTextInput(), description="For example, Providers of Care",
                        validators=[DataRequired("Enter the lot's title"), Length(max=200), no_control_characters])
    description = TextAreaField("Description (optional)", widget=GovTextArea(),
                                validators=[Optional(), Length(max=5000), no_control_characters])
    submit = SubmitButton("Add lot")


class ZoneForm(BaseForm):
    name = StringField("Zone name", widget=GovTextInput(), description="A contracted area, for example Peterborough",
                       validators=[DataRequired("Enter the zone's name"), Length(max=120), no_control_characters])
    ceiling_rate = MoneyField("Hourly ceiling rate", widget=GovTextInput(), description="For example, 19.65",
                              validators=[InputRequired("Enter the hourly ceiling rate, like 19.65")])
    floor_rate = MoneyField("Hourly floor rate (optional)", widget=GovTextInput(),
                            description="Leave empty if providers take the ceiling rate", validators=[Optional()])
    submit = SubmitButton("Add zone")


class StandardForm(BaseForm):
    kind = RadioField("Kind of standard", widget=GovRadioInput(),
                      choices=[(k.value, k.label) for k in StandardKind],
                      validators=[InputRequired("Select the kind of standard")])
    title = StringField("Title", widget=GovTextInput(), description="For example, Previous experience",
                        validators=[DataRequired("Enter the standard's title"), Length(max=200), no_control_characters])
    description = TextAreaField("What the provider must confirm or show", widget=GovTextArea(),
                                validators=[DataRequired("Enter what the provider must confirm or show"),
                                            Length(max=5000), no_control_characters])
    submit = SubmitButton("Add standard")


class QuestionForm(BaseForm):
    section = RadioField("Section", widget=GovRadioInput(), choices=[(s.value, s.label) for s in Section],
                         validators=[InputRequired("Select quality or social value")])
    text = TextAreaField("Question", widget=GovTextArea(),
                         validators=[DataRequired("Enter the question"), Length(max=2000), no_control_characters])
    guidance = TextAreaField("Guidance for providers (optional)", widget=GovTextArea(),
                             validators=[Optional(), Length(max=5000), no_control_characters])
    weight = DecimalField("Weight", widget=GovTextInput(), places=2,
                          description="Points out of 100. The weights of a section's questions add up to the section's weight.",
                          validators=[InputRequired("Enter the weight, like 30"),
                                      NumberRange(min=0.01, max=100, message="Enter a weight greater than 0 and at most 100")])
    word_limit = IntegerField("Word limit", widget=GovTextInput(), default=500,
                              validators=[InputRequired("Enter the word limit, like 500"),
                                          NumberRange(1, 5000, "Enter a word limit from 1 to 5000")])
    min_score = IntegerField("Minimum acceptable score", widget=GovTextInput(), default=0,
                             description="An answer scoring below this fails the lot. 0 means no minimum.",
                             validators=[InputRequired("Enter the minimum acceptable score, like 2"),
                                         NumberRange(0, 10, "Enter a minimum score within the scale")])
    scorer = RadioField("Who scores it", widget=GovRadioInput(), choices=[(s.value, s.label) for s in Scorer],
                        default=Scorer.officers.value, validators=[InputRequired("Select who scores the question")])
    submit = SubmitButton("Add question")


class RoundForm(BaseForm):
    opens_on = GovDateField("Opening date", description="For example, 5 6 2027",
                         validators=[InputRequired("Enter the opening date as a real date, like 5 6 2027")])
    opens_time = StringField("Opening time", widget=GovTextInput(), default="09:00",
                             description="UK time, 24-hour clock, like 09:00", validators=[DataRequired("Enter the opening time"), TIME])
    closes_on = GovDateField("Closing date", description="For example, 4 7 2027",
                          validators=[InputRequired("Enter the closing date as a real date, like 4 7 2027")])
    closes_time = StringField("Closing time", widget=GovTextInput(), default="12:00",
                              description="UK time, 24-hour clock, like 12:00", validators=[DataRequired("Enter the closing time"), TIME])
    submit = SubmitButton("Schedule round")


class ReasonForm(BaseForm):
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[DataRequired("Enter the reason"), Length(max=2000), no_control_characters])
    submit = SubmitButton("Confirm")


class PauseForm(BaseForm):
    reason = TextAreaField("Why are you pausing the round?", widget=GovTextArea(),
                           description="Providers see this on their application and in an email",
                           validators=[DataRequired("Enter the reason for pausing the round"), Length(max=2000),
                                       no_control_characters])
    submit = SubmitButton("Pause the round")


class ExtendForm(BaseForm):
    closes_on = GovDateField("New closing date", description="For example, 4 7 2027",
                             validators=[InputRequired("Enter the new closing date as a real date, like 4 7 2027")])
    closes_time = StringField("New closing time", widget=GovTextInput(), default="12:00",
                              description="UK time, 24-hour clock, like 12:00",
                              validators=[DataRequired("Enter the new closing time"), TIME])
    reason = TextAreaField("Why are you extending the round?", widget=GovTextArea(),
                           description="Every applicant in the round is told this by email",
                           validators=[DataRequired("Enter the reason for extending the round"), Length(max=2000),
                                       no_control_characters])
    submit = SubmitButton("Extend the round")


class DecisionForm(BaseForm):
    outcome = RadioField("Decision", widget=GovRadioInput(),
                         choices=[(Outcome.admit.value, "Admit to the call-off list"), (Outcome.reject.value, "Do not admit")],
                         validators=[InputRequired("Select admit or do not admit")])
    reasons = TextAreaField("Reasons", widget=GovTextArea(), description="The provider will read these",
                            validators=[DataRequired("Enter the reasons for the decision"), Length(max=5000),
                                        no_control_characters])
    submit = SubmitButton("Record decision")


class ConfirmForm(BaseForm):
    submit = SubmitButton("Continue")


class RankingForm(BaseForm):
    ranks_lead_providers = BooleanField(
        "Rank passing applications per zone: this council picks a lead provider in each zone",
        widget=GovCheckboxInput())
    submit = SubmitButton("Save the ranking setting")
