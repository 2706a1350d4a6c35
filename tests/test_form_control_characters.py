"""Every form refuses control characters in typed text (PostgreSQL refuses NUL), keeping what was typed."""
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

from portal.forms import BaseForm


class NoteForm(BaseForm):
    title = StringField("Title")
    note = TextAreaField("Note")


def test_a_nul_byte_is_refused_with_a_message_and_the_text_kept(app):
    with app.test_request_context(method="POST"):
        form = NoteForm(formdata=MultiDict({"title": "Care\x00 homes", "note": "Line one\r\n\tLine two"}))
        assert form.validate() is False
        assert form.title.errors == ["Remove the invisible control characters from title"]
        assert form.note.errors == []  # tab, newline and carriage return are fine
        assert form.title.data == "Care\x00 homes"


def test_other_control_characters_are_refused_and_plain_text_passes(app):
    with app.test_request_context(method="POST"):
        refused = NoteForm(formdata=MultiDict({"title": "ok", "note": "bell\x07 escape\x1b"}))
        assert refused.validate() is False
        assert refused.note.errors == ["Remove the invisible control characters from note"]
        fine = NoteForm(formdata=MultiDict({"title": "Ünïcödé ✓", "note": "two\nlines"}))
        assert fine.validate() is True


def test_a_real_form_shows_the_error_summary_and_keeps_the_text(client, login, council):
    login(council.commissioner)
    response = client.post("/commissioning/systems/new", data={
        "title": "Home care\x00 DPS", "reference": "CCC-HC-1", "description": "Visits across the county"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Remove the invisible control characters from title" in page
    assert "Visits across the county" in page
