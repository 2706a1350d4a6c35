"""Forms a commissioner fills in to change a call-off list's members."""
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovTextArea
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import BaseForm, GovDateField, SubmitButton, no_control_characters

from .models import REINSTATEMENT_CATEGORIES, REMOVAL_CATEGORIES, SUSPENSION_CATEGORIES


def _category_field(label, categories):
    return RadioField(label, widget=GovRadioInput(), choices=[(c.value, c.label) for c in categories],
                      validators=[InputRequired("Select the reason category")])


def _reason_field(label):
    return TextAreaField(label, widget=GovTextArea(),
                         description="Kept in the council's records and the audit log; the public list shows only the category",
                         validators=[DataRequired("Enter the reason"), Length(max=2000), no_control_characters])


class SuspendForm(BaseForm):
    category = _category_field("Why are you suspending this provider?", SUSPENSION_CATEGORIES)
    reason = _reason_field("Details of the reason")
    until = GovDateField("Last day of the suspension (optional)",
                         description="The provider is back on the list the day after, without anyone acting. "
                                     "Leave it empty to keep the suspension until you reinstate the provider. "
                                     "For example, 30 9 2026",
                         validators=[Optional()])
    submit = SubmitButton("Suspend the provider")


class ReinstateForm(BaseForm):
    category = _category_field("Why are you reinstating this provider?", REINSTATEMENT_CATEGORIES)
    reason = _reason_field("Details of the reason")
    submit = SubmitButton("Reinstate the provider")


class RemoveForm(BaseForm):
    category = _category_field("Why are you removing this provider?", REMOVAL_CATEGORIES)
    reason = _reason_field("Details of the reason")
    submit = SubmitButton("Remove the provider from the list")


class ImportUploadForm(BaseForm):
    file = FileField("CSV file of providers", widget=GovFileInput(),
                     description="One row per provider and lot, with the columns listed above")
    submit = SubmitButton("Check the file")


class ImportConfirmForm(BaseForm):
    #: the checked file travels with the confirmation and is checked again before anything is stored
    csv_text = HiddenField(validators=[DataRequired()])
    source = HiddenField()
    submit = SubmitButton("Add these providers")
