"""The one route helper: a service call is committed and thanked for, or refused and shown where the page shows it."""
from flask import get_flashed_messages
from wtforms import StringField

from portal.commissioning.models import Authority
from portal.core import DomainError, carry_out
from portal.extensions import db as _db
from portal.forms import BaseForm


class NameForm(BaseForm):
    name = StringField("Name")
    reference = StringField("Reference")


def _add_authority(name):
    authority = Authority(name=name, slug=name.lower().replace(" ", "-"))
    _db.session.add(authority)
    _db.session.flush()
    return authority


def _refuse_after_writing(message):
    _add_authority("Half Written Council")
    raise DomainError(message)


def test_success_commits_and_flashes_with_the_result(app, db):
    with app.test_request_context("/", method="POST"):
        outcome = carry_out(lambda: _add_authority("Fenland District Council"),
                            done=lambda authority: f"{authority.name} is added.")
        assert outcome and outcome.value.name == "Fenland District Council"
        assert get_flashed_messages(with_categories=True) == [("success", "Fenland District Council is added.")]
    _db.session.remove()
    assert _db.session.query(Authority).filter_by(name="Fenland District Council").count() == 1


def test_refusal_rolls_back_and_goes_on_the_chosen_field(app, db):
    with app.test_request_context("/", method="POST"):
        form = NameForm(formdata=None)
        outcome = carry_out(lambda: _refuse_after_writing("That reference is already used"), form=form,
                            field={"reference": "reference"}, done="never shown")
        assert not outcome and str(outcome.error) == "That reference is already used"
        assert form.reference.errors == ["That reference is already used"]
        assert form.form_errors == [] and get_flashed_messages() == []
        form2 = NameForm(formdata=None)
        carry_out(lambda: _refuse_after_writing("Enter a name"), form=form2,
                  field=lambda message: "name" if "name" in message else None)
        assert form2.name.errors == ["Enter a name"]
        form3 = NameForm(formdata=None)
        carry_out(lambda: _refuse_after_writing("The round is closed"), form=form3, field={"reference": "reference"})
        assert form3.form_errors == ["The round is closed"] and not form3.reference.errors
    assert _db.session.query(Authority).filter_by(name="Half Written Council").count() == 0


def test_refusal_without_a_form_is_flashed_as_an_error(app, db):
    with app.test_request_context("/", method="POST"):
        outcome = carry_out(lambda: _refuse_after_writing("The round is paused"), done="never shown")
        assert not outcome
        assert get_flashed_messages(with_categories=True) == [("error", "The round is paused")]
    assert _db.session.query(Authority).filter_by(name="Half Written Council").count() == 0
