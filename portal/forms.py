"""Form pieces shared by every area."""
import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput
from wtforms import DateField, DecimalField, SubmitField
from wtforms.fields import FieldList, FormField, StringField
from wtforms.validators import ValidationError

from .govuk_markup import GovSubmitInput

# Control characters other than tab, newline and carriage return: PostgreSQL refuses NUL in text, and
# none of them belong in anything a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_fields(fields):
    for field in fields:
        if isinstance(field, FormField):
            yield from _text_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _text_fields(field.entries)
        elif isinstance(field, StringField):
            yield field


def control_characters_message(field) -> str:
    label = field.label.text if field.label and field.label.text else "this text"
    return f"Remove the invisible control characters from {label[:1].lower() + label[1:]}"


class BaseForm(FlaskForm):
    """Every form: CSRF token, no control characters in typed text, and a way to show a service's
    refusal against a field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
                message = control_characters_message(field)
                if isinstance(field.errors, tuple):
                    field.errors = list(field.errors)
                if not any(e.startswith("Remove the invisible control characters") for e in field.errors):
                    field.errors.append(message)
                valid = False
        return valid

    def add_error(self, message: str, field_name: str | None = None) -> None:
        """Put a service's DomainError on the form so the error summary shows it."""
        field = getattr(self, field_name, None) if field_name else None
        if field is None:
            self.form_errors.append(message)
        else:
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)


class SubmitButton(SubmitField):
    widget = GovSubmitInput()  # written in Python (portal/govuk_markup.py), the macro's markup exactly


class MoneyField(DecimalField):
    """Pounds and pence, typed with or without a £ sign, below `below` pounds (what its column can hold: hourly
    rates are stored with 8 digits, so under £1,000,000)."""

    def __init__(self, label=None, validators=None, below: Decimal = Decimal("1000000"), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.below = below

    def process_formdata(self, valuelist):
        if valuelist:
            raw = (valuelist[0] or "").strip().replace("£", "").replace(",", "")
            if raw == "":
                self.data = None
                return
            try:
                self.data = Decimal(raw)
            except InvalidOperation:
                self.data = None
                raise ValueError(self.gettext("Enter an amount in pounds and pence, like 19.65"))
            if not self.data.is_finite() or abs(self.data) >= self.below:
                self.data = None
                raise ValueError(f"Enter an amount less than £{self.below:,}, like 19.65")
            if self.data.as_tuple().exponent < -2:
                self.data = None
                raise ValueError("Enter an amount with no more than 2 decimal places, like 19.65")


def no_control_characters(form, field):
    """Kept for fields that name it; BaseForm.validate checks every text field anyway."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(control_characters_message(field))


class GovDateField(DateField):
    """A GOV.UK date input: three boxes (day, month, year) posted under one name."""

    def __init__(self, label=None, validators=None, **kwargs):
        from govuk_frontend_wtf.wtforms_widgets import GovDateInput

        kwargs.setdefault("widget", GovDateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not any(v.strip() for v in valuelist):
            self.data = None
            return
        if valuelist and len(valuelist) != 3:
            self.data = None
            raise ValueError("Enter a day, month and year")
        super().process_formdata([" ".join(v.strip() for v in valuelist)] if valuelist else valuelist)

    def process(self, formdata, data=None, **kwargs):
        super().process(formdata, data, **kwargs)
        if self.raw_data is not None and len(self.raw_data) != 3:
            # the widget shows three boxes: keep what was typed, or show them empty
            self.raw_data = (list(self.raw_data) + ["", "", ""])[:3] if self.raw_data else None


def _keep_the_legend(widget_class) -> None:
    """Sizing a group's legend with params={"fieldset": {"legend": {"classes": ...}}} must not drop the
    legend's words: govuk-frontend-wtf fills the legend from the field's label only when no fieldset
    is given, and a radio or checkbox group without a legend has no name for screen readers."""
    original = widget_class.map_gov_params

    def map_gov_params(self, field, **kwargs):
        params = original(self, field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        if not legend.get("text") and not legend.get("html"):
            legend["text"] = field.label.text
        return params

    widget_class.map_gov_params = map_gov_params


for _widget in (GovRadioInput, GovCheckboxesInput, GovDateInput):
    _keep_the_legend(_widget)
