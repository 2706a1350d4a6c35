"""Forms of the commissioner's evaluation pages (assigning, moving work, interests, deadline,
panel questions) and of the panel member's one-answer-a-page view."""
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.commissioning.models import Scorer
from portal.forms import BaseForm, SubmitButton, no_control_characters

from .models import ConflictDecision


def _reason(label, message, description=None):
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[DataRequired(message), Length(max=2000), no_control_characters])


class AssignRoundForm(BaseForm):
    how = RadioField("How do you want to share the work?", widget=GovRadioInput(), default="team",
                     choices=[("team", "As a team: every chosen evaluator scores every application"),
                              ("spread", "Spread evenly: each application gets a number of the chosen evaluators, "
                                         "sharing the work out equally")],
                     validators=[Optional()])
    lot = SelectField("Which applications?", widget=GovSelect(), validators=[Optional()])
    evaluators = SelectMultipleField("Evaluators", widget=GovCheckboxesInput(), coerce=int,
                                     description="Panel members score only the questions marked for the panel. "
                                                 "To spread the work, choose only officers or only panel members.")
    per_application = IntegerField("Evaluators for each application (when spreading)", widget=GovTextInput(),
                                   validators=[Optional(), NumberRange(1, 50, "Enter a number from 1 to 50")],
                                   description="For example 2: every application is scored by two of the people "
                                               "you chose.")
    submit = SubmitButton("Assign evaluators")


class AddEvaluatorsForm(BaseForm):
    evaluators = SelectMultipleField("Add evaluators to this application", widget=GovCheckboxesInput(), coerce=int,
                                     validators=[DataRequired("Select at least one evaluator")])
    submit = SubmitButton("Add evaluators")


class ReassignForm(BaseForm):
    to_evaluator = RadioField("Who takes over?", widget=GovRadioInput(), coerce=int,
                              validators=[InputRequired("Select the evaluator who takes over")])
    reason = _reason("Why is the work moving?", "Enter why the work is moving, for example that the evaluator is ill")
    submit = SubmitButton("Move the work")


class DecideConflictForm(BaseForm):
    decision = RadioField("What happens now?", widget=GovRadioInput(),
                          choices=[(ConflictDecision.allowed.value, "Allow the evaluator to go on, with a mitigation"),
                                   (ConflictDecision.reassigned.value, "Move the work to another evaluator")],
                          validators=[InputRequired("Select allow or move the work")])
    mitigation = TextAreaField("Mitigation (if you allow)", widget=GovTextArea(),
                               validators=[Optional(), Length(max=2000), no_control_characters],
                               description="For example: a second officer checks every score this evaluator gives.")
    to_evaluator = SelectField("Evaluator who takes over (if you move the work)", widget=GovSelect(), coerce=int,
                               validators=[Optional()])
    submit = SubmitButton("Record the decision")


class ExtendDeadlineForm(BaseForm):
    justification = _reason("Justification", "Enter the justification for the longer deadline",
                            "Recorded and shown on the round. For example: 42 applications arrived and the panel "
                            "meets weekly.")
    submit = SubmitButton("Extend to 15 working days")


SCORER_CHOICES = [(s.value, s.label) for s in Scorer]


def panel_questions_form(questions, formdata=None):
    class Form(BaseForm):
        submit = SubmitButton("Save who scores each question")

    for question in questions:
        setattr(Form, f"scorer_{question.id}", RadioField(
            f"Question {question.label}: {question.text}", widget=GovRadioInput(), choices=SCORER_CHOICES,
            default=question.scorer.value, validators=[InputRequired("Choose who scores this question")]))
    return Form(formdata=formdata)


class PanelAnswerForm(BaseForm):
    score = RadioField("How good is this answer?", validators=[Optional()], choices=[])
    reason = TextAreaField("Why did you choose that?", widget=GovTextArea(),
                           validators=[Optional(), Length(max=5000), no_control_characters],
                           description="Use your own words. A few words are fine.")
    previous = SubmitButton("Previous answer")
    save = SubmitButton("Save and continue")
