"""Forms for declaring conflicts, scoring and moderating; fields are made per question and standard."""
from functools import lru_cache

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import RadioField, TextAreaField
from wtforms.fields.core import Label
from wtforms.validators import Length, Optional

from portal.forms import BaseForm, SubmitButton, no_control_characters
from portal.govuk_markup import GovRadioInput, GovTextArea, govuk_button

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


def _scoring_class(assignment):
    return _scoring_form_class(
        tuple(assignment.application.round.system.scale()),
        tuple((question.id, question.label) for question in assignment.questions()),
        tuple((standard.id, standard.title) for standard in assignment.standards()
              if not standard.kind.is_automatic))


def _saved_scores(assignment) -> dict:
    """{field name: value} of the scores and results the evaluator has saved."""
    values = {}
    scores = {score.question_id: score for score in assignment.scores}
    for question in assignment.questions():
        score = scores.get(question.id)
        if score:
            values[f"score_{question.id}"] = str(score.score)
            values[f"justification_{question.id}"] = score.justification
    for standard in assignment.standards():
        assessment = assignment.assessment_for(standard)
        if assessment and not standard.kind.is_automatic:
            values[f"standard_{standard.id}"] = "pass" if assessment.passed else "fail"
            values[f"reason_{standard.id}"] = assessment.reason
    return values


def scoring_form(assignment, formdata=None):
    """A score and justification per question, a pass/fail and reason per judged standard."""
    form = _scoring_class(assignment)(formdata=formdata)
    if formdata is None:
        _fill(form, _saved_scores(assignment))
    return form


def shown_scoring_form(assignment) -> "ShownForm":
    """The scoring form as the page shows it before anything is posted (saved scores, no errors)."""
    return ShownForm(_scoring_class(assignment), _saved_scores(assignment))


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


def _moderation_class(application):
    parts = []
    for lot in application.chosen_lots():
        parts += [("question", question.id, question.label) for question in lot.questions]
        parts += [("standard", standard.id, standard.title, lot.name) for standard in lot.standards
                  if not standard.kind.is_automatic]
    return _moderation_form_class(tuple(application.round.system.scale()), tuple(parts))


def _saved_moderation(form_class, moderated_scores, moderated_standards) -> dict:
    """{field name: value} of the agreed scores and results saved so far."""
    values = {}
    for m in moderated_scores.values():
        values[f"score_{m.question_id}"] = str(m.score)
        values[f"rationale_{m.question_id}"] = m.rationale
    for m in moderated_standards.values():
        if hasattr(form_class, f"standard_{m.standard_id}"):
            values[f"standard_{m.standard_id}"] = "pass" if m.passed else "fail"
            values[f"rationale_standard_{m.standard_id}"] = m.rationale
    return values


def moderation_form(application, moderated_scores, moderated_standards, formdata=None):
    form_class = _moderation_class(application)
    form = form_class(formdata=formdata)
    if formdata is None:
        _fill(form, _saved_moderation(form_class, moderated_scores, moderated_standards))
    return form


def shown_moderation_form(application, moderated_scores, moderated_standards) -> "ShownForm":
    """The moderation form as the page shows it before anything is posted (agreed values, no errors)."""
    form_class = _moderation_class(application)
    return ShownForm(form_class, _saved_moderation(form_class, moderated_scores, moderated_standards))


def _fill(form, values: dict) -> None:
    for name, value in values.items():
        getattr(form, name).data = value


class _ShownField:
    """One field of a ShownForm: the form class's label, choices and widget, the saved value, no errors;
    what radios_field and textarea_field read of a bound field."""

    errors = ()
    flags = ()

    def __init__(self, unbound, name: str, data):
        self.name = self.id = name
        self.label = Label(name, unbound.args[0])
        self.widget = unbound.kwargs["widget"]
        self.choices = unbound.kwargs.get("choices")
        self.coerce = unbound.kwargs.get("coerce", str)
        self.description = unbound.kwargs.get("description", "")
        self.render_kw = unbound.kwargs.get("render_kw")
        self.data = data

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class _ShownButton:
    """A submit button of a ShownForm, written as its SubmitButton field writes it."""

    def __init__(self, unbound, name: str):
        self.name, self.text = name, unbound.args[0]

    def __call__(self, params=None):
        markup = govuk_button({"id": self.name, "name": self.name, "value": "y", "type": "submit", "text": self.text,
                               **(params or {})})
        if markup is None:
            raise ValueError("a shown form's button takes classes only")
        return markup

    def __html__(self):
        return self()

    __str__ = __html__


class ShownForm:
    """The scoring or moderation form as a page shows it before anything is posted: each field with the form
    class's own label, choices and widget and the saved value, no errors; its fields are written by
    radios_field and textarea_field exactly as the bound form's (tests compare them). Binding a WTForms form
    of 40 fields costs more than writing them; a POST binds and validates the real form."""

    errors: dict = {}
    form_errors: tuple = ()

    def __init__(self, form_class, values: dict):
        self._class, self._values = form_class, values

    def __getitem__(self, name: str) -> _ShownField:
        unbound = getattr(self._class, name)
        if not issubclass(unbound.field_class, (RadioField, TextAreaField)):
            raise KeyError(name)
        return _ShownField(unbound, name, self._values.get(name))

    def __getattr__(self, name: str):
        unbound = getattr(self._class, name)
        if name.startswith("_") or not issubclass(getattr(unbound, "field_class", type), SubmitButton):
            raise AttributeError(name)
        return _ShownButton(unbound, name)

    @property
    def csrf_token(self) -> Markup:
        """The hidden CSRF field the bound form writes (none when CSRF is off, as in tests)."""
        return csrf_field()


def csrf_field() -> Markup:
    """The hidden CSRF field a bound Flask-WTF form writes (none when CSRF is off, as in tests)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return Markup(f'<input id="{escape(name)}" name="{escape(name)}" type="hidden" value="{escape(generate_csrf())}">')
