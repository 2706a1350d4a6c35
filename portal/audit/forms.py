"""The audit log's filter form (read with GET, so no CSRF token: it changes nothing)."""
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.forms import BaseForm, GovDateField


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    action = SelectField("Action", widget=GovSelect(), choices=[], validators=[Optional()])
    actor = SelectField("Who", widget=GovSelect(), choices=[], validators=[Optional()])
    object_type = SelectField("Kind of record", widget=GovSelect(), choices=[], validators=[Optional()])
    object_id = IntegerField("Record number (optional)", widget=GovTextInput(),
                             validators=[Optional(), NumberRange(min=1, message="Enter a record number of 1 or more")])
    date_from = GovDateField("From (optional)", description="For example, 1 6 2026", validators=[Optional()])
    date_to = GovDateField("To (optional)", description="For example, 30 6 2026", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")
