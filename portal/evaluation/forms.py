"""Forms for declaring conflicts, scoring and moderating; fields are made per question and standard."""
from functools import lru_cache

from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import BaseForm, SubmitButton, no_control_characters
from portal.govuk_markup import GovRadioInput, GovTextArea

PASS_FAIL = [("pass", "Pass"), ("fail", "Fail")]


def chosen_score(raw) -> int | None:
    """The score picked on a scale radio, or None when none was picked."""
    if raw in (None, "", "None"):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def chosen_pass(raw) -> bool | None:
    """True for Pass, False for Fail, None when neither was picked."""
    return {"pass": True, "fail": False}.get(raw)


def _text(label):
    return TextAreaField(label, widget=GovTextArea(), validators=[Optional(), Length(max=5000), no_control_characters])


def _scale_field(label, scale):
    # the services check the range and say how to fix it, so the field accepts any value
    return RadioField(label, widget=GovRadioInput(), validators=[Optional()], validate_choice=False,
                      choices=[(str(point), f"{point}: {words}") for point, words in scale])


def conflict_form(organisations, formdata=None):
    class Form(BaseForm):
        submit = SubmitButton("Confirm my declarations")

    for organisation in organisations:
        setattr(Form, f"interest_{organisation.id}", RadioField(
            f"Do you have any interest in {organisation.legal_name}?", widget=GovRadioInput(),
            choices=[("no", "No, I have no interest"), ("yes", "Yes, I have an interest")], validators=[Optional()],
            description="For example: you or a close relative work for, own, advise or have a dispute with it."))
        setattr(Form, f"details_{organisation.id}", _text(f"Details of your interest in {organisation.legal_name}"))
    return Form(formdata=formdata)


@lru_cache(maxsize=128)
def _scoring_form_class(scale: tuple, questions: tuple, standards: tuple):
    """The scoring form's class for these (question id, label) and judged (standard id, title): made once
    for each set, as making a class of 40 fields costs more than filling one in."""

    class Form(BaseForm):
        save = SubmitButton("Save my scores")
        submit_all = SubmitButton("Submit all my scores")

    for question_id, label in questions:
        setattr(Form, f"score_{question_id}", _scale_field(f"Your score for question {label}", scale))
        setattr(Form, f"justification_{question_id}", _text(f"Your reason for the score of question {label}"))
    for standard_id, title in standards:
        setattr(Form, f"standard_{standard_id}", RadioField(
            f"Does the provider meet “{title}”?", widget=GovRadioInput(), choices=PASS_FAIL,
            validators=[Optional()]))
        setattr(Form, f"reason_{standard_id}", _text(f"Your reason for “{title}”"))
    return Form


def scoring_form(assignment, formdata=None):
    """A score and justification per question, a pass/fail and reason per judged standard."""
    Form = _scoring_form_class(
        tuple(assignment.application.round.system.scale()),
        tuple((question.id, question.label) for question in assignment.questions()),
        tuple((standard.id, standard.title) for standard in assignment.standards()
              if not standard.kind.is_automatic))
    form = Form(formdata=formdata)
    if formdata is None:
        for question in assignment.questions():
            score = assignment.score_for(question)
            if score:
                getattr(form, f"score_{question.id}").data = str(score.score)
                getattr(form, f"justification_{question.id}").data = score.justification
        for standard in assignment.standards():
            assessment = assignment.assessment_for(standard)
            if assessment and not standard.kind.is_automatic:
                getattr(form, f"standard_{standard.id}").data = "pass" if assessment.passed else "fail"
                getattr(form, f"reason_{standard.id}").data = assessment.reason
    return form


@lru_cache(maxsize=128)
def _moderation_form_class(scale: tuple, parts: tuple):
    """The moderation form's class for these parts, lot by lot: ("question", id, label) and
    ("standard", id, title, lot name) for each judged standard; made once for each set."""

    class Form(BaseForm):
        save = SubmitButton("Save agreed scores")

    for kind, part_id, *words in parts:
        if kind == "question":
            [label] = words
            setattr(Form, f"score_{part_id}", _scale_field(f"Agreed score for question {label}", scale))
            setattr(Form, f"rationale_{part_id}", _text(f"Rationale for the agreed score of question {label}"))
        else:
            title, lot_name = words
            setattr(Form, f"standard_{part_id}", RadioField(
                f"Agreed result for “{title}” ({lot_name})", widget=GovRadioInput(), choices=PASS_FAIL,
                validators=[Optional()]))
            setattr(Form, f"rationale_standard_{part_id}", _text(f"Rationale for “{title}” ({lot_name})"))
    return Form


def moderation_form(application, moderated_scores, moderated_standards, formdata=None):
    parts = []
    for lot in application.chosen_lots():
        parts += [("question", question.id, question.label) for question in lot.questions]
        parts += [("standard", standard.id, standard.title, lot.name) for standard in lot.standards
                  if not standard.kind.is_automatic]
    Form = _moderation_form_class(tuple(application.round.system.scale()), tuple(parts))
    form = Form(formdata=formdata)
    if formdata is None:
        for m in moderated_scores.values():
            getattr(form, f"score_{m.question_id}").data = str(m.score)
            getattr(form, f"rationale_{m.question_id}").data = m.rationale
        for m in moderated_standards.values():
            field = getattr(form, f"standard_{m.standard_id}", None)
            if field is not None:
                field.data = "pass" if m.passed else "fail"
                getattr(form, f"rationale_standard_{m.standard_id}").data = m.rationale
    return form
