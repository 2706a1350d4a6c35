"""Forms for signing in and registering a provider."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError  # noqa: F401

from portal.forms import BaseForm, GovDateField, SubmitButton, no_control_characters
from portal.onboarding.identifiers import (  # noqa: F401 - one place for the formats
    COMPANIES_HOUSE,
    COMPANIES_HOUSE_MESSAGE,
    CQC_ID,
    CQC_PROVIDER_MESSAGE,
    POSTCODE,
    POSTCODE_MESSAGE,
    normalise_companies_house,
    normalise_postcode,
)
from portal.onboarding.models import CQCRating

from .passwords import MIN_LENGTH, StrongPassword

PASSWORD_HINT = f"At least {MIN_LENGTH} characters. Three or more random words make a strong password."



class SignInForm(BaseForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address"), no_control_characters])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password")])
    submit = SubmitButton("Sign in")


class RegisterProviderForm(BaseForm):
    legal_name = StringField("Legal name of your organisation", widget=GovTextInput(),
                             description="As registered at Companies House or the Charity Commission",
                             validators=[DataRequired("Enter your organisation's legal name"), Length(max=200),
                                         no_control_characters])
    trading_name = StringField("Trading name (optional)", widget=GovTextInput(),
                               validators=[Optional(), Length(max=200), no_control_characters])
    companies_house_number = StringField(
        "Companies House number (optional)", widget=GovTextInput(),
        description="8 characters, like 01234567 or SC123456. Leave empty if you are not a company.",
        filters=[normalise_companies_house],
        validators=[Optional(), Regexp(COMPANIES_HOUSE, message=COMPANIES_HOUSE_MESSAGE)])
    cqc_provider_id = StringField(
        "CQC provider ID (optional)", widget=GovTextInput(),
        description="Find it on your CQC registration certificate. It looks like 1-101234567.",
        filters=[lambda v: v.strip() if v else v],
        validators=[Optional(), Regexp(CQC_ID, message=CQC_PROVIDER_MESSAGE)])
    cqc_rating = SelectField(
        "Current CQC overall rating", widget=GovSelect(),
        choices=[("", "Not registered with CQC")] + [(r.value, r.label) for r in CQCRating],
        validators=[Optional()])
    cqc_rating_date = GovDateField("Date of that rating (optional)",
                                description="For example, 27 3 2024", validators=[Optional()])
    address = TextAreaField("Registered address", widget=GovTextArea(),
                            validators=[DataRequired("Enter your organisation's registered address"),
                                        Length(max=500), no_control_characters])
    postcode = StringField("Postcode", widget=GovTextInput(), filters=[normalise_postcode],
                           validators=[DataRequired("Enter the postcode"),
                                       Regexp(POSTCODE, message=POSTCODE_MESSAGE)])
    name = StringField("Your full name", widget=GovTextInput(),
                       validators=[DataRequired("Enter your full name"), Length(max=200), no_control_characters])
    email = EmailField("Your email address", widget=GovTextInput(),
                       description="You will use this to sign in",
                       validators=[DataRequired("Enter your email address"),
                                   Email("Enter an email address in the correct format, like name@example.com")])
    password = PasswordField("Create a password", widget=GovPasswordInput(),
                             description=PASSWORD_HINT,
                             validators=[DataRequired("Enter a password"), StrongPassword()])
    confirm_password = PasswordField("Confirm your password", widget=GovPasswordInput(),
                                     validators=[DataRequired("Confirm your password"),
                                                 EqualTo("password", message="The passwords do not match")])
    submit = SubmitButton("Register")

    def validate_cqc_rating_date(self, field):
        from portal.clock import now

        if field.data and field.data > now().date():
            raise ValidationError("The date of the rating must be today or in the past")

    def validate_cqc_rating(self, field):
        if field.data and not self.cqc_provider_id.data:
            raise ValidationError("Enter your CQC provider ID, or choose Not registered with CQC")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[DataRequired("Enter your current password")])
    password = PasswordField("New password", widget=GovPasswordInput(), description=PASSWORD_HINT,
                             validators=[DataRequired("Enter a new password"), StrongPassword()])
    confirm_password = PasswordField("Confirm your new password", widget=GovPasswordInput(),
                                     validators=[DataRequired("Confirm your new password"),
                                                 EqualTo("password", message="The passwords do not match")])
    submit = SubmitButton("Change password")


class ForgotPasswordForm(BaseForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address"), no_control_characters,
                                   Email("Enter an email address in the correct format, like name@example.com")])
    submit = SubmitButton("Send me a link")


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", widget=GovPasswordInput(), description=PASSWORD_HINT,
                             validators=[DataRequired("Enter a new password"), StrongPassword()])
    confirm_password = PasswordField("Confirm your new password", widget=GovPasswordInput(),
                                     validators=[DataRequired("Confirm your new password"),
                                                 EqualTo("password", message="The passwords do not match")])
    submit = SubmitButton("Save new password")


APP_CODE_HINT = "The 6-digit code your authenticator app shows now, like 123456"


def _code_field(description: str = APP_CODE_HINT) -> StringField:
    """The box for a code from the authenticator app (or a recovery code, where the description says so)."""
    return StringField("Code from your authenticator app", widget=GovTextInput(), description=description,
                       validators=[DataRequired("Enter the 6-digit code from your authenticator app"),
                                   Length(max=40, message="Enter the 6-digit code from your authenticator app"),
                                   no_control_characters])


class TwoStepCodeForm(BaseForm):
    """The second step of signing in: a code from the app, or a recovery code."""
    code = _code_field(APP_CODE_HINT + ". If you cannot use your app, enter one of your recovery codes.")
    submit = SubmitButton("Continue")


class SetUpTwoStepForm(BaseForm):
    code = _code_field()
    submit = SubmitButton("Turn on two-step verification")


class NewRecoveryCodesForm(BaseForm):
    code = _code_field()
    submit = SubmitButton("Make new recovery codes")


class TurnOffTwoStepForm(BaseForm):
    password = PasswordField("Your password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password")])
    code = _code_field(APP_CODE_HINT + ", or one of your recovery codes")
    submit = SubmitButton("Turn off two-step verification")


class CouncilSignInForm(BaseForm):
    require_two_step = BooleanField(
        "Require two-step verification for council staff", widget=GovCheckboxInput())
    submit = SubmitButton("Save")


class ConfirmResetForm(BaseForm):
    submit = SubmitButton("Reset two-step verification")
